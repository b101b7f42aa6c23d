"""A small local GOV.UK Notify for the tests: the parts of Notify's API that notifications-python-client
uses here, with the status codes and bodies Notify documents (docs.notifications.service.gov.uk, "API
reference": send a text message, send an email, get the status of one message, and their error tables).

- POST /v2/notifications/sms and /v2/notifications/email: 201 with the notification (id, reference,
  content, uri, template); 400 BadRequestError for an unknown template or missing personalisation,
  400 ValidationError for a number that is not a UK mobile ("phone_number Not a UK mobile number") or an
  email address that is not valid; 403 AuthError for a token that is not signed with the key's secret,
  names another service, or was issued more than 30 seconds away from now.
- GET /v2/notifications/<id>: 200 with the notification and its delivery status, 404 NoResultFound.

Errors are Notify's shape: {"errors": [{"error": "...", "message": "..."}], "status_code": N}. A test
scripts what goes wrong: `fail_next(429, "RateLimitError", …)`, a recipient Notify refuses, or the
delivery status a recipient's messages end in (`delivery_status`).
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field

import jwt
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from passport.services.notify import TEMPLATES

SERVICE_ID = "2d7c2b8e-8d1f-4a57-9a3e-6b0f2c9d4e11"
SECRET = "5b6f0a3c-9e21-4c8d-b7a4-1f2e3d4c5b6a"
# Notify's API key format: a name you choose, the service id, then the secret.
API_KEY = f"health_passport_tests-{SERVICE_ID}-{SECRET}"
TEMPLATE_IDS = {name: str(uuid.uuid5(uuid.NAMESPACE_URL, f"fake-notify/{name}")) for name in TEMPLATES}
UK_MOBILE = re.compile(r"^(?:\+44|0044|0)7\d{9}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def error(status: int, kind: str, message: str) -> Response:
    body = {"errors": [{"error": kind, "message": message}], "status_code": status}
    return Response(json.dumps(body), status=status, content_type="application/json")


RATE_LIMIT = (429, "RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds")
DAILY_LIMIT = (429, "TooManyRequestsError", "Exceeded send limits (250000) for today")
SERVER_ERROR = (500, "Exception", "Internal server error")
NOT_A_UK_MOBILE = (400, "ValidationError", "phone_number Not a UK mobile number")
TRIAL_MODE = (
    400,
    "BadRequestError",
    "Can't send to this recipient when service is in trial mode - see "
    "https://www.notifications.service.gov.uk/trial-mode",
)


@dataclass
class FakeNotify:
    base_url: str = ""
    # Every notification Notify accepted, in order: type, recipient, template, personalisation, reference.
    sent: list[dict] = field(default_factory=list)
    # Every request that reached the server (method, path, status answered).
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    scripted: deque = field(default_factory=deque)
    refused_recipients: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    delivery_status: dict[str, str] = field(default_factory=dict)  # recipient → final status
    notifications: dict[str, dict] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, kind: str, message: str, times: int = 1) -> None:
        for _ in range(times):
            self.scripted.append((status, kind, message))

    def refuse(self, recipient: str, answer: tuple[int, str, str] = NOT_A_UK_MOBILE) -> None:
        self.refused_recipients[recipient] = answer

    def posts(self) -> list[tuple[str, str, int]]:
        return [r for r in self.requests if r[0] == "POST"]

    # ---- the API ---------------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        response = self._answer(request)
        with self.lock:
            self.requests.append((request.method, request.path, response.status_code))
        return response(environ, start_response)

    def _authorised(self, request: Request) -> Response | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return error(401, "AuthError", "Unauthorized: authentication token must be provided")
        try:
            claims = jwt.decode(header[7:], SECRET, algorithms=["HS256"], options={"verify_iat": False})
        except jwt.InvalidTokenError:
            return error(403, "AuthError", "Invalid token: API key not found")
        if claims.get("iss") != SERVICE_ID:
            return error(403, "AuthError", "Invalid token: service not found")
        if abs(time.time() - int(claims.get("iat", 0))) > 30:
            return error(403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds")
        return None

    def _answer(self, request: Request) -> Response:
        refused = self._authorised(request)
        if refused is not None:
            return refused
        match = re.fullmatch(r"/v2/notifications/(sms|email)", request.path)
        if request.method == "POST" and match:
            with self.lock:
                if self.scripted:
                    return error(*self.scripted.popleft())
            return self._send(match.group(1), request)
        match = re.fullmatch(r"/v2/notifications/([0-9a-f-]{36})", request.path)
        if request.method == "GET" and match:
            found = self.notifications.get(match.group(1))
            if found is None:
                return error(404, "NoResultFound", "No result found")
            return Response(json.dumps(found), status=200, content_type="application/json")
        return error(404, "NoResultFound", "No result found")

    def _send(self, kind: str, request: Request) -> Response:
        try:
            body = json.loads(request.get_data(as_text=True))
        except ValueError:
            return error(400, "BadRequestError", "Invalid JSON supplied in POST data")
        recipient_field = "phone_number" if kind == "sms" else "email_address"
        recipient = str(body.get(recipient_field, ""))
        template = next((n for n, i in TEMPLATE_IDS.items() if i == body.get("template_id")), None)
        if template is None or TEMPLATES[template].channel.value != kind:
            return error(400, "BadRequestError", "Template not found")
        personalisation = body.get("personalisation") or {}
        missing = [name for name in TEMPLATES[template].placeholders if name not in personalisation]
        if missing:
            return error(400, "BadRequestError", f"Missing personalisation: {', '.join(missing)}")
        if recipient in self.refused_recipients:
            return error(*self.refused_recipients[recipient])
        if kind == "sms" and not UK_MOBILE.match(recipient.replace(" ", "")):
            return error(*NOT_A_UK_MOBILE)
        if kind == "email" and not EMAIL.match(recipient):
            return error(400, "ValidationError", "email_address Not a valid email address")
        subject, text = TEMPLATES[template].render(personalisation)
        notification_id = str(uuid.uuid4())
        template_part = {
            "id": body["template_id"],
            "version": 1,
            "uri": f"{self.base_url}/v2/template/{body['template_id']}",
        }
        content = (
            {"body": text, "from_number": "HealthPass"}
            if kind == "sms"
            else {
                "body": text,
                "subject": subject,
                "from_email": "health.passport@notifications.service.gov.uk",
            }
        )
        answer = {
            "id": notification_id,
            "reference": body.get("reference"),
            "content": content,
            "uri": f"{self.base_url}/v2/notifications/{notification_id}",
            "template": template_part,
        }
        with self.lock:
            self.sent.append(
                {
                    "type": kind,
                    "to": recipient,
                    "template": template,
                    "personalisation": personalisation,
                    "reference": body.get("reference"),
                    "body": text,
                }
            )
            self.notifications[notification_id] = {
                "id": notification_id,
                "reference": body.get("reference"),
                recipient_field: recipient,
                "type": kind,
                "status": self.delivery_status.get(recipient, "delivered"),
                "template": template_part,
                "body": text,
                "subject": subject,
                "created_at": "2026-12-07T09:00:00.000000Z",
                "created_by_name": None,
                "sent_at": "2026-12-07T09:00:01.000000Z",
                "completed_at": "2026-12-07T09:00:05.000000Z",
            }
        return Response(json.dumps(answer), status=201, content_type="application/json")


class RunningFakeNotify:
    """The fake on a free local port, in a thread, for one test."""

    def __init__(self):
        self.fake = FakeNotify()
        self.server = make_server("127.0.0.1", 0, self.fake, threaded=True)
        self.fake.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeNotify:
        self.thread.start()
        return self.fake

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)
