"""Accessibility of the pages the route matrix cannot reach by a plain GET: forms showing their errors,
the error pages, pages that only a POST shows (a share link just made, a sign-up code, a code for a new
password), the second sign-in step for staff, and a host-area nurse's view. axe-core, zero WCAG 2.2 A/AA
violations, no sideways scrolling, at phone size, in English and in Arabic."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from passport.models import Role
from tests import factories
from tests.browser.conftest import PHONE, choose_language, sign_in
from tests.browser.test_accessibility import AXE, axe_violations, pages_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed: run `make test` (npm ci)"),
]


class Checker:
    def __init__(self, browser, base: str, locale: str):
        self.browser, self.base, self.locale = browser, base, locale
        self.failures: dict[str, object] = {}
        self.checked: list[str] = []

    def context(self):
        return self.browser.new_context(viewport=PHONE, locale="en-GB")

    def speak(self, page) -> None:
        """Choose the language with the header's link, as a person does (on whatever page is open)."""
        if self.locale != "en-GB":
            choose_language(page, self.locale)

    def check(self, page, name: str) -> None:
        self.checked.append(name)
        found = axe_violations(page)
        if found:
            self.failures[name] = found
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            self.failures[f"{name} scrolls sideways"] = overflow


def submit_main_form(page) -> None:
    page.locator("main form").first.locator("button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("locale", ["en-GB", "ar"])
def test_error_states_and_post_only_pages_have_no_wcag_violations(browser, live_server, world, locale):
    c = Checker(browser, live_server, locale)

    # Someone not signed in: a wrong password, an empty new-password form, an empty claim, a page not found.
    context = c.context()
    page = context.new_page()
    page.goto(f"{live_server}/sign-in")
    c.speak(page)
    page.locator("#email").fill(world.young_person.email)
    page.locator("#password").fill("not the password")
    submit_main_form(page)
    c.check(page, "sign-in with a wrong password")
    for url in ("/reset-password", "/claim"):
        page.goto(f"{live_server}{url}")
        submit_main_form(page)
        c.check(page, f"{url} sent empty")
    page.goto(f"{live_server}/no-such-page")
    c.check(page, "page not found")
    context.close()

    # The young person: a form with errors, a share link just made, a page they may not open.
    context = c.context()
    page = context.new_page()
    sign_in(page, live_server, world.young_person.email)
    c.speak(page)
    page.goto(f"{live_server}/my-passport/add/allergy")
    submit_main_form(page)
    c.check(page, "add an allergy sent empty")
    page.goto(f"{live_server}/my-passport/share")
    submit_main_form(page)
    c.check(page, "share form sent empty")
    ends = date.today() + timedelta(days=7)
    page.locator("#label").fill("New GP")
    for part, value in (("day", ends.day), ("month", ends.month), ("year", ends.year)):
        page.locator(f"#expires_on-{part}").fill(str(value))
    submit_main_form(page)
    assert page.locator("img.app-qr").count() == 1, "the share link was not made"
    c.check(page, "share link just made")
    page.goto(f"{live_server}/staff/caseload")
    c.check(page, "a page they may not open")
    context.close()

    # The nurse: a sign-up code, a code for a new password, forms sent empty.
    context = c.context()
    page = context.new_page()
    sign_in(page, live_server, world.nurse.email)
    c.speak(page)
    page.goto(f"{live_server}/staff/passports/{world.unclaimed_passport.id}")
    page.locator(f"form[action$='/passports/{world.unclaimed_passport.id}/invite'] button").click()
    page.wait_for_load_state()
    assert page.locator(".app-code").count() == 1, "the sign-up code was not made"
    c.check(page, "sign-up code just made")
    page.goto(f"{live_server}/staff/passports/{world.passport.id}/about")  # their account is under "About"
    page.locator("details.nhsuk-details summary").first.click()
    page.locator(f"form[action$='/passports/{world.passport.id}/password-reset'] button").click()
    page.wait_for_load_state()
    assert page.locator(".app-code").count() == 1, "the code for a new password was not made"
    c.check(page, "code for a new password just made")
    for url in ("/staff/passports/new", f"/staff/passports/{world.passport.id}/plan/new"):
        page.goto(f"{live_server}{url}")
        submit_main_form(page)
        c.check(page, f"{url} sent empty")
    context.close()

    # Staff at the second step: the security code (and a wrong one), the recovery code, setting up an app.
    context = c.context()
    page = context.new_page()
    page.goto(f"{live_server}/sign-in")
    c.speak(page)
    page.locator("#email").fill(world.nurse.email)
    page.locator("#password").fill(factories.PASSWORD)
    submit_main_form(page)
    c.check(page, "security code")
    page.locator("#code").fill("000000")
    submit_main_form(page)
    c.check(page, "a wrong security code")
    page.goto(f"{live_server}/sign-in/recovery-code")
    c.check(page, "recovery code")
    context.close()
    new_nurse = factories.create_user(
        role=Role.NURSE, organisation=world.organisation, team=world.team, totp_secret=None
    )
    context = c.context()
    page = context.new_page()
    page.goto(f"{live_server}/sign-in")
    c.speak(page)
    page.locator("#email").fill(new_nurse.email)
    page.locator("#password").fill(factories.PASSWORD)
    submit_main_form(page)
    c.check(page, "setting up an authenticator app")
    context.close()

    # A nurse of the host area, with a grant to see the young person's passport.
    context = c.context()
    page = context.new_page()
    sign_in(page, live_server, world.other_nurse.email)
    c.speak(page)
    for url in pages_for("other_nurse", world):
        if url.endswith(".csv"):
            continue
        page.goto(f"{live_server}{url}")
        c.check(page, f"host nurse {url}")
    context.close()

    assert len(c.checked) >= 20, c.checked
    assert c.failures == {}, json.dumps(c.failures, indent=1)
