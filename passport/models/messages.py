"""Messages we send (reminders by text and email through GOV.UK Notify, codes, the staff weekly email), the
ways each person chose to get them, and the copies of a passport kept on a phone for use with no signal."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from passport import clock
from passport.extensions import db
from passport.models.types import UTCDateTime


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class MessageStatus(StrEnum):
    QUEUED = "queued"  # waiting: for quiet hours to end, or to try again after a rate limit or an outage
    SENDING = "sending"  # taken by one run of send-reminders (no other run touches it)
    SENT = "sent"  # Notify accepted it; whether it arrived is not known yet
    DELIVERED = "delivered"
    LOGGED = "logged"  # Notify is not set up (a laptop, a demo): written to the message log instead
    INVALID_RECIPIENT = "invalid_recipient"  # Notify refused the number or address: not tried again
    PERMANENT_FAILURE = "permanent_failure"  # the phone company or mail server refused it: not tried again
    TEMPORARY_FAILURE = "temporary_failure"  # phone off or inbox full for 72 hours: not tried again
    FAILED = "failed"  # refused for a reason trying again cannot fix, or tried too many times
    TOO_LATE = "too_late"  # not sent before it stopped being true (a link that has ended)
    NOT_NEEDED = "not_needed"  # a weekly email with nothing in it: the week is done, nothing sent


class MessageChannel(db.Model):
    """One way one person chose to get messages: a mobile number or an email address, proved with a code.

    `address` is the number or address in use, once proved; a number or address belongs to one account at
    a time (the unique constraint), so two accounts can never share one. A new one waits in
    `pending_address` until its code is typed, and the old one keeps working meanwhile."""

    __tablename__ = "message_channel"
    __table_args__ = (UniqueConstraint("user_id", "channel"), UniqueConstraint("channel", "address"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    channel: Mapped[Channel] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(String(254))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Switched on by the person: reminders go out only while this is true and the address is proved.
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Email only: say what a reminder is about ("your health assessment is due"), not just that there is one.
    more_detail: Mapped[bool] = mapped_column(Boolean, default=False)
    pending_address: Mapped[str | None] = mapped_column(String(254))
    # A keyed hash of the 6-digit code; the code itself is never stored once Notify has it.
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # What Notify told us about this address (invalid_recipient, permanent_failure): nothing more is sent
    # to it until the person changes or proves it again.
    problem: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    user = relationship("User")

    @property
    def active(self) -> bool:
        return self.enabled and self.address is not None and self.problem is None


class SentMessage(db.Model):
    """Every message: one row per reminder per channel, named by `dedupe_key`, so no run of send-reminders
    (even two at once on two servers) can send the same reminder twice: the row is inserted or skipped,
    then taken by exactly one run before it goes to Notify."""

    __tablename__ = "sent_message"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    passport_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("passport.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[Channel] = mapped_column(String(10))
    # The number or address with most of it hidden, as the person is shown it ("•••• 123").
    to_display: Mapped[str] = mapped_column(String(60))
    template: Mapped[str] = mapped_column(String(40))
    # What fills the template's ((placeholders)): plain sentences in the person's language, never health
    # details in a text. A code is blanked here once it has gone to Notify.
    personalisation: Mapped[dict] = mapped_column(JSON, default=dict)
    locale: Mapped[str] = mapped_column(String(10), default="en_GB")
    status: Mapped[MessageStatus] = mapped_column(String(30), default=MessageStatus.QUEUED, index=True)
    # Notify's error type (RateLimitError, ValidationError…) or delivery status: never the address.
    error: Mapped[str | None] = mapped_column(String(60))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Texts wait for the end of quiet hours (21:00–08:00 UK time); a retry waits for next_attempt_at.
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # After this the reminder is no longer true (a share link that has ended): never sent late.
    send_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notify_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The weekly email keeps which gaps each young person had, to tell "added this week" next time.
    snapshot: Mapped[dict | None] = mapped_column(JSON)

    user = relationship("User")


class OfflineCopy(db.Model):
    """A copy of a young person's passport summary kept on one phone, for use with no signal.

    The phone holds a random token in a cookie; only its hash is here. Ending the row (sign-out, signing out
    everywhere, a password change elsewhere, switching it off, another account signing in on that phone)
    makes the phone delete the copy the next time it reaches the server (Clear-Site-Data, and a check the
    service worker makes)."""

    __tablename__ = "offline_copy"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The birth history goes into this phone's copy only if the young person chose it on this phone.
    include_birth_history: Mapped[bool] = mapped_column(Boolean, default=False)
    # The session that switched it on (or last saved it): a password change keeps this phone's copy.
    login_session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("login_session.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(40))

    user = relationship("User")
