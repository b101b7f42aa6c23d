"""Birth history and birth-parent consent: the nurse's record, the consents that open it, and the young
person's own choices. Consents are recorded and withdrawn, never deleted or edited."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm.exc import StaleDataError

from passport import clock, policy
from passport.extensions import db
from passport.models import (
    BIRTH_FIELDS,
    BirthHistory,
    BirthParentConsent,
    BirthPart,
    ConsentGiver,
    Delivery,
    Passport,
    ShareLink,
    User,
)
from passport.policy import Action
from passport.services import ServiceError, audit, transaction, versions
from passport.services.items import InputProblems, ItemConflict

ALL_FIELDS = tuple(name for fields in BIRTH_FIELDS.values() for name in fields)


def _must_curate(nurse: User, passport: Passport) -> None:
    if not policy.can(nurse, Action.CURATE_PASSPORT, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))


def _must_own(young_person: User, passport: Passport) -> None:
    if not policy.can(young_person, Action.ACT_AS_OWNER, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))


@transaction
def save_birth_history(nurse: User, passport: Passport, values: dict, expected_version: int) -> BirthHistory:
    _must_curate(nurse, passport)
    problems = []
    weight, weeks = values.get("birth_weight_grams"), values.get("gestation_weeks")
    if weight is not None and not 300 <= weight <= 6500:
        problems.append(("birth_weight_grams", _l("Enter a birth weight between 300 and 6500 grams")))
    if weeks is not None and not 20 <= weeks <= 45:
        problems.append(("gestation_weeks", _l("Enter a number of weeks between 20 and 45")))
    if values.get("delivery") and values["delivery"] not in set(Delivery):
        problems.append(("delivery", _l("Choose how they were born")))
    if problems:
        raise InputProblems(problems)
    record = passport.birth_history
    if record is None and expected_version == 0:
        # The first save. Two at once: one makes the record, the other finds it there and is refused below,
        # since its nurse saw none (never a unique-key error).
        record = versions.insert_first(BirthHistory, passport_id=passport.id, updated_by_id=nurse.id)
        db.session.expire(passport, ["birth_history"])
        if record is None:
            raise ItemConflict(passport.birth_history)
        expected_version = record.version
    versions.check_seen(record, expected_version, ItemConflict)
    for name in ALL_FIELDS:
        value = values.get(name)
        setattr(record, name, (value.strip() or None) if isinstance(value, str) else value)
    record.updated_by_id = nurse.id
    record.updated_at = clock.now()
    try:
        db.session.flush()
    except StaleDataError as error:
        db.session.rollback()
        raise ItemConflict(db.session.get(BirthHistory, record.id)) from error
    # The audit text names no field and no value: birth history never reaches the log.
    audit.record("birth_history_changed", actor=nurse, passport=passport)
    return record


@transaction
def record_consent(nurse: User, passport: Passport, values: dict) -> BirthParentConsent:
    _must_curate(nurse, passport)
    today = clock.today()
    problems = []
    if values.get("given_by") not in set(ConsentGiver):
        problems.append(("given_by", _l("Choose who gave consent")))
    given_on: date | None = values.get("given_on")
    if given_on is None:
        problems.append(("given_on", _l("Enter the date consent was given")))
    elif given_on > today:
        problems.append(("given_on", _l("The date consent was given must be today or in the past")))
    covers = [part for part in values.get("covers") or () if part in set(BirthPart)]
    if not covers:
        problems.append(("covers", _l("Choose what the consent covers")))
    if not (values.get("evidence") or "").strip():
        problems.append(
            ("evidence", _l("Enter the evidence, for example the CoramBAAF Consent Form reference"))
        )
    if problems:
        raise InputProblems(problems)
    consent = BirthParentConsent(
        passport_id=passport.id,
        given_by=values["given_by"],
        given_by_name=(values.get("given_by_name") or "").strip() or None,
        given_on=given_on,
        covers=sorted(covers),
        young_person_may_see=bool(values.get("young_person_may_see")),
        may_include_in_pdf=bool(values.get("may_include_in_pdf")),
        may_include_in_share_links=bool(values.get("may_include_in_share_links")),
        may_include_in_fhir=bool(values.get("may_include_in_fhir")),
        evidence=values["evidence"].strip(),
        recorded_by_id=nurse.id,
    )
    db.session.add(consent)
    db.session.flush()
    audit.record("birth_consent_recorded", actor=nurse, passport=passport, consent_id=consent.id)
    return consent


@transaction
def withdraw_consent(
    nurse: User, passport: Passport, consent: BirthParentConsent, withdrawn_on: date | None, reason: str
) -> None:
    """Withdrawal works at once, everywhere: pages, PDFs, share links already issued, exports."""
    _must_curate(nurse, passport)
    if consent.passport_id != passport.id:
        raise ServiceError(_l("You cannot change this"))
    if consent.withdrawn_on is not None:
        raise ServiceError(_l("This consent has already been withdrawn"))
    problems = []
    if withdrawn_on is None:
        problems.append(("withdrawn_on", _l("Enter the date consent was withdrawn")))
    elif withdrawn_on > clock.today():
        problems.append(("withdrawn_on", _l("The date must be today or in the past")))
    elif withdrawn_on < consent.given_on:
        problems.append(("withdrawn_on", _l("The date must be on or after the date consent was given")))
    if not (reason or "").strip():
        problems.append(("reason", _l("Enter why consent was withdrawn")))
    if problems:
        raise InputProblems(problems)
    consent.withdrawn_on = withdrawn_on
    consent.withdrawal_reason = reason.strip()
    consent.withdrawal_recorded_by_id = nurse.id
    consent.withdrawal_recorded_at = clock.now()
    _ask_again(passport)
    audit.record("birth_consent_withdrawn", actor=nurse, passport=passport, consent_id=consent.id)


def _ask_again(passport: Passport) -> None:
    """After a withdrawal, nothing the young person chose under the old consent carries over to a later one:
    their birth history is closed again, out of their PDF and share links, and every share link already made
    loses it for good. A new consent is offered to them afresh, and they choose again."""
    versions.unseen_change(passport, "a withdrawal closes the birth history, whatever any page showed")
    passport.birth_history_opened_at = None
    passport.birth_history_in_pdf = False
    passport.birth_history_in_share_links = False
    db.session.execute(
        update(ShareLink)
        .where(ShareLink.passport_id == passport.id, ShareLink.include_birth_history.is_(True))
        .values(include_birth_history=False)
    )


@transaction
def open_birth_history(young_person: User, passport: Passport, *, seen_version: int | None) -> None:
    """The young person chooses to look. Only meaningful while a consent lets them."""
    _must_own(young_person, passport)
    versions.check_seen(passport, seen_version)
    if not policy.consented_birth_parts(passport):
        raise ServiceError(_l("There is no information about your birth to show"))
    passport.birth_history_opened_at = clock.now()
    audit.record("birth_history_opened", actor=young_person, passport=passport)


@transaction
def close_birth_history(young_person: User, passport: Passport, *, seen_version: int | None) -> None:
    _must_own(young_person, passport)
    versions.check_seen(passport, seen_version)
    passport.birth_history_opened_at = None
    passport.birth_history_in_pdf = False
    passport.birth_history_in_share_links = False
    audit.record("birth_history_closed", actor=young_person, passport=passport)


@transaction
def choose_birth_history_outputs(
    young_person: User, passport: Passport, *, in_pdf: bool, in_shares: bool, seen_version: int | None
) -> None:
    _must_own(young_person, passport)
    versions.check_seen(passport, seen_version)
    passport.birth_history_in_pdf = in_pdf
    passport.birth_history_in_share_links = in_shares
    audit.record(
        "birth_history_choices",
        actor=young_person,
        passport=passport,
        choice=f"pdf={'yes' if in_pdf else 'no'},shares={'yes' if in_shares else 'no'}",
    )


@transaction
def record_view(viewer: User, passport: Passport, where: str) -> None:
    """Every look at a birth history is audited, by the young person and the nurse alike."""
    audit.record("birth_history_viewed", actor=viewer, passport=passport, where=where)
