"""One-time codes that let a person set up their own account."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from passport import clock
from passport.extensions import db
from passport.models.types import UTCDateTime


class InvitePurpose(StrEnum):
    CLAIM_PASSPORT = "claim_passport"  # a young person takes ownership of their passport
    STAFF_SET_UP = "staff_set_up"  # a new member of staff chooses their password
    # A young person who forgot their password chooses a new one (the value names a purpose, not a password).
    RESET_PASSWORD = "reset_password"  # noqa: S105  # nosec B105


class Invite(db.Model):
    __tablename__ = "invite"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    purpose: Mapped[InvitePurpose] = mapped_column(String(20))
    passport_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("passport.id"), index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # Only a keyed hash of the code is kept: the code itself is shown once, to the person issuing it.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Wrong dates of birth typed with this code; the code is cancelled after a few.
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)

    passport = relationship("Passport")
    user = relationship("User", foreign_keys=[user_id])
    created_by = relationship("User", foreign_keys=[created_by_id])

    def is_open(self, at: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and at < self.expires_at
