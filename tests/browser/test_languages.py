"""The passport overview in English, Welsh, Arabic and Tigrinya on a phone: the page turns right to left
for Arabic while NHS numbers and dates keep reading left to right; screenshots are kept to look at."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("locale", "direction"), [("en_GB", "ltr"), ("cy", "ltr"), ("ar", "rtl"), ("ti", "ltr")]
)
def test_the_overview_in_four_languages(browser, live_server, world, screenshot, locale, direction):
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, world.young_person.email)
    page.locator("#language-select").select_option(locale)
    page.locator(".app-language-form button").click()
    page.goto(f"{live_server}/my-passport/")
    assert page.evaluate("document.documentElement.dir") == direction
    nhs_number = page.locator(".app-key-facts [dir=ltr]").first
    assert nhs_number.inner_text() == "999 000 0018"
    assert nhs_number.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, f"overview-{locale}-phone")
    context.close()
