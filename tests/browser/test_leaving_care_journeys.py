"""Two staff journeys in Chromium: the nurse works through a leaving pack and hands it over, and the
adviser's dashboard turns from gaps to ready; the young person ticks off an action on their phone, and
the nurse's overdue list changes."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from passport import clock
from tests import factories
from tests.browser.conftest import PHONE, sign_in

pytestmark = pytest.mark.browser


def ready_but_for_the_pack(world):
    """17 and a half, claimed, GP, dentist, NHS number, vaccine records checked, adviser and emergency
    contact recorded: only the leaving pack stands between them and ready."""
    f = factories
    owner = f.create_user(role=f.Role.YOUNG_PERSON, organisation=world.organisation, name="Alex Leaving")
    passport = f.create_passport(
        organisation=world.organisation,
        team=world.team,
        legal_name="Alex Leaving",
        date_of_birth=date.today() - timedelta(days=365 * 18 - 60),
        young_person=owner,
        nurse=world.nurse,
        adviser=world.adviser,
    )
    passport.immunisation_records = "none"  # no reliable record: a catch-up plan to talk through
    from passport.extensions import db

    db.session.commit()
    for service in ("gp", "dentist"):
        f.create_item(
            "registration", passport=passport, by=world.nurse, service=service, name=f"Invented {service}"
        )
    f.create_item(
        "contact",
        passport=passport,
        by=world.nurse,
        role="personal_adviser",
        name="Tom Reyes",
        phone="0300 000 3000",
    )
    f.create_item(
        "contact",
        passport=passport,
        by=world.nurse,
        role="emergency_contact",
        name="Aunt Dee",
        phone="0300 000 3001",
    )
    return passport


def test_the_nurse_hands_over_the_pack_and_the_adviser_sees_ready(browser, live_server, world, screenshot):
    passport = ready_but_for_the_pack(world)
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")

    adviser = desk.new_page()
    sign_in(adviser, live_server, world.adviser.email)
    card = adviser.locator(".app-readiness", has_text="Alex Leaving")
    assert "Leaving pack not handed over" in card.inner_text()
    assert "Catch-up vaccines not talked through" in card.inner_text()
    screenshot(adviser, "readiness-adviser-before")

    nurse = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB").new_page()
    sign_in(nurse, live_server, world.nurse.email)
    nurse.goto(f"{live_server}/staff/passports/{passport.id}/leaving-pack")
    for item in (
        "immunisations_reviewed",
        "dentist",
        "health_summary_given",
        "prescriptions_and_costs",
        "sexual_health_support",
        "mental_health_support",
    ):
        nurse.locator(f"#tick-{item}").check()
    nurse.get_by_role("button", name="Save checklist").click()
    today = clock.today()
    nurse.get_by_label("Day").fill(str(today.day))
    nurse.get_by_label("Month").fill(str(today.month))
    nurse.get_by_label("Year").fill(str(today.year))
    nurse.get_by_label("In person").check()
    nurse.get_by_role("button", name="Record the handover").click()
    assert "Handover recorded" in nurse.locator("main").inner_text()
    screenshot(nurse, "leaving-pack-nurse-handed-over")

    adviser.reload()
    card = adviser.locator(".app-readiness", has_text="Alex Leaving")
    assert "Ready" in card.inner_text() and "Leaving pack not handed over" not in card.inner_text()
    screenshot(adviser, "readiness-adviser-after")
    desk.close()


def test_the_young_person_ticks_off_an_action_and_the_overdue_list_changes(
    app, browser, live_server, world, screenshot
):
    factories.create_health_action(
        passport=world.passport,
        by=world.nurse,
        due_in_days=-3,
        what="Book an eye test at the optician on the high street",
    )
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    nurse = desk.new_page()
    sign_in(nurse, live_server, world.nurse.email)
    nurse.goto(f"{live_server}/staff/overdue-actions")
    assert "Book an eye test" in nurse.locator("main").inner_text()

    phone = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    page = phone.new_page()
    sign_in(page, live_server, world.young_person.email)
    page.goto(f"{live_server}/my-passport/plan")
    screenshot(page, "plan-young-person-phone")
    page.get_by_role("button", name=re.compile(r"I have done this.*Book an eye test")).click()
    assert "Marked as done" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.close()

    nurse.reload()
    assert "Book an eye test" not in nurse.locator("main").inner_text()
    desk.close()
