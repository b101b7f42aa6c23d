"""`flask send-reminders` against a local fake GOV.UK Notify: what goes out, to whom, once; quiet hours;
switching off; and each of Notify's errors recorded, with only what can succeed tried again."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from passport import clock, create_app
from passport.extensions import db
from passport.models import AuditEvent, Channel, MessageChannel, MessageStatus, Role, SentMessage
from passport.services import messages, reminders
from tests import factories, fake_notify
from tests.messages.conftest import turn_on

KAI_MOBILE = "+447700900123"


def at_uk(hour: int, minute: int = 0, days: int = 0) -> datetime:
    """Today (or `days` later) at this time on a UK clock, as the app's frozen now."""
    day = datetime.now(clock.UK).date() + timedelta(days=days)
    return datetime.combine(day, datetime.min.time().replace(hour=hour, minute=minute), tzinfo=clock.UK)


@pytest.fixture
def daytime(app):
    app.config["FROZEN_NOW"] = at_uk(10)
    return app


def statuses(user) -> dict[str, str]:
    return {
        f"{m.kind}/{m.channel}": m.status
        for m in db.session.scalars(select(SentMessage).where(SentMessage.user_id == user.id))
    }


def test_a_young_person_gets_a_text_and_an_email_once(world, notify_server, daytime):
    """Robin has no health assessment recorded, so one is due: one text and one email, then nothing more."""
    turn_on(world.young_person, Channel.SMS, KAI_MOBILE)
    turn_on(world.young_person, Channel.EMAIL, world.young_person.email)

    first = reminders.run()

    sent = {(s["type"], s["to"], s["template"]) for s in notify_server.sent}
    assert sent == {
        ("sms", KAI_MOBILE, "reminder_sms"),
        ("email", world.young_person.email, "reminder_email"),
    }
    assert first.sent == 2 and first.planned == 2
    text = next(s for s in notify_server.sent if s["type"] == "sms")
    # Nothing in a text says what the reminder is about.
    assert text["body"].startswith("You have a health reminder. Sign in to Health Passport to see it.")
    assert "health check" not in text["body"].lower() and "assessment" not in text["body"].lower()
    email = next(s for s in notify_server.sent if s["type"] == "email")
    assert email["personalisation"]["detail"] == ""  # they did not choose more detail
    assert "/messages/stop?t=" in email["personalisation"]["stop_url"]
    assert statuses(world.young_person) == {"assessment_due/sms": "sent", "assessment_due/email": "sent"}

    second = reminders.run()
    assert second.planned == 0 and second.sent == 0
    assert len(notify_server.posts()) == 2
    # The second run asked Notify what became of them.
    assert statuses(world.young_person) == {
        "assessment_due/sms": "delivered",
        "assessment_due/email": "delivered",
    }


def test_more_detail_in_an_email_and_the_person_s_language(world, notify_server, daytime):
    world.young_person.preferred_locale = "cy"
    db.session.commit()
    turn_on(world.young_person, Channel.EMAIL, world.young_person.email, more_detail=True)
    reminders.run()
    (email,) = notify_server.sent
    assert email["personalisation"]["detail"]  # says what it is about
    english = "You have a health reminder. Sign in to Health Passport to see it."
    assert email["personalisation"]["message"] != english  # in Welsh


def test_texts_wait_for_the_end_of_quiet_hours(world, notify_server, app):
    turn_on(world.young_person, Channel.SMS, KAI_MOBILE)
    turn_on(world.young_person, Channel.EMAIL, world.young_person.email)
    app.config["FROZEN_NOW"] = at_uk(22, 30)
    reminders.run()
    assert [s["type"] for s in notify_server.sent] == ["email"]
    waiting = db.session.scalar(select(SentMessage).where(SentMessage.channel == Channel.SMS))
    assert waiting.status == MessageStatus.QUEUED
    assert waiting.not_before == at_uk(8, 0, days=1)

    app.config["FROZEN_NOW"] = at_uk(7, 59, days=1)
    reminders.run()
    assert [s["type"] for s in notify_server.sent] == ["email"]

    app.config["FROZEN_NOW"] = at_uk(8, 0, days=1)
    reminders.run()
    assert [s["type"] for s in notify_server.sent] == ["email", "sms"]


@pytest.mark.parametrize("hour", [21, 23, 0, 3, 7])
def test_quiet_hours_are_uk_time_all_year(hour):
    for month in (1, 7):  # GMT and BST
        moment = datetime(2026, month, 15, hour, 5, tzinfo=clock.UK)
        assert messages.in_quiet_hours(moment)
        assert not messages.in_quiet_hours(moment.replace(hour=12))


def test_nothing_goes_to_someone_who_switched_off(world, notify_server, daytime, client):
    row = turn_on(world.young_person, Channel.SMS, KAI_MOBILE)
    # Two taps on the link at the end of a message: the page, then its button.
    page = client.get(f"/messages/stop?t={messages.stop_token(row)}")
    assert page.status_code == 200
    assert "07••• •••123" in page.get_data(as_text=True)
    from tests.conftest import csrf_token

    stopped = client.post(
        "/messages/stop", data={"t": messages.stop_token(row), "csrf_token": csrf_token(client)}
    )
    assert stopped.status_code == 200
    assert db.session.get(MessageChannel, row.id).enabled is False
    reminders.run()
    assert notify_server.sent == []


def test_switched_off_after_it_was_queued_is_not_sent(world, notify_server, app):
    row = turn_on(world.young_person, Channel.SMS, KAI_MOBILE)
    app.config["FROZEN_NOW"] = at_uk(23)
    reminders.run()  # queued for 08:00
    row.enabled = False
    db.session.commit()
    app.config["FROZEN_NOW"] = at_uk(9, days=1)
    reminders.run()
    assert notify_server.sent == []
    assert statuses(world.young_person) == {"assessment_due/sms": "not_needed"}


def test_two_runs_at_once_send_each_message_once(app, world, notify_server, daytime):
    people = []
    for n in range(12):
        person = factories.create_user(role=Role.YOUNG_PERSON, organisation=world.organisation)
        factories.create_passport(
            organisation=world.organisation, team=world.team, young_person=person, nhs_number=None
        )
        turn_on(person, Channel.SMS, f"+4477009002{n:02d}")
        turn_on(person, Channel.EMAIL, person.email)
        people.append(person)
    start = threading.Barrier(2)
    errors = []

    def one_run():
        try:
            with app.app_context():
                start.wait(timeout=30)
                reminders.run()
                db.session.remove()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(repr(error))

    runs = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(timeout=120)
    assert errors == []
    references = [s["reference"] for s in notify_server.sent]
    assert len(references) == len(set(references)) == 24
    assert db.session.scalar(select(db.func.count()).select_from(SentMessage)) == 24


def test_a_rate_limit_waits_and_then_sends_once(world, notify_server, app):
    turn_on(world.young_person, Channel.EMAIL, world.young_person.email)
    app.config["FROZEN_NOW"] = at_uk(10)
    notify_server.fail_next(*fake_notify.RATE_LIMIT)
    result = reminders.run()
    assert result.stopped == "RateLimitError"
    (message,) = db.session.scalars(select(SentMessage)).all()
    assert (message.status, message.error) == (MessageStatus.QUEUED, "RateLimitError")
    reminders.run()  # a minute has not passed: not tried
    assert len(notify_server.posts()) == 1
    app.config["FROZEN_NOW"] = at_uk(10, 2)
    reminders.run()
    assert len(notify_server.sent) == 1
    assert db.session.get(SentMessage, message.id).status == MessageStatus.SENT


def test_notify_s_daily_limit_waits_for_tomorrow(world, notify_server, app):
    turn_on(world.young_person, Channel.EMAIL, world.young_person.email)
    app.config["FROZEN_NOW"] = at_uk(10)
    notify_server.fail_next(*fake_notify.DAILY_LIMIT)
    reminders.run()
    app.config["FROZEN_NOW"] = at_uk(18)
    reminders.run()
    assert notify_server.sent == []
    app.config["FROZEN_NOW"] = at_uk(9, days=1)
    reminders.run()
    assert len(notify_server.sent) == 1


def test_a_number_notify_refuses_is_recorded_and_not_tried_again(world, notify_server, app):
    turn_on(world.young_person, Channel.SMS, KAI_MOBILE)
    turn_on(world.young_person, Channel.EMAIL, world.young_person.email)
    notify_server.refuse(KAI_MOBILE)
    app.config["FROZEN_NOW"] = at_uk(10)
    reminders.run()
    assert statuses(world.young_person) == {
        "assessment_due/sms": "invalid_recipient",
        "assessment_due/email": "sent",
    }
    sms = db.session.scalar(select(SentMessage).where(SentMessage.channel == Channel.SMS))
    assert sms.error == "ValidationError"
    assert messages.channel_of(world.young_person, Channel.SMS).problem == "invalid_recipient"
    # A new reminder (the 18th birthday notice, say) does not go to that number, but does by email.
    app.config["FROZEN_NOW"] = at_uk(10, days=1)
    posts = len(notify_server.posts())
    passport = db.session.get(type(world.passport), world.passport.id)
    passport.date_of_birth = factories.date_of_birth_for_age(18, extra_days=-10, today=clock.today())
    passport.nurse_access_after_18 = None  # the after-18 question is still open
    db.session.commit()
    reminders.run()
    assert [r[1] for r in notify_server.posts()[posts:]] == ["/v2/notifications/email"]


def test_a_permanent_failure_is_recorded_and_the_number_is_not_used_again(world, notify_server, app):
    turn_on(world.young_person, Channel.SMS, KAI_MOBILE)
    notify_server.delivery_status[KAI_MOBILE] = "permanent-failure"
    app.config["FROZEN_NOW"] = at_uk(10)
    reminders.run()
    app.config["FROZEN_NOW"] = at_uk(11)
    reminders.run()
    assert statuses(world.young_person) == {"assessment_due/sms": "permanent_failure"}
    assert messages.channel_of(world.young_person, Channel.SMS).problem == "permanent_failure"
    assert len(notify_server.posts()) == 1


def test_a_temporary_failure_is_recorded_and_not_sent_again(world, notify_server, app):
    turn_on(world.young_person, Channel.SMS, KAI_MOBILE)
    notify_server.delivery_status[KAI_MOBILE] = "temporary-failure"
    app.config["FROZEN_NOW"] = at_uk(10)
    reminders.run()
    app.config["FROZEN_NOW"] = at_uk(11)
    reminders.run()
    assert statuses(world.young_person) == {"assessment_due/sms": "temporary_failure"}
    assert len(notify_server.posts()) == 1
    assert messages.channel_of(world.young_person, Channel.SMS).active  # the phone may be back on


def test_notify_being_down_is_tried_again_then_given_up(world, notify_server, app):
    turn_on(world.young_person, Channel.EMAIL, world.young_person.email)
    notify_server.fail_next(*fake_notify.SERVER_ERROR, times=3)
    for hour in (9, 12, 15):
        app.config["FROZEN_NOW"] = at_uk(hour)
        reminders.run()
    (message,) = db.session.scalars(select(SentMessage)).all()
    assert (message.status, message.error, message.attempts) == (MessageStatus.FAILED, "Exception", 3)
    app.config["FROZEN_NOW"] = at_uk(18)
    reminders.run()
    assert len(notify_server.posts()) == 3 and notify_server.sent == []


def test_a_technical_failure_after_sending_is_sent_again_once(world, notify_server, app):
    turn_on(world.young_person, Channel.EMAIL, world.young_person.email)
    notify_server.delivery_status[world.young_person.email] = "technical-failure"
    app.config["FROZEN_NOW"] = at_uk(9)
    reminders.run()
    notify_server.delivery_status.clear()
    app.config["FROZEN_NOW"] = at_uk(10)
    reminders.run()  # learns of the failure: queued again, and sent again
    assert len(notify_server.sent) == 2
    app.config["FROZEN_NOW"] = at_uk(11)
    reminders.run()
    assert len(notify_server.sent) == 2
    assert statuses(world.young_person) == {"assessment_due/email": "delivered"}


def test_trial_mode_fails_without_trying_again(world, notify_server, daytime):
    turn_on(world.young_person, Channel.EMAIL, world.young_person.email)
    notify_server.fail_next(*fake_notify.TRIAL_MODE)
    reminders.run()
    reminders.run()
    assert statuses(world.young_person) == {"assessment_due/email": "failed"}
    assert len(notify_server.posts()) == 1


def test_a_wrong_api_key_stops_the_run_and_says_so(app, world, notify_server, daytime):
    turn_on(world.young_person, Channel.EMAIL, world.young_person.email)
    app.config["NOTIFY_API_KEY"] = fake_notify.API_KEY[:-36] + "00000000-0000-4000-8000-000000000000"
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 1
    assert "AuthError" in result.output
    assert statuses(world.young_person) == {"assessment_due/email": "queued"}
    app.config["NOTIFY_API_KEY"] = fake_notify.API_KEY
    assert app.test_cli_runner().invoke(args=["send-reminders"]).exit_code == 0
    assert statuses(world.young_person) == {"assessment_due/email": "sent"}


def test_without_notify_keys_messages_go_to_the_message_log(world, daytime, app, caplog):
    assert not app.config["NOTIFY_API_KEY"]
    turn_on(world.young_person, Channel.SMS, KAI_MOBILE)
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert "written to the message log" in result.output
    assert statuses(world.young_person) == {"assessment_due/sms": "logged"}
    assert KAI_MOBILE not in caplog.text and "7700" not in caplog.text


def test_production_without_a_key_sends_nothing(world, tmp_path):
    turn_on(world.young_person, Channel.SMS, KAI_MOBILE)
    app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://")
    app.config["ENV_NAME"] = "production"
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert "no reminders were sent" in result.output


def test_the_staff_weekly_email_names_names_only_once_a_week(world, notify_server, app):
    from passport.services import messages as message_choices

    app.config["FROZEN_NOW"] = at_uk(9)
    message_choices.set_weekly_email(world.nurse, True)
    reminders.run()
    (email,) = notify_server.sent
    assert email["to"] == world.nurse.email and email["template"] == "digest_email"
    summary = email["personalisation"]["summary"]
    assert "Robin Fairweather" in summary and "Morgan Ashdown" in summary
    assert "Jesse Underwood" not in summary  # another team's
    assert "Penicillin" not in email["body"] and "9990000018" not in email["body"]
    assert "Corrections waiting for you" in summary  # Robin asked for one
    # In the audit log, without the address.
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "message_sent"))
    assert event.details["kind"] == "weekly_digest" and world.nurse.email not in str(event.details)
    app.config["FROZEN_NOW"] = at_uk(9, days=1)
    reminders.run()
    assert (
        len(notify_server.sent) == 1
        or clock.today().isocalendar()[1] != (clock.today() - timedelta(days=1)).isocalendar()[1]
    )


def test_each_kind_of_reminder_and_what_a_detailed_email_says(world, notify_server, app):
    """Vaccines to catch up on, a health check due, 30 days before 18, a link that ends tomorrow, and a
    correction answered: one email each, each saying what it is about (this person chose that)."""
    from passport.models import CorrectionRequest, CorrectionStatus, Passport, ShareLink
    from passport.services import sharing

    app.config["FROZEN_NOW"] = at_uk(10)
    turn_on(world.young_person, Channel.EMAIL, world.young_person.email, more_detail=True)
    passport = db.session.get(Passport, world.passport.id)
    passport.immunisation_records = "none"  # no reliable history: a full catch-up is due
    passport.date_of_birth = factories.date_of_birth_for_age(18, extra_days=-20, today=clock.today())
    passport.nurse_access_after_18 = None  # the after-18 question is still open
    link = db.session.get(ShareLink, world.share_link.id)
    link.expires_at = datetime.combine(
        clock.today() + timedelta(days=2), datetime.min.time(), tzinfo=clock.UK
    )
    correction = db.session.get(CorrectionRequest, world.correction.id)
    correction.status, correction.decided_at = CorrectionStatus.DECLINED, clock.now()
    db.session.commit()

    reminders.run()

    details = {
        m.kind: m.personalisation["detail"]
        for m in db.session.scalars(select(SentMessage).where(SentMessage.user_id == world.young_person.id))
    }
    assert set(details) == {
        "vaccines_due",
        "assessment_due",
        "turning_18",
        "share_link_ends",
        "correction_answered",
    }
    assert "catch up" in details["vaccines_due"]
    assert "You turn 18 on" in details["turning_18"]
    assert "(Test GP) stops working tomorrow" in details["share_link_ends"]
    assert "answered a correction" in details["correction_answered"]
    assert len(notify_server.sent) == 5
    assert sharing  # the link's own rules decide when it ends; the reminder only reads them


def test_a_vaccine_recorded_changes_what_is_due_and_brings_a_new_reminder(world, notify_server, app):
    from passport.models import Passport

    app.config["FROZEN_NOW"] = at_uk(10)
    turn_on(world.young_person, Channel.EMAIL, world.young_person.email)
    passport = db.session.get(Passport, world.passport.id)
    passport.immunisation_records = "none"
    db.session.commit()
    reminders.run()
    reminders.run()
    vaccine_emails = [m for m in db.session.scalars(select(SentMessage)) if m.kind == "vaccines_due"]
    assert len(vaccine_emails) == 1
    factories.create_item(
        "immunisation", passport=world.passport, by=world.nurse, vaccine_id="menacwy", given_on=clock.today()
    )
    app.config["FROZEN_NOW"] = at_uk(10, days=1)
    reminders.run()
    vaccine_emails = [m for m in db.session.scalars(select(SentMessage)) if m.kind == "vaccines_due"]
    assert len(vaccine_emails) == 2
