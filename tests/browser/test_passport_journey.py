"""The young person's passport on a phone, end to end in Chromium: read it, add an allergy, ask for a
correction; the nurse makes it; the young person sees the change and who checked it."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.conftest import PHONE, sign_in

pytestmark = pytest.mark.browser


def test_add_an_allergy_and_get_a_correction_made(browser, live_server, world, screenshot):
    factories.create_item(
        "registration",
        passport=world.passport,
        by=world.nurse,
        service="gp",
        name="Riverside Medical Centre",
        ods_code="K81003",
        phone="0300 000 0100",
    )
    factories.create_item(
        "contact",
        passport=world.passport,
        by=world.nurse,
        role="personal_adviser",
        name="Tom Reyes",
        phone="0300 000 0200",
    )
    factories.create_item(
        "medication",
        passport=world.passport,
        by=world.nurse,
        name="Salbutamol inhaler",
        dose="2 puffs",
        how_often="When needed",
    )
    phone = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    page = phone.new_page()
    sign_in(page, live_server, world.young_person.email)
    page.get_by_role("heading", name="My health passport").wait_for()
    assert "Your GP: Riverside Medical Centre" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "passport-overview-phone")

    page.get_by_role("link", name="My health").click()
    page.get_by_role("link", name="Add an allergy").click()
    page.get_by_label("What are you allergic to?").fill("Peanuts")
    page.get_by_label("What happens (optional)").fill("My lips swell up")
    page.get_by_label("Severe").check()
    screenshot(page, "passport-add-allergy-phone")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="My health", exact=True).wait_for()
    peanuts = page.locator(".app-item", has_text="Peanuts")
    assert "Added by you on" in peanuts.inner_text()

    inhaler = page.locator(".app-item", has_text="Salbutamol")
    assert "Checked by" in inhaler.inner_text()
    inhaler.get_by_role("link", name="Something wrong? Ask for a correction").click()
    page.get_by_label("What is wrong, and what should it say?").fill("I take 4 puffs now, not 2")
    screenshot(page, "passport-ask-correction-phone")
    page.get_by_role("button", name="Send to my nurse").click()
    page.get_by_role("heading", name="Corrections I asked for").wait_for()
    assert "Waiting for your nurse" in page.locator("main").inner_text()
    screenshot(page, "passport-corrections-waiting-phone")

    desk = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    nurse = desk.new_page()
    sign_in(nurse, live_server, world.nurse.email)
    nurse.get_by_role("link", name="Corrections", exact=True).click()
    nurse.get_by_role("row", name="Medicine").get_by_role("link").click()
    nurse.get_by_label("How much (optional)").fill("4 puffs")
    screenshot(nurse, "passport-nurse-answers-correction")
    nurse.get_by_role("button", name="Save the correction").click()
    nurse.get_by_role("heading", name="Corrections to answer").wait_for()
    desk.close()

    page.get_by_role("link", name="My passport").first.click()
    page.get_by_role("link", name="My health").click()
    text = page.locator(".app-item", has_text="Salbutamol").inner_text()
    assert "4 puffs" in text and "2 puffs" not in text
    assert f"Checked by {world.nurse.display_name} on" in text
    screenshot(page, "passport-health-after-correction-phone")
    phone.close()
