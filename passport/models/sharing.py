"""Share links (a URL and QR a young person gives to a GP or dentist) and the organisation's signing keys
for offline health cards."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

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
    # The SMART Health Link side (passport/services/smart_links.py). Its manifest address has a token of
    # its own, hashed like the one above; the files' key is kept only wrapped under that token, so neither
    # the database nor a backup can open a file without the link. Links made before SMART Health Links
    # have neither.
    shl_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    shl_key_wrapped: Mapped[str | None] = mapped_column(Text)
    # The young person chose to add their signed card to the link's files.
    include_health_card: Mapped[bool] = mapped_column(Boolean, default=False)

    passport = relationship("Passport")

    def is_live(self, at: datetime, cap: int) -> bool:
        return self.revoked_at is None and at < self.expires_at and self.failed_passcodes < cap

    @property
    def last_day(self) -> date:
        """The last day the link works, as the young person chose it: it stops at the end of that day, UK
        time (expires_at is the midnight after it)."""
        return (self.expires_at.astimezone(clock.UK) - timedelta(microseconds=1)).date()


class ShareLinkFile(db.Model):
    """One encrypted file a SMART Health Link manifest handed out by location rather than embedded: kept
    at most an hour, fetched once. It is ciphertext under the link's key, which is not stored."""

    __tablename__ = "share_link_file"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    share_link_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("share_link.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    jwe: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


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
