"""`flask send-reminders`: the daily run of reminders and weekly emails (services/reminders.py).

Run it once a day from cron or a systemd timer (docs/reminders.md). It is safe to run more often, twice by
mistake, or on two servers at once: nothing is sent twice. It exits with status 1 when Notify refused the
API key (so cron or systemd tells someone), and 0 otherwise, waiting messages included.
"""

from __future__ import annotations

import click

from passport import clock
from passport.extensions import db
from passport.models import Channel, MessageChannel
from passport.services import accounts, messages, notify, reminders


@click.command("send-reminders")
def send_reminders() -> None:
    """Send the reminders and weekly emails that are due (GOV.UK Notify, or the message log)."""
    mode = notify.mode()
    if mode == "off":
        click.echo("Notify is not set up (NOTIFY_API_KEY), so no reminders were sent.")
        return
    result = reminders.run()
    where = (
        "sent through GOV.UK Notify"
        if mode == "notify"
        else "written to the message log (Notify is not set up)"
    )
    click.echo(
        f"{result.planned} new, {result.sent} {where}, {result.waiting} waiting "
        f"(quiet hours or a retry), {result.not_sent} not sent."
    )
    if result.deliveries:
        click.echo(
            "Notify's news of earlier messages: "
            + ", ".join(f"{n} {s}" for s, n in result.deliveries.items())
        )
    if result.stopped:
        message = (
            f"Stopped early: Notify answered {result.stopped}. What was not sent waits for the next run."
        )
        if result.stopped in ("AuthError",) or result.stopped.startswith("no template id"):
            raise click.ClickException(message + " Check NOTIFY_API_KEY and the NOTIFY_TEMPLATE_* settings.")
        click.echo(message)


# The demo: Kai (17) gets reminders by text and email, the nurse and the adviser the weekly email, so a
# newcomer who runs `make run` (which runs send-reminders) sees what would be sent on each one's Messages
# page. The number is from the range Ofcom keeps for drama (07700 900000 to 900999): nobody's phone.
DEMO_MESSAGES = (
    ("young.person@example.org", Channel.SMS, "+447700900123"),
    ("young.person@example.org", Channel.EMAIL, "young.person@example.org"),
    ("nurse@example.org", Channel.EMAIL, "nurse@example.org"),
    ("adviser@example.org", Channel.EMAIL, "adviser@example.org"),
)


def set_up_demo_messages() -> None:
    """Turn on the demo people's messages (safe to run again: only what is missing)."""
    for email, channel, address in DEMO_MESSAGES:
        user = accounts.find_user_by_email(email)
        if user is None or messages.channel_of(user, channel) is not None:
            continue
        db.session.add(
            MessageChannel(
                user_id=user.id, channel=channel, address=address, verified_at=clock.now(), enabled=True
            )
        )
    db.session.commit()
