"""The lists staff work from: a nurse's caseload and an adviser's young people."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import selectinload

from passport import clock, policy
from passport.extensions import db
from passport.models import Assignment, AssignmentRole, Passport, Team, User


@dataclass(frozen=True)
class CaseloadRow:
    passport_id: uuid.UUID
    name: str
    legal_name: str
    date_of_birth: date
    age: int
    days_to_18: int
    claimed: bool
    next_step: object  # a lazy, translatable sentence


def _next_step(passport: Passport, today: date):
    age = clock.age_on(passport.date_of_birth, today)
    if passport.young_person_id is None and age >= policy.INVITE_MIN_AGE:
        return _l("Invite them to their passport")
    if passport.young_person_id is None:
        return _l("Keep the passport up to date until they are 16")
    return _l("Nothing urgent")


def _care_team_filter(staff: User, role: AssignmentRole):
    assigned = exists().where(
        Assignment.passport_id == Passport.id,
        Assignment.staff_id == staff.id,
        Assignment.role == role,
        Assignment.ended_at.is_(None),
    )
    same_team = (
        and_(Passport.team_id.is_not(None), Passport.team_id == staff.team_id) if staff.team_id else False
    )
    return and_(Passport.organisation_id == staff.organisation_id, or_(assigned, same_team))


def care_team_passport_ids(staff: User):
    """A subquery of the passports this member of staff is assigned to or their team holds."""
    role = AssignmentRole.ADVISER if staff.role == "adviser" else AssignmentRole.NURSE
    return select(Passport.id).where(_care_team_filter(staff, role)).scalar_subquery()


def nurse_caseload(nurse: User, today: date) -> list[CaseloadRow]:
    """The young people a nurse is assigned to, or who are held by their team; youngest leavers first."""
    passports = db.session.scalars(
        select(Passport)
        .where(_care_team_filter(nurse, AssignmentRole.NURSE))
        .order_by(Passport.date_of_birth.asc(), Passport.legal_name)
    ).all()
    return [_row(p, today) for p in passports]


def adviser_caseload(adviser: User, today: date) -> list[CaseloadRow]:
    passports = db.session.scalars(
        select(Passport)
        .where(_care_team_filter(adviser, AssignmentRole.ADVISER))
        .options(selectinload(Passport.assignments))
        .order_by(Passport.date_of_birth.asc(), Passport.legal_name)
    ).all()
    return [
        _row(p, today) for p in passports if policy.decide(adviser, policy.Action.VIEW_READINESS, p, today)
    ]


def _row(passport: Passport, today: date) -> CaseloadRow:
    return CaseloadRow(
        passport_id=passport.id,
        name=passport.name_to_use,
        legal_name=passport.legal_name,
        date_of_birth=passport.date_of_birth,
        age=clock.age_on(passport.date_of_birth, today),
        days_to_18=(clock.birthday(passport.date_of_birth, policy.ADULT_AGE) - today).days,
        claimed=passport.young_person_id is not None,
        next_step=_next_step(passport, today),
    )


def organisation_teams(staff: User) -> list[Team]:
    return list(
        db.session.scalars(
            select(Team).where(Team.organisation_id == staff.organisation_id).order_by(Team.name)
        )
    )
