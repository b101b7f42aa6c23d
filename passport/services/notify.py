"""Sending a message: through GOV.UK Notify with its official client, or, where Notify is not set up (a
laptop, a demo), into the message log that the person's own "Messages" page shows.

The app refers to Notify's templates by id (settings NOTIFY_TEMPLATE_*) and sends only personalisation:
plain sentences already in the person's language. TEMPLATES below is the text each template must hold in
Notify; it is also how the message log shows what would have been sent (docs/reminders.md).

Notify's answers are sorted here into what the caller does next (`Refusal.outcome`):
- `retry`: a rate limit (429), Notify or the network failing (5xx, timeouts). Tried again later.
- `stop_run`: the API key is wrong or the clock is off (403): nothing will go until someone fixes it.
- `bad_recipient`: Notify says the number or address cannot be used (400 ValidationError). Never retried.
- `failed`: any other refusal (trial mode, a team key, a template id that does not exist): retrying the
  same request cannot succeed.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass

from flask import current_app
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from passport.models import Channel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Template:
    channel: Channel
    subject: str | None
    body: str

    @property
    def placeholders(self) -> tuple[str, ...]:
        found = re.findall(r"\(\(([a-z_]+)\)\)", (self.subject or "") + self.body)
        return tuple(dict.fromkeys(found))

    def render(self, personalisation: dict) -> tuple[str | None, str]:
        """The subject and text as Notify would make them (for the message log)."""

        def fill(text: str) -> str:
            return re.sub(r"\(\(([a-z_]+)\)\)", lambda m: str(personalisation.get(m.group(1), "")), text)

        return (fill(self.subject) if self.subject else None), fill(self.body).strip()


# The content of each Notify template. Every placeholder is filled by the app in the person's language, so
# one template serves every language; nothing in a text message says what the reminder is about.
TEMPLATES: dict[str, Template] = {
    "reminder_sms": Template(
        Channel.SMS, None, "((message))\n\n((sign_in_url))\n\n((stop_text)) ((stop_url))"
    ),
    "reminder_email": Template(
        Channel.EMAIL,
        "((subject))",
        "((message))\n\n((detail))\n\n((sign_in_text)) ((sign_in_url))\n\n---\n\n((stop_text)) ((stop_url))",
    ),
    "code_sms": Template(Channel.SMS, None, "((message))"),
    "code_email": Template(Channel.EMAIL, "((subject))", "((message))"),
    "digest_email": Template(
        Channel.EMAIL,
        "((subject))",
        "((intro))\n\n((summary))\n\n((sign_in_text)) ((sign_in_url))\n\n---\n\n((stop_text)) ((stop_url))",
    ),
}


class Refusal(Exception):
    """Notify (or the way to it) did not take the message."""

    RETRY = "retry"
    STOP_RUN = "stop_run"
    BAD_RECIPIENT = "bad_recipient"
    FAILED = "failed"

    def __init__(self, outcome: str, error: str, status_code: int | None = None):
        super().__init__(f"{status_code} {error}")
        self.outcome = outcome
        self.error = error  # Notify's error type (RateLimitError…): safe to record, never an address
        self.status_code = status_code

    @property
    def daily_limit(self) -> bool:
        return self.error == "TooManyRequestsError"


def _refusal(error: APIError) -> Refusal:
    status = error.status_code
    kind = _error_type(error)
    if status == 429:
        return Refusal(Refusal.RETRY, kind or "RateLimitError", status)
    if status == 403:
        return Refusal(Refusal.STOP_RUN, kind or "AuthError", status)
    if status == 400 and kind == "ValidationError" and _about_recipient(error):
        return Refusal(Refusal.BAD_RECIPIENT, kind, status)
    if status is not None and 400 <= status < 500:
        return Refusal(Refusal.FAILED, kind or f"HTTP{status}", status)
    # 5xx, and the client's own 503 for a timeout or a connection that failed.
    return Refusal(Refusal.RETRY, kind or "TechnicalError", status)


def _errors(error: APIError) -> list[dict]:
    message = error.message
    return [e for e in message if isinstance(e, dict)] if isinstance(message, list) else []


def _error_type(error: APIError) -> str | None:
    found = _errors(error)
    return str(found[0].get("error"))[:60] if found else None


def _about_recipient(error: APIError) -> bool:
    return any(
        str(e.get("message", "")).startswith(("phone_number", "email_address")) for e in _errors(error)
    )


class NotifySender:
    """GOV.UK Notify through its official Python client. The client is not thread-safe: one per run or
    request."""

    mode = "notify"

    def __init__(self, api_key: str, base_url: str, template_ids: dict[str, str], timeout: float):
        self.client = NotificationsAPIClient(
            api_key, base_url=base_url, timeout=(min(timeout, 3.05), timeout)
        )
        self.template_ids = template_ids

    def send(self, template: str, address: str, personalisation: dict, reference: str) -> str:
        template_id = self.template_ids.get(template)
        if not template_id:
            raise Refusal(Refusal.STOP_RUN, f"no template id for {template}")
        try:
            if TEMPLATES[template].channel is Channel.SMS:
                response = self.client.send_sms_notification(
                    phone_number=address,
                    template_id=template_id,
                    personalisation=personalisation,
                    reference=reference,
                )
            else:
                response = self.client.send_email_notification(
                    email_address=address,
                    template_id=template_id,
                    personalisation=personalisation,
                    reference=reference,
                )
        except APIError as error:
            raise _refusal(error) from None
        return str(response["id"])

    def status(self, notify_id: str) -> str:
        """Notify's delivery status: created, sending, pending, sent, delivered, permanent-failure,
        temporary-failure or technical-failure."""
        try:
            return str(self.client.get_notification_by_id(notify_id)["status"])
        except APIError as error:
            raise _refusal(error) from None


class LogSender:
    """Notify is not set up: the message is kept in the message log (the database row the person's
    "Messages" page shows in full) and one line, with no address and no content, goes to the app's log."""

    mode = "log"

    def send(self, template: str, address: str, personalisation: dict, reference: str) -> str:
        log.info("Notify is not set up: message %s (%s) is in the message log, not sent", reference, template)
        return str(uuid.uuid4())  # an id of the same shape as Notify's, for the record

    def status(self, notify_id: str) -> str:
        return "delivered"


def sender() -> NotifySender | LogSender | None:
    """How messages go out here: Notify when a key is set; the message log in development and tests;
    nothing at all in production without a key (so no one thinks a reminder went when it did not)."""
    config = current_app.config
    if config.get("NOTIFY_API_KEY"):
        return NotifySender(
            config["NOTIFY_API_KEY"],
            config["NOTIFY_BASE_URL"],
            config.get("NOTIFY_TEMPLATE_IDS") or {},
            config.get("NOTIFY_TIMEOUT_SECONDS", 5),
        )
    if config["ENV_NAME"] == "production":
        return None
    return LogSender()


def mode() -> str:
    """'notify', 'log' or 'off' (production with no key)."""
    config = current_app.config
    if config.get("NOTIFY_API_KEY"):
        return "notify"
    return "off" if config["ENV_NAME"] == "production" else "log"
