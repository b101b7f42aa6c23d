"""Share links: the young person shows chosen sections to someone (a new GP, a dentist) for a limited time.

Each link opens two ways: as a SMART Health Link (the QR code and the copied link, services/smart_links.py)
and as a plain page at /s/<token> for a browser without JavaScript. Both tokens are 256 bits from
secrets.token_urlsafe(32) and only their SHA-256 is stored. Expired, revoked or locked links answer 404.

An optional passcode allows a fixed number of wrong tries over the link's whole life, shared by both ways
in. Each try takes a place under the cap with one conditional UPDATE, committed, before the passcode is
checked at all; the right passcode gives its place back. So 20 parallel guesses against a cap of 5 check
exactly 5, and none is checked once the cap is reached (SECURITY.md 31). What a link shows is worked out
when it is opened, so a withdrawn consent or a changed choice takes effect at once.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from passport import clock, policy
from passport.exports import shl
from passport.extensions import db
from passport.models import Passport, Sensitivity, ShareLink, ShareLinkFile, User
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
    token: str  # the plain page's token, shown once; only its hash is kept
    shl_token: str  # the manifest's token, in the SMART Health Link; only its hash is kept
    shl_key: str  # the files' key, in the SMART Health Link only; kept wrapped under shl_token


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
    include_health_card: bool = False,
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
    if include_health_card:
        from passport.services import health_cards

        if Section.ABOUT_ME.value not in chosen:
            problems.append(
                ("include_health_card", _l("A signed card has your name on it. Tick About me too"))
            )
        elif health_cards.active_key(passport.organisation_id) is None:
            problems.append(
                ("include_health_card", _l("Signed cards are not set up for your area yet. Ask your nurse"))
            )
    if problems:
        raise InputProblems(problems)
    token = secrets.token_urlsafe(32)
    shl_token = secrets.token_urlsafe(32)
    shl_key = shl.new_key()
    # The link stops at the end of the chosen day, UK time.
    ends = datetime.combine(expires_on + timedelta(days=1), time.min, tzinfo=clock.UK)
    link = ShareLink(
        passport_id=passport.id,
        token_hash=token_hash(token),
        label=label,
        sections=sorted(chosen),
        labels=sorted({x for x in labels if x in {s.value for s in Sensitivity}}),
        # Only if it may go in a link now: a link made while no consent allows it never widens to include it
        # when one does later (a withdrawal also takes it out of every link for good: birth_history.py).
        include_birth_history=include_birth_history
        and bool(policy.birth_history_parts(young_person, passport, today, policy.Output.SHARE_LINK)),
        include_attachments=include_attachments,
        created_by_id=young_person.id,
        expires_at=ends,
        passcode_hash=hash_password(passcode) if passcode else None,
        shl_token_hash=token_hash(shl_token),
        include_health_card=include_health_card,
    )
    db.session.add(link)
    db.session.flush()
    link.shl_key_wrapped = shl.wrap_key(shl_key, shl_token, str(link.id))
    audit.record("share_link_created", actor=young_person, passport=passport, link_id=link.id)
    return NewShareLink(link, token, shl_token, shl_key)


def find(token: str, column=ShareLink.token_hash) -> ShareLink | None:
    """The link a token belongs to, live or not (None for no such link)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(ShareLink).where(column == token_hash(token)))


def find_live(token: str) -> ShareLink | None:
    link = find(token)
    if link is None or not link.is_live(clock.now(), passcode_cap()):
        return None
    return link


def find_live_shl(shl_token: str) -> ShareLink | None:
    link = find(shl_token, ShareLink.shl_token_hash)
    if link is None or not link.is_live(clock.now(), passcode_cap()):
        return None
    return link


@dataclass(frozen=True)
class PasscodeTry:
    right: bool
    remaining: int  # wrong tries left before the link stops for good
    checked: bool = True  # False: the cap was already reached, so the passcode was not even looked at


def try_passcode(link: ShareLink, passcode: str) -> PasscodeTry:
    """Check a passcode against the link's lifetime cap, atomically.

    First one conditional UPDATE takes a place under the cap (and is committed, so parallel requests see
    it); only a request that got a place has its passcode checked. A right passcode gives the place back:
    the cap counts wrong passcodes. With the cap reached nothing is checked, the right passcode included."""
    cap = passcode_cap()
    stored_hash = link.passcode_hash
    if stored_hash is None:
        return PasscodeTry(True, cap)
    link_id = link.id
    reserved = db.session.execute(
        update(ShareLink)
        .where(ShareLink.id == link_id, ShareLink.failed_passcodes < cap, ShareLink.revoked_at.is_(None))
        .values(failed_passcodes=ShareLink.failed_passcodes + 1)
    ).rowcount
    db.session.commit()
    if not reserved:
        return PasscodeTry(False, 0, checked=False)
    if verify_password(stored_hash, passcode or ""):
        db.session.execute(
            update(ShareLink)
            .where(ShareLink.id == link_id, ShareLink.failed_passcodes > 0)
            .values(failed_passcodes=ShareLink.failed_passcodes - 1)
        )
        db.session.commit()
        return PasscodeTry(True, cap - db.session.get(ShareLink, link_id).failed_passcodes)
    failed = db.session.scalar(select(ShareLink.failed_passcodes).where(ShareLink.id == link_id)) or 0
    return PasscodeTry(False, max(cap - failed, 0))


def check_passcode(link: ShareLink, passcode: str) -> bool:
    """True for the right passcode (see try_passcode)."""
    return try_passcode(link, passcode).right


@transaction
def record_open(link: ShareLink, *, recipient: str | None = None, how: str = "page") -> None:
    """Written where the young person reads it ("who has looked"): who the link was for, and for a SMART
    Health Link the name the requester gave (the spec asks every requester for one)."""
    link.last_opened_at = clock.now()
    details = {"label": link.label, "sections": ",".join(link.sections or ()), "how": how}
    if recipient is not None:
        details["recipient"] = recipient
    audit.record("share_link_opened", actor=None, passport=link.passport, link_id=link.id, **details)


@transaction
def record_refused(link: ShareLink, *, why: str, recipient: str | None = None, how: str = "page") -> None:
    """A try that opened nothing (a wrong passcode, a stopped link), so the young person sees it too."""
    details = {"label": link.label, "why": why, "how": how}
    if recipient is not None:
        details["recipient"] = recipient
    audit.record("share_link_refused", actor=None, passport=link.passport, link_id=link.id, **details)


@transaction
def revoke(young_person: User, passport: Passport, link: ShareLink) -> None:
    if link.passport_id != passport.id or not policy.can(
        young_person, Action.ACT_AS_OWNER, passport, clock.today()
    ):
        raise ServiceError(_l("You cannot change this"))
    if link.revoked_at is None:
        link.revoked_at = clock.now()
        # Files handed out by location go at once, not when their hour is up.
        db.session.execute(delete(ShareLinkFile).where(ShareLinkFile.share_link_id == link.id))
        audit.record("share_link_revoked", actor=young_person, passport=passport, link_id=link.id)


@dataclass(frozen=True)
class ShareLinkSummary:
    """A share link as its young person (and the page a clinician opens) sees it: never its token, hash or
    passcode."""

    id: uuid.UUID
    label: str
    sections: tuple[str, ...]
    created_at: datetime
    last_day: date  # the last day it works (it stops at the end of it, UK time)
    stopped: bool
    ended: bool  # past its last day, or locked by wrong passcodes
    has_passcode: bool
    last_opened_at: datetime | None

    @property
    def working(self) -> bool:
        return not (self.stopped or self.ended)


def summary_of(link: ShareLink) -> ShareLinkSummary:
    return ShareLinkSummary(
        id=link.id,
        label=link.label,
        sections=tuple(link.sections or ()),
        created_at=link.created_at,
        last_day=link.last_day,
        stopped=link.revoked_at is not None,
        ended=not link.is_live(clock.now(), passcode_cap()) and link.revoked_at is None,
        has_passcode=link.passcode_hash is not None,
        last_opened_at=link.last_opened_at,
    )


def summaries_of(passport: Passport) -> list[ShareLinkSummary]:
    return [summary_of(link) for link in links_of(passport)]


def links_of(passport: Passport) -> list[ShareLink]:
    return list(
        db.session.scalars(
            select(ShareLink)
            .where(ShareLink.passport_id == passport.id)
            .order_by(ShareLink.created_at.desc())
        )
    )
