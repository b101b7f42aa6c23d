"""Creating a passport and keeping its core details: the nurse's use cases."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from passport import clock, policy, schedule
from passport.extensions import db
from passport.models import (
    Assignment,
    AssignmentRole,
    CareStatus,
    NhsNumberRecord,
    Passport,
    Sensitivity,
    Team,
    User,
)
from passport.policy import Action
from passport.services import ServiceError, audit, transaction
from passport.services.items import InputProblems
from passport.services.versions import ChangedSinceSeen, check_seen
from passport.validation import nhs_number_is_valid, normalise_nhs_number

# Nobody in a leaving-care service is older than this; a date before it is a typing mistake.
OLDEST_AGE = 30


def date_of_birth_problem(value: date, today: date):
    if value > today:
        return _l("Date of birth must be today or in the past")
    if clock.age_on(value, today) > OLDEST_AGE:
        return _l("Date of birth must be within the last 30 years")
    return None


@transaction
def create_passport(
    nurse: User,
    *,
    legal_name: str,
    preferred_name: str | None,
    date_of_birth: date,
    nhs_number: str | None,
    team: Team | None,
    care_status: CareStatus = CareStatus.IN_CARE,
) -> Passport:
    """A nurse starts a passport, and becomes the young person's assigned nurse."""
    if not policy.can(nurse, Action.CREATE_PASSPORT, None, clock.today()):
        raise ServiceError(_l("Only a nurse can start a passport"))
    if not legal_name.strip():
        raise ServiceError(_l("Enter the young person's full name"), field="legal_name")
    problem = date_of_birth_problem(date_of_birth, clock.today())
    if problem:
        raise ServiceError(problem, field="date_of_birth")
    if nhs_number and not nhs_number_is_valid(nhs_number):
        raise ServiceError(
            _l("Enter a valid NHS number. It has 10 digits, like 943 476 5919"), field="nhs_number"
        )
    if team is not None and team.organisation_id != nurse.organisation_id:
        raise ServiceError(_l("Choose one of your organisation's teams"), field="team")
    passport = Passport(
        organisation_id=nurse.organisation_id,
        team_id=(team.id if team else nurse.team_id),
        legal_name=legal_name.strip(),
        preferred_name=(preferred_name or "").strip() or None,
        date_of_birth=date_of_birth,
        care_status=care_status,
    )
    db.session.add(passport)
    db.session.flush()
    if nhs_number:
        db.session.add(
            NhsNumberRecord(
                passport_id=passport.id,
                number=normalise_nhs_number(nhs_number),
                reason="first_recorded",
                recorded_by_id=nurse.id,
            )
        )
    db.session.add(Assignment(passport_id=passport.id, staff_id=nurse.id, role=AssignmentRole.NURSE))
    audit.record("passport_created", actor=nurse, passport=passport)
    return passport


@transaction
def record_staff_view(viewer: User, passport: Passport, *, view: str) -> None:
    """Every staff view of a passport is logged, and the young person can read that log."""
    audit.record("passport_viewed", actor=viewer, passport=passport, view=view)


# About me: the young person keeps their own words up to date; the nurse also holds the record facts.
ABOUT_ME_OWNER_FIELDS = (
    "preferred_name",
    "pronouns",
    "languages",
    "interpreter_needed",
    "communication_needs",
)
ABOUT_ME_NURSE_FIELDS = (
    *ABOUT_ME_OWNER_FIELDS,
    "legal_name",
    "date_of_birth",
    "care_status",
    "date_left_care",
)


class AboutMeConflict(ChangedSinceSeen):
    """About me changed after this person opened it; `current` is the passport as it is now."""


@transaction
def update_about_me(actor: User, passport: Passport, values: dict, expected_version: int) -> None:
    today = clock.today()
    if policy.can(actor, Action.CURATE_PASSPORT, passport, today):
        allowed = ABOUT_ME_NURSE_FIELDS
    elif policy.can(actor, Action.ACT_AS_OWNER, passport, today):
        allowed = ABOUT_ME_OWNER_FIELDS
    else:
        raise ServiceError(_l("You cannot change this"))
    check_seen(passport, expected_version, AboutMeConflict)
    if "legal_name" in allowed and not (values.get("legal_name") or "").strip():
        raise ServiceError(_l("Enter the young person's full name"), field="legal_name")
    if "date_of_birth" in allowed and values.get("date_of_birth"):
        problem = date_of_birth_problem(values["date_of_birth"], today)
        if problem:
            raise ServiceError(problem, field="date_of_birth")
    left = values.get("date_left_care")
    if "date_left_care" in allowed and left and left > today:
        raise ServiceError(_l("The date they left care must be today or in the past"), field="date_left_care")
    for name in allowed:
        if name in values:
            value = values[name]
            setattr(passport, name, value.strip() or None if isinstance(value, str) else value)
    passport.about_me_updated_by_id = actor.id
    passport.about_me_updated_at = clock.now()
    try:
        db.session.flush()
    except StaleDataError as error:
        db.session.rollback()
        raise AboutMeConflict(db.session.get(Passport, passport.id)) from error
    audit.record("about_me_changed", actor=actor, passport=passport)


NHS_NUMBER_REASONS = ("first_recorded", "adoption", "correction")


@transaction
def change_nhs_number(
    nurse: User, passport: Passport, number: str, reason: str, *, seen_version: int | None
) -> None:
    """Record a new NHS number and keep the old one in the history (numbers are re-issued on adoption).
    It is part of About me: checked against, and recorded on, the passport's version."""
    if not policy.can(nurse, Action.CURATE_PASSPORT, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))
    check_seen(passport, seen_version)
    if not nhs_number_is_valid(number or ""):
        raise ServiceError(
            _l("Enter a valid NHS number. It has 10 digits, like 943 476 5919"), field="nhs_number"
        )
    if reason not in NHS_NUMBER_REASONS:
        raise ServiceError(_l("Choose why the NHS number is changing"), field="reason")
    number = normalise_nhs_number(number)
    if number == passport.current_nhs_number:
        return
    now = clock.now()
    for record in passport.nhs_numbers:
        if record.superseded_at is None:
            record.superseded_at = now
    passport.about_me_updated_by_id = nurse.id
    passport.about_me_updated_at = now
    db.session.add(
        NhsNumberRecord(
            passport_id=passport.id, number=number, reason=reason, recorded_by_id=nurse.id, recorded_at=now
        )
    )
    audit.record("nhs_number_changed", actor=nurse, passport=passport, reason=reason)


@transaction
def set_staff_access_after_18(
    young_person: User,
    passport: Passport,
    *,
    nurse: bool | None,
    adviser: bool | None,
    seen_version: int | None,
) -> None:
    """The young person's answer to whether their nurse and adviser keep access from their 18th birthday.
    Both questions need an answer; until there is one, the nurse's access ends on the birthday."""
    if not policy.can(young_person, Action.ACT_AS_OWNER, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))
    check_seen(passport, seen_version)
    problems = []
    if nurse is None:
        problems.append(("nurse", _l("Choose yes or no for your nurse")))
    if adviser is None:
        problems.append(("adviser", _l("Choose yes or no for your personal adviser")))
    if problems:
        raise InputProblems(problems)
    passport.nurse_access_after_18 = nurse
    passport.adviser_access_after_18 = adviser
    audit.record(
        "sharing_changed",
        actor=young_person,
        passport=passport,
        choice=f"nurse={'yes' if nurse else 'no'},adviser={'yes' if adviser else 'no'}",
    )


@transaction
def set_adviser_sharing(
    young_person: User, passport: Passport, choices: list[str], *, seen_version: int | None
) -> None:
    """What the young person shows their personal adviser beyond contacts and readiness."""
    if not policy.can(young_person, Action.ACT_AS_OWNER, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))
    check_seen(passport, seen_version)
    allowed = {s.value for s in policy.SHAREABLE_WITH_ADVISER} | {label.value for label in Sensitivity}
    allowed.add(policy.ATTACHMENTS_CHOICE)
    passport.shared_with_adviser = sorted(set(choices) & allowed)
    audit.record(
        "sharing_changed",
        actor=young_person,
        passport=passport,
        choice="adviser:" + ("+".join(passport.shared_with_adviser) or "nothing"),
    )


@transaction
def set_immunisation_records(
    nurse: User, passport: Passport, records: str, sex_at_birth: str | None, *, seen_version: int | None
) -> None:
    """Whether the nurse has checked the records, which changes how the schedule engine reads gaps."""
    if not policy.can(nurse, Action.CURATE_PASSPORT, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))
    check_seen(passport, seen_version)
    if records not in schedule.RECORDS_STATUSES:
        raise ServiceError(_l("Choose whether the records have been checked"), field="records")
    if sex_at_birth is not None and sex_at_birth not in schedule.SEXES:
        raise ServiceError(_l("Choose one of the options"), field="sex_registered_at_birth")
    passport.immunisation_records = records
    passport.sex_registered_at_birth = sex_at_birth
    audit.record("immunisation_records_changed", actor=nurse, passport=passport, records=records)


@transaction
def set_ehcp(
    nurse: User, passport: Passport, has_ehcp: bool, review_on: date | None, *, seen_version: int | None
) -> None:
    if not policy.can(nurse, Action.CURATE_PASSPORT, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))
    check_seen(passport, seen_version)
    passport.has_ehcp = has_ehcp
    passport.ehcp_review_on = review_on if has_ehcp else None
    audit.record("ehcp_changed", actor=nurse, passport=passport)
