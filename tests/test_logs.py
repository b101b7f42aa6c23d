"""No health data or secrets in logs (SECURITY.md 16).

- A realistic run through a real HTTP server (werkzeug's, as `make run` uses, in a thread, so its access
  lines are logged too) with every log record captured at DEBUG: a nurse signs in with both steps, starts a
  passport and issues an invite; the young person opens the invite link, claims the passport, adds health
  items, downloads and exports, makes a share link with a passcode; a visitor opens it with a wrong and a
  right passcode; errors along the way (a 404, a refused sign-in, a missing CSRF token, a database error in
  the middle of a save). No sentinel value appears in any record, traceback included.
- gunicorn, as production runs it (gunicorn.conf.py), writes access lines without query strings or share
  tokens: its format string is checked, and a real gunicorn is asked for such URLs.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import logging
import os
import re
import runpy
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from passport import clock, create_app, logs
from passport.extensions import db
from passport.services import health_cards
from tests import factories

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# Invented values that must never reach a log. The NHS number passes the Modulus 11 check.
ALLERGY = "SENTINEL-ALLERGY-7Z"
REACTION = "SENTINEL-REACTION-Q4"
CONDITION = "SENTINEL-CONDITION-V9"
FAILING_MEDICATION = "SENTINEL-FAILING-MEDICINE-K2"
LEGAL_NAME = "Sentinelname Quixley"
NHS_NUMBER = "4827100004"
EMAIL = "sentinel.person@example.org"
PASSWORD = "SENTINEL-PASSWORD-horse-9"
WRONG_PASSWORD = "SENTINEL-WRONG-PASSWORD-5"
PASSCODE = "SENTINEL-PASSCODE-3"
WRONG_PASSCODE = "SENTINEL-WRONG-PASSCODE-8"
SHARE_LABEL = "SENTINEL-LABEL-GP"
SEARCH = "Sentinelname"


class EveryRecord(logging.Handler):
    """Keeps every record, formatted with its traceback, from every logger."""

    def __init__(self):
        super().__init__(logging.NOTSET)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


@contextmanager
def capturing_every_log_record():
    """Root at DEBUG with a handler that keeps everything, and the same handler on every logger that does
    not pass its records up to the root (WeasyPrint's, for one)."""
    handler = EveryRecord()
    root = logging.getLogger()
    isolated = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    levels = {name: logging.getLogger(name).level for name in ("", "passport", "werkzeug", "flask")}
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    root.addHandler(handler)
    for logger in isolated:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for logger in isolated:
            logger.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@dataclass
class Answer:
    status: int
    location: str
    mimetype: str
    body: str


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A person with their own cookies, talking HTTP to the server."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )
        self.csrf = ""

    def _open(self, request) -> Answer:
        try:
            response = self.opener.open(request, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        body = response.read()
        mimetype = (response.headers.get("Content-Type") or "").split(";")[0]
        page = body.decode("utf-8", "replace") if mimetype.startswith(("text/", "application/")) else ""
        token = re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page)
        if token:
            self.csrf = token.group(1)
        return Answer(response.status, response.headers.get("Location") or "", mimetype, page)

    def get(self, path: str) -> Answer:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict | None = None, *, csrf: bool = True) -> Answer:
        fields = {**({"csrf_token": self.csrf} if csrf else {}), **(data or {})}
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        return self._open(urllib.request.Request(self.base + path, data=body))


@pytest.fixture
def server(app):
    """The suite's app behind werkzeug's server in a thread, handling errors as production does (a logged
    traceback and a 500 page, not an exception thrown into the test)."""
    propagate = app.config["PROPAGATE_EXCEPTIONS"]
    app.config["PROPAGATE_EXCEPTIONS"] = False
    http_server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http_server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http_server.server_port}"
    finally:
        http_server.shutdown()
        thread.join(timeout=10)
        app.config["PROPAGATE_EXCEPTIONS"] = propagate


@contextmanager
def database_refuses(medicine: str):
    """The database fails any INSERT of a medication with this name, as a full disk or a lost connection
    would: the error reaches the log with the statement that failed."""
    dialect = db.engine.dialect.name
    with db.engine.begin() as connection:
        if dialect == "postgresql":
            connection.execute(
                text(
                    "CREATE FUNCTION sentinel_refuse() RETURNS trigger AS "
                    "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text(
                    "CREATE TRIGGER sentinel_refuse BEFORE INSERT ON medication FOR EACH ROW "
                    f"WHEN (NEW.name = '{medicine}') EXECUTE FUNCTION sentinel_refuse()"
                )
            )
        else:
            connection.execute(
                text(
                    f"CREATE TRIGGER sentinel_refuse BEFORE INSERT ON medication "
                    f"WHEN NEW.name = '{medicine}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
                )
            )
    try:
        yield
    finally:
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "DROP TRIGGER IF EXISTS sentinel_refuse"
                    + (" ON medication" if dialect == "postgresql" else "")
                )
            )
            if dialect == "postgresql":
                connection.execute(text("DROP FUNCTION IF EXISTS sentinel_refuse()"))


def _dob_fields(date_of_birth) -> dict:
    return {
        "date_of_birth-day": str(date_of_birth.day),
        "date_of_birth-month": str(date_of_birth.month),
        "date_of_birth-year": str(date_of_birth.year),
    }


def _a_realistic_run(base: str, world) -> tuple[dict[str, str], list[Browser]]:
    """Everyone's journey through the server. Returns the secrets it made on the way (invite code, share
    token) for the log check, and the browsers, whose cookies are checked too."""
    made = {}
    # A nurse signs in with both steps and starts a passport for a 16-year-old.
    nurse = Browser(base)
    nurse.get("/sign-in")
    signed_in = nurse.post("/sign-in", {"email": world.nurse.email, "password": factories.PASSWORD})
    assert signed_in.location.startswith("/sign-in/security-code"), signed_in
    nurse.get(signed_in.location)
    assert nurse.post("/sign-in/security-code", {"code": factories.security_code(world.nurse)}).status == 302
    nurse.get("/staff/passports/new")
    date_of_birth = factories.date_of_birth_for_age(16)
    started = nurse.post(
        "/staff/passports/new",
        {
            "legal_name": LEGAL_NAME,
            "preferred_name": "",
            "nhs_number": NHS_NUMBER,
            "team": "",
            "care_status": "in_care",
            **_dob_fields(date_of_birth),
        },
    )
    assert started.status == 302, started.body[:500]
    passport_page = started.location
    assert NHS_NUMBER[:3] in nurse.get(passport_page).body
    invite = nurse.post(f"{passport_page}/invite")
    code = re.search(r"/claim\?code=([A-Za-z0-9-]+)", invite.body).group(1)
    made["invite code"] = code
    made["invite code as shown"] = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", invite.body).group(0)
    assert nurse.get("/staff/caseload?text=" + urllib.parse.quote(SEARCH)).status == 200

    # The young person opens the link in the invite (the code in the query string) and claims it.
    person = Browser(base)
    assert person.get(f"/claim?code={code}").status == 200
    claimed = person.post(
        "/claim",
        {
            "code": code,
            "email": EMAIL,
            "password": PASSWORD,
            "confirm_password": PASSWORD,
            **_dob_fields(date_of_birth),
        },
    )
    assert claimed.location == "/my-passport/", claimed.body[:500]
    person.get("/my-passport/add/allergy")
    added = person.post(
        "/my-passport/add/allergy",
        {"version": "0", "substance": ALLERGY, "reaction": REACTION, "severity": "severe", "sensitivity": ""},
    )
    assert added.status == 302
    person.get("/my-passport/add/condition")
    person.post(
        "/my-passport/add/condition",
        {"version": "0", "name": CONDITION, "sensitivity": "mental_health"},
    )
    assert ALLERGY in person.get("/my-passport/health").body

    # A save the database refuses half way: a 500 page, and a traceback in the log.
    person.get("/my-passport/add/medication")
    with database_refuses(FAILING_MEDICATION):
        failed = person.post(
            "/my-passport/add/medication", {"version": "0", "name": FAILING_MEDICATION, "sensitivity": ""}
        )
    assert failed.status == 500 and FAILING_MEDICATION not in failed.body

    # Downloads and exports.
    person.get("/my-passport/my-data")
    assert person.post("/my-passport/my-data.json").mimetype == "application/json"
    person.get("/my-passport/download/health-record")
    fhir = person.post("/my-passport/download/health-record", {"sections": ["about_me", "health_summary"]})
    assert fhir.mimetype == "application/fhir+json"
    person.get("/my-passport/download/passport")
    pdf = person.post("/my-passport/download/passport", {"sections": ["about_me", "health_summary"]})
    assert pdf.mimetype == "application/pdf"
    # A vaccine of their own first: the card holds vaccines, so it needs one.
    person.get("/my-passport/add/immunisation")
    given = date_of_birth.replace(year=date_of_birth.year + 2)
    dose = person.post(
        "/my-passport/add/immunisation",
        {
            "version": "0",
            "vaccine_id": "mmr",
            "given_on-day": str(given.day),
            "given_on-month": str(given.month),
            "given_on-year": str(given.year),
            "where_given": "abroad",
        },
    )
    assert dose.status == 302, dose.body[:500]
    person.get("/my-passport/offline-card")
    assert person.post("/my-passport/offline-card", {"include_allergies": "y"}).status == 200

    # A share link with a passcode, opened by a visitor: a wrong passcode, then the right one.
    person.get("/my-passport/share")
    ends = clock.today() + timedelta(days=7)
    shared = person.post(
        "/my-passport/share",
        {
            "label": SHARE_LABEL,
            "sections": ["about_me", "health_summary"],
            "expires_on-day": str(ends.day),
            "expires_on-month": str(ends.month),
            "expires_on-year": str(ends.year),
            "passcode": PASSCODE,
        },
    )
    token = re.search(r"/s/([A-Za-z0-9_-]{40,})", shared.body).group(1)
    made["share token"] = token
    visitor = Browser(base)
    assert "passcode" in visitor.get(f"/s/{token}").body.lower()
    wrong = visitor.post(f"/s/{token}", {"passcode": WRONG_PASSCODE})
    assert "not right" in wrong.body
    opened = visitor.post(f"/s/{token}", {"passcode": PASSCODE})
    assert ALLERGY in opened.body

    # Errors a stranger can cause.
    stranger = Browser(base)
    assert stranger.get("/s/" + "x" * 43).status == 404
    assert stranger.get(f"/nowhere?nhs={NHS_NUMBER}&allergy={ALLERGY}").status == 404
    stranger.get("/sign-in")
    refused = stranger.post("/sign-in", {"email": EMAIL, "password": WRONG_PASSWORD})
    assert "not right" in refused.body
    assert stranger.post("/sign-in", {"email": EMAIL, "password": PASSWORD}, csrf=False).status in (302, 400)

    # The nurse looks at the passport with its new items.
    assert ALLERGY in nurse.get(f"{passport_page}/health").body
    return made, [nurse, person, visitor, stranger]


def test_a_realistic_run_logs_no_health_data_codes_tokens_or_passwords(app, world, server):
    health_cards.generate_key(world.organisation)
    db.session.commit()
    with capturing_every_log_record() as captured:
        made, browsers = _a_realistic_run(server, world)
    sentinels = {
        "allergy": ALLERGY,
        "reaction": REACTION,
        "condition": CONDITION,
        "medicine in a failed save": FAILING_MEDICATION,
        "legal name": LEGAL_NAME,
        "NHS number": NHS_NUMBER,
        "NHS number as shown": f"{NHS_NUMBER[:3]} {NHS_NUMBER[3:6]} {NHS_NUMBER[6:]}",
        "email": EMAIL,
        "password": PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "nurse's password": factories.PASSWORD,
        "authenticator app secret": factories.TOTP_SECRET,
        "passcode": PASSCODE,
        "wrong passcode": WRONG_PASSCODE,
        "share link label": SHARE_LABEL,
        "search": SEARCH,
        **made,
    }
    leaks = [
        f"{what} in: {line[:300]}"
        for line in captured.lines
        for what, value in sentinels.items()
        if value.lower() in line.lower()
    ]
    assert leaks == []
    # The capture saw the run: request lines (with what is left of their paths) and the failed save.
    lines = "\n".join(captured.lines)
    print(f"\n{len(captured.lines)} log records captured, none holding any of {len(sentinels)} sentinels")
    assert '"GET /claim HTTP/1.1" 200' in lines
    assert f'"POST {logs.HIDDEN_TOKEN} HTTP/1.1" 200' in lines
    assert '"GET /staff/caseload HTTP/1.1" 200' in lines
    assert "Exception on /my-passport/add/medication [POST]" in lines and "INSERT INTO medication" in lines

    # Nor in the session cookies (signed, not encrypted: anyone holding one can read it).
    serializer = app.session_interface.get_signing_serializer(app)
    cookies = [cookie for browser in browsers for cookie in browser.cookies]
    assert {cookie.name for cookie in cookies} == {app.config["SESSION_COOKIE_NAME"]}
    for cookie in cookies:
        readable = json.dumps(serializer.loads(cookie.value))
        assert [what for what, value in sentinels.items() if value.lower() in readable.lower()] == []


def test_redaction_keeps_the_path_and_drops_query_strings_and_share_tokens():
    assert logs.redact('"GET /claim?code=ABCD-EFGH-JKMN HTTP/1.1" 200 -') == '"GET /claim HTTP/1.1" 200 -'
    assert logs.redact("Exception on /s/abc_DEF-123 [POST]") == "Exception on /s/[hidden] [POST]"
    assert logs.redact("/s/abc?x=1") == "/s/[hidden]"
    assert logs.redact("GET /staff/passports/1234/add/allergy") == "GET /staff/passports/1234/add/allergy"
    assert logs.redact("https://example.org/s/abc") == "https://example.org/s/[hidden]"
    # A SMART Health Link's manifest and file addresses hold tokens too.
    assert logs.redact('"POST /shl/abc_DEF-123 HTTP/1.1" 200') == '"POST /shl/[hidden] HTTP/1.1" 200'
    assert logs.redact("GET /shl/files/xyz-1?x=1") == "GET /shl/files/[hidden]"
    # The dev server colours its request lines: the colour codes stay.
    assert logs.redact("\x1b[32mGET /claim?code=X HTTP/1.1\x1b[0m") == "\x1b[32mGET /claim HTTP/1.1\x1b[0m"


def test_gunicorn_and_the_app_redact_alike():
    settings = _gunicorn_settings()
    assert settings["_QUERY"].pattern == logs._QUERY.pattern
    assert settings["_SHARE_TOKEN"].pattern == logs._SHARE_TOKEN.pattern
    assert settings["_SHL_TOKEN"].pattern == logs._SHL_TOKEN.pattern


# --- gunicorn, as production runs it ----------------------------------------------------------------------

SAFE_ATOMS = {"h", "l", "u", "t", "m", "U", "s", "b", "B", "L", "T", "D", "M", "p", "H"}


def _gunicorn_settings() -> dict:
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_the_production_access_log_format_has_no_query_string_or_referrer():
    """%(q)s is the query string, %(r)s the request line with it, %(f)s the referrer (a page URL); %(U)s is
    the path alone. Headers and environ values (%({...}i)s, %({...}e)s) could carry anything."""
    settings = _gunicorn_settings()
    atoms = set(re.findall(r"%\(([^)]+)\)s", settings["access_log_format"]))
    assert atoms and atoms <= SAFE_ATOMS, atoms - SAFE_ATOMS
    assert settings["accesslog"] == "-"


def test_gunicorns_logger_writes_a_share_link_as_hidden():
    settings = _gunicorn_settings()
    from gunicorn.config import Config

    logger = settings["logger_class"](Config())

    class Response:
        status, sent, headers = "200 OK", 10, []

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/s/the-token-itself?passcode=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/s/the-token-itself",
        "QUERY_STRING": "passcode=1",
        "HTTP_REFERER": "https://example.org/s/the-token-itself",
    }
    atoms = logger.atoms(Response(), [], environ, timedelta(milliseconds=5))
    assert atoms["U"] == "/s/[hidden]" and atoms["r"] == "GET /s/[hidden] HTTP/1.1" and atoms["q"] == "-"
    assert "the-token-itself" not in atoms["f"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_a_real_gunicorn_logs_paths_without_invite_codes_or_share_tokens(tmp_path):
    url = f"sqlite:///{tmp_path / 'gunicorn.sqlite3'}"
    scratch = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with scratch.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL", "FLASK_APP"}
    }
    env.update(
        PASSPORT_ENV="production",
        SHC_ISSUER="https://passport.example.org",
        SECRET_KEY=secrets.token_urlsafe(48),
        DATABASE_URL=url,
        ALLOW_SQLITE_IN_PRODUCTION="1",
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        PYTHONPATH=str(ROOT),
    )
    code, token = "SENTINELCODE7", "SENTINEL-SHARE-TOKEN-" + secrets.token_urlsafe(24)
    out, err = tmp_path / "access.log", tmp_path / "error.log"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, err.read_text()
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "gunicorn did not start"
                    time.sleep(0.2)
            paths = (f"/claim?code={code}", f"/set-up?code={code}", f"/s/{token}", f"/s/{token}?x={code}")
            for path in paths:
                # The share link does not exist: a 404, logged all the same.
                with contextlib.suppress(urllib.error.HTTPError):
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10).close()
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    logged = out.read_text() + err.read_text()
    assert '"GET /claim" 200' in logged and '"GET /s/[hidden]" 404' in logged
    assert code not in logged and token not in logged and "SENTINEL" not in logged
