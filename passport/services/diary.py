"""The young person's own appointments and private notes.

Only the young person adds, changes or removes them (policy: ACT_AS_OWNER). Appointments are theirs alone;
a note is private unless they share that note with their nurse or adviser (policy.may_read_note). Nothing
here is audited with its words: the audit log and the logs never hold what a note or an appointment says.

Reminders (GOV.UK Notify) read appointments through `appointments_between`.
"""

from __future__ import annotations

import uuid
from datetime import date, time
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from passport import clock, policy
from passport.extensions import db
from passport.models import Appointment, Passport, PrivateNote, User
from passport.services import ServiceError, audit, transaction, versions
from passport.services.items import InputProblems

# How far ahead or back an appointment may be: a typo in the year ("2062") is caught, a real one is not.
APPOINTMENT_YEARS = 5


class DiaryConflict(versions.ChangedSinceSeen):
    """Changed in another tab or on another phone after this form was opened."""


def _owner(young_person: User, passport: Passport) -> None:
    if not policy.can(young_person, policy.Action.ACT_AS_OWNER, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))


def _text(values: dict[str, Any], name: str) -> str | None:
    value = values.get(name)
    return (value.strip() or None) if isinstance(value, str) else value


# ---- Appointments ------------------------------------------------------------------------------------------


def _appointment_values(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = {name: _text(values, name) for name in ("what", "place", "with_whom")}
    cleaned["on_date"], cleaned["at_time"] = values.get("on_date"), values.get("at_time")
    problems = []
    if not cleaned["what"]:
        problems.append(("what", _l("Enter what the appointment is for, for example dentist")))
    today = clock.today()
    on = cleaned["on_date"]
    if on is None:
        problems.append(("on_date", _l("Enter the date of the appointment")))
    elif abs(on.year - today.year) > APPOINTMENT_YEARS:
        problems.append(("on_date", _l("Check the year of the appointment")))
    if cleaned["at_time"] is not None and not isinstance(cleaned["at_time"], time):
        problems.append(("at_time", _l("Enter the time like 10:30 or 14:15")))
    if problems:
        raise InputProblems(problems)
    return cleaned


@transaction
def add_appointment(young_person: User, passport: Passport, values: dict[str, Any]) -> Appointment:
    _owner(young_person, passport)
    appointment = Appointment(passport_id=passport.id, **_appointment_values(values))
    db.session.add(appointment)
    db.session.flush()
    return appointment


@transaction
def change_appointment(
    young_person: User, passport: Passport, appointment: Appointment, values: dict[str, Any], version: int
) -> Appointment:
    _owner(young_person, passport)
    cleaned = _appointment_values(values)
    _save_version(appointment, cleaned, version)
    return appointment


@transaction
def remove_appointment(young_person: User, passport: Passport, appointment: Appointment) -> None:
    _owner(young_person, passport)
    db.session.delete(appointment)


def appointment_of(passport: Passport, appointment_id: uuid.UUID) -> Appointment | None:
    appointment = db.session.get(Appointment, appointment_id)
    return appointment if appointment is not None and appointment.passport_id == passport.id else None


def appointments_between(passport: Passport, first_day: date, last_day: date) -> list[Appointment]:
    """The young person's appointments from first_day to last_day (both included), soonest first.

    For reminders: call it for a young person who asked to be reminded, with tomorrow as both days (or the
    week ahead). The rows carry what, place, with_whom, on_date (UK date) and at_time (UK time, or None
    when they did not give one). It reads only the young person's own diary: nothing a nurse wrote."""
    return list(
        db.session.scalars(
            select(Appointment)
            .where(
                Appointment.passport_id == passport.id,
                Appointment.on_date >= first_day,
                Appointment.on_date <= last_day,
            )
            .order_by(Appointment.on_date, Appointment.at_time)
        )
    )


# ---- Notes ------------------------------------------------------------------------------------------------


def _note_values(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = {"title": _text(values, "title"), "body": _text(values, "body")}
    cleaned["shared_with_nurse"] = bool(values.get("shared_with_nurse"))
    cleaned["shared_with_adviser"] = bool(values.get("shared_with_adviser"))
    problems = []
    if not cleaned["body"]:
        problems.append(("body", _l("Write your note")))
    elif len(cleaned["body"]) > 5000:
        problems.append(("body", _l("A note must be 5,000 characters or fewer")))
    if cleaned["title"] and len(cleaned["title"]) > 120:
        problems.append(("title", _l("The title must be 120 characters or fewer")))
    if problems:
        raise InputProblems(problems)
    return cleaned


def _shared_with(note: PrivateNote) -> str:
    return (
        "+".join(
            who
            for who, yes in (("nurse", note.shared_with_nurse), ("adviser", note.shared_with_adviser))
            if yes
        )
        or "nobody"
    )


@transaction
def add_note(young_person: User, passport: Passport, values: dict[str, Any]) -> PrivateNote:
    _owner(young_person, passport)
    note = PrivateNote(passport_id=passport.id, **_note_values(values))
    db.session.add(note)
    db.session.flush()
    if note.shared_with_nurse or note.shared_with_adviser:
        audit.record(
            "note_sharing_changed",
            actor=young_person,
            passport=passport,
            note_id=note.id,
            shared_with=_shared_with(note),
        )
    return note


@transaction
def change_note(
    young_person: User, passport: Passport, note: PrivateNote, values: dict[str, Any], version: int
) -> PrivateNote:
    _owner(young_person, passport)
    before = _shared_with(note)
    _save_version(note, _note_values(values), version)
    if _shared_with(note) != before:
        audit.record(
            "note_sharing_changed",
            actor=young_person,
            passport=passport,
            note_id=note.id,
            shared_with=_shared_with(note),
        )
    return note


@transaction
def remove_note(young_person: User, passport: Passport, note: PrivateNote) -> None:
    _owner(young_person, passport)
    db.session.delete(note)


def note_of(passport: Passport, note_id: uuid.UUID) -> PrivateNote | None:
    note = db.session.get(PrivateNote, note_id)
    return note if note is not None and note.passport_id == passport.id else None


def _save_version(row, values: dict[str, Any], version: int) -> None:
    versions.check_seen(row, version, conflict=DiaryConflict)
    for name, value in values.items():
        setattr(row, name, value)
    try:
        db.session.flush()
    except StaleDataError as error:
        raise DiaryConflict() from error
