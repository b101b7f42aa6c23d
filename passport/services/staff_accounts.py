"""The organisation admin's use cases: staff accounts and the audit log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from passport import clock, policy
from passport.extensions import db
from passport.models import STAFF_ROLES, Role, Team, User
from passport.policy import Action
from passport.services import ServiceError, accounts, audit, invites, transaction


@dataclass(frozen=True)
class StaffMember:
    """A member of staff as their organisation's admin sees them: who they are and where their account is
    up to. Never their password, secrets or sessions."""

    id: uuid.UUID
    display_name: str
    email: str
    role: Role
    team: str | None
    active: bool
    has_password: bool  # False while the account waits for them to set it up
    has_authenticator_app: bool


def as_staff_member(user: User) -> StaffMember:
    """The one place a staff account becomes what the admin's pages show (load `User.team` with it)."""
    return StaffMember(
        id=user.id,
        display_name=user.display_name,
        email=user.email,
        role=Role(user.role),
        team=user.team.name if user.team else None,
        active=user.active,
        has_password=bool(user.password_hash),
        has_authenticator_app=user.totp_confirmed_at is not None,
    )


@transaction
def create_staff_account(
    admin: User, *, display_name: str, email: str, role: Role, team: Team | None
) -> tuple[User, invites.IssuedInvite]:
    """A staff account with no password yet, and a one-time code for the person to set their own."""
    if not policy.can(admin, Action.MANAGE_STAFF, None, clock.today()):
        raise ServiceError(_l("Only an organisation admin can add staff"))
    if role not in STAFF_ROLES:
        raise ServiceError(_l("Choose their role"), field="role")
    if team is not None and team.organisation_id != admin.organisation_id:
        raise ServiceError(_l("Choose one of your organisation's teams"), field="team")
    staff = accounts.new_user(
        email=email,
        display_name=display_name,
        role=role,
        organisation=admin.organisation,
        team=team,
    )
    issued = invites.issue_staff_set_up(admin, staff)
    audit.record("staff_account_created", actor=admin, staff_role=role.value)
    return staff, issued


def staff_of(admin: User) -> list[StaffMember]:
    """Everyone on the staff of the admin's organisation, by name."""
    return [
        as_staff_member(user)
        for user in db.session.scalars(
            select(User)
            .where(User.organisation_id == admin.organisation_id, User.role != Role.YOUNG_PERSON)
            .options(joinedload(User.team))
            .order_by(User.display_name)
        )
    ]


def staff_member(admin: User, staff_id) -> User | None:
    """A member of staff in the admin's organisation, or None (someone elsewhere is not theirs to manage)."""
    staff = db.session.get(User, staff_id)
    if staff is None or staff.organisation_id != admin.organisation_id or staff.role == Role.YOUNG_PERSON:
        return None
    return staff
