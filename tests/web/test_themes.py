"""The young person's own look (issue #21): a colour theme and a short name, on their pages, their PDF's
cover and their wallet card, and never on a staff page."""

from __future__ import annotations

import re

import pytest

from passport import themes
from passport.extensions import db
from passport.models import Passport
from tests.conftest import csrf_token
from tests.exports.test_exports_web import pdf_text
from tests.html_checks import page_text
from tests.web.test_birth_history import every_page

TITLE = "Robin's MARKER-LOOK-5T"


def choose(client, world, theme="purple", title=TITLE):
    client.sign_in_as(world.young_person)
    version = db.session.get(Passport, world.passport.id).version
    return client.post(
        "/my-passport/my-look",
        data={"csrf_token": csrf_token(client), "version": str(version), "theme": theme, "title": title},
    )


def body_class(html: str) -> str | None:
    found = re.search(r"<body(?: class=\"([^\"]*)\")?>", html)
    return found.group(1) if found else None


@pytest.mark.parametrize("theme", list(themes.THEMES))
def test_each_theme_dresses_the_young_persons_pages(client, world, theme):
    assert choose(client, world, theme=theme).status_code == 302
    overview = client.get("/my-passport/").get_data(as_text=True)
    assert body_class(overview) == f"app-theme--{theme}"
    assert TITLE in page_text(overview)
    assert body_class(client.get("/my-passport/vaccines").get_data(as_text=True)) == f"app-theme--{theme}"


def test_without_a_choice_their_pages_are_blue_and_say_my_health_passport(client, world):
    client.sign_in_as(world.young_person)
    overview = client.get("/my-passport/").get_data(as_text=True)
    assert body_class(overview) == "app-theme--blue"
    assert '<h1 class="app-look-band__title">My health passport</h1>' in overview


def test_the_look_is_never_on_a_staff_page_or_a_shared_link(client, world):
    choose(client, world, theme="pink")
    pages = every_page(client, world)
    for (persona, url), html in pages.items():
        own_page = persona in ("young_person", "other_young_person") and url.startswith("/my-passport")
        if not own_page:
            assert "app-theme--" not in (body_class(html) or ""), (persona, url)
        if persona != "young_person":
            assert "MARKER-LOOK-5T" not in html, (persona, url)
            assert "app-theme--pink" not in html, (persona, url)
    shared = client.get("/s/invented-share-token-for-tests-0000000000000").get_data(as_text=True)
    assert "MARKER-LOOK-5T" not in shared and "app-theme--" not in (body_class(shared) or "")


def test_it_is_on_the_cover_of_their_pdf_and_their_wallet_card(client, world):
    choose(client, world, theme="green")
    token = csrf_token(client)
    passport_pdf = client.post(
        "/my-passport/download/passport", data={"csrf_token": token, "sections": ["about_me"]}
    )
    assert "MARKER-LOOK-5T" in pdf_text(passport_pdf.data)
    card = client.post("/my-passport/download/emergency-card", data={"csrf_token": token})
    assert "MARKER-LOOK-5T" in pdf_text(card.data)
    client.sign_in_as(world.nurse)
    leaving_pack = client.post(
        f"/staff/passports/{world.passport.id}/leaving-pack.pdf", data={"csrf_token": csrf_token(client)}
    )
    assert "MARKER-LOOK-5T" not in pdf_text(leaving_pack.data)


@pytest.mark.parametrize(
    ("theme", "title", "field", "message"),
    [("neon", "", "theme", "Choose a colour"), ("blue", "x" * 41, "title", "40 characters or fewer")],
)
def test_bad_choices_are_explained_and_nothing_saved(client, world, theme, title, field, message):
    html = choose(client, world, theme=theme, title=title).get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html
    passport = db.session.get(Passport, world.passport.id)
    assert passport.theme is None and passport.passport_title is None
