"""Local help: the organisation's short list of services for its young people, kept by its admin.

Young people see their own organisation's list on "Help near you", grouped, and it goes into the leaving
pack. Each service says when someone last checked it is right; the admin is shown the ones not checked for
more than 6 months (by the app's clock, so a test moves the clock to see it).
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from passport import clock, policy
from passport.extensions import db
from passport.models import HelpGroup, LocalService, Passport, Referral, User
from passport.services import ServiceError, audit, transaction, versions
from passport.services.items import InputProblems

STALE_AFTER_MONTHS = 6
FIELDS = (
    "category",
    "name",
    "helps_with",
    "phone",
    "website",
    "email",
    "address",
    "opening_times",
    "min_age",
    "max_age",
    "referral",
)


class ServiceConflict(versions.ChangedSinceSeen):
    """Someone else changed this service while the admin was editing it."""


def stale_before(today: date) -> date:
    """A service last checked before this day is over 6 months old."""
    months = today.year * 12 + today.month - 1 - STALE_AFTER_MONTHS
    year, month = divmod(months, 12)
    # 31 August less 6 months is the last day of February.
    return date(year, month + 1, min(today.day, calendar.monthrange(year, month + 1)[1]))


def is_stale(service: LocalService, today: date) -> bool:
    return service.last_checked_on < stale_before(today)


@dataclass(frozen=True)
class ServiceView:
    """A local service as pages show it: its own text as the admin wrote it."""

    id: uuid.UUID
    category: str
    name: str
    helps_with: str
    phone: str | None
    website: str | None
    email: str | None
    address: str | None
    opening_times: str | None
    min_age: int | None
    max_age: int | None
    referral: str
    last_checked_on: date
    version: int


def view_of(service: LocalService) -> ServiceView:
    return ServiceView(
        id=service.id,
        category=str(service.category),
        name=service.name,
        helps_with=service.helps_with,
        phone=service.phone,
        website=service.website,
        email=service.email,
        address=service.address,
        opening_times=service.opening_times,
        min_age=service.min_age,
        max_age=service.max_age,
        referral=str(service.referral),
        last_checked_on=service.last_checked_on,
        version=service.version,
    )


@dataclass(frozen=True)
class Group:
    category: HelpGroup
    services: tuple[ServiceView, ...]


def _grouped(services: list[LocalService]) -> list[Group]:
    return [
        Group(category, tuple(view_of(s) for s in services if s.category == category))
        for category in HelpGroup
        if any(s.category == category for s in services)
    ]


def services_of(organisation_id: uuid.UUID) -> list[LocalService]:
    return list(
        db.session.scalars(
            select(LocalService)
            .where(LocalService.organisation_id == organisation_id)
            .order_by(LocalService.name)
        )
    )


def help_near(passport: Passport) -> list[Group]:
    """What the young person sees: their organisation's services, grouped in the order of HelpGroup."""
    return _grouped(services_of(passport.organisation_id))


@dataclass(frozen=True)
class AdminList:
    groups: list[Group]
    stale: list[ServiceView]
    stale_before: date


def for_admin(admin: User, today: date) -> AdminList:
    _may_manage(admin)
    services = services_of(admin.organisation_id)
    return AdminList(
        groups=_grouped(services),
        stale=[
            view_of(s)
            for s in sorted((s for s in services if is_stale(s, today)), key=lambda s: s.last_checked_on)
        ],
        stale_before=stale_before(today),
    )


def service_of(admin: User, service_id: uuid.UUID) -> LocalService | None:
    """One of the admin's own organisation's services; another organisation's is not found."""
    service = db.session.get(LocalService, service_id)
    if service is None or service.organisation_id != admin.organisation_id:
        return None
    return service


def _may_manage(admin: User) -> None:
    if not policy.decide_for_role(admin, policy.Action.MANAGE_LOCAL_HELP):
        raise ServiceError(_l("You cannot change this"))


def _text(value):
    return (value.strip() or None) if isinstance(value, str) else value


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = {name: _text(values.get(name)) for name in FIELDS}
    problems = []
    if cleaned["category"] not in {g.value for g in HelpGroup}:
        problems.append(("category", _l("Choose what kind of help it is")))
    if not cleaned["name"]:
        problems.append(("name", _l("Enter the name of the service")))
    if not cleaned["helps_with"]:
        problems.append(("helps_with", _l("Enter what the service helps with")))
    if not (cleaned["phone"] or cleaned["website"] or cleaned["email"] or cleaned["address"]):
        problems.append(("phone", _l("Enter at least one way to contact the service")))
    website = cleaned["website"]
    if website and not website.lower().startswith(("https://", "http://")):
        problems.append(("website", _l("Enter the website address starting with https://")))
    low, high = cleaned["min_age"], cleaned["max_age"]
    if low is not None and high is not None and high < low:
        problems.append(("max_age", _l("The oldest age must be the same as or more than the youngest")))
    if cleaned["referral"] not in {r.value for r in Referral}:
        problems.append(("referral", _l("Choose whether a referral is needed")))
    if problems:
        raise InputProblems(problems)
    return cleaned


@transaction
def add(admin: User, values: dict[str, Any]) -> LocalService:
    _may_manage(admin)
    service = LocalService(
        organisation_id=admin.organisation_id,
        last_checked_on=clock.today(),
        updated_by_id=admin.id,
        **_checked(values),
    )
    db.session.add(service)
    db.session.flush()
    audit.record("local_service_changed", actor=admin, service_id=service.id, change="added")
    return service


@transaction
def change(admin: User, service: LocalService, values: dict[str, Any], version: int) -> LocalService:
    """Saving a change counts as checking it: the admin has just read it through."""
    _may_manage(admin)
    cleaned = _checked(values)
    versions.check_seen(service, version, conflict=ServiceConflict)
    for name, value in cleaned.items():
        setattr(service, name, value)
    service.last_checked_on = clock.today()
    service.updated_by_id = admin.id
    try:
        db.session.flush()
    except StaleDataError as error:
        raise ServiceConflict() from error
    audit.record("local_service_changed", actor=admin, service_id=service.id, change="changed")
    return service


@transaction
def mark_checked(admin: User, service: LocalService, version: int | None) -> None:
    _may_manage(admin)
    versions.check_seen(service, version)
    service.last_checked_on = clock.today()
    service.updated_by_id = admin.id
    audit.record("local_service_changed", actor=admin, service_id=service.id, change="checked")


@transaction
def remove(admin: User, service: LocalService) -> None:
    _may_manage(admin)
    audit.record("local_service_changed", actor=admin, service_id=service.id, change="removed")
    db.session.delete(service)
