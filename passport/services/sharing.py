"""Share links: the young person shows chosen sections to someone (a new GP, a dentist) for a limited time.

The token is 256 bits from secrets.token_urlsafe(32) and only its SHA-256 is stored. Expired, revoked or
locked links answer 404. An optional passcode allows a fixed number of wrong tries over the link's whole
life, counted with one conditional UPDATE so parallel guesses cannot get past the cap. What the page shows is
worked out when it is opened, so a withdrawn consent or a changed choice takes effect at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from passport import clock, policy
from passport.extensions import db
from passport.models import Passport, Sensitivity, ShareLink, User
from passport.policy import Action, Section, Selection
from passport.services import ServiceError, audit, transaction
from passport.services.items import InputProblems
from passport.services.passwords import hash_password, verify_password

MAX_LIFETIME_DAYS = 90
SHAREABLE_SECTIONS = (
    Section.ABOUT_ME,
    Section.REGISTRATIONS,
    Section.HEALTH_SUMMARY,
    Section.IMMUNISATIONS,
    Section.CONTACTS,
)


def passcode_cap() -> int:
    return int(current_app.config.get("SHARE_PASSCODE_ATTEMPTS", 5))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewShareLink:
    link: ShareLink
    token: str  # shown once, in the URL and QR; only its hash is kept


def selection_of(link: ShareLink) -> Selection:
    return Selection(
        sections=frozenset(Section(s) for s in link.sections or ()),
        labels=frozenset(Sensitivity(label) for label in link.labels or ()),
        birth_history=link.include_birth_history,
        attachments=link.include_attachments,
    )


@transaction
def create(
    young_person: User,
    passport: Passport,
    *,
    label: str,
    sections: list[str],
    labels: list[str],
    include_birth_history: bool,
    expires_on: date | None,
    passcode: str | None,
    include_attachments: bool = False,
) -> NewShareLink:
    if not policy.can(young_person, Action.ACT_AS_OWNER, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))
    today = clock.today()
    problems = []
    label = (label or "").strip()
    if not label:
        problems.append(("label", _l("Enter who the link is for, for example New GP")))
    elif len(label) > 60:
        problems.append(("label", _l("Who it is for must be 60 characters or fewer")))
    chosen = [s for s in sections if s in {x.value for x in SHAREABLE_SECTIONS}]
    if not chosen:
        problems.append(("sections", _l("Choose at least one part of your passport to share")))
    if expires_on is None:
        problems.append(("expires_on", _l("Enter the date the link stops working")))
    elif expires_on <= today:
        problems.append(("expires_on", _l("The date the link stops working must be in the future")))
    elif expires_on > today + timedelta(days=MAX_LIFETIME_DAYS):
        problems.append(("expires_on", _l("A link can work for 90 days at most")))
    if passcode and not 4 <= len(passcode) <= 40:
        problems.append(("passcode", _l("A passcode must be 4 to 40 characters, or leave it empty")))
    if problems:
        raise InputProblems(problems)
    token = secrets.token_urlsafe(32)
    # The link stops at the end of the chosen day, UK time.
    ends = datetime.combine(expires_on + timedelta(days=1), time.min, tzinfo=clock.UK)
    link = ShareLink(
        passport_id=passport.id,
        token_hash=token_hash(token),
        label=label,
        sections=sorted(chosen),
        labels=sorted({x for x in labels if x in {s.value for s in Sensitivity}}),
        include_birth_history=include_birth_history,
        include_attachments=include_attachments,
        created_by_id=young_person.id,
        expires_at=ends,
        passcode_hash=hash_password(passcode) if passcode else None,
    )
    db.session.add(link)
    db.session.flush()
    audit.record("share_link_created", actor=young_person, passport=passport, link_id=link.id)
    return NewShareLink(link, token)


def find_live(token: str) -> ShareLink | None:
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(select(ShareLink).where(ShareLink.token_hash == token_hash(token)))
    if link is None or not link.is_live(clock.now(), passcode_cap()):
        return None
    return link


def check_passcode(link: ShareLink, passcode: str) -> bool:
    """True for the right passcode. A wrong one is counted at once, in its own committed statement, and
    only while under the cap: 20 parallel wrong guesses record exactly the cap, never more."""
    if link.passcode_hash is None:
        return True
    if verify_password(link.passcode_hash, passcode or ""):
        return True
    db.session.execute(
        update(ShareLink)
        .where(ShareLink.id == link.id, ShareLink.failed_passcodes < passcode_cap())
        .values(failed_passcodes=ShareLink.failed_passcodes + 1)
    )
    db.session.commit()
    return False


@transaction
def record_open(link: ShareLink) -> None:
    link.last_opened_at = clock.now()
    audit.record("share_link_opened", actor=None, passport=link.passport, link_id=link.id, label=link.label)


@transaction
def revoke(young_person: User, passport: Passport, link: ShareLink) -> None:
    if link.passport_id != passport.id or not policy.can(
        young_person, Action.ACT_AS_OWNER, passport, clock.today()
    ):
        raise ServiceError(_l("You cannot change this"))
    if link.revoked_at is None:
        link.revoked_at = clock.now()
        audit.record("share_link_revoked", actor=young_person, passport=passport, link_id=link.id)


def links_of(passport: Passport) -> list[ShareLink]:
    return list(
        db.session.scalars(
            select(ShareLink)
            .where(ShareLink.passport_id == passport.id)
            .order_by(ShareLink.created_at.desc())
        )
    )
