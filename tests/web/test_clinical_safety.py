"""Controls from the clinical hazard log (docs/clinical-safety/hazard-log.md) that no other test held.
Hazard numbers are the log's."""

from __future__ import annotations

import re
from datetime import timedelta

from passport import clock
from passport.extensions import db
from passport.models import Allergy
from passport.services import items
from tests import factories
from tests.conftest import csrf_token
from tests.html_checks import main_text


def make_link(client, young_person, sections=("about_me", "health_summary")) -> str:
    ends = clock.today() + timedelta(days=10)
    client.sign_in_as(young_person)
    html = client.post(
        "/my-passport/share",
        data={
            "label": "New GP",
            "sections": list(sections),
            "expires_on-day": str(ends.day),
            "expires_on-month": str(ends.month),
            "expires_on-year": str(ends.year),
            "csrf_token": csrf_token(client),
        },
    ).get_data(as_text=True)
    return re.search(r"http://localhost(/s/[A-Za-z0-9_-]+)<", html).group(1)


def test_h1_each_link_shows_its_own_young_person_and_who_they_are(app, client, world):
    """HAZ-1, wrong record: two young people's links, opened one after the other, each shows its own
    person's name, date of birth and NHS number, and only their own allergies."""
    factories.create_item(
        "allergy", passport=world.other_passport, by=world.other_team_nurse, substance="Sesame"
    )
    mine = make_link(client, world.young_person)
    theirs = make_link(client, world.other_young_person)
    visitor = app.test_client()
    first = main_text(visitor.get(mine).get_data(as_text=True))
    second = main_text(visitor.get(theirs).get_data(as_text=True))
    assert "Robin Fairweather" in first and "999 000 0018" in first and "Penicillin" in first
    assert "Jesse Underwood" not in first and "Sesame" not in first
    assert "Jesse Underwood" in second and "999 000 0026" in second and "Sesame" in second
    assert "Robin Fairweather" not in second and "Penicillin" not in second
    born = world.passport.date_of_birth
    assert f"{born.day} {born:%B} {born.year}" in first


def test_h3_a_share_link_shows_the_passport_as_it_is_when_opened(app, client, world):
    """HAZ-3, out-of-date allergy shown as current: a link made before a change shows the change. A
    removed allergy is gone; a corrected one reads as corrected, never the old wording."""
    link = make_link(client, world.young_person)
    visitor = app.test_client()
    assert "Penicillin" in main_text(visitor.get(link).get_data(as_text=True))
    allergy = db.session.get(Allergy, world.allergy.id)
    items.update_item(
        world.nurse,
        world.passport,
        "allergy",
        allergy,
        {"substance": "Amoxicillin", "reaction": "Hives", "severity": "severe"},
        expected_version=allergy.version,
    )
    text = main_text(visitor.get(link).get_data(as_text=True))
    assert "Amoxicillin" in text and "Hives" in text and "Penicillin" not in text
    allergy = db.session.get(Allergy, world.allergy.id)
    items.archive_item(world.nurse, world.passport, "allergy", allergy, seen_version=allergy.version)
    assert "Amoxicillin" not in main_text(visitor.get(link).get_data(as_text=True))


def test_h3_each_item_says_who_recorded_or_checked_it(app, client, world):
    """HAZ-3: the clinician reading a link can tell a nurse-checked allergy from one the young person
    added and nobody has checked yet."""
    factories.create_item("allergy", passport=world.passport, by=world.young_person, substance="Kiwi")
    text = main_text(app.test_client().get(make_link(client, world.young_person)).get_data(as_text=True))
    assert "Each entry says whether a nurse checked it against records or the young person added it" in text
    penicillin, kiwi = text.split("Penicillin", 1)[1].split("Kiwi", 1)
    assert "Checked by a nurse" in penicillin and "Not checked by a nurse yet" not in penicillin
    kiwi = kiwi.split("Medicines")[0]
    assert "Added by the young person" in kiwi and "Not checked by a nurse yet" in kiwi
    assert "Checked by a nurse" not in kiwi


def test_h3_the_share_page_speaks_to_the_clinician_not_the_young_person(app, client, world):
    factories.create_item("allergy", passport=world.passport, by=world.young_person, substance="Kiwi")
    text = main_text(app.test_client().get(make_link(client, world.young_person)).get_data(as_text=True))
    assert "Added by you" not in text and "Your nurse" not in text
