"""No secret or personal identifier in any log line, even when a rate limit trips (SECURITY.md 30).

Found by an outside probe: when a limit tripped, Flask-Limiter logged its key, and the keys were the thing
counted: `ratelimit 10 per 15 minute (reset:U5M6…) exceeded` held a live password-reset code in clear, a
failed sign-in's line held the email, claim codes the same. Now every key is a keyed hash
(passport/limiter_keys.py: HMAC-SHA256 under a key derived from SECRET_KEY, so app servers sharing a Redis
still share counts), and a filter on every log record (passport/logs.py) hides emails, NHS numbers, codes
and tokens whatever logged them.

The test trips every limit of every limited route (the list comes from the limiter itself, so a new limited
route without a case here fails), with every log record captured at DEBUG, and looks for every code, token,
email, address and NHS number it used.
"""

from __future__ import annotations

import logging
import re
import secrets

import pytest
from flask_limiter.util import get_qualified_name

from passport import logs
from passport.extensions import limiter
from passport.models import Channel, Role, User
from passport.services import invites, messages, staff_accounts
from tests import factories
from tests.conftest import csrf_token
from tests.test_logs import capturing_every_log_record

WRONG_PASSWORD = "SENTINEL-wrong-password-77"
WRONG_CODE = "918273"  # a wrong authenticator code
RECOVERY = "QWERT-YUPAS"  # a recovery code that is not one


# Fields whose values are secrets or identifiers (what a person types into them must never be logged).
SECRET_FIELDS = {"code", "email", "password", "confirm_password", "passcode", "address"}


def _address(n: int) -> str:
    return f"203.0.113.{n}"


class Tripper:
    """Posts as one person from one address, and notes every secret it typed."""

    def __init__(self, app, typed: set[str]):
        self.app, self.typed = app, typed

    def client(self, user: User | None = None, *, second_factor: bool = True):
        client = self.app.test_client()
        if user is not None:
            client.sign_in_as(user, second_factor=second_factor)
        return client

    def post(self, client, path: str, from_address: int, **fields) -> int:
        fields = {"csrf_token": csrf_token(client), **fields}
        self.typed.update(str(v) for k, v in fields.items() if k in SECRET_FIELDS and v)
        self.typed.add(_address(from_address))
        response = client.post(path, data=fields, environ_base={"REMOTE_ADDR": _address(from_address)})
        return response.status_code


def _holds(line: str, secret: str) -> bool:
    """The secret, whole (203.0.113.1 is not in a line about 203.0.113.15)."""
    return re.search(r"(?<![\w.])" + re.escape(secret) + r"(?![\w])", line) is not None


def trip(statuses: list[int]) -> bool:
    """The last attempt was refused by the limit, and only the last."""
    return statuses[-1] == 429 and 429 not in statuses[:-1]


@pytest.fixture
def low_limits(app):
    saved = {key: app.config.get(key) for key in ("SIGN_IN_LIMIT", "TWO_FACTOR_LIMIT", "MESSAGE_CODE_LIMIT")}
    app.config.update(
        SIGN_IN_LIMIT="2 per 15 minutes",
        TWO_FACTOR_LIMIT="2 per 15 minutes",
        MESSAGE_CODE_LIMIT="2 per 15 minutes",
    )
    limiter.reset()
    yield
    app.config.update(saved)
    limiter.reset()


def limited_endpoints(app) -> set[str]:
    decorated = set(limiter.limit_manager._decorated_limits)
    return {
        endpoint
        for endpoint, view in app.view_functions.items()
        if get_qualified_name(view) in decorated
        or get_qualified_name(getattr(view, "__wrapped__", view)) in decorated
    }


def test_tripping_every_limit_logs_no_code_token_email_or_nhs_number(app, world, low_limits):
    typed: set[str] = set()
    people = Tripper(app, typed)
    tripped: set[str] = set()
    nurse_email, young_email = world.nurse.email, world.young_person.email
    claim = invites.issue_claim_invite(world.nurse, world.unclaimed_passport)
    reset = invites.issue_password_reset(world.nurse, world.passport)
    _staff, set_up = staff_accounts.create_staff_account(
        world.admin,
        display_name="New Starter",
        email="new.starter.sentinel@example.org",
        role=Role.NURSE,
        team=None,
    )
    codes = {claim.code, claim.code_for_display, reset.code, reset.code_for_display, set_up.code}
    typed |= codes | {
        nurse_email,
        young_email,
        "new.starter.sentinel@example.org",
        factories.WORLD_SHARE_TOKEN,
    }
    dob = world.unclaimed_passport.date_of_birth

    with capturing_every_log_record() as logged:
        # Sign-in: per account (one email from three addresses), then per address (three emails).
        statuses = [
            people.post(people.client(), "/sign-in", n, email=nurse_email, password=WRONG_PASSWORD)
            for n in (1, 2, 3)
        ]
        assert trip(statuses), statuses
        limiter.reset()
        emails = [f"sentinel.{n}@example.org" for n in range(3)]
        statuses = [
            people.post(people.client(), "/sign-in", 4, email=e, password=WRONG_PASSWORD) for e in emails
        ]
        assert trip(statuses), statuses
        tripped.add("auth.sign_in")

        # Invite, password-reset and set-up codes: per code (from three addresses), then per address.
        for endpoint, path, code, fields in (
            ("auth.claim", "/claim", claim.code_for_display, {"email": "claimer.sentinel@example.org"}),
            ("auth.reset_password", "/reset-password", reset.code_for_display, {}),
            ("auth.staff_set_up", "/set-up", set_up.code_for_display, {}),
        ):
            limiter.reset()
            wrong_birthday = {
                "date_of_birth-day": str(dob.day),
                "date_of_birth-month": str(dob.month),
                "date_of_birth-year": str(dob.year - 3),
            }
            fields = {**fields, **wrong_birthday, "password": "short", "confirm_password": "short"}
            statuses = [people.post(people.client(), path, n, code=code, **fields) for n in (5, 6, 7)]
            assert trip(statuses), (endpoint, statuses)
            limiter.reset()
            others = [invites.format_code(invites.new_code()) for _ in range(3)]
            typed.update(others)
            statuses = [people.post(people.client(), path, 8, code=other, **fields) for other in others]
            assert trip(statuses), (endpoint, statuses)
            tripped.add(endpoint)

        # The password again, before sharing: per account.
        limiter.reset()
        young = people.client(world.young_person)
        statuses = [
            people.post(young, "/account/confirm-password", n, password=WRONG_PASSWORD) for n in (9, 10, 11)
        ]
        assert trip(statuses), statuses
        tripped.add("auth.confirm_password")

        # Staff codes: per account across the three pages, then per address across accounts.
        limiter.reset()
        half_signed_in = people.client(world.nurse, second_factor=False)
        statuses = [
            people.post(half_signed_in, "/sign-in/security-code", 12, code=WRONG_CODE),
            people.post(half_signed_in, "/sign-in/security-code", 13, code=WRONG_CODE),
        ]
        statuses.append(people.post(half_signed_in, "/sign-in/recovery-code", 14, code=RECOVERY))
        assert trip(statuses), statuses
        tripped.update({"auth.security_code", "auth.recovery_code"})
        limiter.reset()
        nurses = [
            factories.create_user(role=Role.NURSE, organisation=world.organisation, team=world.team)
            for _ in range(3)
        ]
        typed.update(n.email for n in nurses)
        statuses = [
            people.post(people.client(n, second_factor=False), "/sign-in/security-code", 15, code=WRONG_CODE)
            for n in nurses
        ]
        assert trip(statuses), statuses
        limiter.reset()
        newcomer = factories.create_user(
            role=Role.NURSE, organisation=world.organisation, team=world.team, totp_secret=None
        )
        typed.add(newcomer.email)
        setting_up = people.client(newcomer, second_factor=False)
        setting_up.get("/sign-in/set-up-authenticator-app")
        statuses = [
            people.post(setting_up, "/sign-in/set-up-authenticator-app", n, code=WRONG_CODE)
            for n in (16, 17, 18)
        ]
        assert trip(statuses), statuses
        tripped.add("auth.set_up_authenticator_app")

        # A share link: per link (from many addresses), then per address (many links).
        limiter.reset()
        link = f"/s/{factories.WORLD_SHARE_TOKEN}"
        statuses = [people.post(people.client(), link, 20 + n) for n in range(11)]
        assert trip(statuses), statuses
        limiter.reset()
        tokens = [secrets.token_urlsafe(32) for _ in range(31)]
        typed.update(tokens)
        statuses = [people.post(people.client(), f"/s/{token}", 40) for token in tokens]
        assert trip(statuses), statuses
        tripped.add("share.open_link")

        # Reminder numbers: asking for codes (per account), then typing the code (per account).
        limiter.reset()
        young = people.client(world.young_person)
        numbers = ["07700 900 461", "07700 900 462", "07700 900 463"]
        statuses = [people.post(young, "/messages/text", 50, address=number) for number in numbers]
        assert trip(statuses), statuses
        tripped.add("messages.choose_address")
        limiter.reset()
        messages.ask_for_code(world.young_person, Channel.SMS, "07700900464")
        typed.update({"07700900464", "07700 900 464", "+447700900464"})
        statuses = [people.post(young, "/messages/text/code", 51, code=WRONG_CODE) for _ in range(3)]
        assert trip(statuses), statuses
        tripped.add("messages.confirm_code")

        # SMART Health Links: the manifest per link (from many addresses), a file per address.
        limiter.reset()
        shl_token = secrets.token_urlsafe(32)
        typed.add(shl_token)
        statuses = [
            people.app.test_client()
            .post(
                f"/shl/{shl_token}",
                json={"recipient": "Invented GP surgery", "passcode": "SENTINEL-passcode"},
                environ_base={"REMOTE_ADDR": _address(60 + n)},
            )
            .status_code
            for n in range(11)
        ]
        assert trip(statuses), statuses
        tripped.add("share.shl_manifest")
        limiter.reset()
        file_token = secrets.token_urlsafe(32)
        typed.add(file_token)
        visitor = people.app.test_client()
        statuses = [
            visitor.get(f"/shl/files/{file_token}", environ_base={"REMOTE_ADDR": _address(80)}).status_code
            for _ in range(31)
        ]
        assert trip(statuses), statuses
        tripped.add("share.shl_file")

    assert tripped == limited_endpoints(app), "trip the limits of every limited route here"
    lines = logged.lines
    assert any("ratelimit" in line and "exceeded" in line for line in lines)  # the limiter did speak
    typed |= {world.nurse.email, "9990000018", "999 000 0018", "9990000026", "9990000034"}
    typed |= {invites.normalise_code(code) for code in codes}
    leaks = sorted(
        {(secret, line[:200]) for line in lines for secret in typed if secret and _holds(line, secret)}
    )
    assert not leaks, leaks


def test_the_log_filter_hides_what_a_careless_line_would_show():
    """The second line of defence: whatever logs it, an email, NHS number, code or token is hidden."""
    record = logging.LogRecord(
        "anything",
        logging.WARNING,
        __file__,
        1,
        "user %s with %s typed %s, %s and %s at /claim?code=%s",
        (
            "robin.sentinel@example.org",
            "943 476 5919",
            "ABCD-EFGH-JKMN",
            "QWERTYUPASDF",
            factories.WORLD_SHARE_TOKEN,
            "ABCDEFGHJKMN",
        ),
        None,
    )
    text = logs.redact_record(record).getMessage()
    for secret in (
        "robin.sentinel",
        "943 476 5919",
        "ABCD-EFGH-JKMN",
        "QWERTYUPASDF",
        "invented-share-token",
    ):
        assert secret not in text, text
    # What operators need stays: ids, ordinary words, short numbers.
    kept = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "batch %s item %d of %d failed: %s",
        ("6f1c2b7a-3d4e-4f50-8a9b-0c1d2e3f4a5b", 3, 126, "TimeoutError"),
        None,
    )
    assert logs.redact_record(kept).getMessage() == (
        "batch 6f1c2b7a-3d4e-4f50-8a9b-0c1d2e3f4a5b item 3 of 126 failed: TimeoutError"
    )


def test_limiter_keys_are_keyed_hashes(app):
    from passport import limiter_keys

    with app.test_request_context(
        "/sign-in",
        method="POST",
        data={"email": "Robin@Example.org"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    ):
        key = limiter_keys.keyed("sign-in", "robin@example.org")
        assert key.startswith("sign-in:") and "robin" not in key
        assert key == limiter_keys.keyed("sign-in", "robin@example.org")  # the same everywhere
        assert limiter_keys.keyed("claim", "robin@example.org") != key  # not the same across purposes
        assert "203.0.113.9" not in limiter_keys.remote_address()
    other = app.config["SECRET_KEY"]
    try:
        app.config["SECRET_KEY"] = "another secret key for this test only, 32+"
        with app.test_request_context("/"):
            assert limiter_keys.keyed("sign-in", "robin@example.org") != key  # keyed by the secret
    finally:
        app.config["SECRET_KEY"] = other
