"""Static files under content-hashed URLs with a year's caching, and compressed responses
(passport/assets.py)."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest
from flask.testing import FlaskClient

from passport.assets import IMMUTABLE

HASHED = re.compile(r'href="(/static/nhsuk/nhsuk-frontend\.min\.css\?v=([0-9a-f]{12}))"')


def stylesheet_url(client) -> str:
    return HASHED.search(client.get("/sign-in").get_data(as_text=True)).group(1)


def test_pages_link_static_files_by_content_hash(client, app):
    html = client.get("/sign-in").get_data(as_text=True)
    assert re.search(r'href="/static/app\.css\?v=[0-9a-f]{12}"', html)
    assert re.search(r'href="/static/nhsuk/assets/images/favicon\.svg\?v=[0-9a-f]{12}"', html)
    assert HASHED.search(html)


def test_a_hashed_url_is_cached_for_a_year_and_an_old_one_is_not(client):
    url = stylesheet_url(client)
    assert client.get(url).headers["Cache-Control"] == IMMUTABLE
    stale = url.rsplit("=", 1)[0] + "=000000000000"
    assert "immutable" not in client.get(stale).headers.get("Cache-Control", "")
    assert "immutable" not in client.get("/static/app.css").headers.get("Cache-Control", "")


def test_the_hash_changes_when_the_file_does(app, tmp_path):
    from passport.assets import static_version

    (tmp_path / "x.css").write_text("a { color: red }")
    first = static_version(str(tmp_path), "x.css")
    (tmp_path / "x.css").write_text("a { color: blue }")
    assert static_version(str(tmp_path), "x.css") != first
    assert static_version(str(tmp_path), "../x.css") is None
    assert static_version(str(tmp_path), "missing.css") is None


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [
        ("br", "br", brotli.decompress),
        ("gzip", "gzip", gzip.decompress),
        ("gzip, deflate, br", "br", brotli.decompress),
    ],
)
def test_static_text_is_compressed_when_the_browser_accepts_it(client, accept, encoding, decode):
    url = stylesheet_url(client)
    plain = client.get(url).data
    response = client.get(url, headers={"Accept-Encoding": accept})
    assert response.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    assert decode(response.data) == plain
    assert len(response.data) < len(plain) / 5
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert "Accept-Ranges" not in response.headers


def test_a_compressed_static_file_still_revalidates(client):
    first = client.get("/static/nhsuk/nhsuk-frontend.min.css", headers={"Accept-Encoding": "gzip"})
    assert first.headers["ETag"].startswith('W/"')
    again = client.get(
        "/static/nhsuk/nhsuk-frontend.min.css",
        headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304


def test_pages_are_compressed_and_still_never_stored(app, client, world):
    client.sign_in_as(world.young_person)
    plain = client.get("/my-passport/").get_data()
    # The plain client: the checking one reads every HTML page as text, which a compressed page is not.
    with app.app_context():
        response = FlaskClient.open(client, "/my-passport/", headers={"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "br"
    assert response.headers["Cache-Control"] == "no-store"
    page = brotli.decompress(response.data)
    assert b">My health passport</h1>" in page
    assert abs(len(page) - len(plain)) < 100  # the same page, apart from its nonce and tokens


def test_no_compression_without_accept_encoding_small_bodies_or_pdfs(client, world):
    assert "Content-Encoding" not in client.get("/sign-in").headers
    assert "Content-Encoding" not in client.get("/healthz", headers={"Accept-Encoding": "br"}).headers
    client.sign_in_as(world.young_person)
    from tests.conftest import csrf_token

    card = client.post(
        "/my-passport/download/emergency-card",
        data={"csrf_token": csrf_token(client)},
        headers={"Accept-Encoding": "br, gzip"},
    )
    assert card.mimetype == "application/pdf"
    assert "Content-Encoding" not in card.headers


def test_compression_can_be_left_to_a_proxy():
    from passport import create_app

    app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://", COMPRESS_RESPONSES=False)
    response = app.test_client().get(
        "/static/nhsuk/nhsuk-frontend.min.css", headers={"Accept-Encoding": "br"}
    )
    assert "Content-Encoding" not in response.headers
