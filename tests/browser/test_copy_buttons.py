"""A link shown only once has a Copy button beside it: the young person's share link, the nurse's sign-up
link, the new-password link and the admin's set-up link for new staff. The button is there only with
JavaScript (static/js/copy.js, no inline script under the CSP), copies with navigator.clipboard and then
says "Copied". Without JavaScript there is no button, and the link is there to select by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from passport import clock
from tests.browser.conftest import PHONE, sign_in

pytestmark = pytest.mark.browser


def _phone(browser, *, javascript: bool = True):
    context = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=javascript)
    if javascript:
        context.grant_permissions(["clipboard-read", "clipboard-write"])
    return context


def _copy_and_read(page, target: str) -> tuple[str, str]:
    """Press the Copy button for the element with id `target`: what the clipboard then holds, and what the
    status beside the button says."""
    button = page.locator(f'button[data-copy="{target}"]')
    # copy.js shows it once the page's scripts have run, which can be a moment after the link itself is there
    # on a busy machine: wait for it (up to Playwright's timeout), then it must be visible.
    button.wait_for(state="visible")
    button.click()
    status = button.locator("xpath=following-sibling::span[@role='status']")
    status.filter(has_text="Copied").wait_for()
    return page.evaluate("navigator.clipboard.readText()"), status.inner_text()


def _make_share_link(page, base: str) -> None:
    page.goto(f"{base}/my-passport/share")
    page.locator("#label").fill("New GP")
    until = clock.today() + timedelta(days=20)
    page.locator("#expires_on-day").fill(str(until.day))
    page.locator("#expires_on-month").fill(str(until.month))
    page.locator("#expires_on-year").fill(str(until.year))
    page.locator("main form button[type=submit]").first.click()
    page.locator("#smart-link").wait_for()


def test_the_young_person_copies_their_share_link(browser, live_server, world, screenshot):
    context = _phone(browser)
    page = context.new_page()
    sign_in(page, live_server, world.young_person.email)
    _make_share_link(page, live_server)
    copied, status = _copy_and_read(page, "smart-link")
    assert copied == page.locator("#smart-link").inner_text().strip()
    assert copied.startswith(f"{live_server}/view#shlink:/")
    assert status == "Copied"
    screenshot(page, "copy-share-link-copied")
    context.close()


def test_without_javascript_there_is_no_copy_button_and_the_link_is_still_there(browser, live_server, world):
    context = _phone(browser, javascript=False)
    page = context.new_page()
    sign_in(page, live_server, world.young_person.email)
    _make_share_link(page, live_server)
    assert page.locator("#smart-link").inner_text().startswith(f"{live_server}/view#shlink:/")
    assert page.locator('button[data-copy="smart-link"]').count() == 1
    assert not page.locator('button[data-copy="smart-link"]').is_visible()
    context.close()


def test_the_nurse_copies_a_sign_up_link_and_a_new_password_link(browser, live_server, world, screenshot):
    context = _phone(browser)
    page = context.new_page()
    sign_in(page, live_server, world.nurse.email)
    page.goto(f"{live_server}/staff/passports/{world.unclaimed_passport.id}/about")
    page.locator("main form[action$='/invite'] button").click()
    page.locator("#sign-up-link").wait_for()
    copied, _status = _copy_and_read(page, "sign-up-link")
    assert copied == page.locator("#sign-up-link").inner_text().strip()
    assert "/claim?code=" in copied
    screenshot(page, "copy-sign-up-link-copied")

    page.goto(f"{live_server}/staff/passports/{world.passport.id}/about")
    page.locator("main details summary", has_text="forgot their password").click()
    page.locator("main form[action$='/password-reset'] button").click()
    page.locator("#new-password-link").wait_for()
    copied, _status = _copy_and_read(page, "new-password-link")
    assert copied == page.locator("#new-password-link").inner_text().strip()
    assert "/reset-password?code=" in copied
    context.close()


def test_the_admin_copies_a_new_members_set_up_link(browser, live_server, world, screenshot):
    context = _phone(browser)
    page = context.new_page()
    sign_in(page, live_server, world.admin.email)
    page.goto(f"{live_server}/admin/staff/new")
    page.locator("#display_name").fill("Sam Okafor")
    page.locator("#email").fill("sam.okafor@example.org")
    page.locator("input[name=role][value=nurse]").check()
    page.locator("main form button[type=submit]").click()
    page.locator("#set-up-link").wait_for()
    copied, _status = _copy_and_read(page, "set-up-link")
    assert copied == page.locator("#set-up-link").inner_text().strip()
    assert "/set-up?code=" in copied
    screenshot(page, "copy-set-up-link-copied")
    context.close()
