"""The core tasks of the nurse and the personal adviser, done in Chromium as they do them, counting page
loads (a form sent and the page it leads to count as one), in English and Arabic. The young person's and
the GP's journey (make a link for a new GP, then stop it: at most 4) is in test_share_journeys.py.

- The nurse finds a young person and adds a vaccine dose from the caseload: at most 4 page loads.
- The nurse closes a readiness gap from the young person's summary: at most 3.
- The adviser goes from the dashboard to why someone is not ready: 1.

Every page passed is saved as a full-page screenshot in test-artifacts/ (staff at 1280×800), to be looked
at as its reader would see it.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from passport.extensions import db
from passport.models import ImmunisationDose, Registration, User
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
LOCALES = ["en_GB", "ar"]


class Journey:
    """Counts the documents a page loads (each navigation, a form's redirect included, is one) and saves a
    screenshot of each."""

    def __init__(self, page, screenshot, name: str):
        self.page, self.screenshot, self.name = page, screenshot, name
        self.loads: list[str] = []
        page.on("load", self._loaded)

    def _loaded(self, *_args) -> None:
        self.loads.append(self.page.url)

    def shot(self) -> None:
        self.page.wait_for_load_state()
        self.screenshot(self.page, f"journey-{self.name}-{len(self.loads)}")


def _as(user: User, locale: str) -> None:
    row = db.session.get(User, user.id)
    row.preferred_locale = locale
    db.session.commit()


@pytest.mark.parametrize("locale", LOCALES)
def test_the_nurse_finds_someone_and_adds_a_vaccine_dose_in_four_page_loads(
    browser, live_server, world, screenshot, locale
):
    _as(world.nurse, locale)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server, world.nurse.email)
    journey = Journey(page, screenshot, f"nurse-adds-a-dose-{locale}")

    page.goto(f"{live_server}/staff/caseload")  # 1
    journey.shot()
    page.locator("input[name=text]").fill("Fairweather")
    page.locator("form.app-filters button[type=submit]").click()  # 2
    page.wait_for_load_state()
    journey.shot()
    row = page.locator("tbody tr", has_text="Robin Fairweather")
    row.locator(".app-row-actions a").first.click()  # 3: the add-a-dose form
    page.wait_for_load_state()
    journey.shot()
    page.locator("#vaccine_id").select_option("mmr")
    given = date(world.passport.date_of_birth.year + 4, 3, 15)
    page.locator("#given_on-day").fill(str(given.day))
    page.locator("#given_on-month").fill(str(given.month))
    page.locator("#given_on-year").fill(str(given.year))
    source = page.locator("input[name=source][value=nurse_verified]")
    if source.count():
        source.check()
    page.locator("main form button[type=submit]").last.click()  # 4: back to the caseload, with a banner
    page.wait_for_load_state()
    journey.shot()

    assert len(journey.loads) <= 4, journey.loads
    assert "/staff/caseload" in page.url and "Fairweather" in page.url  # back where the nurse started
    assert page.locator(".nhsuk-success-summary, .app-flash, [role=status]").count() >= 1
    dose = db.session.scalar(
        select(ImmunisationDose).where(ImmunisationDose.passport_id == world.passport.id)
    )
    assert dose is not None and dose.vaccine_id == "mmr" and dose.given_on == given
    context.close()


@pytest.mark.parametrize("locale", LOCALES)
def test_the_nurse_closes_a_readiness_gap_from_the_summary_in_three_page_loads(
    browser, live_server, world, screenshot, locale
):
    _as(world.nurse, locale)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server, world.nurse.email)
    journey = Journey(page, screenshot, f"nurse-closes-a-gap-{locale}")
    summary = f"{live_server}/staff/passports/{world.passport.id}"

    page.goto(summary)  # 1: Robin has no GP
    journey.shot()
    todo = page.locator("#to-do + ul")
    fix = todo.locator("a[href*='service=gp']")
    assert fix.count() == 1, "the gap 'Not registered with a GP' links to the form that closes it"
    fix.click()  # 2: the add form, with GP already chosen
    page.wait_for_load_state()
    journey.shot()
    assert page.locator("input[name=service][value=gp]").is_checked()
    page.locator("#name").fill("Riverside Surgery")
    page.locator("input[name=source][value=nurse_verified]").check()  # where it came from: nothing preset
    page.locator("main form button[type=submit]").last.click()  # 3: back on the summary
    page.wait_for_load_state()
    journey.shot()

    assert len(journey.loads) <= 3, journey.loads
    assert page.url.split("#")[0] == summary
    assert page.locator("#to-do + ul a[href*='service=gp']").count() == 0  # the gap has closed
    assert db.session.scalar(select(Registration).where(Registration.passport_id == world.passport.id))
    context.close()


@pytest.mark.parametrize("locale", LOCALES)
def test_the_adviser_sees_why_someone_is_not_ready_on_the_dashboard(
    browser, live_server, world, screenshot, locale
):
    _as(world.adviser, locale)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server, world.adviser.email)
    journey = Journey(page, screenshot, f"adviser-why-not-ready-{locale}")

    page.goto(f"{live_server}/adviser/")  # 1
    journey.shot()

    assert len(journey.loads) == 1
    card = page.locator(".app-readiness", has_text="Robin Fairweather")
    # The reasons themselves, not just a count: Robin has no GP and no dentist recorded.
    assert card.locator("li").count() >= 2
    assert "Not registered with a GP" in card.inner_text() or locale != "en_GB"
    context.close()
