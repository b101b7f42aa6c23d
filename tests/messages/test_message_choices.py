"""Choosing how to get messages: a number or address proved with a code, one account per number, changing
the number and stopping in two taps, the staff weekly email, and the message log without Notify."""

from __future__ import annotations

import re

from sqlalchemy import select

from passport.extensions import db
from passport.models import AuditEvent, Channel, MessageStatus, SentMessage
from passport.services import messages
from tests.conftest import csrf_token
from tests.messages.conftest import turn_on


def _code_from(fake) -> str:
    return re.search(r"\b(\d{6})\b", fake.sent[-1]["personalisation"]["message"]).group(1)


def _add_number(client, number: str):
    return client.post("/messages/text", data={"address": number, "csrf_token": csrf_token(client)})


def test_a_number_is_proved_with_a_code_then_used(client, world, notify_server):
    client.sign_in_as(world.young_person)
    response = _add_number(client, "07700 900123")
    assert response.status_code == 302 and response.headers["Location"].endswith("/messages/text/code")
    (text,) = notify_server.sent
    assert (text["to"], text["template"]) == ("+447700900123", "code_sms")
    code = _code_from(notify_server)
    # The record keeps the message without the code, once Notify has it.
    stored = db.session.scalar(select(SentMessage).where(SentMessage.kind == "code"))
    assert code not in str(stored.personalisation) and stored.status == MessageStatus.SENT

    page = client.get("/messages/text/code")
    assert "07••• •••123" in page.get_data(as_text=True)
    wrong = client.post("/messages/text/code", data={"code": "000000", "csrf_token": csrf_token(client)})
    assert "The code is not right" in wrong.get_data(as_text=True)
    done = client.post("/messages/text/code", data={"code": code, "csrf_token": csrf_token(client)})
    assert done.status_code == 302
    row = messages.channel_of(world.young_person, Channel.SMS)
    assert (row.address, row.enabled, row.pending_address) == ("+447700900123", True, None)
    listing = client.get("/messages/").get_data(as_text=True)
    assert "07700 900123" in listing and "A code to check your number or email address" in listing
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "messages_choice_changed"))
    assert event.details == {"choice": "sms_on"}


def test_wrong_codes_are_capped(client, world, notify_server):
    client.sign_in_as(world.young_person)
    _add_number(client, "07700900123")
    code = _code_from(notify_server)
    for _ in range(messages.CODE_ATTEMPTS):
        client.post("/messages/text/code", data={"code": "111111", "csrf_token": csrf_token(client)})
    refused = client.post("/messages/text/code", data={"code": code, "csrf_token": csrf_token(client)})
    assert "too many times" in refused.get_data(as_text=True)
    assert messages.channel_of(world.young_person, Channel.SMS).address is None


def test_a_number_another_account_uses_is_refused(client, world, notify_server):
    turn_on(world.other_young_person, Channel.SMS, "+447700900123")
    client.sign_in_as(world.young_person)
    response = _add_number(client, "07700 900 123")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "already used by another account" in page
    assert 'value="07700 900 123"' in page  # what they typed stays
    assert notify_server.sent == []


def test_a_number_proved_by_someone_else_meanwhile_is_refused_at_the_code(client, world, notify_server):
    client.sign_in_as(world.young_person)
    _add_number(client, "07700900123")
    code = _code_from(notify_server)
    turn_on(world.other_young_person, Channel.SMS, "+447700900123")
    refused = client.post("/messages/text/code", data={"code": code, "csrf_token": csrf_token(client)})
    assert "already used by another account" in refused.get_data(as_text=True)
    assert messages.channel_of(world.young_person, Channel.SMS).address is None


def test_not_a_uk_mobile_is_refused_beside_the_field(client, world, notify_server):
    client.sign_in_as(world.young_person)
    for typed in ("0161 496 0000", "12345", "+33 6 12 34 56 78"):
        page = _add_number(client, typed).get_data(as_text=True)
        assert "Enter a UK mobile number, like 07700 900123" in page
    assert notify_server.sent == []


def test_a_number_notify_refuses_is_said_beside_the_field(client, world, notify_server):
    notify_server.refuse("+447700900999")
    client.sign_in_as(world.young_person)
    page = _add_number(client, "07700900999").get_data(as_text=True)
    assert "We could not send a text to this number" in page


def test_changing_the_number_keeps_the_old_one_until_the_new_one_is_proved(client, world, notify_server):
    turn_on(world.young_person, Channel.SMS, "+447700900111")
    client.sign_in_as(world.young_person)
    # Two taps: "Change" on the Messages page, then the number and its code.
    assert 'href="/messages/text"' in client.get("/messages/").get_data(as_text=True)
    _add_number(client, "07700900222")
    assert messages.channel_of(world.young_person, Channel.SMS).address == "+447700900111"
    client.post(
        "/messages/text/code", data={"code": _code_from(notify_server), "csrf_token": csrf_token(client)}
    )
    assert messages.channel_of(world.young_person, Channel.SMS).address == "+447700900222"


def test_turning_off_and_on_from_the_messages_page(client, world):
    turn_on(world.young_person, Channel.EMAIL, world.young_person.email)
    client.sign_in_as(world.young_person)
    client.post("/messages/email/stop", data={"csrf_token": csrf_token(client)})
    assert messages.channel_of(world.young_person, Channel.EMAIL).enabled is False
    client.post("/messages/email/start", data={"csrf_token": csrf_token(client)})
    assert messages.channel_of(world.young_person, Channel.EMAIL).enabled is True
    client.post("/messages/email/detail", data={"more_detail": "y", "csrf_token": csrf_token(client)})
    assert messages.channel_of(world.young_person, Channel.EMAIL).more_detail is True


def test_a_stop_link_for_nobody_is_not_found(client):
    assert client.get("/messages/stop?t=not-a-real-link").status_code == 404


def test_staff_turn_the_weekly_email_on_and_off(client, world):
    client.sign_in_as(world.nurse)
    page = client.get("/messages/").get_data(as_text=True)
    assert "Weekly email" in page and "Reminders" not in page
    assert 'name="turn" value="on"' in page  # the button says what it asks for
    client.post("/messages/weekly-email", data={"csrf_token": csrf_token(client), "turn": "on"})
    row = messages.channel_of(world.nurse, Channel.EMAIL)
    assert (row.address, row.active) == (world.nurse.email, True)
    # A second tab still showing "Turn on" asks for on again: it never flips the email back off.
    client.post("/messages/weekly-email", data={"csrf_token": csrf_token(client), "turn": "on"})
    assert messages.channel_of(world.nurse, Channel.EMAIL).active is True
    assert 'name="turn" value="off"' in client.get("/messages/").get_data(as_text=True)
    client.post("/messages/weekly-email", data={"csrf_token": csrf_token(client), "turn": "off"})
    assert messages.channel_of(world.nurse, Channel.EMAIL).active is False
    # Staff never get texts, and have no reminders of their own to set.
    assert client.get("/messages/text").status_code == 403


def test_without_notify_the_code_is_on_the_message_log_page(client, world, app):
    assert messages.notify.mode() == "log"
    client.sign_in_as(world.young_person)
    _add_number(client, "07700900123")
    code_page = client.get("/messages/text/code").get_data(as_text=True)
    assert "GOV.UK Notify is not set up" in code_page
    log_page = client.get("/messages/").get_data(as_text=True)
    code = re.search(r"Your Health Passport code is (\d{6})", log_page).group(1)
    client.post("/messages/text/code", data={"code": code, "csrf_token": csrf_token(client)})
    assert messages.channel_of(world.young_person, Channel.SMS).active


def test_notify_rate_limiting_a_code_says_try_later_not_a_500(client, world, notify_server):
    from tests import fake_notify

    notify_server.fail_next(*fake_notify.RATE_LIMIT)
    client.sign_in_as(world.young_person)
    page = _add_number(client, "07700900123")
    assert page.status_code == 400
    assert "Try again in a few minutes" in page.get_data(as_text=True)
    row = messages.channel_of(world.young_person, Channel.SMS)
    assert row.pending_address is None and row.address is None
    assert client.get("/messages/text/code").status_code == 302  # no code to type
