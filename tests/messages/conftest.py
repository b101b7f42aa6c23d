"""Fixtures for reminders: the app pointed at a local fake GOV.UK Notify (tests/fake_notify.py), and people
who have turned messages on."""

from __future__ import annotations

import pytest

from passport import clock
from passport.extensions import db
from passport.models import Channel, MessageChannel, User
from tests import fake_notify


@pytest.fixture
def notify_server(app):
    """A fake Notify on a local port, and the app's Notify settings pointing at it for this test."""
    saved = {
        name: app.config.get(name) for name in ("NOTIFY_API_KEY", "NOTIFY_BASE_URL", "NOTIFY_TEMPLATE_IDS")
    }
    with fake_notify.RunningFakeNotify() as fake:
        app.config.update(
            NOTIFY_API_KEY=fake_notify.API_KEY,
            NOTIFY_BASE_URL=fake.base_url,
            NOTIFY_TEMPLATE_IDS=dict(fake_notify.TEMPLATE_IDS),
        )
        try:
            yield fake
        finally:
            app.config.update(saved)


def turn_on(user: User, channel: Channel, address: str, *, more_detail: bool = False) -> MessageChannel:
    """A number or address the person has proved with a code and switched on."""
    row = MessageChannel(
        user_id=user.id,
        channel=channel,
        address=address,
        verified_at=clock.now(),
        enabled=True,
        more_detail=more_detail,
    )
    db.session.add(row)
    db.session.commit()
    return row
