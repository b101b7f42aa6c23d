"""Accounts and signed-in sessions: sign in, sign out, load the user behind a session, create staff.

A session cookie holds a random token (via Flask-Login's `get_id`), never the user id. The token's hash is a
`LoginSession` row, so signing out, or a password change, ends sessions on the server: a copied cookie stops
working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from passport import clock
from passport.extensions import db
from passport.models import LoginSession, Organisation, Role, Team, User
from passport.services import ServiceError, audit, transaction
from passport.services.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)

# Avoid a database write on every request: last_seen_at moves only when it is this stale.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


@transaction
def authenticate(email: str, password: str) -> User | None:
    """The user with this email and password, or None. Same answer (and timing) for both failures."""
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        if user is not None:
            audit.record("sign_in_refused", actor=user, reason="wrong_password")
        return None
    if not user.active:
        audit.record("sign_in_refused", actor=user, reason="account_inactive")
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


@transaction
def confirm_password(user: User, password: str) -> bool:
    """The signed-in person types their password again before sharing or downloading their passport. A
    wrong one is recorded as a refused sign-in (and throttled by the page)."""
    if verify_password(user.password_hash, password):
        return True
    audit.record("sign_in_refused", actor=user, reason="wrong_password_when_confirming")
    return False


@transaction
def start_session(user: User) -> str:
    """Open a new server-side session for `user` and return the token for their cookie."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    login_session = LoginSession(
        user_id=user.id, token_hash=_token_hash(token), created_at=now, last_seen_at=now
    )
    db.session.add(login_session)
    user.last_signed_in_at = now
    user.session_token = token
    user.login_session = login_session
    audit.record("signed_in", actor=user)
    return token


def load_session_user(token: str) -> User | None:
    """The user behind a session token, if the session is live. Ends sessions that have timed out."""
    login_session = db.session.scalar(
        # The user comes in the same query: every signed-in request needs both.
        select(LoginSession)
        .where(LoginSession.token_hash == _token_hash(token))
        .options(joinedload(LoginSession.user))
    )
    if login_session is None or login_session.revoked_at is not None:
        return None
    now = clock.now()
    idle = current_app.config["SESSION_IDLE_TIMEOUT"]
    absolute = current_app.config["SESSION_ABSOLUTE_TIMEOUT"]
    if now - login_session.last_seen_at > idle or now - login_session.created_at > absolute:
        _end(login_session, now, "timed_out")
        db.session.commit()
        return None
    user = login_session.user
    if not user.active:
        return None
    if now - login_session.last_seen_at > LAST_SEEN_RESOLUTION:
        login_session.last_seen_at = now
        db.session.commit()
    user.session_token = token
    user.login_session = login_session
    return user


def current_login_session(user: User) -> LoginSession | None:
    """The live session this request is signed in with (its second-factor time, for instance)."""
    if user.login_session is not None:
        return user.login_session
    if not user.session_token:
        return None
    login_session = db.session.scalar(
        select(LoginSession).where(
            LoginSession.token_hash == _token_hash(user.session_token), LoginSession.revoked_at.is_(None)
        )
    )
    user.login_session = login_session
    return login_session


@transaction
def rotate_session_token(user: User) -> str:
    """Give the current session a new token, after the second factor or a password change: a cookie that
    carried the old one (set before sign-in finished, or a remember-me cookie) stops working."""
    token = secrets.token_urlsafe(32)
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == _token_hash(user.session_token or ""))
        .values(token_hash=_token_hash(token))
    )
    user.session_token = token
    return token


def _end(login_session: LoginSession, now, reason: str) -> None:
    login_session.revoked_at = now
    login_session.ended_reason = reason


@transaction
def end_session(user: User) -> None:
    """Sign out: this session and every other one of the account (another phone, a library computer, a
    remember-me cookie) stop working on every server. A young person who signs out after using a shared
    computer is then signed out there too, wherever they signed in from."""
    end_all_sessions(user, "signed_out")
    audit.record("signed_out", actor=user)


def end_other_sessions(user: User, reason: str) -> None:
    """End every session of `user` except the current one (after a password change)."""
    keep = _token_hash(user.session_token) if user.session_token else ""
    db.session.execute(
        update(LoginSession)
        .where(
            LoginSession.user_id == user.id,
            LoginSession.revoked_at.is_(None),
            LoginSession.token_hash != keep,
        )
        .values(revoked_at=clock.now(), ended_reason=reason)
    )
    # Copies of the passport kept on other phones go with their sessions (services/offline_copies.py).
    from passport.services import offline_copies

    kept = db.session.scalar(select(LoginSession.id).where(LoginSession.token_hash == keep)) if keep else None
    offline_copies.end_for_user(user, reason, keep_session_id=kept)


def end_all_sessions(user: User, reason: str) -> None:
    """End every session of `user`, on every server (an admin reset their authenticator app, say)."""
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=clock.now(), ended_reason=reason)
    )
    # And every copy of the passport kept on a phone: deleted from each phone as it next comes online.
    from passport.services import offline_copies

    offline_copies.end_for_user(user, reason)


@transaction
def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change the password, end every other session, and give this one a new token so that a remember-me
    cookie issued before the change stops working too."""
    if not verify_password(user.password_hash, current_password):
        raise ServiceError(_l("Your current password is not right"), field="current_password")
    problem = password_problem(new_password)
    if problem:
        raise ServiceError(problem, field="new_password")
    user.password_hash = hash_password(new_password)
    end_other_sessions(user, "password_changed")
    rotate_session_token(user)
    audit.record("password_changed", actor=user)


def email_in_use(email: str) -> bool:
    return find_user_by_email(email) is not None


def new_user(
    *,
    email: str,
    display_name: str,
    role: Role,
    organisation: Organisation,
    team: Team | None = None,
    password: str | None = None,
) -> User:
    """Build a user in the current transaction. Callers are use cases that decide who may do this."""
    if email_in_use(email):
        raise ServiceError(
            _l("This email address is already used by another account. Enter a different one"),
            field="email",
        )
    if password is not None:
        problem = password_problem(password)
        if problem:
            raise ServiceError(problem, field="password")
    user = User(
        email=normalise_email(email),
        display_name=display_name.strip(),
        role=role,
        organisation_id=organisation.id,
        team_id=team.id if team else None,
        password_hash=hash_password(password) if password else None,
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as error:  # another request took the email a moment ago
        raise ServiceError(
            _l("This email address is already used by another account. Enter a different one"),
            field="email",
        ) from error
    return user


@transaction
def remember_language(user: User, locale: str) -> None:
    user.preferred_locale = locale
