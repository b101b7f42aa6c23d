"""Issue #21's screens in a real browser, on a phone (390 × 844), in English and Arabic: photos and files,
appointments, notes, Help near you and every colour theme. axe finds no WCAG violation (colour contrast
included) on any of them, and each is kept as a screenshot in test-artifacts/ to look at."""

from __future__ import annotations

import json

import pytest

from passport import themes
from passport.extensions import db
from passport.models import Passport
from tests import factories
from tests.browser.conftest import PHONE, choose_language, sign_in
from tests.browser.test_accessibility import AXE, axe_violations
from tests.unit.test_uploads import jpeg, pdf

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed")]


@pytest.fixture
def own_things(world):
    f = factories
    dose = f.create_item(
        "immunisation",
        passport=world.passport,
        by=world.young_person,
        vaccine_id="mmr",
        given_on=world.passport.date_of_birth.replace(year=world.passport.date_of_birth.year + 2),
        where_given="abroad",
    )
    f.create_attachment(
        passport=world.passport,
        by=world.young_person,
        item=dose,
        content=jpeg(size=(1200, 800)),
        description="My vaccination card from Eritrea",
    )
    f.create_attachment(
        passport=world.passport,
        by=world.nurse,
        content=pdf(),
        description="Letter from the dentist",
        filename="dentist.pdf",
    )
    f.create_appointment(
        passport=world.passport, what="Sexual health clinic", in_days=2, place="Riverside Clinic"
    )
    f.create_appointment(passport=world.passport, what="Eye test", in_days=-30, at=None)
    f.create_note(passport=world.passport, title="Questions for the doctor", body="Why do I get headaches?")
    f.create_note(passport=world.passport, body="Told my nurse about the new flat.", shared_with_nurse=True)
    for category, name in (
        ("mental_health", "Talking Space (invented)"),
        ("dentist", "Community Dental (invented)"),
        ("helplines", "Night Line (invented)"),
    ):
        f.create_local_service(
            organisation=world.organisation, category=category, name=name, min_age=16, max_age=25
        )
    return world, dose


SCREENS = (
    "/my-passport/",
    "/my-passport/papers",
    "/my-passport/papers/add",
    "/my-passport/appointments",
    "/my-passport/appointments/new",
    "/my-passport/notes",
    "/my-passport/notes/new",
    "/my-passport/help-near-you",
    "/my-passport/my-look",
    "/my-passport/vaccines",
)


@pytest.mark.parametrize("locale", ["en_GB", "ar"])
def test_the_young_persons_new_screens(browser, live_server, own_things, screenshot, locale):
    world, dose = own_things
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, world.young_person.email)
    if locale != "en_GB":
        choose_language(page, locale)
    failures = {}
    for url in (*SCREENS, f"/my-passport/immunisation/{dose.id}/attach"):
        page.goto(f"{live_server}{url}")
        found = axe_violations(page)
        if found:
            failures[url] = found
        if page.evaluate("document.documentElement.scrollWidth - window.innerWidth") > 0:
            failures[f"{url} scrolls sideways"] = True
        name = url.strip("/").replace("/", "-").replace(str(dose.id), "dose") or "overview"
        screenshot(page, f"own-{locale}-{name}")
    # A refused upload, as the young person sees it.
    page.goto(f"{live_server}/my-passport/papers/add")
    page.set_input_files(
        "#file", files=[{"name": "card.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo"}]
    )
    page.locator("main form button[type=submit]").click()
    assert page.locator("#file-error").is_visible()
    assert axe_violations(page) == []
    screenshot(page, f"own-{locale}-papers-add-refused")
    context.close()
    assert failures == {}, json.dumps(failures, indent=1)


@pytest.mark.parametrize("theme", list(themes.THEMES))
def test_every_theme_passes_axe_colour_contrast(browser, live_server, own_things, screenshot, theme):
    world, _dose = own_things
    passport = db.session.get(Passport, world.passport.id)
    passport.theme, passport.passport_title = theme, "Robin's passport"
    db.session.commit()
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, world.young_person.email)
    for url in ("/my-passport/", "/my-passport/my-look"):
        page.goto(f"{live_server}{url}")
        assert f"app-theme--{theme}" in page.locator("body").get_attribute("class").split()
        assert axe_violations(page) == [], (theme, url)
    page.goto(f"{live_server}/my-passport/")
    screenshot(page, f"theme-{theme}")
    context.close()


def test_the_nurse_sees_the_photo_beside_the_dose(browser, live_server, own_things, screenshot):
    world, dose = own_things
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, world.nurse.email)
    page.goto(f"{live_server}/staff/passports/{world.passport.id}/vaccines")
    dose_line = page.locator(f"#item-{dose.id}")
    assert dose_line.locator("img.app-attachment__thumb").is_visible()
    assert axe_violations(page) == []
    screenshot(page, "staff-dose-with-photo")
    page.goto(f"{live_server}/staff/passports/{world.passport.id}/papers")
    assert axe_violations(page) == []
    screenshot(page, "staff-papers")
    context.close()
