"""The ways each person chose to get messages, and every message we send them.

- A young person turns on texts or emails, each proved with a 6-digit code sent to it (a number or address
  belongs to one account at a time), changes the number, more detail in emails, or stops them: from their
  "Messages" page, or in two taps from the link at the end of every message (no sign-in needed).
- A nurse or personal adviser turns the weekly email on or off.
- Every message is a SentMessage row, inserted once under its `dedupe_key` and then sent by `deliver`,
  which first takes the row (queued → sending) with one conditional UPDATE: two runs, or two servers, can
  never both send it. Notify's answer is recorded as the row's status (services/notify.py sorts them).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from passport import clock
from passport.extensions import db
from passport.models import Channel, MessageChannel, MessageStatus, Role, SentMessage, User
from passport.services import ServiceError, audit, notify

CODE_LIFETIME = timedelta(minutes=15)
CODE_ATTEMPTS = 5  # wrong codes before a new one is needed (counted atomically, before the code is checked)
MAX_ATTEMPTS = 3  # tries at a message that failed for a reason that can pass (Notify down, a timeout)
RETRY_AFTER = timedelta(minutes=15)
RATE_LIMIT_PAUSE = timedelta(minutes=1)
# Texts wait outside these hours, UK time (a reminder at 23:00 wakes people; codes they asked for do not).
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)
CODE_KIND = "code"

STATUS_WORDS = {
    MessageStatus.QUEUED: _l("Waiting to send"),
    MessageStatus.SENDING: _l("Sending"),
    MessageStatus.SENT: _l("Sent"),
    MessageStatus.DELIVERED: _l("Delivered"),
    MessageStatus.LOGGED: _l("Not sent: messages are switched off here, so it is only in this list"),
    MessageStatus.INVALID_RECIPIENT: _l("Not sent: the number or address did not work"),
    MessageStatus.PERMANENT_FAILURE: _l("Not delivered: the number or address did not work"),
    MessageStatus.TEMPORARY_FAILURE: _l("Not delivered: the phone was off or the inbox was full"),
    MessageStatus.FAILED: _l("Not sent: something went wrong"),
    MessageStatus.TOO_LATE: _l("Not sent: it was too late"),
    MessageStatus.NOT_NEEDED: _l("Not sent: not needed any more"),
}


# ---- Numbers and addresses ------------------------------------------------------------------------------


def normalise_mobile(text: str | None) -> str | None:
    """A UK mobile number as +447…, from the ways people type one (07700 900123, +44 7700 900123,
    0044…), or None."""
    digits = re.sub(r"[\s\-().]", "", text or "")
    if digits.startswith("0044"):
        digits = "+44" + digits[4:]
    if re.fullmatch(r"\+?447\d{9}", digits):
        return "+44" + digits[-10:]
    if re.fullmatch(r"07\d{9}", digits):
        return "+44" + digits[1:]
    return None


def normalise_email(text: str | None) -> str | None:
    try:
        return validate_email((text or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def format_mobile(number: str) -> str:
    """+447700900123 → 07700 900123, the way people write their number."""
    national = "0" + number[3:] if number.startswith("+44") else number
    return f"{national[:5]} {national[5:]}"


def masked(channel: Channel | str, address: str | None) -> str:
    """Enough of a number or address to recognise it, not enough to use it."""
    if not address:
        return ""
    if Channel(channel) is Channel.SMS:
        national = format_mobile(address)
        return "07••• •••" + national[-3:]
    name, _at, domain = address.partition("@")
    return f"{name[:1]}•••@{domain}"


# ---- Links in messages ----------------------------------------------------------------------------------


def absolute_url(endpoint: str, **values) -> str:
    """A full link for a message. BASE_URL when set (always, in production with Notify); otherwise the
    address this request came to, or the development server's."""
    base = current_app.config.get("BASE_URL")
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=base or "http://127.0.0.1:5000"):
        return url_for(endpoint, _external=True, **values)


def _stop_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="stop-messages")


def stop_token(row: MessageChannel) -> str:
    return _stop_serializer().dumps(str(row.id))


def channel_for_stop_token(token: str | None) -> MessageChannel | None:
    if not token or len(token) > 200:
        return None
    try:
        channel_id = _stop_serializer().loads(token)
    except BadSignature:
        return None
    try:
        return db.session.get(MessageChannel, uuid.UUID(str(channel_id)))
    except (ValueError, TypeError):
        return None


def stop_url(row: MessageChannel) -> str:
    # In the query string, which no log line keeps (passport/logs.py).
    return absolute_url("messages.stop", t=stop_token(row))


def locale_of(user: User) -> str:
    return user.preferred_locale or "en_GB"


# ---- Quiet hours ----------------------------------------------------------------------------------------


def in_quiet_hours(moment: datetime) -> bool:
    local = moment.astimezone(clock.UK).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


def quiet_hours_end(moment: datetime) -> datetime:
    """The next 08:00 UK time at or after `moment`."""
    local = moment.astimezone(clock.UK)
    day = local.date() + timedelta(days=1) if local.time() >= QUIET_FROM else local.date()
    return datetime.combine(day, QUIET_UNTIL, tzinfo=clock.UK)


# ---- Choosing how to get messages -----------------------------------------------------------------------


def channel_of(user: User, channel: Channel) -> MessageChannel | None:
    return db.session.scalar(
        select(MessageChannel).where(MessageChannel.user_id == user.id, MessageChannel.channel == channel)
    )


@dataclass(frozen=True)
class ChannelSummary:
    """One way a person gets messages, as their Messages page shows it."""

    channel: str
    address: str | None
    enabled: bool
    more_detail: bool
    problem: str | None
    active: bool


@dataclass(frozen=True)
class SentSummary:
    """One message as the person it went to sees it: where it went is shown masked, as it was stored."""

    channel: str
    to_display: str
    created_at: datetime
    sent_at: datetime | None


def channel_summaries(user: User) -> dict[Channel, ChannelSummary]:
    return {
        channel: ChannelSummary(
            str(row.channel), row.address, row.enabled, row.more_detail, row.problem, row.active
        )
        for channel, row in channels_of(user).items()
    }


def sent_summary(message: SentMessage) -> SentSummary:
    return SentSummary(str(message.channel), message.to_display, message.created_at, message.sent_at)


def channels_of(user: User) -> dict[Channel, MessageChannel]:
    rows = db.session.scalars(select(MessageChannel).where(MessageChannel.user_id == user.id))
    return {Channel(row.channel): row for row in rows}


TAKEN = {
    Channel.SMS: _l("This number is already used by another account. Enter a different number"),
    Channel.EMAIL: _l("This email address is already used by another account. Enter a different one"),
}


def _taken_by_someone_else(user: User, channel: Channel, address: str) -> bool:
    return (
        db.session.scalar(
            select(MessageChannel.id).where(
                MessageChannel.channel == channel,
                MessageChannel.address == address,
                MessageChannel.user_id != user.id,
            )
        )
        is not None
    )


def _code_hash(row: MessageChannel, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{row.id}:{row.pending_address}:{code}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class CodeSent:
    channel: MessageChannel
    message: SentMessage


def ask_for_code(user: User, channel: Channel, typed: str) -> CodeSent:
    """Send a 6-digit code to a new number or address. The one in use (if any) keeps working until the code
    is typed. Raises ServiceError beside the field for a number that is not a UK mobile, one another
    account uses, or one Notify refuses."""
    channel = Channel(channel)
    address = normalise_mobile(typed) if channel is Channel.SMS else normalise_email(typed)
    if address is None:
        raise ServiceError(
            _l("Enter a UK mobile number, like 07700 900123")
            if channel is Channel.SMS
            else _l("Enter an email address in the correct format, like name@example.com"),
            field="address",
        )
    if _taken_by_someone_else(user, channel, address):
        raise ServiceError(TAKEN[channel], field="address")
    row = channel_of(user, channel)
    if row is None:
        row = MessageChannel(user_id=user.id, channel=channel)
        db.session.add(row)
        db.session.flush()
    code = f"{secrets.randbelow(10**6):06d}"
    row.pending_address = address
    row.code_hash = _code_hash(row, code)
    row.code_sent_at = clock.now()
    row.code_attempts = 0
    locale = locale_of(user)
    with force_locale(locale):
        if channel is Channel.SMS:
            personalisation = {
                "message": _("Your Health Passport code is %(code)s. It works for 15 minutes.", code=code)
            }
        else:
            personalisation = {
                "subject": _("Your Health Passport code"),
                "message": _(
                    "Your Health Passport code is %(code)s. It works for 15 minutes. "
                    "If you did not ask for it, you can ignore this email.",
                    code=code,
                ),
            }
    message = SentMessage(
        dedupe_key=f"{CODE_KIND}:{row.id}:{secrets.token_hex(8)}",
        user_id=user.id,
        kind=CODE_KIND,
        channel=channel,
        to_display=masked(channel, address),
        template=f"code_{channel.value}",
        personalisation=personalisation,
        locale=locale,
        status=MessageStatus.QUEUED,
    )
    db.session.add(message)
    db.session.commit()  # the code and the message row, before Notify is asked: nothing is sent half-recorded
    try:
        outcome = deliver(message.id, code=code)
    except StopRun:  # Notify's rate limit, or a key it refused: the person can only try again later
        outcome = MessageStatus.FAILED
        db.session.execute(
            update(SentMessage).where(SentMessage.id == message.id).values(status=MessageStatus.FAILED)
        )
    if outcome != MessageStatus.SENT and outcome != MessageStatus.LOGGED:
        row.pending_address = row.code_hash = None  # nothing to type: the code never went
    db.session.commit()
    db.session.refresh(message)
    if outcome == MessageStatus.INVALID_RECIPIENT:
        raise ServiceError(
            _l("We could not send a text to this number. Check it and try again")
            if channel is Channel.SMS
            else _l("We could not send an email to this address. Check it and try again"),
            field="address",
        )
    if outcome not in (MessageStatus.SENT, MessageStatus.LOGGED):
        raise ServiceError(
            _l("We could not send the code just now. Try again in a few minutes"), field="address"
        )
    return CodeSent(row, message)


def check_code(user: User, channel: Channel, typed: str) -> MessageChannel:
    """The code typed back: the new number or address is proved, in use, and switched on. Wrong codes are
    counted (one conditional UPDATE, committed before the code is compared) and capped."""
    channel = Channel(channel)
    row = channel_of(user, channel)
    if row is None or row.pending_address is None or row.code_hash is None:
        raise ServiceError(_l("Ask for a new code"), field="code")
    if clock.now() - row.code_sent_at > CODE_LIFETIME:
        raise ServiceError(_l("This code has stopped working. Ask for a new code"), field="code")
    counted = db.session.execute(
        update(MessageChannel)
        .where(MessageChannel.id == row.id, MessageChannel.code_attempts < CODE_ATTEMPTS)
        # Only the count moves: this is a refused attempt, not a change of choice (updated_at stays).
        .values(code_attempts=MessageChannel.code_attempts + 1, updated_at=MessageChannel.updated_at)
    ).rowcount
    db.session.commit()
    if not counted:
        raise ServiceError(_l("You have typed a wrong code too many times. Ask for a new code"), field="code")
    typed = re.sub(r"\s", "", typed or "")
    if not hmac.compare_digest(_code_hash(row, typed), row.code_hash):
        raise ServiceError(_l("The code is not right. Check the message and try again"), field="code")
    address = row.pending_address
    if _taken_by_someone_else(user, channel, address):
        raise ServiceError(TAKEN[channel], field="code")
    try:
        row.address = address
        row.pending_address = None
        row.code_hash = None
        row.verified_at = clock.now()
        row.enabled = True
        row.problem = None
        audit.record("messages_choice_changed", actor=user, choice=f"{channel.value}_on")
        db.session.commit()
    except IntegrityError as error:  # another account proved the same number a moment ago
        db.session.rollback()
        raise ServiceError(TAKEN[channel], field="code") from error
    return row


def switch(user: User, channel: Channel, on: bool, *, how: str = "settings") -> MessageChannel | None:
    """Turn a proved number or address on or off (off from the settings page or a message's stop link)."""
    row = channel_of(user, Channel(channel))
    if row is None or (on and row.address is None):
        return row
    row.enabled = on
    if on:
        row.problem = None
    audit.record(
        "messages_choice_changed",
        actor=user if how == "settings" else None,
        choice=f"{channel}_{'on' if on else 'off'}",
        organisation_id=user.organisation_id,
    )
    db.session.commit()
    return row


def stop_by_link(row: MessageChannel) -> None:
    """The second tap on a message's stop link: no sign-in needed, the link itself says whose."""
    switch(row.user, Channel(row.channel), False, how="link")


def set_more_detail(user: User, more: bool) -> None:
    row = channel_of(user, Channel.EMAIL)
    if row is not None:
        row.more_detail = more
        audit.record("messages_choice_changed", actor=user, choice=f"email_detail_{'on' if more else 'off'}")
        db.session.commit()


def set_weekly_email(staff: User, on: bool) -> MessageChannel:
    """A nurse's or adviser's weekly email goes to the address they sign in with, proved when they set up
    their account."""
    if Role(staff.role) not in (Role.NURSE, Role.ADVISER):
        raise ServiceError(_l("You cannot change this"))
    row = channel_of(staff, Channel.EMAIL)
    if row is None:
        row = MessageChannel(user_id=staff.id, channel=Channel.EMAIL)
        db.session.add(row)
    row.address = staff.email
    row.verified_at = row.verified_at or clock.now()
    row.enabled = on
    row.problem = None
    audit.record("messages_choice_changed", actor=staff, choice=f"weekly_email_{'on' if on else 'off'}")
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise ServiceError(TAKEN[Channel.EMAIL]) from error
    return row


def messages_of(user: User, limit: int = 50) -> list[SentMessage]:
    return list(
        db.session.scalars(
            select(SentMessage)
            .where(SentMessage.user_id == user.id)
            .order_by(SentMessage.created_at.desc())
            .limit(limit)
        )
    )


# ---- Sending one message --------------------------------------------------------------------------------


class StopRun(Exception):
    """Nothing more can go in this run (Notify refused the API key, or its daily limit is reached)."""

    def __init__(self, error: str):
        super().__init__(error)
        self.error = error


def _address_for(message: SentMessage) -> str | None:
    row = channel_of(message.user, Channel(message.channel))
    if row is None:
        return None
    if message.kind == CODE_KIND:
        return row.pending_address
    return row.address if row.active else None


def _next_uk_midnight(now: datetime) -> datetime:
    day = now.astimezone(clock.UK).date() + timedelta(days=1)
    return datetime.combine(day, time(0, 1), tzinfo=clock.UK)


def deliver(message_id, *, sender=None, code: str | None = None, now: datetime | None = None) -> str:
    """Send one queued message, if this caller is the one that takes it. Returns the status it ends in, or
    'taken' when another run has it. Raises StopRun when nothing more can go in this run."""
    sender = sender or notify.sender()
    now = now or clock.now()
    if sender is None:
        return MessageStatus.QUEUED
    claimed = db.session.execute(
        update(SentMessage)
        .where(SentMessage.id == message_id, SentMessage.status == MessageStatus.QUEUED)
        .values(status=MessageStatus.SENDING, attempts=SentMessage.attempts + 1)
    ).rowcount
    db.session.commit()
    if not claimed:
        return "taken"
    message = db.session.get(SentMessage, message_id)
    db.session.refresh(message)

    def finish(status: MessageStatus, error: str | None = None, **values) -> str:
        message.status = status
        message.error = error
        for name, value in values.items():
            setattr(message, name, value)
        db.session.commit()
        return status

    if message.send_by is not None and now >= message.send_by:
        return finish(MessageStatus.TOO_LATE)
    if Channel(message.channel) is Channel.SMS and message.kind != CODE_KIND and in_quiet_hours(now):
        message.attempts -= 1
        return finish(MessageStatus.QUEUED, None, not_before=quiet_hours_end(now))
    address = _address_for(message)
    if address is None:
        return finish(MessageStatus.NOT_NEEDED, "switched_off")
    personalisation = dict(message.personalisation or {})
    try:
        notify_id = sender.send(message.template, address, personalisation, reference=str(message.id))
    except notify.Refusal as refusal:
        if refusal.outcome == notify.Refusal.BAD_RECIPIENT:
            row = channel_of(message.user, Channel(message.channel))
            if row is not None and message.kind != CODE_KIND:
                row.problem = MessageStatus.INVALID_RECIPIENT.value
            return finish(MessageStatus.INVALID_RECIPIENT, refusal.error)
        if refusal.outcome == notify.Refusal.FAILED:
            return finish(MessageStatus.FAILED, refusal.error)
        if refusal.outcome == notify.Refusal.STOP_RUN or refusal.daily_limit:
            message.attempts -= 1
            wait = _next_uk_midnight(now) if refusal.daily_limit else None
            finish(MessageStatus.QUEUED, refusal.error, next_attempt_at=wait)
            raise StopRun(refusal.error) from None
        if refusal.status_code == 429:  # per-minute rate limit: not the message's fault
            message.attempts -= 1
            finish(MessageStatus.QUEUED, refusal.error, next_attempt_at=now + RATE_LIMIT_PAUSE)
            raise StopRun(refusal.error) from None
        if message.attempts >= MAX_ATTEMPTS or message.kind == CODE_KIND:
            return finish(MessageStatus.FAILED, refusal.error)
        return finish(
            MessageStatus.QUEUED, refusal.error, next_attempt_at=now + RETRY_AFTER * message.attempts
        )
    if code is not None and sender.mode == "notify":
        # Notify has the code now; the record keeps the message without it.
        personalisation = {k: str(v).replace(code, "••••••") for k, v in personalisation.items()}
    return finish(
        MessageStatus.LOGGED if sender.mode == "log" else MessageStatus.SENT,
        None,
        notify_id=notify_id,
        sent_at=now,
        personalisation=personalisation,
    )


# Notify's delivery statuses, and what each means here. Anything else (created, sending, pending) means
# not known yet.
DELIVERY_STATUS = {
    "delivered": MessageStatus.DELIVERED,
    "sent": MessageStatus.DELIVERED,  # an international text: Notify does not hear back
    "permanent-failure": MessageStatus.PERMANENT_FAILURE,
    "temporary-failure": MessageStatus.TEMPORARY_FAILURE,
    "technical-failure": MessageStatus.QUEUED,  # never reached the phone company: safe to send again
}
CHECK_FOR = timedelta(days=7)


def check_deliveries(sender, now: datetime) -> dict[str, int]:
    """Ask Notify what became of the messages it accepted in the last week."""
    counts: dict[str, int] = {}
    if sender is None or sender.mode != "notify":
        return counts
    waiting = db.session.scalars(
        select(SentMessage).where(
            SentMessage.status == MessageStatus.SENT, SentMessage.sent_at >= now - CHECK_FOR
        )
    ).all()
    for message in waiting:
        try:
            status = DELIVERY_STATUS.get(sender.status(message.notify_id))
        except notify.Refusal as refusal:
            if refusal.outcome == notify.Refusal.STOP_RUN:
                raise StopRun(refusal.error) from None
            continue  # asked again next run
        message.status_checked_at = now
        if status is MessageStatus.QUEUED:
            if message.attempts >= MAX_ATTEMPTS or message.kind == CODE_KIND:
                status = MessageStatus.FAILED
            message.error = "technical-failure"
        elif status in (MessageStatus.PERMANENT_FAILURE, MessageStatus.TEMPORARY_FAILURE):
            message.error = status.value.replace("_", "-")
        if status is MessageStatus.PERMANENT_FAILURE and message.kind != CODE_KIND:
            row = channel_of(message.user, Channel(message.channel))
            if row is not None:
                row.problem = MessageStatus.PERMANENT_FAILURE.value
        if status is not None:
            message.status = status
            counts[status] = counts.get(status, 0) + 1
        db.session.commit()
    return counts
