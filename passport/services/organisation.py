"""The organisation admin's work besides staff sign-in: teams, who looks after whom, deactivating staff,
and the audit log with filters."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from passport import clock, policy
from passport.extensions import db
from passport.models import (
    Assignment,
    AssignmentRole,
    AuditEvent,
    LoginSession,
    Passport,
    Role,
    Team,
    User,
)
from passport.policy import Action
from passport.services import ServiceError, audit, transaction, versions

AUDIT_PAGE_SIZE = 50


def _must_admin(admin: User) -> None:
    if not policy.can(admin, Action.MANAGE_STAFF, None, clock.today()):
        raise ServiceError(_l("Only an organisation admin can do this"))


@transaction
def deactivate(admin: User, staff: User) -> None:
    """They can no longer sign in, and every session they have ends now."""
    _must_admin(admin)
    if staff.id == admin.id:
        raise ServiceError(_l("You cannot deactivate your own account"))
    staff.active = False
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == staff.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=clock.now(), ended_reason="deactivated")
    )
    audit.record("staff_deactivated", actor=admin, staff_id=staff.id)


@transaction
def reactivate(admin: User, staff: User) -> None:
    _must_admin(admin)
    staff.active = True
    audit.record("staff_reactivated", actor=admin, staff_id=staff.id)


@transaction
def create_team(admin: User, name: str) -> Team:
    _must_admin(admin)
    name = (name or "").strip()
    if not name:
        raise ServiceError(_l("Enter the team's name"), field="name")
    team = Team(organisation_id=admin.organisation_id, name=name)
    db.session.add(team)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise ServiceError(_l("There is already a team with this name"), field="name") from error
    audit.record("team_created", actor=admin, team_id=team.id)
    return team


@dataclass(frozen=True)
class TeamWithCounts:
    """A team on the admin's teams page and in their choices of team."""

    id: uuid.UUID
    name: str
    staff: int
    young_people: int


def teams_with_counts(admin: User) -> list[TeamWithCounts]:
    """Each team with its number of staff and of young people."""
    teams = db.session.scalars(
        select(Team).where(Team.organisation_id == admin.organisation_id).order_by(Team.name)
    )
    staff = dict(
        db.session.execute(
            select(User.team_id, func.count())
            .where(User.organisation_id == admin.organisation_id)
            .group_by(User.team_id)
        ).all()
    )
    young = dict(
        db.session.execute(
            select(Passport.team_id, func.count())
            .where(policy.visible_passports(admin, Action.MANAGE_ASSIGNMENTS, clock.today()))
            .group_by(Passport.team_id)
        ).all()
    )
    return [TeamWithCounts(t.id, t.name, staff.get(t.id, 0), young.get(t.id, 0)) for t in teams]


@dataclass(frozen=True)
class YoungPersonRow:
    passport_id: uuid.UUID
    name: str
    date_of_birth: date
    team: str | None
    nurses: list[str]
    advisers: list[str]


def young_people(
    admin: User, text: str = "", page: int = 1, page_size: int = 25
) -> tuple[list[YoungPersonRow], int]:
    """The organisation's young people for assigning staff: names and who looks after them. No health data."""
    statement = select(Passport).where(
        policy.visible_passports(admin, Action.MANAGE_ASSIGNMENTS, clock.today())
    )
    if text.strip():
        like = f"%{text.strip().lower()}%"
        statement = statement.where(
            func.lower(Passport.legal_name).like(like) | func.lower(Passport.preferred_name).like(like)
        )
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    passports = db.session.scalars(
        statement.order_by(Passport.legal_name, Passport.id)
        .options(joinedload(Passport.team))
        .limit(page_size)
        .offset((max(page, 1) - 1) * page_size)
    ).all()
    ids = [p.id for p in passports]
    assigned: dict[uuid.UUID, dict[str, list[str]]] = {i: {"nurse": [], "adviser": []} for i in ids}
    if ids:
        for assignment, name in db.session.execute(
            select(Assignment, User.display_name)
            .join(User, User.id == Assignment.staff_id)
            .where(Assignment.passport_id.in_(ids), Assignment.ended_at.is_(None))
        ).all():
            assigned[assignment.passport_id][str(assignment.role)].append(name)
    rows = [
        YoungPersonRow(
            passport_id=p.id,
            name=p.name_to_use,
            date_of_birth=p.date_of_birth,
            team=p.team.name if p.team else None,
            nurses=sorted(assigned[p.id]["nurse"]),
            advisers=sorted(assigned[p.id]["adviser"]),
        )
        for p in passports
    ]
    return rows, total


def staff_choices(admin: User, role: Role) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.organisation_id == admin.organisation_id, User.role == role, User.active)
            .order_by(User.display_name)
        )
    )


@transaction
def set_care_team(
    admin: User,
    passport: Passport,
    *,
    team_id: uuid.UUID | None,
    nurse_ids: set[uuid.UUID],
    adviser_id: uuid.UUID | None,
    seen_version: int | None,
) -> None:
    """Who looks after this young person. Ended assignments are kept, with when they ended. Checked against
    the passport's version: the team is on the passport row, and the care team goes with it."""
    if not policy.can(admin, Action.MANAGE_ASSIGNMENTS, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))
    versions.check_seen(passport, seen_version)
    if team_id is not None:
        team = db.session.get(Team, team_id)
        if team is None or team.organisation_id != passport.organisation_id:
            raise ServiceError(_l("Choose one of your organisation's teams"), field="team")
    wanted = {(n, AssignmentRole.NURSE) for n in nurse_ids} | (
        {(adviser_id, AssignmentRole.ADVISER)} if adviser_id else set()
    )
    for staff_id, role in wanted:
        person = db.session.get(User, staff_id)
        if (
            person is None
            or person.organisation_id != passport.organisation_id
            or person.role != role
            or not person.active
        ):
            raise ServiceError(
                _l("Choose staff from your organisation"), field="nurses" if role == "nurse" else "adviser"
            )
    now = clock.now()
    current = {(a.staff_id, AssignmentRole(a.role)): a for a in passport.assignments if a.ended_at is None}
    for key, assignment in current.items():
        if key not in wanted:
            assignment.ended_at = now
    for staff_id, role in wanted - set(current):
        db.session.add(Assignment(passport_id=passport.id, staff_id=staff_id, role=role, started_at=now))
    passport.team_id = team_id
    # The passport's version moves on even when only the people changed, so another admin's page is stale.
    passport.updated_at = now
    audit.record("care_team_changed", actor=admin, passport=passport)


@dataclass(frozen=True)
class AuditFilter:
    event_type: str = ""
    actor_id: uuid.UUID | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1


# Ids in an event's details name rows nobody reading the log can look up: the log shows the rest.
AUDIT_DETAILS_NOT_SHOWN = frozenset(
    {"item_id", "link_id", "consent_id", "action_id", "grant_id", "staff_id", "team_id"}
)


@dataclass(frozen=True)
class AuditEntry:
    """One line of the admin's audit log."""

    occurred_at: datetime
    event_type: str
    actor: str | None  # None for the service itself, or someone with a share link (no account)
    actor_role: str | None
    details: tuple[tuple[str, object], ...]  # (name, value), in the order they were recorded


def _audit_entry(event: AuditEvent) -> AuditEntry:
    return AuditEntry(
        occurred_at=event.occurred_at,
        event_type=event.event_type,
        actor=event.actor.display_name if event.actor else None,
        actor_role=event.actor_role,
        details=tuple(
            (key, value) for key, value in (event.details or {}).items() if key not in AUDIT_DETAILS_NOT_SHOWN
        ),
    )


def audit_events(admin: User, filters: AuditFilter) -> tuple[list[AuditEntry], int]:
    """One page of the organisation's audit log, newest first, and how many events match in all."""
    statement = select(AuditEvent).where(AuditEvent.organisation_id == admin.organisation_id)
    if filters.event_type:
        statement = statement.where(AuditEvent.event_type == filters.event_type)
    if filters.actor_id:
        statement = statement.where(AuditEvent.actor_id == filters.actor_id)
    if filters.date_from:
        statement = statement.where(
            AuditEvent.occurred_at >= datetime.combine(filters.date_from, time.min, clock.UK)
        )
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, clock.UK)
        statement = statement.where(AuditEvent.occurred_at < end)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    events = db.session.scalars(
        statement.options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.occurred_at.desc())
        .limit(AUDIT_PAGE_SIZE)
        .offset((max(filters.page, 1) - 1) * AUDIT_PAGE_SIZE)
    ).all()
    return [_audit_entry(event) for event in events], total
