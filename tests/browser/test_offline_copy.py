"""The passport readable with no signal, in Chromium: keep a copy on this phone, go offline, reload and
read the vaccines; sign out, and Cache Storage, IndexedDB and the service worker are empty; another
account on the same browser never sees the first one's copy."""

from __future__ import annotations

import contextlib

import pytest
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import update

from passport import clock
from passport.extensions import db
from passport.models import LoginSession
from tests import factories
from tests.browser.conftest import PHONE, sign_in

pytestmark = pytest.mark.browser

STORAGE = """async () => ({
  caches: await caches.keys(),
  databases: (await indexedDB.databases()).map((d) => d.name),
  workers: (await navigator.serviceWorker.getRegistrations()).length,
})"""
EMPTY = {"caches": [], "databases": [], "workers": 0}


def _give_robin_vaccines(world):
    passport = db.session.get(type(world.passport), world.passport.id)
    passport.immunisation_records = "documented"
    db.session.commit()
    born = passport.date_of_birth
    from datetime import timedelta

    for vaccine_id, days in (("mmr", 370), ("mmr", 1220), ("hpv", 4500)):
        factories.create_item(
            "immunisation",
            passport=world.passport,
            by=world.nurse,
            vaccine_id=vaccine_id,
            given_on=born + timedelta(days=days),
            where_given="uk_gp",
        )


def _keep_a_copy(page, base):
    page.goto(f"{base}/my-passport/offline-copy")
    page.get_by_role("button", name="Keep a copy on this phone").click()
    page.get_by_text("Saved on this phone. It works with no signal.").wait_for(timeout=15000)


def _settled_content(page) -> str:
    """The page's HTML once Chromium has finished showing it (its own error page takes a moment)."""
    for _attempt in range(20):
        with contextlib.suppress(PlaywrightError):
            page.wait_for_load_state("domcontentloaded")
            return page.content()
        page.wait_for_timeout(250)
    return page.content()


def _storage(page):
    return page.evaluate(STORAGE)


def test_keep_a_copy_read_it_offline_and_sign_out(browser, live_server, world, screenshot):
    _give_robin_vaccines(world)
    phone = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    page = phone.new_page()
    sign_in(page, live_server, world.young_person.email)
    assert _storage(page) == EMPTY  # nothing kept before the choice
    _keep_a_copy(page, live_server)
    screenshot(page, "offline-copy-kept-phone")
    assert "health-passport-copy" in _storage(page)["caches"]

    phone.set_offline(True)
    page.goto(f"{live_server}/my-passport/vaccines")
    page.reload()
    main = page.locator("main").inner_text()
    assert "You are offline." in main and "This is the copy saved on this phone." in main
    assert page.locator(".app-offline-banner").is_visible()
    assert "Last updated:" in main
    # The vaccines and their status: two programmes done (MMR, HPV), the rest to catch up on.
    assert "What the vaccines protect against" in main
    assert "Vaccines you have had all the doses of (2)" in main
    assert "Penicillin" in main  # allergies
    assert page.evaluate("getComputedStyle(document.body).fontFamily")  # the CSS came from the copy too
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "offline-copy-offline-phone")

    phone.set_offline(False)
    page.goto(f"{live_server}/my-passport/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in**")
    assert _storage(page) == EMPTY
    phone.close()


def test_another_account_on_the_same_browser_never_sees_the_copy(browser, live_server, world):
    shared = browser.new_context(viewport=PHONE, locale="en-GB")
    page = shared.new_page()
    sign_in(page, live_server, world.young_person.email)
    _keep_a_copy(page, live_server)
    # Robin walks away without signing out; the session times out on the server, the copy stays.
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == world.young_person.id)
        .values(revoked_at=clock.now(), ended_reason="timed_out")
    )
    db.session.commit()
    shared.set_offline(True)
    page.goto(f"{live_server}/my-passport/")
    assert "Robin Fairweather" in page.locator("main").inner_text()  # still Robin's phone, offline
    shared.set_offline(False)

    sign_in(page, live_server, world.other_young_person.email)
    page.get_by_role("heading", name="My health passport").wait_for()
    assert _storage(page) == EMPTY
    shared.set_offline(True)
    with contextlib.suppress(PlaywrightError):  # no copy here any more: Chromium's own "no internet" page
        page.reload()
    assert "Robin Fairweather" not in _settled_content(page)
    shared.close()
