"""What we remind people about, and the daily run that sends it: `flask send-reminders` (docs/reminders.md).

Young people who turned on texts or emails get a reminder for each thing in REMINDER_KINDS that is due.
A text never says what it is about ("You have a health reminder. Sign in to Health Passport to see it.");
an email says more only if they chose that. Nurses and personal advisers who turned it on get one email a
week naming (names only) the young people they look after who need something.

The run is safe to repeat and to run on two servers at once: each reminder has a key (its kind, what it is
about and when, the person, the channel), its row is inserted or skipped on that unique key, and only the
run that then takes the row (one conditional UPDATE) sends it. Texts wait for the end of quiet hours
(21:00–08:00 UK time). Notify's answers are recorded on each row; only what can succeed is tried again.

Adding a kind of reminder is one function and one line in REMINDER_KINDS. An appointment tomorrow, say:

    def _appointment_tomorrow(passport, user, today, now):
        return [Due(f"appointment:{a.id}:{a.starts_on}", lambda a=a: _("You have an appointment tomorrow."))
                for a in appointments_on(passport, today + timedelta(days=1))]

plus `ReminderKind("appointment_tomorrow", _l("An appointment tomorrow"), _appointment_tomorrow, "me.…")`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from passport import clock, policy
from passport.extensions import db
from passport.immunisations import report_for
from passport.models import (
    Channel,
    CorrectionRequest,
    CorrectionStatus,
    MessageChannel,
    MessageStatus,
    Passport,
    Role,
    SentMessage,
    ShareLink,
    User,
)
from passport.projection import build_rows
from passport.readiness import review_due
from passport.services import audit, messages, notify

log = logging.getLogger(__name__)

ASSESSMENT_NOTICE = timedelta(days=14)  # remind this long before a health assessment is due
DIGEST_KIND = "weekly_digest"


@dataclass(frozen=True)
class Due:
    """One reminder that is due now. `key` names it for good: the same thing due on the same date."""

    key: str
    # The sentence an email says when the young person chose more detail (called inside their language).
    words: Callable[[], str]
    send_by: datetime | None = None


@dataclass(frozen=True)
class ReminderKind:
    name: str
    plain_words: object  # on "Messages we sent you": what it was about
    find: Callable[[Passport, User, date, datetime], list[Due]]
    page: str  # where in the passport the young person sees it


def _vaccines_due(passport: Passport, user: User, today: date, now: datetime) -> list[Due]:
    """A vaccine or catch-up visit due: one reminder for each set of programmes that are due (a dose
    recorded changes the set, and the next reminder names what is still due)."""
    records = passport.immunisation_records or "not_checked"
    if records == "not_checked":
        return []
    doses = [d for d in passport.immunisations if d.archived_at is None]
    report = report_for(passport.date_of_birth, doses, today, passport.sex_registered_at_birth, records)
    due = sorted(p.programme_id for p in report.programmes if p.status in ("due", "overdue"))
    if not due:
        return []
    return [
        Due(
            f"vaccines_due:{passport.id}:{'+'.join(due)}",
            lambda: _("You have vaccines to catch up on. Ask your GP practice for an appointment."),
        )
    ]


def _assessment_due(passport: Passport, user: User, today: date, now: datetime) -> list[Due]:
    review = review_due(passport, today)
    if review is None or (review.due_on is not None and review.due_on > today + ASSESSMENT_NOTICE):
        return []
    due_on = review.due_on

    def words() -> str:
        if due_on is not None and due_on >= today:
            return _(
                "Your next health check with your nurse is due on %(date)s.",
                date=format_date(due_on, "d MMMM y"),
            )
        return _("Your health check with your nurse is due now. Ask your nurse about it.")

    return [Due(f"assessment_due:{passport.id}:{due_on or 'first'}", words)]


def _turning_18(passport: Passport, user: User, today: date, now: datetime) -> list[Due]:
    """The after-18 question, asked while it is open in the 30 days before the birthday."""
    answered = passport.nurse_access_after_18 is not None and passport.adviser_access_after_18 is not None
    if answered or not policy.handover_notice_due(passport, today):
        return []
    eighteenth = clock.birthday(passport.date_of_birth, policy.ADULT_AGE)
    return [
        Due(
            f"turning_18:{passport.id}:{eighteenth}",
            lambda: _(
                "You turn 18 on %(date)s. Choose who can see your passport after that.",
                date=format_date(eighteenth, "d MMMM y"),
            ),
            send_by=datetime.combine(eighteenth, time.min, tzinfo=clock.UK),
        )
    ]


def _share_link_ends(passport: Passport, user: User, today: date, now: datetime) -> list[Due]:
    """A link they shared stops working at the end of tomorrow (UK time)."""
    end_of_tomorrow = datetime.combine(today + timedelta(days=2), time.min, tzinfo=clock.UK)
    links = db.session.scalars(
        select(ShareLink).where(
            ShareLink.passport_id == passport.id,
            ShareLink.revoked_at.is_(None),
            ShareLink.expires_at > datetime.combine(today + timedelta(days=1), time.min, tzinfo=clock.UK),
            ShareLink.expires_at <= end_of_tomorrow,
        )
    ).all()
    return [
        Due(
            f"share_link_ends:{link.id}",
            lambda label=link.label: _("A link you shared (%(label)s) stops working tomorrow.", label=label),
            send_by=link.expires_at,
        )
        for link in links
        if link.is_live(now, 10**6)
    ]


def _correction_answered(passport: Passport, user: User, today: date, now: datetime) -> list[Due]:
    """A nurse answered a correction they asked for. Only answers from the last week, and from after they
    turned reminders on: nothing old arrives the day they switch them on."""
    since = now - timedelta(days=7)
    answered = db.session.scalars(
        select(CorrectionRequest).where(
            CorrectionRequest.passport_id == passport.id,
            CorrectionRequest.status != CorrectionStatus.OPEN,
            CorrectionRequest.decided_at >= since,
        )
    ).all()
    proved = [c.verified_at for c in messages.channels_of(user).values() if c.active and c.verified_at]
    turned_on = min(proved, default=now)
    return [
        Due(f"correction_answered:{c.id}", lambda: _("Your nurse has answered a correction you asked for."))
        for c in answered
        if c.decided_at >= turned_on
    ]


REMINDER_KINDS: tuple[ReminderKind, ...] = (
    ReminderKind("vaccines_due", _l("Vaccines to catch up on"), _vaccines_due, "me.vaccines"),
    ReminderKind("assessment_due", _l("Your health check with your nurse"), _assessment_due, "me.overview"),
    ReminderKind("turning_18", _l("You turn 18 soon"), _turning_18, "me.who_can_see"),
    ReminderKind("share_link_ends", _l("A link you shared ends tomorrow"), _share_link_ends, "me.share"),
    ReminderKind(
        "correction_answered",
        _l("Your nurse answered your correction"),
        _correction_answered,
        "me.corrections",
    ),
)
KIND_WORDS = {
    **{kind.name: kind.plain_words for kind in REMINDER_KINDS},
    DIGEST_KIND: _l("Your weekly summary"),
    messages.CODE_KIND: _l("A code to check your number or email address"),
}
KIND_PAGES = {kind.name: kind.page for kind in REMINDER_KINDS}


# ---- Planning: insert each due message, or skip it if it is already there -------------------------------


def _insert_or_skip(values: dict, *, commit: bool = True) -> bool:
    """INSERT … ON CONFLICT (dedupe_key) DO NOTHING: True when this call added the row. Two runs planning the
    same reminder at the same moment both ask; the database lets exactly one in (on PostgreSQL the second
    waits for the first to commit, then skips)."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    values = {"id": uuid.uuid4(), "created_at": clock.now(), "attempts": 0, **values}
    statement = (
        dialect.insert(SentMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(SentMessage.id)
    )
    added = db.session.execute(statement).scalar() is not None
    if commit:
        db.session.commit()
    return added


def _dedupe_key(key: str, user: User, row: MessageChannel) -> str:
    return f"{key}:{user.id}:{Channel(row.channel).value}"


def _plan(
    *,
    key: str,
    user: User,
    row: MessageChannel,
    kind: str,
    template: str,
    personalisation: dict,
    now: datetime,
    passport_id=None,
    send_by=None,
    snapshot=None,
    status=MessageStatus.QUEUED,
    commit: bool = True,
) -> bool:
    channel = Channel(row.channel)
    dedupe_key = _dedupe_key(key, user, row)
    return _insert_or_skip(
        {
            "dedupe_key": dedupe_key,
            "user_id": user.id,
            "passport_id": passport_id,
            "kind": kind,
            "channel": channel.value,
            "to_display": messages.masked(channel, row.address),
            "template": template,
            "personalisation": personalisation,
            "locale": messages.locale_of(user),
            "status": status.value,
            "not_before": messages.quiet_hours_end(now)
            if channel is Channel.SMS and messages.in_quiet_hours(now)
            else None,
            "send_by": send_by,
            "snapshot": snapshot,
        },
        commit=commit,
    )


def _reminder_personalisation(user: User, row: MessageChannel, due: Due) -> dict:
    sign_in = messages.absolute_url("me.overview")
    stop = messages.stop_url(row)
    with force_locale(messages.locale_of(user)):
        message = _("You have a health reminder. Sign in to Health Passport to see it.")
        if Channel(row.channel) is Channel.SMS:
            return {
                "message": message,
                "sign_in_url": sign_in,
                "stop_text": _("To stop these texts:"),
                "stop_url": stop,
            }
        return {
            "subject": _("A health reminder from Health Passport"),
            "message": message,
            "detail": due.words() if row.more_detail else "",
            "sign_in_text": _("Sign in:"),
            "sign_in_url": sign_in,
            "stop_text": _("To stop these emails:"),
            "stop_url": stop,
        }


def _young_people_to_remind() -> list[tuple[User, Passport, list[MessageChannel]]]:
    """Young people with a claimed passport and at least one number or address switched on and working."""
    rows = db.session.execute(
        select(User, Passport)
        .join(Passport, Passport.young_person_id == User.id)
        .where(
            User.active.is_(True),
            User.role == Role.YOUNG_PERSON,
            User.id.in_(
                select(MessageChannel.user_id).where(
                    MessageChannel.enabled.is_(True),
                    MessageChannel.address.is_not(None),
                    MessageChannel.problem.is_(None),
                )
            ),
        )
        .options(
            selectinload(Passport.assessments),
            selectinload(Passport.immunisations),
            selectinload(Passport.sdq_scores),
        )
    ).all()
    found = []
    for user, passport in rows:
        channels = [c for c in messages.channels_of(user).values() if c.active]
        if channels:
            found.append((user, passport, channels))
    return found


def plan_young_people(today: date, now: datetime) -> int:
    planned = 0
    for user, passport, channels in _young_people_to_remind():
        if not policy.can(user, policy.Action.ACT_AS_OWNER, passport, today):
            continue
        # What this person already has (one query), and one commit for all of theirs: a daily run over
        # thousands of people that finds nothing new writes nothing.
        known = set(db.session.scalars(select(SentMessage.dedupe_key).where(SentMessage.user_id == user.id)))
        added = 0
        for kind in REMINDER_KINDS:
            for due in kind.find(passport, user, today, now):
                for row in channels:
                    if _dedupe_key(due.key, user, row) in known:
                        continue  # planned on an earlier day: nothing to work out or write
                    added += _plan(
                        key=due.key,
                        user=user,
                        row=row,
                        kind=kind.name,
                        template=f"reminder_{Channel(row.channel).value}",
                        personalisation=_reminder_personalisation(user, row, due),
                        now=now,
                        passport_id=passport.id,
                        send_by=due.send_by,
                        commit=False,
                    )
        if added:
            db.session.commit()
        planned += added
    return planned


# ---- The weekly email for nurses and personal advisers --------------------------------------------------


@dataclass
class WeeklySummary:
    overdue_assessments: list[str] = field(default_factory=list)
    packs_due: list[str] = field(default_factory=list)
    corrections_waiting: list[str] = field(default_factory=list)
    new_gaps: list[str] = field(default_factory=list)
    snapshot: dict[str, list[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.overdue_assessments or self.packs_due or self.corrections_waiting or self.new_gaps)


def _last_snapshot(staff: User) -> dict[str, list[str]]:
    snapshot = db.session.scalar(
        select(SentMessage.snapshot)
        .where(
            SentMessage.user_id == staff.id,
            SentMessage.kind == DIGEST_KIND,
            SentMessage.snapshot.is_not(None),
        )
        .order_by(SentMessage.created_at.desc())
        .limit(1)
    )
    return snapshot or {}


def weekly_summary(staff: User, today: date) -> WeeklySummary:
    """Who needs something, names only: overdue health assessments, leaving packs due (from six months
    before 18), corrections waiting for a nurse, and readiness gaps that appeared since the last email.
    The same young people, and the same rows, as the member of staff's own lists: selected through the
    policy's SQL form and built by the projection."""
    action = policy.Action.CURATE_PASSPORT if Role(staff.role) is Role.NURSE else policy.Action.VIEW_READINESS
    passports = db.session.scalars(
        select(Passport).where(policy.visible_passports(staff, action, today))
    ).all()
    before = _last_snapshot(staff)
    summary = WeeklySummary()
    for row in sorted(
        build_rows(staff, passports, today), key=lambda r: (r.name.lower(), str(r.passport_id))
    ):
        ready = row.readiness
        if ready.review is not None and ready.review.overdue:
            summary.overdue_assessments.append(row.name)
        if ready.pack_due:
            summary.packs_due.append(row.name)
        if row.open_corrections:  # counted only for those who curate the passport
            summary.corrections_waiting.append(row.name)
        gaps = [gap.id for gap in ready.gaps]
        summary.snapshot[str(row.passport_id)] = gaps
        if set(gaps) - set(before.get(str(row.passport_id), [])):
            summary.new_gaps.append(row.name)
    return summary


def _digest_personalisation(staff: User, row: MessageChannel, summary: WeeklySummary, today: date) -> dict:
    sections = (
        (_l("Health assessments overdue"), summary.overdue_assessments),
        (_l("Leaving packs due"), summary.packs_due),
        (_l("Corrections waiting for you"), summary.corrections_waiting),
        (_l("New readiness gaps this week"), summary.new_gaps),
    )
    with force_locale(messages.locale_of(staff)):
        lines = []
        for heading, names in sections:
            if names:
                lines.append(f"# {heading}")
                lines.extend(f"* {name}" for name in names)
                lines.append("")
        return {
            "subject": _("Your weekly Health Passport summary"),
            "intro": _(
                "This is your summary for the week of %(date)s. It gives names only: sign in to see more.",
                date=format_date(today, "d MMMM y"),
            ),
            "summary": "\n".join(lines).strip(),
            "sign_in_text": _("Sign in:"),
            "sign_in_url": messages.absolute_url("auth.sign_in"),
            "stop_text": _("To stop these emails:"),
            "stop_url": messages.stop_url(row),
        }


def plan_weekly_emails(today: date, now: datetime) -> int:
    year, week, _day = today.isocalendar()
    staff_rows = db.session.execute(
        select(User, MessageChannel)
        .join(
            MessageChannel, and_(MessageChannel.user_id == User.id, MessageChannel.channel == Channel.EMAIL)
        )
        .where(
            User.active.is_(True),
            User.role.in_([Role.NURSE, Role.ADVISER]),
            MessageChannel.enabled.is_(True),
            MessageChannel.problem.is_(None),
        )
    ).all()
    planned = 0
    for staff, row in staff_rows:
        key = f"{DIGEST_KIND}:{year}-W{week:02d}"
        if db.session.scalar(
            select(func.count())
            .select_from(SentMessage)
            .where(SentMessage.dedupe_key == f"{key}:{staff.id}:email")
        ):
            continue  # this week's is done: do not work out the summary again
        summary = weekly_summary(staff, today)
        planned += _plan(
            key=key,
            user=staff,
            row=row,
            kind=DIGEST_KIND,
            template="digest_email",
            personalisation=_digest_personalisation(staff, row, summary, today) if not summary.empty else {},
            now=now,
            snapshot=summary.snapshot,
            status=MessageStatus.NOT_NEEDED if summary.empty else MessageStatus.QUEUED,
        )
    return planned


# ---- The run --------------------------------------------------------------------------------------------


@dataclass
class RunResult:
    planned: int = 0
    sent: int = 0
    waiting: int = 0
    not_sent: int = 0
    stopped: str | None = None  # why the run stopped early (Notify's error type), if it did
    deliveries: dict[str, int] = field(default_factory=dict)


def _sendable(now: datetime) -> list:
    conditions = [
        SentMessage.status == MessageStatus.QUEUED,
        SentMessage.kind != messages.CODE_KIND,  # a code is sent at once or not at all
        or_(SentMessage.next_attempt_at.is_(None), SentMessage.next_attempt_at <= now),
    ]
    if messages.in_quiet_hours(now):
        conditions.append(SentMessage.channel != Channel.SMS)
    return list(
        db.session.scalars(select(SentMessage.id).where(*conditions).order_by(SentMessage.created_at))
    )


def _record_staff_message(message: SentMessage, status: str) -> None:
    user = message.user
    if Role(user.role).is_staff:
        audit.record(
            "message_sent",
            actor=None,
            organisation_id=user.organisation_id,
            kind=message.kind,
            channel=message.channel,
            status=status,
            staff_id=user.id,
        )
        db.session.commit()


def run(now: datetime | None = None) -> RunResult:
    """One run of send-reminders: what Notify did with earlier messages, plan what is due, send it."""
    now = now or clock.now()
    today = now.astimezone(clock.UK).date()
    result = RunResult()
    sender = notify.sender()
    if sender is None:
        result.stopped = "notify_not_set_up"
        return result
    try:
        result.deliveries = messages.check_deliveries(sender, now)
    except messages.StopRun as stop:
        result.stopped = stop.error
        return result
    result.planned = plan_young_people(today, now) + plan_weekly_emails(today, now)
    for message_id in _sendable(now):
        try:
            status = messages.deliver(message_id, sender=sender, now=now)
        except messages.StopRun as stop:
            result.stopped = stop.error
            break
        if status == "taken":
            continue
        message = db.session.get(SentMessage, message_id)
        _record_staff_message(message, status)
        if status in (MessageStatus.SENT, MessageStatus.LOGGED):
            result.sent += 1
        elif status == MessageStatus.QUEUED:
            result.waiting += 1
        else:
            result.not_sent += 1
    result.waiting = db.session.scalar(
        select(func.count())
        .select_from(SentMessage)
        .where(SentMessage.status == MessageStatus.QUEUED, SentMessage.kind != messages.CODE_KIND)
    )
    log.info(
        "send-reminders: %s planned, %s sent, %s waiting, %s not sent%s",
        result.planned,
        result.sent,
        result.waiting,
        result.not_sent,
        f", stopped: {result.stopped}" if result.stopped else "",
    )
    return result
