"""Journeys without a mouse, and without JavaScript: claim the invite, read the passport, create a share
link — using only the keyboard; and the main journeys in Chromium with JavaScript turned off."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from passport.extensions import db
from passport.models import Allergy, ShareLink
from passport.services import invites
from tests.browser.conftest import PHONE, sign_in

pytestmark = pytest.mark.browser


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element is focused, as a keyboard user would; fail if it never is."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            # A visible focus indicator: the NHS.UK styles draw a yellow outline or box shadow.
            style = page.evaluate(
                "() => { const s = getComputedStyle(document.activeElement);"
                " return s.outlineStyle + ' ' + s.boxShadow + ' ' + s.backgroundColor }"
            )
            assert "none none" not in style or "rgb(255, 235, 59)" in style, style
            return
    raise AssertionError(f"could not reach {selector} with the Tab key")


def test_keyboard_only_claim_read_and_share(browser, live_server, world, screenshot):
    nurse = db.session.get(type(world.nurse), world.nurse.id)
    issued = invites.issue_claim_invite(nurse, world.unclaimed_passport)
    born = world.unclaimed_passport.date_of_birth
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server}/claim")

    tab_to(page, "#code")
    page.keyboard.type(issued.code_for_display)
    tab_to(page, "#date_of_birth-day")
    page.keyboard.type(str(born.day))
    page.keyboard.press("Tab")
    page.keyboard.type(str(born.month))
    page.keyboard.press("Tab")
    page.keyboard.type(str(born.year))
    tab_to(page, "#email")
    page.keyboard.type("keyboard.user@example.org")
    tab_to(page, "#password")
    page.keyboard.type("my own long password")
    tab_to(page, "#confirm_password")
    page.keyboard.type("my own long password")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/my-passport/$"))

    tab_to(page, 'a[href="/my-passport/about-me"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/my-passport/about-me$"))
    assert "Morgan Ashdown" in page.locator("main").inner_text()

    page.goto(f"{live_server}/my-passport/share")
    tab_to(page, "#label")
    page.keyboard.type("New GP")
    until = date.today() + timedelta(days=20)
    tab_to(page, "#expires_on-day")
    page.keyboard.press("Control+a")
    page.keyboard.type(str(until.day))
    page.keyboard.press("Tab")
    page.keyboard.press("Control+a")
    page.keyboard.type(str(until.month))
    page.keyboard.press("Tab")
    page.keyboard.press("Control+a")
    page.keyboard.type(str(until.year))
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Your link for New GP").wait_for()
    screenshot(page, "keyboard-share-link-made")
    context.close()
    assert db.session.scalar(db.select(ShareLink).where(ShareLink.label == "New GP")) is not None


def test_the_journeys_work_with_javascript_turned_off(browser, live_server, world, screenshot):
    context = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, world.young_person.email)
    page.goto(f"{live_server}/my-passport/add/allergy")
    page.locator("#substance").fill("Peanuts")
    page.get_by_label("Severe").check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/my-passport/health$"))
    assert "Peanuts" in page.locator("main").inner_text()

    page.goto(f"{live_server}/my-passport/share")
    page.locator("#label").fill("Dentist")
    page.get_by_role("button", name="Make the link").click()
    page.get_by_role("heading", name="Your link for Dentist").wait_for()
    # Without JavaScript the GP is given the plain link (the SMART Health Link needs the viewer's script).
    link = page.locator("#plain-link").text_content()

    page.goto(f"{live_server}/my-passport/download/passport")
    with page.expect_download() as download:
        page.locator("main form button[type=submit]").click()
    assert download.value.suggested_filename.endswith(".pdf")

    page.goto(f"{live_server}/my-passport/who-can-see")
    page.locator("#sharing-health_summary").check()
    page.get_by_role("button", name="Save what my adviser can see").click()
    assert "Saved" in page.locator("main").inner_text()
    screenshot(page, "no-javascript-who-can-see")
    context.close()

    visitor = browser.new_context(viewport=PHONE, java_script_enabled=False).new_page()
    visitor.goto(link)
    assert "Peanuts" in visitor.locator("main").inner_text()

    staff = browser.new_context(viewport={"width": 1280, "height": 800}, java_script_enabled=False).new_page()
    sign_in(staff, live_server, world.nurse.email)
    staff.goto(f"{live_server}/staff/caseload")
    staff.locator("#text").fill("Robin")
    staff.locator(".app-filters button[type=submit]").click()
    assert "Robin Fairweather" in staff.locator("main").inner_text()
    assert db.session.scalar(db.select(Allergy).where(Allergy.substance == "Peanuts")) is not None
