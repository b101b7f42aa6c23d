"""Moves across boundaries (NICE QS31 statement 6): a time-boxed grant to a host area's nurse for an
out-of-area placement, and a permanent transfer to another organisation that loses nothing.

A transfer changes one thing, which organisation is responsible; every item, consent, correction and audit
event stays attached to the passport, so nothing is copied by hand and nothing can be lost in the copy."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from passport import clock, policy
from passport.extensions import db
from passport.models import (
    AccessGrant,
    Assignment,
    GrantScope,
    Organisation,
    Passport,
    Role,
    Transfer,
    User,
)
from passport.policy import Action
from passport.services import ServiceError, accounts, audit, transaction, versions
from passport.services.items import InputProblems


def _must_manage(admin: User, passport: Passport) -> None:
    if not policy.can(admin, Action.MANAGE_ASSIGNMENTS, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))


@transaction
def grant_access(
    admin: User,
    passport: Passport,
    *,
    grantee_email: str,
    scope: str | None,
    starts_on: date | None,
    ends_on: date | None,
    reason: str | None,
) -> AccessGrant:
    _must_manage(admin, passport)
    problems = []
    grantee = accounts.find_user_by_email(grantee_email or "")
    if grantee is None or grantee.role != Role.NURSE or not grantee.active:
        problems.append(("grantee_email", _l("There is no active nurse with this email address")))
    elif grantee.organisation_id == passport.organisation_id:
        problems.append(
            ("grantee_email", _l("This nurse works in your organisation. Add them to the care team instead"))
        )
    if scope not in set(GrantScope):
        problems.append(("scope", _l("Choose what they may do")))
    today = clock.today()
    if starts_on is None:
        problems.append(("starts_on", _l("Enter the date access starts")))
    if ends_on is None:
        problems.append(("ends_on", _l("Enter the date access ends")))
    elif starts_on and ends_on < starts_on:
        problems.append(("ends_on", _l("The end date must be on or after the start date")))
    elif ends_on < today:
        problems.append(("ends_on", _l("The end date must be today or later")))
    if problems:
        raise InputProblems(problems)
    grant = AccessGrant(
        passport_id=passport.id,
        grantee_id=grantee.id,
        scope=scope,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=(reason or "").strip() or None,
        granted_by_id=admin.id,
    )
    db.session.add(grant)
    db.session.flush()
    audit.record(
        "access_granted",
        actor=admin,
        passport=passport,
        grant_id=grant.id,
        grantee_organisation=grantee.organisation.name,
    )
    return grant


@transaction
def end_grant(admin: User, passport: Passport, grant: AccessGrant) -> None:
    _must_manage(admin, passport)
    if grant.passport_id != passport.id:
        raise ServiceError(_l("You cannot change this"))
    if grant.revoked_at is None:
        grant.revoked_at = clock.now()
        audit.record("access_grant_ended", actor=admin, passport=passport, grant_id=grant.id)


def other_organisations(admin: User) -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation).where(Organisation.id != admin.organisation_id).order_by(Organisation.name)
        )
    )


@transaction
def transfer(
    admin: User,
    passport: Passport,
    *,
    to_organisation: Organisation | None,
    reason: str,
    seen_version: int | None,
) -> Transfer:
    """Move the passport, whole, to another organisation, in one transaction."""
    _must_manage(admin, passport)
    versions.check_seen(passport, seen_version)
    problems = []
    if to_organisation is None or to_organisation.id == passport.organisation_id:
        problems.append(("to_organisation", _l("Choose the organisation the young person is moving to")))
    if not (reason or "").strip():
        problems.append(("reason", _l("Say why the passport is moving")))
    if problems:
        raise InputProblems(problems)
    now = clock.now()
    from_organisation = passport.organisation
    record = Transfer(
        passport_id=passport.id,
        from_organisation_id=from_organisation.id,
        to_organisation_id=to_organisation.id,
        reason=reason.strip(),
        transferred_by_id=admin.id,
        transferred_at=now,
    )
    db.session.add(record)
    # The old organisation's access ends: its care team, and any grants it gave.
    db.session.execute(
        update(Assignment)
        .where(Assignment.passport_id == passport.id, Assignment.ended_at.is_(None))
        .values(ended_at=now)
    )
    db.session.execute(
        update(AccessGrant)
        .where(AccessGrant.passport_id == passport.id, AccessGrant.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    passport.organisation_id = to_organisation.id
    passport.team_id = None
    details = {"from_organisation": from_organisation.name, "to_organisation": to_organisation.name}
    # One record for each side: both organisations can see the transfer in their audit logs.
    audit.record(
        "passport_transferred",
        actor=admin,
        passport=passport,
        organisation_id=from_organisation.id,
        **details,
    )
    audit.record(
        "passport_transferred", actor=admin, passport=passport, organisation_id=to_organisation.id, **details
    )
    return record
