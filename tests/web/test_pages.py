"""What each person sees on their main pages, the language switch, errors, and the health check."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from passport import clock
from passport.extensions import db
from passport.models import User
from passport.policy import HANDOVER_NOTICE_DAYS
from tests import factories
from tests.conftest import csrf_token
from tests.html_checks import page_text


def test_the_young_person_sees_their_own_passport(client, world):
    client.sign_in_as(world.young_person)
    text = page_text(client.get("/my-passport/").get_data(as_text=True))
    assert "Robin Fairweather" in text
    assert "999 000 0018" in text  # NHS number shown 3-3-4
    assert "Jesse Underwood" not in text


def test_the_handover_notice_shows_in_the_30_days_before_18(app, client, world):
    from datetime import timedelta

    eighteenth = clock.birthday(world.passport.date_of_birth, 18)
    client.sign_in_as(world.young_person)
    app.config["FROZEN_NOW"] = clock.now().replace(
        year=eighteenth.year, month=eighteenth.month, day=eighteenth.day, hour=12
    ) - timedelta(days=HANDOVER_NOTICE_DAYS)
    client.sign_in_as(world.young_person)
    assert "From then, this passport is yours alone" in client.get("/my-passport/").get_data(as_text=True)
    client.sign_in_as(world.nurse)
    page = client.get(f"/staff/passports/{world.passport.id}").get_data(as_text=True)
    assert "turns 18 on" in page
    assert "They have said you can still see it after that." in page  # the factory's passport said yes


def test_the_adviser_sees_readiness_not_clinical_detail(client, world):
    client.sign_in_as(world.adviser)
    text = page_text(client.get("/adviser/").get_data(as_text=True))
    assert "Robin Fairweather" in text
    page = page_text(client.get(f"/adviser/young-people/{world.passport.id}").get_data(as_text=True))
    assert "Health details are private" in page


def test_an_18_year_old_who_withdrew_access_says_so_to_the_nurse(client, world):
    passport = factories.create_passport(
        organisation=world.organisation,
        team=world.team,
        age=19,
        nurse=world.nurse,
        nurse_access_after_18=False,
    )
    client.sign_in_as(world.nurse)
    response = client.get(f"/staff/passports/{passport.id}")
    assert response.status_code == 403
    assert "they have not chosen to share it with you" in response.get_data(as_text=True)


def test_choosing_a_language_switches_the_page_and_its_direction(client):
    response = client.post(
        "/language", data={"locale": "ar", "next": "/sign-in", "csrf_token": csrf_token(client)}
    )
    assert response.headers["Location"] == "/sign-in"
    html = client.get("/sign-in").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html


def test_the_language_choice_is_remembered_on_the_account(client, world):
    client.sign_in_as(world.nurse)
    client.post("/language", data={"locale": "cy", "next": "/", "csrf_token": csrf_token(client)})
    assert db.session.get(User, world.nurse.id).preferred_locale == "cy"


def test_the_browser_language_is_used_when_nothing_was_chosen(client):
    html = client.get("/sign-in", headers={"Accept-Language": "fa-IR,fa;q=0.9,en;q=0.5"}).get_data(
        as_text=True
    )
    assert '<html lang="fa" dir="rtl">' in html
    html = client.get("/sign-in", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert '<html lang="en-GB" dir="ltr">' in html


@pytest.mark.parametrize(
    "foreign",
    ["//evil.example/", "/\\evil.example/", "/\\/evil.example/", "https://evil.example/", "/\t/evil.example"],
)
def test_an_unknown_language_or_a_foreign_return_link_is_ignored(client, foreign):
    response = client.post(
        "/language",
        data={"locale": "xx", "next": foreign, "csrf_token": csrf_token(client)},
    )
    assert response.headers["Location"] == "/"
    assert '<html lang="en-GB"' in client.get("/sign-in").get_data(as_text=True)


def test_every_language_is_offered_in_its_own_script_and_drafts_are_marked(client):
    text = page_text(client.get("/language").get_data(as_text=True))
    for name in ("Cymraeg", "العربية", "فارسی", "پښتو", "ትግርኛ", "Shqip", "Tiếng Việt"):
        assert f"{name} (draft translation)" in text
    assert "English (draft translation)" not in text


def test_every_page_links_to_the_language_page_and_not_a_language_form(client, world):
    """The language is a link in the header (to a page of its own), not a form on every page: on a phone a
    bar of its own pushed each page's heading down. The link says the current language in its own name."""
    html = client.get("/sign-in?from=invite").get_data(as_text=True)
    assert 'id="language-select"' not in html and "app-language-bar" not in html
    assert 'href="/language?next=/sign-in?from%3Dinvite"' in html
    client.post("/language", data={"locale": "ar", "next": "/", "csrf_token": csrf_token(client)})
    client.sign_in_as(world.young_person)
    html = client.get("/my-passport/").get_data(as_text=True)
    assert 'href="/language?next=/my-passport/"' in html
    assert "العربية</a>" in " ".join(html.split()).replace(" </a>", "</a>")


def test_the_language_page_offers_each_language_and_goes_back_where_it_came_from(client):
    html = client.get("/language?next=/sign-in").get_data(as_text=True)
    assert html.count('name="locale" type="radio"') == 8
    assert 'value="en_GB" checked' in html  # the one in use is chosen already
    assert 'name="next" value="/sign-in"' in html
    assert 'class="nhsuk-back-link__link" href="/sign-in"' in html
    response = client.post(
        "/language", data={"locale": "vi", "next": "/sign-in", "csrf_token": csrf_token(client)}
    )
    assert response.headers["Location"] == "/sign-in"
    html = client.get("/language?next=/sign-in").get_data(as_text=True)
    assert 'value="vi" checked' in html and '<html lang="vi"' in html


@pytest.mark.parametrize(
    "foreign", ["//evil.example/", "/\\evil.example/", "https://evil.example/", "javascript:alert(1)"]
)
def test_the_language_page_sends_nobody_to_another_site(client, foreign):
    html = client.get("/language", query_string={"next": foreign}).get_data(as_text=True)
    assert 'name="next" value="/"' in html
    assert "evil" not in html and "javascript:" not in html


def test_not_found_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_a_passport_id_that_is_not_a_uuid_is_a_plain_404(client, world):
    client.sign_in_as(world.nurse)
    assert client.get("/staff/passports/12").status_code == 404


def test_healthz_says_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_healthz_says_unavailable_when_the_database_does_not(app, monkeypatch):
    from passport import health

    def broken(app):
        raise RuntimeError("database is down")

    monkeypatch.setattr(health, "_database", broken)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
    assert response.get_json()["database"] == "unavailable"


def test_a_signed_in_person_going_home_lands_on_their_own_start_page(client, world):
    expected = {
        world.young_person: "/my-passport/",
        world.nurse: "/staff/caseload",
        world.adviser: "/adviser/",
        world.admin: "/admin/staff",
    }
    for user, location in expected.items():
        client.sign_in_as(db.session.scalar(select(User).where(User.id == user.id)))
        assert client.get("/").headers["Location"] == location
