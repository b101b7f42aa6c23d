"""Share links (a URL and QR a young person gives to a GP or dentist) and the organisation's signing keys
for offline health cards."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from passport import clock
from passport.extensions import db
from passport.models.types import UTCDateTime


class ShareLink(db.Model):
    """A read-only view of chosen sections, for a limited time. Only a hash of its token is stored."""

    __tablename__ = "share_link"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    passport_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("passport.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(60))  # who it is for, in the young person's words
    sections: Mapped[list] = mapped_column(JSON, default=list)
    labels: Mapped[list] = mapped_column(JSON, default=list)  # sensitivity labels the young person included
    include_birth_history: Mapped[bool] = mapped_column(Boolean, default=False)
    # Photos and files go in only when the young person ticks them for this link.
    include_attachments: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    passcode_hash: Mapped[str | None] = mapped_column(String(255))
    # Wrong passcodes over the link's whole life; at the cap the link stops working.
    failed_passcodes: Mapped[int] = mapped_column(Integer, default=0)
    last_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    passport = relationship("Passport")

    def is_live(self, at: datetime, cap: int) -> bool:
        return self.revoked_at is None and at < self.expires_at and self.failed_passcodes < cap


class SigningKey(db.Model):
    """An organisation's ES256 key for signed offline health cards. Retired keys stay published so cards
    signed with them still verify."""

    __tablename__ = "signing_key"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_jwk: Mapped[dict] = mapped_column(JSON)
    # The private JWK. Kept in the database like other secrets of the organisation; encrypt the database
    # at rest in production (docs/deploy.md).
    private_jwk: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation = relationship("Organisation")
