"""The first journey, end to end in Chromium at phone size: a nurse makes a sign-up code, and the young
person claims their passport with it on their phone."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, sign_in

pytestmark = pytest.mark.browser


def test_nurse_invites_and_the_young_person_claims_on_a_phone(browser, live_server, world, screenshot):
    passport = world.unclaimed_passport

    nurse = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = nurse.new_page()
    sign_in(page, live_server, world.nurse.email)
    page.get_by_role("heading", name="Your caseload").wait_for()
    page.get_by_role("link", name="Morgan Ashdown", exact=True).click()
    page.get_by_role("button", name="Make a sign-up code").click()
    page.get_by_role("heading", name="Sign-up code for Morgan Ashdown").wait_for()
    screenshot(page, "invite-nurse-code-page")
    link = page.locator(".app-link-text").inner_text().strip()
    code = page.locator(".app-code").inner_text().strip()
    assert code.replace("-", "") in link
    nurse.close()

    phone = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(link)
    page.get_by_role("heading", name="Set up your passport").wait_for()
    assert page.get_by_label("Your code").input_value() == code
    screenshot(page, "invite-claim-form-phone")
    born = passport.date_of_birth
    page.get_by_label("Day").fill(str(born.day))
    page.get_by_label("Month").fill(str(born.month))
    page.get_by_label("Year").fill(str(born.year))
    page.get_by_label("Email address").fill("morgan.ashdown@example.org")
    page.get_by_label("Create a password").fill("my own long password")
    page.get_by_label("Type your password again").fill("my own long password")
    page.get_by_role("button", name="Set up my passport").click()

    page.get_by_role("heading", name="My health passport").wait_for()
    assert page.url.endswith("/my-passport/")
    body = page.locator("main").inner_text()
    assert "Morgan Ashdown" in body
    assert "999 000 0034" in body
    # Nothing on the page is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "invite-claimed-passport-phone")
    phone.close()
