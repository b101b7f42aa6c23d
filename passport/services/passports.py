"""Creating a passport and keeping its core details: the nurse's use cases."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from passport import clock, policy
from passport.extensions import db
from passport.models import (
    Assignment,
    AssignmentRole,
    CareStatus,
    NhsNumberRecord,
    Passport,
    Team,
    User,
)
from passport.policy import Action
from passport.services import ServiceError, audit, transaction
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
