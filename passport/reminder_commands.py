"""`flask send-reminders`: the daily run of reminders and weekly emails (services/reminders.py).

Run it once a day from cron or a systemd timer (docs/reminders.md). It is safe to run more often, twice by
mistake, or on two servers at once: nothing is sent twice. It exits with status 1 when Notify refused the
API key (so cron or systemd tells someone), and 0 otherwise, waiting messages included.
"""

from __future__ import annotations

import click

from passport.services import notify, reminders


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
