"""People who sign in, and their signed-in sessions."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from passport import clock
from passport.extensions import db
from passport.models.types import UTCDateTime


class Role(StrEnum):
    YOUNG_PERSON = "young_person"
    NURSE = "nurse"
    ADVISER = "adviser"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        return self is not Role.YOUNG_PERSON


STAFF_ROLES = (Role.NURSE, Role.ADVISER, Role.ADMIN)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # Stored lower-case, so sign-in is case-insensitive without a functional index.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(String(20))
    # None until the person has set a password (a staff account waiting for set-up).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("team.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    preferred_locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Staff two-factor sign-in (TOTP). The secret is only set once the person has proved their app works.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last time step a code was accepted for: a code works once, so a replayed one is refused.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    organisation = relationship("Organisation")
    team = relationship("Team")

    # Set by the session loader: Flask-Login stores this (a revocable session token), never the user id.
    session_token = None  # not a column: lives only for this request
    login_session = None  # not a column: the LoginSession behind session_token, once loaded

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def is_staff(self) -> bool:
        return Role(self.role).is_staff

    def get_id(self) -> str | None:
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.role}>"


class LoginSession(db.Model):
    """One signed-in browser. Revoking the row ends that session and its remember-me cookie at once."""

    __tablename__ = "login_session"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    # SHA-256 of the token in the cookie, so a database leak does not hand out live sessions.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(40))
    # When this session passed the second factor (staff): no staff page opens before it.
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A single-use code for a member of staff who has lost their authenticator app. Stored hashed."""

    __tablename__ = "recovery_code"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
