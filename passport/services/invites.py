"""Invites: the only way anyone gets an account, or back into one.

A nurse issues a young person a one-time code (from 16); the young person claims it on their phone, confirms
their date of birth and chooses a password. A young person who forgets their password gets a new code from
their nurse or personal adviser and chooses a new password the same way (no security questions, and no
member of staff ever sees or sets it). An admin creates a member of staff, who sets their own password
with a one-time set-up code. Codes are shown once and stored only as a keyed hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select, update

from passport import clock, policy
from passport.extensions import db
from passport.models import Invite, InvitePurpose, Passport, Role, User
from passport.policy import Action
from passport.services import ServiceError, accounts, audit, transaction, versions
from passport.services.passwords import hash_password, password_problem

# No 0/O, 1/I/L: the code is read off paper and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 31^12 ≈ 2^59 possibilities; each code also expires and is single use
# Wrong dates of birth an invite survives before it is cancelled.
MAX_DATE_OF_BIRTH_MISTAKES = 5

CODE_DOES_NOT_WORK = _l(
    "This code does not work. It may be mistyped, used already or out of date. "
    "Check it, or ask your nurse for a new one"
)


@dataclass(frozen=True)
class IssuedInvite:
    invite: Invite
    code: str  # shown once, to the person who issued it; never stored

    @property
    def code_for_display(self) -> str:
        return format_code(self.code)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str:
    return "".join(ch for ch in typed.upper() if ch.isalnum())


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def code_hash(code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"invite:" + normalise_code(code).encode(), hashlib.sha256).hexdigest()


def find_open_invite(code: str, purpose: InvitePurpose) -> Invite | None:
    if len(normalise_code(code)) != CODE_LENGTH:
        return None
    invite = db.session.scalar(select(Invite).where(Invite.code_hash == code_hash(code)))
    if invite is None or invite.purpose != purpose or not invite.is_open(clock.now()):
        return None
    return invite


def _issue(purpose: InvitePurpose, *, created_by: User | None, lifetime, **target) -> IssuedInvite:
    code = new_code()
    now = clock.now()
    invite = Invite(
        purpose=purpose,
        code_hash=code_hash(code),
        created_by_id=created_by.id if created_by else None,
        created_at=now,
        expires_at=now + lifetime,
        **target,
    )
    db.session.add(invite)
    db.session.flush()
    return IssuedInvite(invite, code)


@transaction
def issue_claim_invite(nurse: User, passport: Passport) -> IssuedInvite:
    """A new code for the young person. Earlier open codes for the passport stop working."""
    decision = policy.decide(nurse, Action.ISSUE_INVITE, passport, clock.today())
    if not decision:
        raise ServiceError(refusal_message(decision.refusal))
    now = clock.now()
    db.session.execute(
        update(Invite)
        .where(
            Invite.passport_id == passport.id,
            Invite.used_at.is_(None),
            Invite.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    issued = _issue(
        InvitePurpose.CLAIM_PASSPORT,
        created_by=nurse,
        lifetime=current_app.config["INVITE_LIFETIME"],
        passport_id=passport.id,
    )
    audit.record(
        "invite_issued",
        actor=nurse,
        passport=passport,
        expires_on=issued.invite.expires_at.date().isoformat(),
    )
    return issued


@transaction
def issue_password_reset(staff: User, passport: Passport) -> IssuedInvite:
    """A code the young person uses to choose a new password. Earlier open reset codes stop working."""
    decision = policy.decide(staff, Action.ISSUE_PASSWORD_RESET, passport, clock.today())
    if not decision:
        raise ServiceError(refusal_message(decision.refusal))
    db.session.execute(
        update(Invite)
        .where(
            Invite.passport_id == passport.id,
            Invite.purpose == InvitePurpose.RESET_PASSWORD,
            Invite.used_at.is_(None),
            Invite.revoked_at.is_(None),
        )
        .values(revoked_at=clock.now())
    )
    issued = _issue(
        InvitePurpose.RESET_PASSWORD,
        created_by=staff,
        lifetime=current_app.config["PASSWORD_RESET_LIFETIME"],
        passport_id=passport.id,
        user_id=passport.young_person_id,
    )
    # The young person sees this on "Who looked at my passport", so a code they did not ask for shows up.
    audit.record(
        "password_reset_code_issued",
        actor=staff,
        passport=passport,
        expires_on=issued.invite.expires_at.date().isoformat(),
    )
    return issued


@transaction
def reset_password(*, code: str, date_of_birth: date, password: str) -> User:
    """The young person chooses a new password with the code from their nurse or adviser. Every session
    signed in with the old password ends."""
    invite = find_open_invite(code, InvitePurpose.RESET_PASSWORD)
    if invite is None:
        raise ServiceError(_code_message(code, InvitePurpose.RESET_PASSWORD), field="code")
    passport, user = invite.passport, invite.user
    # The account must still be the passport's own and open: a code does not outlive either.
    if user is None or passport.young_person_id != user.id or not user.active:
        raise ServiceError(CODE_DOES_NOT_WORK, field="code")
    if passport.date_of_birth != date_of_birth:
        _count_date_of_birth_mistake(invite)
        raise ServiceError(
            _l("This date of birth does not match the one on your passport. Check it and try again"),
            field="date_of_birth",
        )
    problem = password_problem(password)
    if problem:
        raise ServiceError(problem, field="password")
    if not _take(invite):
        raise ServiceError(CODE_DOES_NOT_WORK, field="code")
    user.password_hash = hash_password(password)
    accounts.end_all_sessions(user, "password_reset")
    audit.record("password_reset", actor=user, passport=passport)
    return user


def _code_message(code: str, wanted: InvitePurpose):
    """Why a code did not work. A live code typed on the wrong page says which page it is for."""
    other = {
        InvitePurpose.CLAIM_PASSPORT: InvitePurpose.RESET_PASSWORD,
        InvitePurpose.RESET_PASSWORD: InvitePurpose.CLAIM_PASSPORT,
    }[wanted]
    if find_open_invite(code, other) is None:
        return CODE_DOES_NOT_WORK
    if other is InvitePurpose.RESET_PASSWORD:
        return _l(
            "This code is for choosing a new password. "
            "On the sign-in page, choose 'I have a code to choose a new password'"
        )
    return _l(
        "This code is for setting up your passport for the first time. "
        "On the sign-in page, choose 'I have a sign-up code'"
    )


def refusal_message(refusal: policy.Refusal | None):
    messages = {
        policy.Refusal.UNDER_16: _l(
            "Young people can have their own account from 16. You can keep the passport up to date until then"
        ),
        policy.Refusal.ALREADY_CLAIMED: _l("This young person already has an account"),
        policy.Refusal.NO_ACCOUNT_YET: _l(
            "This young person has not set up their account yet. Give them a sign-up code instead"
        ),
        policy.Refusal.NOT_GRANTED_AFTER_18: _l(
            "This young person is 18 or over and has not said you can still see their passport"
        ),
    }
    return messages.get(refusal, _l("You cannot do this for this young person"))


def _take(invite: Invite) -> bool:
    """Mark an invite used, once. Two requests racing with the same code cannot both win."""
    result = db.session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None), Invite.revoked_at.is_(None))
        .values(used_at=clock.now())
    )
    return result.rowcount == 1


@dataclass(frozen=True)
class ClaimResult:
    user: User
    passport: Passport


@transaction
def claim_passport(*, code: str, date_of_birth: date, email: str, password: str) -> ClaimResult:
    """The young person takes ownership of their passport and gets their own account."""
    invite = find_open_invite(code, InvitePurpose.CLAIM_PASSPORT)
    if invite is None:
        raise ServiceError(_code_message(code, InvitePurpose.CLAIM_PASSPORT), field="code")
    passport = invite.passport
    if passport.date_of_birth != date_of_birth:
        _count_date_of_birth_mistake(invite)
        raise ServiceError(
            _l("This date of birth does not match the one on your passport. Check it and try again"),
            field="date_of_birth",
        )
    # Checked again at claim time: a code issued at 16 stays valid, but the rule is the policy's.
    if policy.can_be_invited(passport, clock.today()) is not None:
        raise ServiceError(CODE_DOES_NOT_WORK, field="code")
    problem = password_problem(password)
    if problem:
        raise ServiceError(problem, field="password")
    user = accounts.new_user(
        email=email,
        display_name=passport.name_to_use,
        role=Role.YOUNG_PERSON,
        organisation=passport.organisation,
        password=password,
    )
    if not _take(invite):
        raise ServiceError(CODE_DOES_NOT_WORK, field="code")
    passport.young_person_id = user.id
    versions.unseen_change(passport, "a sign-up code claims the passport: the person has not seen it yet")
    audit.record("invite_claimed", actor=user, passport=passport)
    return ClaimResult(user, passport)


def _count_date_of_birth_mistake(invite: Invite) -> None:
    """Count a wrong date of birth against the code, and cancel the code after too many.

    Committed straight away, on purpose: the claim itself fails, but the attempt must still count.
    """
    failed = Invite.failed_attempts + 1
    db.session.execute(
        update(Invite)
        .where(Invite.id == invite.id)
        .values(
            failed_attempts=failed,
            revoked_at=case((failed >= MAX_DATE_OF_BIRTH_MISTAKES, clock.now()), else_=Invite.revoked_at),
        )
    )
    db.session.commit()


@transaction
def issue_staff_set_up(admin: User, staff: User) -> IssuedInvite:
    db.session.execute(
        update(Invite)
        .where(Invite.user_id == staff.id, Invite.used_at.is_(None), Invite.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    return _issue(
        InvitePurpose.STAFF_SET_UP,
        created_by=admin,
        lifetime=current_app.config["STAFF_SETUP_LIFETIME"],
        user_id=staff.id,
    )


@transaction
def set_up_staff_account(*, code: str, password: str) -> User:
    invite = find_open_invite(code, InvitePurpose.STAFF_SET_UP)
    if invite is None:
        raise ServiceError(
            _l("This set-up link does not work. Ask your organisation's admin for a new one"),
            field="code",
        )
    problem = password_problem(password)
    if problem:
        raise ServiceError(problem, field="password")
    if not _take(invite):
        raise ServiceError(_l("This set-up link has been used already"), field="code")
    user = invite.user
    user.password_hash = hash_password(password)
    audit.record("staff_account_set_up", actor=user)
    return user
