"""The young person's own appointments and private notes (issue #21).

Private notes are tested like the birth history: a marker in a note reaches no staff page, list, export or
log, unless the young person shares that note, and then only with whom they chose."""

from __future__ import annotations

import logging
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from passport import clock
from passport.extensions import db
from passport.models import Appointment, AuditEvent, Passport, PrivateNote
from passport.services import diary
from tests import factories
from tests.conftest import csrf_token
from tests.html_checks import page_text
from tests.web.test_birth_history import every_page
from tests.web.test_security_promises import _every_output

NOTE_MARKER = "MARKER-NOTE-8R3"
TITLE_MARKER = "MARKER-NOTE-TITLE-8R3"


def date_fields(name: str, day: date) -> dict[str, str]:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


class TestAppointments:
    def test_add_change_and_remove_with_the_next_one_on_the_overview(self, client, world):
        client.sign_in_as(world.young_person)
        tuesday = clock.today() + timedelta(days=2)
        response = client.post(
            "/my-passport/appointments/new",
            data={
                "csrf_token": csrf_token(client),
                "version": "0",
                "what": "Sexual health clinic",
                "at_time": "9.15",
                "place": "Riverside Clinic, High Street",
                "with_whom": "Nurse Amal",
                **date_fields("on_date", tuesday),
            },
        )
        assert response.status_code == 302
        added = db.session.scalar(select(Appointment).where(Appointment.what == "Sexual health clinic"))
        assert (added.on_date, added.at_time) == (tuesday, time(9, 15))
        overview = page_text(client.get("/my-passport/").get_data(as_text=True))
        # world.appointment is in 5 days: the new one, in 2, is next.
        next_line = overview[overview.index("Next:") :][:120]
        assert "Sexual health clinic" in next_line and tuesday.strftime("%A") in next_line
        assert f"{tuesday.day} {tuesday.strftime('%B')}" in next_line and "09:15" in next_line

        client.post(
            f"/my-passport/appointments/{added.id}/change",
            data={
                "csrf_token": csrf_token(client),
                "version": str(added.version),
                "what": "Sexual health clinic",
                "at_time": "",
                "place": "",
                "with_whom": "",
                **date_fields("on_date", tuesday),
            },
        )
        changed = db.session.get(Appointment, added.id)
        assert changed.at_time is None and changed.place is None
        added_id = added.id
        client.post(f"/my-passport/appointments/{added_id}/remove", data={"csrf_token": csrf_token(client)})
        assert db.session.get(Appointment, added_id) is None
        overview = page_text(client.get("/my-passport/").get_data(as_text=True))
        assert "Dentist check-up" in overview[overview.index("Next:") :][:60]

    def test_past_ones_are_kept_apart_and_the_overview_shows_only_what_is_coming(self, client, world):
        factories.create_appointment(passport=world.passport, what="Old eye test", in_days=-20)
        db.session.delete(db.session.get(Appointment, world.appointment.id))
        db.session.commit()
        client.sign_in_as(world.young_person)
        assert "Next:" not in page_text(client.get("/my-passport/").get_data(as_text=True))
        page = page_text(client.get("/my-passport/appointments").get_data(as_text=True))
        assert (
            "No appointments coming up" in page and "Past appointments (1)" in page and "Old eye test" in page
        )

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"what": ""}, "what", "Enter what the appointment is for"),
            ({"on_date-day": ""}, "on_date", "The date must include a day"),
            ({"on_date-year": "2199"}, "on_date", "Check the year of the appointment"),
            ({"at_time": "25:00"}, "at_time", "Enter the time like 10:30 or 14:15"),
            ({"at_time": "half ten"}, "at_time", "Enter the time like 10:30 or 14:15"),
        ],
    )
    def test_bad_input_is_explained_beside_the_field_and_nothing_saved(
        self, client, world, fields, field, message
    ):
        client.sign_in_as(world.young_person)
        data = {
            "csrf_token": csrf_token(client),
            "version": "0",
            "what": "Dentist",
            "at_time": "10:30",
            **date_fields("on_date", clock.today() + timedelta(days=3)),
        }
        data.update(fields)
        before = db.session.query(Appointment).count()
        html = client.post("/my-passport/appointments/new", data=data).get_data(as_text=True)
        assert f'id="{field}-error"' in html and message in html
        assert db.session.query(Appointment).count() == before

    def test_a_change_from_an_old_copy_is_a_conflict_not_an_overwrite(self, client, world):
        client.sign_in_as(world.young_person)
        url = f"/my-passport/appointments/{world.appointment.id}/change"
        data = {"csrf_token": csrf_token(client), "what": "Dentist", **date_fields("on_date", clock.today())}
        client.post(url, data={**data, "version": "1", "what": "First change"})
        second = client.post(url, data={**data, "version": "1", "what": "Second change"})
        html = second.get_data(as_text=True)
        assert second.status_code == 409 and "changed this while you were editing it" in html
        assert 'value="Second change"' in html  # what they typed is kept, to send again
        assert db.session.get(Appointment, world.appointment.id).what == "First change"

    def test_appointments_between_two_dates_for_reminders(self, world):
        passport = db.session.get(Passport, world.passport.id)
        today = clock.today()
        factories.create_appointment(passport=passport, what="Tomorrow", in_days=1, at=(14, 0))
        factories.create_appointment(passport=passport, what="Tomorrow morning", in_days=1, at=(8, 30))
        factories.create_appointment(passport=passport, what="Next month", in_days=30)
        factories.create_appointment(passport=world.other_passport, what="Someone else's", in_days=1)
        tomorrow = today + timedelta(days=1)
        assert [a.what for a in diary.appointments_between(passport, tomorrow, tomorrow)] == [
            "Tomorrow morning",
            "Tomorrow",
        ]
        week = diary.appointments_between(passport, today, today + timedelta(days=7))
        assert [a.what for a in week] == ["Tomorrow morning", "Tomorrow", "Dentist check-up"]

    def test_nobody_else_sees_the_young_persons_appointments(self, client, world):
        factories.create_appointment(
            passport=world.passport, what="MARKER-APPOINTMENT-2J7", place="MARKER-PLACE-2J7"
        )
        pages = every_page(client, world)
        assert {persona for (persona, _url), html in pages.items() if "MARKER-APPOINTMENT-2J7" in html} == {
            "young_person"
        }


@pytest.fixture
def private_note(world):
    return factories.create_note(
        passport=world.passport, title=TITLE_MARKER, body=f"I feel {NOTE_MARKER} today"
    )


def _seen_by(pages) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    for (persona, url), html in pages.items():
        if NOTE_MARKER in html or TITLE_MARKER in html:
            seen.setdefault(persona, set()).add(url)
    return seen


class TestPrivateNotes:
    def test_a_private_note_reaches_no_staff_page_list_export_or_log(
        self, app, client, world, private_note, caplog
    ):
        caplog.set_level(logging.DEBUG)
        # Written through the form too, so a whole journey is in the log.
        client.sign_in_as(world.young_person)
        client.post(
            "/my-passport/notes/new",
            data={
                "csrf_token": csrf_token(client),
                "version": "0",
                "title": TITLE_MARKER,
                "body": NOTE_MARKER,
            },
        )
        pages = every_page(client, world)
        seen = _seen_by(pages)
        assert set(seen) == {"young_person"}
        assert seen["young_person"] >= {"/my-passport/notes"}
        outputs = _every_output(app, client, world)
        assert {name for name, text in outputs.items() if NOTE_MARKER in text} == {"data export"}
        client.sign_in_as(world.nurse)
        assert world.passport.legal_name not in client.get(f"/staff/caseload?text={NOTE_MARKER}").get_data(
            as_text=True
        )
        client.sign_in_as(world.admin)
        audit = client.get("/admin/audit").get_data(as_text=True)
        assert NOTE_MARKER not in audit and TITLE_MARKER not in audit
        details = " ".join(str(e.details) for e in db.session.scalars(select(AuditEvent)))
        assert NOTE_MARKER not in details and TITLE_MARKER not in details
        assert not [
            r for r in caplog.records if NOTE_MARKER in r.getMessage() or TITLE_MARKER in r.getMessage()
        ]

    def test_shared_with_the_nurse_only_the_care_teams_nurses_read_it(self, client, world, private_note):
        client.sign_in_as(world.young_person)
        client.post(
            f"/my-passport/notes/{private_note.id}/change",
            data={
                "csrf_token": csrf_token(client),
                "version": str(private_note.version),
                "title": TITLE_MARKER,
                "body": f"I feel {NOTE_MARKER} today",
                "shared_with_nurse": "y",
            },
        )
        seen = _seen_by(every_page(client, world))
        assert set(seen) == {"young_person", "nurse"}
        # Their passport page, and the readiness page a nurse may open too.
        assert seen["nurse"] == {
            f"/staff/passports/{world.passport.id}",
            f"/adviser/young-people/{world.passport.id}",
        }
        # The host area's nurse under a grant and the other team's nurse are not "their nurse".
        client.sign_in_as(world.young_person)
        assert "Your nurse can read this note." in page_text(
            client.get("/my-passport/notes").get_data(as_text=True)
        )
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "note_sharing_changed"))
        assert event.details["shared_with"] == "nurse"

    def test_shared_with_the_adviser_the_adviser_reads_it_and_the_nurse_does_not(
        self, client, world, private_note
    ):
        note = db.session.get(PrivateNote, private_note.id)
        note.shared_with_adviser = True
        db.session.commit()
        seen = _seen_by(every_page(client, world))
        assert set(seen) == {"young_person", "adviser"}
        assert seen["adviser"] == {f"/adviser/young-people/{world.passport.id}"}

    def test_after_18_without_the_young_persons_grant_a_shared_note_is_closed_too(
        self, client, world, private_note
    ):
        note = db.session.get(PrivateNote, private_note.id)
        note.shared_with_nurse = note.shared_with_adviser = True
        passport = db.session.get(Passport, world.passport.id)
        passport.date_of_birth = factories.date_of_birth_for_age(19)
        passport.nurse_access_after_18 = passport.adviser_access_after_18 = False
        db.session.commit()
        assert set(_seen_by(every_page(client, world))) == {"young_person"}

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"body": ""}, "body", "Write your note"),
            ({"title": "x" * 121}, "title", "120 characters or fewer"),
        ],
    )
    def test_bad_input_is_explained_and_nothing_saved(self, client, world, fields, field, message):
        client.sign_in_as(world.young_person)
        before = db.session.query(PrivateNote).count()
        data = {"csrf_token": csrf_token(client), "version": "0", "body": "A note", **fields}
        html = client.post("/my-passport/notes/new", data=data).get_data(as_text=True)
        assert f'id="{field}-error"' in html and message in html
        assert db.session.query(PrivateNote).count() == before

    def test_the_young_person_removes_a_note(self, client, world):
        note_id = world.note.id
        client.sign_in_as(world.young_person)
        client.post(f"/my-passport/notes/{note_id}/remove", data={"csrf_token": csrf_token(client)})
        assert db.session.get(PrivateNote, note_id) is None
