"""The Done-when check: a reminder run over the demo data sends exactly the expected messages to the local
Notify, and a second run sends none."""

from __future__ import annotations

from sqlalchemy import select

from passport.extensions import db
from passport.models import SentMessage
from tests.messages.test_send_reminders import at_uk


def test_the_demo_data_sends_exactly_these_messages_once(app, notify_server):
    app.config["FROZEN_NOW"] = at_uk(9, 30)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0

    first = runner.invoke(args=["send-reminders"])
    assert first.exit_code == 0, first.output
    assert "4 sent through GOV.UK Notify" in first.output
    sent = sorted((s["type"], s["to"], s["template"]) for s in notify_server.sent)
    assert sent == [
        ("email", "adviser@example.org", "digest_email"),
        ("email", "nurse@example.org", "digest_email"),
        ("email", "young.person@example.org", "reminder_email"),
        ("sms", "+447700900123", "reminder_sms"),
    ]
    # Kai's is about the catch-up vaccines (the teenage booster and MenACWY); the weekly emails name Kai
    # (a leaving pack due within six months of 18) and Ruth, and nobody's health.
    kinds = {m.kind for m in db.session.scalars(select(SentMessage))}
    assert kinds == {"vaccines_due", "weekly_digest"}
    nurse_email = next(s for s in notify_server.sent if s["to"] == "nurse@example.org")
    assert "Kai Morgan" in nurse_email["body"] and "Asthma" not in nurse_email["body"]

    second = runner.invoke(args=["send-reminders"])
    assert second.exit_code == 0
    assert "0 new, 0 sent" in second.output
    assert len(notify_server.posts()) == 4
