"""Accessibility in a real browser: axe-core (from npm, never a CDN) on every page each kind of person can
open, in English and in Arabic (right to left), at phone and desktop sizes, with zero WCAG 2.2 A/AA
violations; content reflows at 320px and at 200% zoom with no sideways scrolling.

The page list comes from the route matrix in tests/web/test_route_permissions.py, which itself must cover
every route: a new page cannot be left out."""

from __future__ import annotations

import functools
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests import factories
from tests.browser.conftest import choose_language, sign_in
from tests.browser.test_phone_first import FIRST_SCREEN, MEASURE
from tests.web.test_route_permissions import MATRIX

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
PERSONAS = ("anonymous", "young_person", "nurse", "adviser", "admin")
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
# Pages that download a file or only answer a POST are not pages to look at.
NOT_PAGES = {
    "/admin/reports.csv",
    "/.well-known/jwks.json",
    "/healthz",
    "/offline-copy/status",
    "/service-worker.js",
    "/manifest.webmanifest",
}


def pages_for(persona: str, world) -> list[str]:
    urls = []
    for (method, _rule), (template, expected) in MATRIX.items():
        if method == "GET" and expected.get(persona) == 200:
            url = template.format(**vars(world))
            # A photo or file itself is not a page either (its list and the pages around it are).
            if url not in NOT_PAGES and not re.search(r"/papers/[0-9a-f-]{36}(/thumbnail)?$", url):
                urls.append(url)
    return sorted(set(urls))


@pytest.fixture
def furnished(world):
    """The test world with something on every page: items, vaccines, contacts, a plan, a GP."""
    f = factories
    f.create_item(
        "registration",
        passport=world.passport,
        by=world.nurse,
        service="gp",
        name="Riverside Medical",
        ods_code="K81003",
        phone="0300 000 0100",
        postcode="M1 1AE",
    )
    f.create_item(
        "medication", passport=world.passport, by=world.nurse, name="Salbutamol inhaler", dose="2 puffs"
    )
    f.create_item(
        "contact",
        passport=world.passport,
        by=world.nurse,
        role="personal_adviser",
        name="Tom Reyes",
        phone="0300 000 3000",
    )
    f.create_item(
        "immunisation",
        passport=world.passport,
        by=world.nurse,
        vaccine_id="mmr",
        given_on=world.passport.date_of_birth + timedelta(days=400),
        where_given="uk_gp",
    )
    return world


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG violations on the page (axe is put into the page first unless `with_axe` did)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def with_axe(context):
    """axe-core in every page the context opens, before the page's own scripts: handed to the browser once,
    not sent over with each page (half a megabyte each time)."""
    context.add_init_script(path=str(AXE))
    return context


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed: run `make test` (npm ci)")
@pytest.mark.parametrize("locale", ["en-GB", "ar"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_has_no_wcag_violations(browser, live_server, furnished, persona, locale):
    world = furnished
    failures = {}
    for size_name, size in SIZES.items():
        context = with_axe(browser.new_context(viewport=size, locale="en-GB"))
        page = context.new_page()
        if persona != "anonymous":
            sign_in(page, live_server, getattr(world, persona).email)
        if locale != "en-GB":
            # Choose the language the way a person does: with the header's link on every page.
            page.goto(f"{live_server}/sign-in" if persona == "anonymous" else f"{live_server}/")
            choose_language(page, locale.replace("-", "_"))
        for url in pages_for(persona, world):
            page.goto(f"{live_server}{url}")
            found = axe_violations(page)
            if found:
                failures[f"{size_name} {url}"] = found
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                failures[f"{size_name} {url} scrolls sideways"] = overflow
            if size_name == "phone":  # phone first: the heading on the first screen, Sign out on its row
                measured = page.evaluate(MEASURE)
                if measured["h1"] is None or measured["h1"] > FIRST_SCREEN:
                    failures[f"phone {url} heading starts at"] = measured["h1"]
                if persona != "anonymous" and measured["sign_out"] != measured["first_account_item"]:
                    failures[f"phone {url} Sign out is not on the account row"] = measured
        context.close()
    assert failures == {}, json.dumps(failures, indent=1)


@pytest.mark.parametrize("persona", ["young_person", "nurse"])
def test_content_reflows_at_320px_and_at_200_percent_zoom(browser, live_server, furnished, persona):
    world = furnished
    failures = {}
    # 320 CSS px wide is what a 1280px screen shows at 400% zoom, and a small phone at 100%; a 640px window
    # is a 1280px screen at 200% zoom.
    for label, viewport in (
        ("320px", {"width": 320, "height": 640}),
        ("200% zoom", {"width": 640, "height": 400}),
    ):
        context = browser.new_context(viewport=viewport, locale="en-GB")
        page = context.new_page()
        sign_in(page, live_server, getattr(world, persona).email)
        for url in pages_for(persona, world):
            page.goto(f"{live_server}{url}")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                failures[f"{label} {url}"] = overflow
        context.close()
    assert failures == {}
