"""The passport overview in English, Welsh, Arabic and Tigrinya on a phone: the page turns right to left
for Arabic while NHS numbers and dates keep reading left to right; screenshots are kept to look at."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, choose_language, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("locale", "direction"), [("en_GB", "ltr"), ("cy", "ltr"), ("ar", "rtl"), ("ti", "ltr")]
)
def test_the_overview_in_four_languages(browser, live_server, world, screenshot, locale, direction):
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, world.young_person.email)
    choose_language(page, locale)
    page.goto(f"{live_server}/my-passport/")
    assert page.evaluate("document.documentElement.dir") == direction
    nhs_number = page.locator(".app-key-facts [dir=ltr]").first
    assert nhs_number.inner_text() == "999 000 0018"
    assert nhs_number.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, f"overview-{locale}-phone")
    context.close()


def _layout(page) -> dict:
    """Where things sit and which way they point, read from the browser's own layout."""
    return page.evaluate(
        """() => {
        const box = el => el.getBoundingClientRect();
        const item = document.querySelector('.nhsuk-radios__item');
        const input = box(item.querySelector('input'));
        const label = box(item.querySelector('label'));
        const group = getComputedStyle(document.querySelector('.nhsuk-form-group--error'));
        const back = getComputedStyle(document.querySelector('.nhsuk-back-link'), '::before');
        const nav = [...document.querySelectorAll('.nhsuk-header__navigation-item')].map(e => box(e).left);
        return {
            radio_on_the_right: input.left > label.left,
            error_bar_right: group.borderRightWidth, error_bar_left: group.borderLeftWidth,
            back_chevron_cos: new DOMMatrix(back.transform).a,
            nav_lefts: nav,
        };
    }"""
    )


def test_arabic_mirrors_the_layout_and_english_does_not(browser, live_server, world, screenshot):
    """Radios and their circles on the right, the error bar on the right, the back chevron pointing right,
    the menu running right to left; a tick keeps its shape. Checked against English on the same page."""
    found = {}
    for locale in ("en_GB", "ar"):
        context = browser.new_context(viewport=PHONE, locale="en-GB")
        page = context.new_page()
        sign_in(page, live_server, world.young_person.email)
        choose_language(page, locale)
        page.goto(f"{live_server}/my-passport/add/allergy")
        page.locator("main form button[type=submit]").click()  # sent empty: the field shows its error
        page.wait_for_load_state()
        found[locale] = _layout(page)
        page.goto(f"{live_server}/my-passport/who-can-see")
        found[locale]["tick"] = page.evaluate(
            "getComputedStyle(document.querySelector('.nhsuk-checkboxes__label'), '::after').transform"
        )
        screenshot(page, f"who-can-see-{locale}-phone")
        context.close()
    english, arabic = found["en_GB"], found["ar"]
    assert not english["radio_on_the_right"] and arabic["radio_on_the_right"]
    assert (english["error_bar_left"], english["error_bar_right"]) == ("4px", "0px")
    assert (arabic["error_bar_left"], arabic["error_bar_right"]) == ("0px", "4px")
    assert english["back_chevron_cos"] < 0 < arabic["back_chevron_cos"]  # points left; points right
    assert english["nav_lefts"] == sorted(english["nav_lefts"])
    assert arabic["nav_lefts"] == sorted(arabic["nav_lefts"], reverse=True)
    assert english["tick"] == arabic["tick"]
