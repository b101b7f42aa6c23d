"""Sharing, as the young person and the GP do it, in Chromium at phone size.

- The young person makes a link for a new GP and stops it: at most 4 page loads, in English and Arabic.
- A SMART Health Link opens in our viewer with JavaScript and decrypts, in the browser, to the same facts the
  plain share page shows; the key is never in any request the browser makes.
- Without JavaScript the viewer explains how to open the plain link instead.
Every page passed is saved as a screenshot (test-artifacts/), and the clinician's page is printed to PDF.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta

import pytest

from passport import clock
from passport.extensions import db
from passport.models import ShareLink
from tests import factories
from tests.browser.conftest import ARTIFACTS, PHONE, choose_language, sign_in

pytestmark = pytest.mark.browser

FACTS = """() => {
  const out = {};
  for (const table of document.querySelectorAll("table[data-facts]")) {
    out[table.dataset.facts] = [...table.querySelectorAll("tbody tr")].map(row =>
      [...row.querySelectorAll("td")].map(cell => {
        const copy = cell.cloneNode(true);
        copy.querySelectorAll(".nhsuk-table-responsive__heading").forEach(h => h.remove());
        return copy.textContent.trim();
      }));
  }
  return out;
}"""


@pytest.fixture
def shared_world(world):
    f = factories
    p, nurse = world.passport, world.nurse
    f.create_item(
        "registration", passport=p, by=nurse, service="gp", name="Riverside Surgery", phone="0300 000 0100"
    )
    f.create_item("medication", passport=p, by=world.young_person, name="Salbutamol inhaler", dose="2 puffs")
    f.create_item(
        "contact", passport=p, by=nurse, role="emergency_contact", name="Aunt Dee", phone="0300 000 0300"
    )
    for days, vaccine in ((400, "mmr"), (1300, "mmr")):
        f.create_item(
            "immunisation",
            passport=p,
            by=nurse,
            vaccine_id=vaccine,
            given_on=p.date_of_birth + timedelta(days=days),
        )
    return world


def _count_loads(page) -> list[str]:
    loads: list[str] = []
    page.on("load", lambda: loads.append(page.url))
    return loads


@pytest.mark.parametrize("locale", ["en_GB", "ar"])
def test_make_a_link_for_a_new_gp_and_stop_it_in_four_page_loads(
    browser, live_server, world, screenshot, locale
):
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, world.young_person.email)
    page.goto(f"{live_server}/my-passport/")
    choose_language(page, locale)
    loads = _count_loads(page)

    page.locator('main a[href="/my-passport/download"]').first.click()  # Download and share
    page.locator('main a[href="/my-passport/share"]').click()
    page.wait_for_url(re.compile(r"/my-passport/share$"))
    screenshot(page, f"share-form-{locale}")
    page.locator("#label").fill("New GP")
    until = clock.today() + timedelta(days=20)
    page.locator("#expires_on-day").fill(str(until.day))
    page.locator("#expires_on-month").fill(str(until.month))
    page.locator("#expires_on-year").fill(str(until.year))
    page.locator("main form button[type=submit]").first.click()
    page.locator("#smart-link").wait_for()
    screenshot(page, f"share-link-made-{locale}")
    # The end date is the day chosen, not the day after.
    if locale == "en_GB":
        assert f"at the end of {until.day} {until:%B %Y}" in page.locator("main").inner_text()
    page.locator('main form[action$="/stop"] button').click()
    page.wait_for_url(re.compile(r"/my-passport/share$"))
    screenshot(page, f"share-link-stopped-{locale}")
    context.close()

    assert len(loads) <= 4, loads
    link = db.session.scalar(db.select(ShareLink).where(ShareLink.label == "New GP"))
    assert link.revoked_at is not None and link.last_day == until


def _make_link(page, live_server, *, passcode: str | None = None) -> dict[str, str]:
    page.goto(f"{live_server}/my-passport/share")
    page.locator("#label").fill("New GP")
    for box in page.locator("input[name=sections]").all():
        box.check()
    until = clock.today() + timedelta(days=20)
    page.locator("#expires_on-day").fill(str(until.day))
    page.locator("#expires_on-month").fill(str(until.month))
    page.locator("#expires_on-year").fill(str(until.year))
    if passcode:
        page.locator("#passcode").fill(passcode)
    page.locator("main form button[type=submit]").first.click()
    page.locator("#smart-link").wait_for()
    return {
        "smart": page.locator("#smart-link").inner_text(),
        "plain": page.locator("#plain-link").text_content(),
    }


@pytest.mark.parametrize("locale", ["en_GB", "ar"])
def test_the_viewer_decrypts_to_the_same_facts_as_the_share_page(
    browser, live_server, shared_world, screenshot, locale
):
    world = shared_world
    owner = browser.new_context(viewport=PHONE, locale="en-GB").new_page()
    sign_in(owner, live_server, world.young_person.email)
    made = _make_link(owner, live_server, passcode="sunflower")
    key = made["smart"].split("#shlink:/", 1)[1]

    gp = browser.new_context(viewport=PHONE, locale="en-GB")
    viewer = gp.new_page()
    requests: list[str] = []
    viewer.on("request", lambda request: requests.append(request.url + " " + (request.post_data or "")))
    viewer.goto(made["smart"])
    if locale != "en_GB":
        # Choosing a language on the viewer leaves it and comes back without the part after #: the viewer
        # keeps the link in this tab meanwhile, and opens it again.
        choose_language(viewer, locale)
        assert viewer.evaluate("window.location.hash") == "#shlink:/" + key
    viewer.locator("#shl-recipient").wait_for()
    screenshot(viewer, f"shl-viewer-form-{locale}")
    viewer.locator("#shl-recipient").fill("Dr A Khan, Riverside Surgery")
    viewer.locator("#shl-passcode").fill("wrong")
    viewer.locator("#shl-form button[type=submit]").click()
    viewer.locator("#shl-passcode-error:not([hidden])").wait_for()
    if locale == "en_GB":
        assert "Tries left before the link stops: 4" in viewer.locator("#shl-passcode-error").inner_text()
    viewer.locator("#shl-passcode").fill("sunflower")
    viewer.locator("#shl-form button[type=submit]").click()
    viewer.locator("#shl-result:not([hidden])").wait_for()
    screenshot(viewer, f"shl-viewer-record-{locale}")
    decrypted = viewer.evaluate(FACTS)
    viewer_text = viewer.locator("main").inner_text()

    plain = gp.new_page()
    plain.goto(made["plain"])
    plain.locator("#passcode").fill("sunflower")
    plain.locator("main form button[type=submit]").click()
    plain.locator("h1").wait_for()
    screenshot(plain, f"share-page-for-the-gp-{locale}")
    shown = plain.evaluate(FACTS)
    if locale == "en_GB":
        _print(plain)

    # Nothing the browser sent held the key.
    assert requests and not any(key in sent or key[:43] in sent for sent in requests)
    for name in ("allergies", "conditions"):
        assert decrypted[name] == shown[name], name
    # The FHIR record names vaccines in English whatever the reader's language (exports/fhir.py); dates,
    # doses and who recorded them read the same.
    assert [r[1:] for r in decrypted["vaccines"]] == [r[1:] for r in shown["vaccines"]]
    if locale == "en_GB":
        assert decrypted["vaccines"] == shown["vaccines"]
    assert [row[:3] for row in decrypted["medicines"]] == [row[:3] for row in shown["medicines"]]
    assert [row[1:] for row in decrypted["contacts"]] == [row[1:] for row in shown["contacts"]]
    assert len(decrypted["vaccines"]) == 2 and decrypted["allergies"][0][0] == "Penicillin"
    for fact in (world.passport.legal_name, "999 000 0018", "Riverside Surgery", "Penicillin", "Aunt Dee"):
        assert fact in viewer_text, fact
    if locale == "en_GB":  # the day chosen, not the day after (the link's exp is the midnight after it)
        until = clock.today() + timedelta(days=20)
        assert f"at the end of {until.day} {until:%B %Y}." in viewer.locator("#shl-ends").inner_text()
    gp.close()

    # The young person sees who looked, as the GP named themselves.
    owner.goto(f"{live_server}/my-passport/who-looked")
    screenshot(owner, f"who-looked-{locale}")
    assert "Dr A Khan, Riverside Surgery" in owner.locator("main").inner_text()


def _print(page) -> None:
    """The clinician's page printed as Chromium prints it: one A4 page, looked at as a PNG."""
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "share-page-for-the-gp-print.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A4", print_background=True)
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False).stdout
    assert re.search(r"Pages:\s+1\b", pages), pages
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(pdf.with_suffix(""))], check=False)


def test_without_javascript_the_viewer_says_how_to_open_the_plain_link(
    browser, live_server, world, screenshot
):
    owner = browser.new_context(viewport=PHONE).new_page()
    sign_in(owner, live_server, world.young_person.email)
    made = _make_link(owner, live_server)
    visitor = browser.new_context(viewport=PHONE, java_script_enabled=False).new_page()
    visitor.goto(made["smart"])
    text = visitor.locator("main").inner_text()
    assert "This page needs JavaScript" in text and f"{live_server}/s/" in text
    screenshot(visitor, "shl-viewer-without-javascript")
    visitor.goto(made["plain"])
    assert world.passport.legal_name in visitor.locator("h1").inner_text()


def test_a_stopped_link_says_so(browser, live_server, world, screenshot):
    visitor = browser.new_context(viewport=PHONE).new_page()
    response = visitor.goto(f"{live_server}/s/{'x' * 43}")
    assert response.status == 404
    assert visitor.locator("h1").inner_text() == "This link has stopped working"
    screenshot(visitor, "share-link-has-stopped")
