"""Security headers on every response, cookie flags, and what production refuses to start with."""

from __future__ import annotations

import re

import pytest

from passport import create_app
from passport.config import ConfigurationError


def test_security_headers_on_a_public_page(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert re.search(r"script-src 'self' 'nonce-[\w-]{16,}'", csp)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_nonce_is_new_for_every_response_and_matches_the_inline_script(client):
    first, second = client.get("/sign-in"), client.get("/sign-in")
    nonces = [
        re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"]).group(1) for r in (first, second)
    ]
    assert nonces[0] != nonces[1]
    assert f'<script nonce="{nonces[0]}">' in first.get_data(as_text=True)


def test_signed_in_pages_are_never_cached(client, world):
    client.sign_in_as(world.nurse)
    response = client.get(f"/staff/passports/{world.passport.id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_error_pages_carry_the_headers_too(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_static_files_may_be_cached(client):
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_session_cookie_is_httponly_and_lax(client, world):
    from tests.factories import PASSWORD
    from tests.web.test_auth import sign_in

    response = sign_in(client, world.nurse.email, PASSWORD)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("passport_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


PRODUCTION_DB = {"DATABASE_URL": "postgresql+psycopg://app@db.invalid/passport"}
ISSUER = "https://passport.example.org"


@pytest.mark.parametrize("secret", [None, "", "dev", "change-me", "short-but-not-default"])
def test_production_refuses_a_missing_or_weak_secret_key(monkeypatch, secret):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app(
            "production", SECRET_KEY=secret or "", SQLALCHEMY_DATABASE_URI=PRODUCTION_DB["DATABASE_URL"]
        )


def test_production_refuses_sqlite_unless_told_it_is_a_pilot():
    with pytest.raises(ConfigurationError, match="SQLite"):
        create_app(
            "production",
            SECRET_KEY="x" * 40,
            SQLALCHEMY_DATABASE_URI="sqlite:///prod.sqlite3",
            ALLOW_SQLITE_IN_PRODUCTION=False,
            SHC_ISSUER=ISSUER,
        )


def test_production_cookies_are_secure_and_host_prefixed():
    app = create_app(
        "production",
        SECRET_KEY="x" * 40,
        SQLALCHEMY_DATABASE_URI=PRODUCTION_DB["DATABASE_URL"],
        SHC_ISSUER=ISSUER,
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SEND_HSTS"] is True


def test_production_sends_hsts():
    app = create_app(
        "production",
        SECRET_KEY="x" * 40,
        SQLALCHEMY_DATABASE_URI="sqlite://",
        ALLOW_SQLITE_IN_PRODUCTION=True,
        SHC_ISSUER=ISSUER,
    )
    response = app.test_client().get("/static/app.css")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize(
    "issuer",
    [None, "", "http://passport.example.org", "https://passport.example.org/", "passport.example.org"],
)
def test_production_refuses_to_start_without_a_fixed_https_card_issuer(monkeypatch, issuer):
    """Item 12 of issue 18: the signed card's issuer came from the request's host name, so a card made at
    one address failed at another, and production started without SHC_ISSUER."""
    monkeypatch.delenv("SHC_ISSUER", raising=False)
    with pytest.raises(ConfigurationError, match="SHC_ISSUER"):
        create_app(
            "production",
            SECRET_KEY="x" * 40,
            SQLALCHEMY_DATABASE_URI=PRODUCTION_DB["DATABASE_URL"],
            SHC_ISSUER=issuer,
        )
    app = create_app(
        "production",
        SECRET_KEY="x" * 40,
        SQLALCHEMY_DATABASE_URI=PRODUCTION_DB["DATABASE_URL"],
        SHC_ISSUER=ISSUER,
    )
    assert app.config["SHC_ISSUER"] == ISSUER


def test_unknown_environment_name_is_refused():
    with pytest.raises(ConfigurationError, match="PASSPORT_ENV"):
        create_app("staging-ish")


def test_requests_over_the_size_limit_get_413(client):
    response = client.post("/sign-in", data={"email": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
