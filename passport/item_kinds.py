"""The kinds of passport item: each one's table, the section of the passport it belongs to, the fields people
fill in, and the rules that check those fields together. Read by the projection (which fields to show) and
the item use cases in services/items.py (which to check and save)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from passport import policy, schedule
from passport.immunisations import explain
from passport.models import (
    Allergy,
    Condition,
    Contact,
    HealthAssessment,
    ImmunisationDose,
    Medication,
    Passport,
    Registration,
    RegistrationService,
)
from passport.validation import (
    format_postcode,
    gp_ods_code_is_valid,
    normalise_ods_code,
    postcode_is_valid,
)

Problems = list[tuple[str, Any]]


@dataclass(frozen=True)
class ItemKind:
    """One kind of passport item: its table, the section it belongs to, the fields people fill in, and the
    rules that check them together."""

    name: str
    model: type
    section: policy.Section
    fields: tuple[str, ...]
    check: Callable[..., Problems] = field(default=lambda values, passport, today, editing: [])
    clean: Callable[[dict[str, Any]], None] = field(default=lambda values: None)


def _not_in_future(values, names: tuple[str, ...], today: date) -> Problems:
    return [
        (name, _l("The date must be today or in the past"))
        for name in names
        if values.get(name) and values[name] > today
    ]


def _not_before_birth(values, names: tuple[str, ...], passport: Passport) -> Problems:
    return [
        (name, _l("The date must be after the date of birth"))
        for name in names
        if values.get(name) and values[name] < passport.date_of_birth
    ]


def _check_registration(values, passport, today, editing=None) -> Problems:
    problems = _not_in_future(values, ("registered_on",), today)
    ods = values.get("ods_code")
    if ods and values.get("service") == RegistrationService.GP and not gp_ods_code_is_valid(ods):
        problems.append(
            (
                "ods_code",
                _l("Enter the practice code as a letter and 5 numbers, like K81003, or leave it out"),
            )
        )
    postcode = values.get("postcode")
    if postcode and not postcode_is_valid(postcode):
        problems.append(("postcode", _l("Enter a real postcode, like SW1A 1AA")))
    ended, started = values.get("ended_on"), values.get("registered_on")
    if ended and started and ended < started:
        problems.append(("ended_on", _l("The end date must be after the date registered")))
    return problems


def _clean_registration(values: dict[str, Any]) -> None:
    if values.get("ods_code"):
        values["ods_code"] = normalise_ods_code(values["ods_code"])
    if values.get("postcode"):
        values["postcode"] = format_postcode(values["postcode"])


def _check_medication(values, passport, today, editing=None) -> Problems:
    problems = _not_in_future(values, ("started_on",), today)
    problems += _not_before_birth(values, ("started_on", "stopped_on"), passport)
    started, stopped = values.get("started_on"), values.get("stopped_on")
    if started and stopped and stopped < started:
        problems.append(("stopped_on", _l("The date it stopped must be on or after the date it started")))
    return problems


def _check_condition(values, passport, today, editing=None) -> Problems:
    return _not_in_future(values, ("since",), today) + _not_before_birth(values, ("since",), passport)


def _check_assessment(values, passport, today, editing=None) -> Problems:
    problems = _not_in_future(values, ("assessed_on",), today)
    problems += _not_before_birth(values, ("assessed_on",), passport)
    if (
        values.get("next_due_on")
        and values.get("assessed_on")
        and values["next_due_on"] <= values["assessed_on"]
    ):
        problems.append(("next_due_on", _l("The next assessment must be after this one")))
    return problems


def _check_contact(values, passport, today, editing=None) -> Problems:
    start, end = values.get("from_on"), values.get("until_on")
    if start and end and end < start:
        return [("until_on", _l("The end date must be on or after the start date"))]
    if not (values.get("phone") or values.get("email") or values.get("notes")):
        return [("phone", _l("Enter a phone number or email address, so you know how to reach them"))]
    return []


def _check_immunisation(values, passport, today, editing=None) -> Problems:
    """The schedule engine's own checks, run over the whole record so dose order is judged too."""
    if not values.get("vaccine_id") or not values.get("given_on"):
        return []
    others = [
        schedule.Dose(d.vaccine_id, d.given_on, d.dose_number, d.where_given or "unknown")
        for d in passport.immunisations
        if d.archived_at is None and d is not editing
    ]
    new = schedule.Dose(
        values["vaccine_id"],
        values["given_on"],
        values.get("dose_number"),
        values.get("where_given") or "unknown",
    )
    prefix = f"doses[{len(others)}]."
    field_names = {
        "vaccine_id": "vaccine_id",
        "given_on": "given_on",
        "dose_number": "dose_number",
        "where": "where_given",
    }
    return [
        (
            field_names.get(problem.field.removeprefix(prefix), "given_on"),
            explain(problem.msgid, problem.params),
        )
        for problem in schedule.validate_doses(passport.date_of_birth, [*others, new], today)
        if problem.field.startswith(prefix)
    ]


ITEM_KINDS: dict[str, ItemKind] = {
    kind.name: kind
    for kind in (
        ItemKind(
            "registration",
            Registration,
            policy.Section.REGISTRATIONS,
            ("service", "name", "ods_code", "address", "postcode", "phone", "registered_on", "ended_on"),
            _check_registration,
            _clean_registration,
        ),
        ItemKind(
            "condition",
            Condition,
            policy.Section.HEALTH_SUMMARY,
            ("name", "since", "notes", "sensitivity"),
            _check_condition,
        ),
        ItemKind(
            "allergy",
            Allergy,
            policy.Section.HEALTH_SUMMARY,
            ("substance", "reaction", "severity", "sensitivity"),
        ),
        ItemKind(
            "medication",
            Medication,
            policy.Section.HEALTH_SUMMARY,
            ("name", "dose", "how_often", "started_on", "stopped_on", "sensitivity"),
            _check_medication,
        ),
        ItemKind(
            "assessment",
            HealthAssessment,
            policy.Section.HEALTH_SUMMARY,
            ("kind", "assessed_on", "assessed_by", "next_due_on"),
            _check_assessment,
        ),
        ItemKind(
            "immunisation",
            ImmunisationDose,
            policy.Section.IMMUNISATIONS,
            ("vaccine_id", "given_on", "dose_number", "where_given", "batch"),
            _check_immunisation,
        ),
        ItemKind(
            "contact",
            Contact,
            policy.Section.CONTACTS,
            (
                "role",
                "name",
                "organisation",
                "phone",
                "email",
                "notes",
                "from_on",
                "until_on",
                "emergency_contact",
                "sensitivity",
            ),
            _check_contact,
        ),
    )
}
