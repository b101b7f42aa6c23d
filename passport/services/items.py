"""Adding, changing, checking and archiving passport items, and the correction requests between the young
person and their nurse. Each function is one use case and one transaction.

The nurse's items are nurse-verified; the young person's own are self-reported until a nurse verifies them.
Every change is audited (without health data in the audit text) and version-checked: a save based on an old
copy of an item gets `ItemConflict` carrying the item as it is now.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from passport import clock, policy
from passport.extensions import db
from passport.item_kinds import ITEM_KINDS, ItemKind, Problems
from passport.models import (
    CorrectionRequest,
    CorrectionStatus,
    Passport,
    Role,
    Source,
    User,
)
from passport.services import ServiceError, audit, transaction
from passport.services.versions import ChangedSinceSeen, check_seen


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
    # None: the caller never asked (demo data, imports) and a nurse's entry is checked. Asked and not
    # answered ("") or answered with something else: refused beside the field, with the form's other
    # problems so the nurse sees them all at once.
    source_problems = []
    if by_nurse and source not in (None, Source.NURSE_VERIFIED, Source.IMPORTED):
        source_problems = [("source", _l("Choose where this came from"))]
    try:
        cleaned = _checked_values(kind, values, passport)
    except InputProblems as error:
        raise InputProblems(source_problems + error.problems) from None
    if source_problems:
        raise InputProblems(source_problems)
    source = Source(source or Source.NURSE_VERIFIED) if by_nurse else Source.SELF_REPORTED
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
def choose_emergency_contacts(
    nurse: User, passport: Passport, chosen: set[uuid.UUID], seen_versions: Mapping[uuid.UUID, int]
) -> int:
    """Who to call in an emergency, chosen from the contacts the passport has now. Each contact whose
    answer changes must be the version the nurse saw (a change made meanwhile is a conflict, not
    overwritten). Returns how many changed."""
    _refuse_unless(policy.decide(nurse, policy.Action.CURATE_PASSPORT, passport, clock.today()))
    today = clock.today()
    current = {c.id: c for c in passport.contacts if c.archived_at is None and c.is_current(today)}
    if not chosen <= set(current):
        raise ServiceError(_l("Choose from their contacts"), field="contacts")
    changed = 0
    for contact_id, contact in current.items():
        wanted = contact_id in chosen
        if contact.emergency_contact == wanted:
            continue
        check_seen(contact, seen_versions.get(contact_id), ItemConflict)
        contact.emergency_contact = wanted
        contact.updated_by_id = nurse.id
        contact.updated_at = clock.now()
        changed += 1
    if changed:
        audit.record("emergency_contacts_chosen", actor=nurse, passport=passport, changed=changed)
    return changed


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
    """The correction queue: open requests on passports this nurse may curate today, oldest first, with
    what the projection's rows read loaded alongside."""
    curated = select(Passport.id).where(policy.visible_passports(nurse, policy.Action.CURATE_PASSPORT, today))
    return list(
        db.session.scalars(
            select(CorrectionRequest)
            .where(
                CorrectionRequest.status == CorrectionStatus.OPEN,
                CorrectionRequest.passport_id.in_(curated),
            )
            .options(
                selectinload(CorrectionRequest.passport).selectinload(Passport.assignments),
                selectinload(CorrectionRequest.passport).selectinload(Passport.access_grants),
            )
            .order_by(CorrectionRequest.requested_at)
        )
    )


def corrections_of(passport: Passport) -> list[CorrectionRequest]:
    return list(
        db.session.scalars(
            select(CorrectionRequest)
            .where(CorrectionRequest.passport_id == passport.id)
            .order_by(CorrectionRequest.requested_at.desc())
        )
    )
