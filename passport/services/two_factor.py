"""Staff two-factor sign-in: an authenticator app (TOTP, RFC 6238) and single-use recovery codes.

What this module owns:
- Setting up the app. Until the person proves their app works, the secret is not stored anywhere: it is
  derived from SECRET_KEY and the id of the signed-in session, so reloading the page shows the same QR code
  and nothing secret sits in the cookie. Confirming with a code stores it on the user.
- Accepting a code once. pyotp's `verify` alone accepts the same code again; here the accepted time step is
  stored with a conditional UPDATE (`WHERE totp_last_step IS NULL OR totp_last_step < :step`), so a replayed
  code, or two requests racing with the same one, cannot both win. One step either side is accepted for
  clock drift, never a step at or before the last one used.
- Recovery codes: ten, shown once, stored as keyed hashes (HMAC-SHA256 with SECRET_KEY), each used once.
- Marking the signed-in session as past the second factor, with a new session token.
- An organisation admin's reset, which ends every session of that person.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid

import pyotp
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from passport import clock, policy
from passport.extensions import db
from passport.models import LoginSession, RecoveryCode, Role, User
from passport.policy import Action
from passport.services import ServiceError, accounts, audit, transaction
from passport.services.invites import CODE_ALPHABET, normalise_code

ISSUER = "Health Passport"
CODE_DIGITS = 6
# Steps either side of now that a code may come from: phones' clocks drift.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 10  # 31^10 ≈ 2^49 each, single use, behind the sign-in throttle

CODE_NOT_RIGHT = _l("The security code is not right. Enter the 6-digit code your app shows now")
CODE_USED = _l("This security code has been used already. Wait for your app to show a new one")
RECOVERY_CODE_NOT_RIGHT = _l("This recovery code is not right, or it has been used already")


class Method:
    AUTHENTICATOR_APP = "authenticator_app"
    RECOVERY_CODE = "recovery_code"


def _key() -> bytes:
    return current_app.config["SECRET_KEY"].encode()


def pending_secret(login_session: LoginSession) -> str:
    """The secret offered while someone sets up their app in this signed-in session: 160 bits, base32."""
    digest = hmac.new(_key(), b"totp-set-up:" + str(login_session.id).encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode()


def set_up_uri(user: User, secret: str) -> str:
    """The otpauth:// link an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def secret_for_typing(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalise_security_code(typed: str) -> str:
    return "".join(ch for ch in typed if not ch.isspace() and ch != "-")


def current_step(secret: str) -> int:
    return pyotp.TOTP(secret).timecode(clock.now())


def code_for_step(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).generate_otp(step)


def _matching_steps(secret: str, typed: str) -> list[int]:
    """The time steps within the drift window whose code is `typed` (almost always none or one)."""
    code = normalise_security_code(typed)
    if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
        return []
    now_step = current_step(secret)
    return [
        step
        for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1)
        if hmac.compare_digest(code_for_step(secret, step), code)
    ]


def _take_step(user: User, step: int) -> bool:
    """Record `step` as used, once: of two requests racing with the same code, only one updates the row."""
    result = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _pass(user: User, method: str) -> None:
    """This session has passed the second factor: mark it, and give it a new token."""
    login_session = accounts.current_login_session(user)
    if login_session is None:
        raise ServiceError(_l("Your session has ended. Sign in again"))
    login_session.second_factor_at = clock.now()
    accounts.rotate_session_token(user)
    audit.record("two_factor_passed", actor=user, method=method)


def second_factor_passed(user: User) -> bool:
    login_session = accounts.current_login_session(user)
    return login_session is not None and login_session.second_factor_at is not None


def is_set_up(user: User) -> bool:
    return user.totp_confirmed_at is not None and bool(user.totp_secret)


@transaction
def check_security_code(user: User, typed: str) -> None:
    """Accept the code from the person's app, once, and mark this session as past the second factor."""
    if not is_set_up(user):
        raise ServiceError(CODE_NOT_RIGHT, field="code")
    steps = _matching_steps(user.totp_secret, typed)
    if not steps:
        _refuse(user, Method.AUTHENTICATOR_APP, "wrong_code")
        raise ServiceError(CODE_NOT_RIGHT, field="code")
    last = user.totp_last_step
    fresh = [step for step in steps if last is None or step > last]
    # The UPDATE decides, not the value read above: another request may have used the step a moment ago.
    if not fresh or not _take_step(user, fresh[0]):
        _refuse(user, Method.AUTHENTICATOR_APP, "code_used_already")
        raise ServiceError(CODE_USED, field="code")
    _pass(user, Method.AUTHENTICATOR_APP)


def _refuse(user: User, method: str, reason: str) -> None:
    """Record a refused code. Committed at once: the attempt is refused, but the record of it must stay."""
    audit.record("two_factor_refused", actor=user, method=method, reason=reason)
    db.session.commit()


def recovery_code_hash(user_id: uuid.UUID, code: str) -> str:
    message = b"recovery:" + str(user_id).encode() + b":" + normalise_code(code).encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def format_recovery_code(code: str) -> str:
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


@transaction
def new_recovery_codes(user: User) -> list[str]:
    """Replace any earlier recovery codes with ten new ones. Only their hashes are kept."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    now = clock.now()
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=recovery_code_hash(user.id, code), created_at=now)
        for code in codes
    )
    return [format_recovery_code(code) for code in codes]


@transaction
def use_recovery_code(user: User, typed: str) -> int:
    """Accept a recovery code, once, and mark this session as past the second factor. Returns how many
    unused codes are left."""
    code = normalise_code(typed)
    if len(code) != RECOVERY_CODE_LENGTH or not is_set_up(user):
        _refuse(user, Method.RECOVERY_CODE, "wrong_code")
        raise ServiceError(RECOVERY_CODE_NOT_RIGHT, field="code")
    taken = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == recovery_code_hash(user.id, code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        _refuse(user, Method.RECOVERY_CODE, "wrong_code")
        raise ServiceError(RECOVERY_CODE_NOT_RIGHT, field="code")
    _pass(user, Method.RECOVERY_CODE)
    return recovery_codes_left(user)


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


@transaction
def confirm_set_up(user: User, typed: str) -> list[str]:
    """The person typed a code from their newly set-up app. Store the secret, pass this session, end any
    other session, and return ten recovery codes to show them once."""
    login_session = accounts.current_login_session(user)
    if login_session is None:
        raise ServiceError(_l("Your session has ended. Sign in again"))
    secret = pending_secret(login_session)
    steps = _matching_steps(secret, typed)
    if not steps:
        raise ServiceError(CODE_NOT_RIGHT, field="code")
    step = steps[-1]
    stored = db.session.execute(
        update(User)
        .where(User.id == user.id, User.totp_confirmed_at.is_(None))
        .values(totp_secret=secret, totp_confirmed_at=clock.now(), totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if stored.rowcount != 1:
        raise ServiceError(
            _l("Your authenticator app is set up already. Sign in again to use it"), field="code"
        )
    db.session.refresh(user)
    codes = new_recovery_codes(user)
    accounts.end_other_sessions(user, "two_factor_set_up")
    audit.record("two_factor_set_up", actor=user)
    _pass(user, Method.AUTHENTICATOR_APP)
    return codes


@transaction
def reset(admin: User, staff: User) -> None:
    """An organisation admin clears a member of staff's app and recovery codes: they set up their app again
    at their next sign-in. Every session of theirs ends now."""
    if not policy.can(admin, Action.MANAGE_STAFF, None, clock.today()):
        raise ServiceError(_l("Only an organisation admin can do this"))
    if staff.organisation_id != admin.organisation_id or Role(staff.role) is Role.YOUNG_PERSON:
        raise ServiceError(_l("Only an organisation admin can do this"))
    if staff.id == admin.id:
        raise ServiceError(_l("You cannot reset your own authenticator app. Ask another admin to do it"))
    _clear(staff)
    audit.record("two_factor_reset", actor=admin, staff_id=staff.id)


@transaction
def reset_by_operator(staff: User, reason: str) -> None:
    """The service's operator (`flask users reset-two-factor`) clears the app of a member of staff whom no
    admin can help: an organisation's only admin, say. The reason goes in the audit log."""
    if Role(staff.role) is Role.YOUNG_PERSON:
        raise ServiceError(_l("Young people do not use an authenticator app"))
    if not reason.strip():
        raise ServiceError(_l("Say why, for the audit log"))
    _clear(staff)
    audit.record(
        "two_factor_reset",
        actor=None,
        organisation_id=staff.organisation_id,
        staff_id=staff.id,
        by="operator",
        reason=reason.strip()[:200],
    )


def _clear(staff: User) -> None:
    """The app and recovery codes go; every session ends; the next sign-in sets the app up again."""
    staff.totp_secret = None
    staff.totp_confirmed_at = None
    staff.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == staff.id))
    accounts.end_all_sessions(staff, "two_factor_reset")
