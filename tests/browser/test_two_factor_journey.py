"""A new member of staff's first sign-in, end to end in Chromium: password, then setting up an authenticator
app from the QR page, then the recovery codes, then their caseload."""

from __future__ import annotations

import pyotp
import pytest

from passport.models import Role
from tests import factories

pytestmark = pytest.mark.browser


def test_a_new_nurse_sets_up_an_authenticator_app(browser, live_server, world, screenshot):
    nurse = factories.create_user(
        role=Role.NURSE, organisation=world.organisation, team=world.team, totp_secret=None
    )
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(nurse.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("heading", name="Set up an authenticator app").wait_for()
    qr = page.get_by_role("img", name="QR code to scan with your authenticator app")
    assert qr.evaluate("image => image.naturalWidth") > 100
    screenshot(page, "two-factor-set-up")
    secret = page.locator(".app-code").inner_text().replace(" ", "")
    page.get_by_label("Security code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("heading", name="Save your recovery codes").wait_for()
    assert page.locator(".app-recovery-codes li").count() == 10
    screenshot(page, "two-factor-recovery-codes")
    page.get_by_role("link", name="I have saved my recovery codes").click()
    page.get_by_role("heading", name="Your caseload").wait_for()
    context.close()
