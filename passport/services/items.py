"""Adding, changing, checking and archiving passport items, and the correction requests between the young
person and their nurse. Each function is one use case and one transaction.

The nurse's items are nurse-verified; the young person's own are self-reported until a nurse verifies them.
Every change is audited (without health data in the audit text) and version-checked: a save based on an old
copy of an item gets `ItemConflict` carrying the item as it is now.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from passport import clock, policy, schedule
from passport.extensions import db
from passport.immunisations import explain
from passport.models import (
    Allergy,
    Condition,
    Contact,
    CorrectionRequest,
    CorrectionStatus,
    HealthAssessment,
    ImmunisationDose,
    Medication,
    Passport,
    Registration,
    RegistrationService,
    Role,
    Source,
    User,
)
from passport.services import ServiceError, audit, transaction
from passport.services.versions import ChangedSinceSeen, check_seen
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
            ("role", "name", "organisation", "phone", "email", "notes", "from_on", "until_on", "sensitivity"),
            _check_contact,
        ),
    )
}


class ItemConflict(ChangedSinceSeen):
    """The item changed after this person opened it. `current` is the item as it is now."""


class InputProblems(ServiceError):
    """Several fields are wrong at once; each message goes beside its own field."""

    def __init__(self, problems: Problems):
        super().__init__(problems[0][1], field=problems[0][0])
        self.problems = problems


def kind_of(name: str) -> ItemKind:
    if name not in ITEM_KINDS:
        raise LookupError(name)
    return ITEM_KINDS[name]


def find_item(passport: Passport, kind: ItemKind, item_id: uuid.UUID):
    """The passport's live item of this kind, or None: never an item of another passport."""
    item = db.session.get(kind.model, item_id)
    if item is None or item.passport_id != passport.id or item.archived_at is not None:
        return None
    return item


def _checked_values(
    kind: ItemKind, values: Mapping[str, Any], passport: Passport, editing=None
) -> dict[str, Any]:
    cleaned = {name: _blank_to_none(values.get(name)) for name in kind.fields}
    problems = kind.check(cleaned, passport, clock.today(), editing)
    if problems:
        raise InputProblems(problems)
    kind.clean(cleaned)
    return cleaned


def _blank_to_none(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _refuse_unless(decision: policy.Decision) -> None:
    if not decision:
        raise ServiceError(_l("You cannot change this"))


@transaction
def add_item(
    actor: User, passport: Passport, kind_name: str, values: Mapping[str, Any], *, source: str | None = None
):
    """Add an item. A young person's is self-reported. A nurse's is checked (nurse-verified), unless they
    say they copied it from another record without checking it: then it is imported until a nurse checks
    it."""
    kind = kind_of(kind_name)
    today = clock.today()
    _refuse_unless(policy.decide_add_item(actor, passport, kind.name, today))
    by_nurse = Role(actor.role) is not Role.YOUNG_PERSON
    if by_nurse:
        if source not in (None, Source.NURSE_VERIFIED, Source.IMPORTED):
            raise InputProblems([("source", _l("Choose where this came from"))])
        source = Source(source or Source.NURSE_VERIFIED)
    else:
        source = Source.SELF_REPORTED
    cleaned = _checked_values(kind, values, passport)
    now = clock.now()
    checked = source is Source.NURSE_VERIFIED
    item = kind.model(
        passport_id=passport.id,
        source=source,
        recorded_by_id=actor.id,
        recorded_at=now,
        updated_by_id=actor.id,
        updated_at=now,
        verified_by_id=actor.id if checked else None,
        verified_at=now if checked else None,
        **cleaned,
    )
    db.session.add(item)
    db.session.flush()
    audit.record("item_added", actor=actor, passport=passport, item_kind=kind.name, item_id=item.id)
    return item


def _apply(item, cleaned: Mapping[str, Any], actor: User, expected_version: int | None) -> None:
    check_seen(item, expected_version, ItemConflict)
    for name, value in cleaned.items():
        setattr(item, name, value)
    item.updated_by_id = actor.id
    item.updated_at = clock.now()
    try:
        db.session.flush()
    except StaleDataError as error:  # changed by another request between our read and our write
        db.session.rollback()
        raise ItemConflict(db.session.get(type(item), item.id)) from error


@transaction
def update_item(actor: User, passport: Passport, kind_name: str, item, values, expected_version: int):
    kind = kind_of(kind_name)
    _refuse_unless(policy.decide_edit_item(actor, passport, item, clock.today()))
    _apply(item, _checked_values(kind, values, passport, item), actor, expected_version)
    audit.record("item_changed", actor=actor, passport=passport, item_kind=kind.name, item_id=item.id)
    return item


@transaction
def verify_item(nurse: User, passport: Passport, kind_name: str, item, *, seen_version: int | None) -> None:
    """A nurse confirms a self-reported item against the record: the version their page showed, and only
    that one (a change the young person made after the page loaded is refused, not locked in unseen)."""
    _refuse_unless(policy.decide(nurse, policy.Action.CURATE_PASSPORT, passport, clock.today()))
    check_seen(item, seen_version, ItemConflict)
    item.source = Source.NURSE_VERIFIED
    item.verified_by_id = nurse.id
    item.verified_at = clock.now()
    audit.record(
        "item_verified",
        actor=nurse,
        passport=passport,
        item_kind=kind_name,
        item_id=item.id,
        version_checked=seen_version,
    )


def removed_items(passport: Passport) -> list[dict[str, Any]]:
    """Items taken off the passport: they leave every page and export but stay in the record, so the young
    person's copy of everything held about them lists them, with when they were removed."""
    removed = []
    for kind in ITEM_KINDS.values():
        rows = db.session.scalars(
            select(kind.model)
            .where(kind.model.passport_id == passport.id, kind.model.archived_at.is_not(None))
            .order_by(kind.model.archived_at)
        )
        for row in rows:
            removed.append(
                {
                    "kind": kind.name,
                    "values": {name: getattr(row, name) for name in kind.fields},
                    "source": row.source,
                    "sensitivity": row.sensitivity,
                    "recorded_at": row.recorded_at,
                    "removed_at": row.archived_at,
                }
            )
    return removed


@transaction
def archive_item(actor: User, passport: Passport, kind_name: str, item, *, seen_version: int | None) -> None:
    _refuse_unless(policy.decide_edit_item(actor, passport, item, clock.today()))
    check_seen(item, seen_version, ItemConflict)
    item.archived_at = clock.now()
    item.updated_by_id = actor.id
    audit.record("item_archived", actor=actor, passport=passport, item_kind=kind_name, item_id=item.id)


@transaction
def request_correction(young_person: User, passport: Passport, kind_name: str, item, what_is_wrong: str):
    _refuse_unless(policy.decide_request_correction(young_person, passport, item, clock.today()))
    what_is_wrong = (what_is_wrong or "").strip()
    if not what_is_wrong:
        raise ServiceError(_l("Tell us what is wrong and what it should say"), field="what_is_wrong")
    request = CorrectionRequest(
        passport_id=passport.id,
        item_kind=kind_name,
        item_id=item.id,
        what_is_wrong=what_is_wrong,
        requested_by_id=young_person.id,
    )
    db.session.add(request)
    db.session.flush()
    audit.record("correction_requested", actor=young_person, passport=passport, item_kind=kind_name)
    return request


@transaction
def request_about_me_correction(young_person: User, passport: Passport, what_is_wrong: str):
    """Name, date of birth and NHS number are the nurse's record: the young person asks for a fix."""
    _refuse_unless(policy.decide(young_person, policy.Action.ACT_AS_OWNER, passport, clock.today()))
    what_is_wrong = (what_is_wrong or "").strip()
    if not what_is_wrong:
        raise ServiceError(_l("Tell us what is wrong and what it should say"), field="what_is_wrong")
    request = CorrectionRequest(
        passport_id=passport.id,
        item_kind="about_me",
        item_id=passport.id,
        what_is_wrong=what_is_wrong,
        requested_by_id=young_person.id,
    )
    db.session.add(request)
    db.session.flush()
    audit.record("correction_requested", actor=young_person, passport=passport, item_kind="about_me")
    return request


@transaction
def mark_about_me_correction_made(nurse: User, request: CorrectionRequest) -> None:
    """The nurse has changed About me (on its own form) and closes the request."""
    passport = _open_request(nurse, request)
    request.status = CorrectionStatus.ACCEPTED
    request.decided_by_id = nurse.id
    request.decided_at = clock.now()
    audit.record("correction_accepted", actor=nurse, passport=passport, item_kind="about_me")


def _open_request(nurse: User, request: CorrectionRequest) -> Passport:
    passport = request.passport
    _refuse_unless(policy.decide(nurse, policy.Action.CURATE_PASSPORT, passport, clock.today()))
    if request.status != CorrectionStatus.OPEN:
        raise ServiceError(_l("This request has already been answered"))
    return passport


@transaction
def accept_correction(nurse: User, request: CorrectionRequest, item, values, expected_version: int):
    """The nurse makes the change the young person asked for; the item is nurse-verified again."""
    passport = _open_request(nurse, request)
    kind = kind_of(request.item_kind)
    _apply(item, _checked_values(kind, values, passport, item), nurse, expected_version)
    item.source = Source.NURSE_VERIFIED
    item.verified_by_id = nurse.id
    item.verified_at = clock.now()
    request.status = CorrectionStatus.ACCEPTED
    request.decided_by_id = nurse.id
    request.decided_at = clock.now()
    audit.record("correction_accepted", actor=nurse, passport=passport, item_kind=kind.name)
    return item


@transaction
def decline_correction(nurse: User, request: CorrectionRequest, reason: str) -> None:
    passport = _open_request(nurse, request)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Tell the young person why the record stays as it is"), field="reason")
    request.status = CorrectionStatus.DECLINED
    request.decided_by_id = nurse.id
    request.decided_at = clock.now()
    request.decline_reason = reason
    audit.record("correction_declined", actor=nurse, passport=passport, item_kind=request.item_kind)


def open_corrections_for(nurse: User, today: date) -> list[CorrectionRequest]:
    """The correction queue: open requests on passports this nurse may curate, oldest first."""
    from passport.services.caseload import care_team_passport_ids

    ids = care_team_passport_ids(nurse)
    requests = db.session.scalars(
        select(CorrectionRequest)
        .where(CorrectionRequest.status == CorrectionStatus.OPEN, CorrectionRequest.passport_id.in_(ids))
        .order_by(CorrectionRequest.requested_at)
    ).all()
    return [r for r in requests if policy.decide(nurse, policy.Action.CURATE_PASSPORT, r.passport, today)]


def corrections_of(passport: Passport) -> list[CorrectionRequest]:
    return list(
        db.session.scalars(
            select(CorrectionRequest)
            .where(CorrectionRequest.passport_id == passport.id)
            .order_by(CorrectionRequest.requested_at.desc())
        )
    )
