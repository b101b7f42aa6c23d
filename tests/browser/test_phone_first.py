"""Phone first: on a 390x844 screen each page's heading starts within the first 200 pixels, in English and
in Arabic, and the header's Sign out never drops onto a row of its own. The language is chosen through a
link in the header (to a page of its own), with or without JavaScript. Screenshots go to test-artifacts/.

Measured in Chromium's own layout: the <h1>'s top edge, and Sign out's top edge against the first item of
the account list (the signed-in person's name).
"""

from __future__ import annotations

import pytest

from passport.extensions import db
from tests import factories
from tests.browser.conftest import PHONE, choose_language, sign_in

pytestmark = pytest.mark.browser

FIRST_SCREEN = 200  # CSS pixels from the top of the page
# Every page is measured the same way at phone size by tests/browser/test_accessibility.py's crawl.

MEASURE = """() => {
  const top = element => element ? Math.round(element.getBoundingClientRect().top) : null;
  return {
    h1: top(document.querySelector("h1")),
    sign_out: top(document.querySelector(".nhsuk-header__account-button")),
    first_account_item: top(document.querySelector(".nhsuk-header__account-item")),
    sideways: document.documentElement.scrollWidth - window.innerWidth,
  };
}"""


@pytest.fixture
def long_names(world):
    """Names as long as real ones get, so the account row is tested where it is tightest."""
    world.young_person.display_name = "Oluwaseun Alexandria Montgomery-Fairweather"
    world.nurse.display_name = "Bartholomew Christopher Featherstonehaugh"
    db.session.commit()
    return world


def _pages(world) -> dict:
    """(who signs in, {name: path}): a representative page of each kind, the GP's share view included."""
    passport = world.passport.id
    return {
        None: {
            "public-home": "/",
            "sign-in": "/sign-in",
            "gp-share-view": f"/s/{factories.WORLD_SHARE_TOKEN}",
            "language": "/language?next=/sign-in",
        },
        world.young_person: {"overview": "/my-passport/", "vaccines": "/my-passport/vaccines"},
        world.nurse: {
            "caseload": "/staff/caseload",
            "staff-passport-summary": f"/staff/passports/{passport}",
            "staff-passport-vaccines": f"/staff/passports/{passport}/vaccines",
            "staff-add-allergy": f"/staff/passports/{passport}/add/allergy",
        },
    }


@pytest.mark.parametrize("locale", ["en_GB", "ar"])
def test_the_heading_starts_on_the_first_screen_and_sign_out_stays_on_its_row(
    browser, live_server, long_names, screenshot, locale
):
    world = long_names
    measured, problems = {}, []
    for person, pages in _pages(world).items():
        context = browser.new_context(viewport=PHONE, locale="en-GB")
        page = context.new_page()
        if person is not None:
            sign_in(page, live_server, person.email)
        else:
            page.goto(f"{live_server}/sign-in")
        if locale != "en_GB":
            choose_language(page, locale)
        for name, path in pages.items():
            page.goto(f"{live_server}{path}")
            assert page.evaluate("document.documentElement.lang") == locale.replace("_", "-")
            found = measured[name] = page.evaluate(MEASURE)
            screenshot(page, f"phone-first-{locale}-{name}")
            if found["h1"] is None or found["h1"] > FIRST_SCREEN:
                problems.append(f"{name}: the heading starts at {found['h1']}px")
            if person is not None and found["sign_out"] != found["first_account_item"]:
                row = found["first_account_item"]
                problems.append(f"{name}: Sign out at {found['sign_out']}px, the account row at {row}px")
            if found["sideways"] > 0:
                problems.append(f"{name}: scrolls sideways by {found['sideways']}px")
        context.close()
    print(locale, {name: found["h1"] for name, found in measured.items()})
    assert problems == []


def test_the_language_is_chosen_from_the_header_without_javascript(browser, live_server, world, screenshot):
    """The header's link opens the language page; choosing Arabic there brings the person back to the page
    they were on, now right to left. No script is needed anywhere on the way."""
    context = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, world.young_person.email)
    page.goto(f"{live_server}/my-passport/vaccines")
    link = page.locator("header .app-header__language")
    assert link.inner_text().strip().endswith("English")  # after "Language:" for a screen reader
    link.click()
    assert page.url.endswith("/language?next=/my-passport/vaccines")
    screenshot(page, "phone-first-language-page-en_GB")
    page.locator("label", has_text="العربية").click()
    page.locator("main form button[type=submit]").click()
    assert page.url == f"{live_server}/my-passport/vaccines"
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
    assert page.locator("header .app-header__language").inner_text().strip().endswith("العربية")
    page.locator("header .app-header__language").click()
    assert page.locator("input[name=locale][value=ar]").is_checked()
    screenshot(page, "phone-first-language-page-ar")
    context.close()
