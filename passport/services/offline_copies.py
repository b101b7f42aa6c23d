"""Copies of a young person's passport kept on their phone, for use with no signal or data.

Opt-in per phone ("Keep a copy on this phone"), for the young person's own account only. The phone holds a
random token in a cookie (only its hash is stored, in OfflineCopy) and the service worker
(static/offline/service-worker.js) keeps one page, the passport summary, in Cache Storage.

The copy is deleted from the phone whenever the row ends and the phone next reaches the server: every
response to a request carrying the cookie of an ended copy, or of a copy that belongs to someone other than
who is signed in now, says `Clear-Site-Data: "cache", "storage"` (the browser deletes Cache Storage,
IndexedDB and the service worker) and `X-Offline-Copy: end` (the worker deletes them itself too, in case
the header is not honoured). The worker also asks /offline-copy/status whenever it can.

A row ends when the young person signs out (which signs them out everywhere), changes their password on
another phone, resets it, switches the copy off, or when another account signs in on that phone. A session
that merely times out leaves the copy: that is when it is needed.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from passport import clock
from passport.extensions import db
from passport.models import OfflineCopy, Passport, Role, User
from passport.services import audit

END_HEADERS = {"Clear-Site-Data": '"cache", "storage"', "X-Offline-Copy": "end"}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find(token: str | None) -> OfflineCopy | None:
    if not token:
        return None
    return db.session.scalar(select(OfflineCopy).where(OfflineCopy.token_hash == _hash(token)))


def this_phone(user: User, token: str | None) -> OfflineCopy | None:
    """The live copy on the phone that sent `token` (its cookie, read by the web layer), if it is this
    person's."""
    copy = find(token)
    if copy is None or copy.ended_at is not None or copy.user_id != user.id:
        return None
    return copy


def live_copies(user: User) -> list[OfflineCopy]:
    return list(
        db.session.scalars(
            select(OfflineCopy)
            .where(OfflineCopy.user_id == user.id, OfflineCopy.ended_at.is_(None))
            .order_by(OfflineCopy.created_at)
        )
    )


def _end(copy: OfflineCopy, reason: str, actor: User | None) -> None:
    copy.ended_at = clock.now()
    copy.ended_reason = reason
    passport = db.session.scalar(select(Passport).where(Passport.young_person_id == copy.user_id))
    audit.record(
        "offline_copy_ended",
        actor=actor,
        passport=passport,
        organisation_id=copy.user.organisation_id,
        copy_id=copy.id,
        reason=reason,
    )


@dataclass(frozen=True)
class StartedCopy:
    copy: OfflineCopy
    token: str


def start(
    user: User, passport: Passport, *, include_birth_history: bool, old_token: str | None
) -> StartedCopy:
    """Keep a copy on this phone (replacing the one `old_token` names, if any). Only the young person, for
    their own passport: staff never get one."""
    if Role(user.role) is not Role.YOUNG_PERSON or passport.young_person_id != user.id:
        raise PermissionError("only a young person keeps a copy of their own passport")
    old = this_phone(user, old_token)
    if old is not None:
        _end(old, "replaced", user)
    token = secrets.token_urlsafe(32)
    login_session = getattr(user, "login_session", None)
    copy = OfflineCopy(
        user_id=user.id,
        token_hash=_hash(token),
        include_birth_history=include_birth_history,
        login_session_id=login_session.id if login_session is not None else None,
    )
    db.session.add(copy)
    db.session.flush()
    audit.record("offline_copy_started", actor=user, passport=passport, copy_id=copy.id)
    db.session.commit()
    return StartedCopy(copy, token)


def stop_this_phone(user: User, token: str | None) -> None:
    copy = this_phone(user, token)
    if copy is not None:
        _end(copy, "switched_off", user)
        db.session.commit()


def stop_everywhere(user: User) -> int:
    copies = live_copies(user)
    for copy in copies:
        _end(copy, "switched_off_everywhere", user)
    db.session.commit()
    return len(copies)


def end_for_user(user: User, reason: str, *, keep_session_id=None) -> None:
    """The account's sessions ended (sign-out, a password change or reset): its copies end too, on every
    phone (except, for a password change, the copy kept under the session it was changed in: that phone).
    Joins the caller's transaction."""
    conditions = [OfflineCopy.user_id == user.id, OfflineCopy.ended_at.is_(None)]
    if keep_session_id is not None:
        conditions.append(
            (OfflineCopy.login_session_id != keep_session_id) | OfflineCopy.login_session_id.is_(None)
        )
    for copy in db.session.scalars(select(OfflineCopy).where(*conditions)).all():
        _end(copy, reason, None)


def saved(copy: OfflineCopy, user: User) -> None:
    copy.last_saved_at = clock.now()
    login_session = getattr(user, "login_session", None)
    if login_session is not None:
        copy.login_session_id = login_session.id
    db.session.commit()


def should_end(token: str | None, signed_in: User | None) -> bool:
    """Whether the phone that sent this token must delete its copy: the copy ended, or someone else (another
    young person, a member of staff) is signed in on it now, which ends it. Signed out (a session that
    timed out) keeps it."""
    if not token:
        return False
    copy = find(token)
    if copy is None or copy.ended_at is not None:
        return True
    if (
        signed_in is not None
        and getattr(signed_in, "is_authenticated", False)
        and signed_in.id != copy.user_id
    ):
        _end(copy, "another_account_signed_in", None)
        db.session.commit()
        return True
    return False
