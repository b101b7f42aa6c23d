"""Every outside dependency has a timeout and a failure mode (SECURITY.md 29 and 34).

Found by an outside probe:
- A Redis that accepts connections but never answers took every app server down: the limiter's client had
  no socket timeout, so 8 hung sign-ins (2 workers x 4 threads) held every thread, /healthz included, for
  about five minutes.
- With PostgreSQL down, signed-in people got gunicorn's bare 500: the error page asked the database who was
  signed in, and failed again.

Here a local socket that accepts and never answers stands in for the hung Redis (and a hung PostgreSQL), a
closed port for a database that is down.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
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
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import url_for
from werkzeug.routing import UUIDConverter

from passport import create_app
from passport.extensions import db

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_TIMEOUT = 0.5


class SilentServer:
    """Accepts every connection and never says a word: a hung Redis or PostgreSQL."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        with contextlib.suppress(OSError):
            while True:
                connection, _address = self.listener.accept()
                self.connections.append(connection)

    def close(self):
        self.listener.close()
        for connection in self.connections:
            connection.close()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe closes


# ---- The database is down: every page answers the branded 503, without asking it again ------------------


@pytest.fixture
def app_without_a_database():
    """The app with PostgreSQL unreachable (a closed port), counting every attempt to connect."""
    import psycopg

    port, attempts = _closed_port(), []

    def connect():
        attempts.append(time.monotonic())
        return psycopg.connect(host="127.0.0.1", port=port, user="nobody", dbname="none", connect_timeout=2)

    down = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://",
        SQLALCHEMY_ENGINE_OPTIONS={"creator": connect, "pool_pre_ping": True},
        PROPAGATE_EXCEPTIONS=False,
    )
    down.attempts = attempts
    return down


def _example_path(app, rule) -> str:
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if isinstance(converter, UUIDConverter):
            values[name] = uuid.uuid4()
        elif hasattr(converter, "items"):
            values[name] = sorted(converter.items)[0]
        elif name == "filename":
            values[name] = "app.css"
        else:
            values[name] = secrets.token_urlsafe(32)
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def _signed_in(app):
    client = app.test_client()
    with client.session_transaction() as session:  # a signed cookie: no database needed to make it
        session["_user_id"] = secrets.token_urlsafe(32)
        session["_fresh"] = True
    return client


def _is_the_branded_503(response) -> bool:
    html = response.get_data(as_text=True)
    return (
        response.status_code == 503
        and "<h1>Sorry, the service is not working right now</h1>" in html
        and "If you were saving a change" in html
        and response.headers.get("Retry-After") == "30"
        and response.headers.get("Cache-Control") == "no-store"
    )


# Public files and answers that never ask the database: with it down they still work.
NEEDS_NO_DATABASE = {
    "offline.service_worker": "a static script the phone keeps",
    "offline.manifest": "a static description of the app",
    "offline.status": "a phone with no copy's cookie: nothing to look up",
}


def test_with_the_database_down_every_page_answers_the_branded_503_without_asking_it_again(
    app_without_a_database,
):
    app = app_without_a_database
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"]
    assert len(rules) > 40
    for persona, client in (("signed in", _signed_in(app)), ("anonymous", app.test_client())):
        for rule in rules:
            path = _example_path(app, rule)
            app.attempts.clear()
            response = client.get(path)
            where = (persona, path, response.status_code)
            assert response.status_code != 500, where
            assert len(app.attempts) <= 1, (*where, "the database was asked again", len(app.attempts))
            if rule.endpoint == "public.healthz":
                assert response.status_code == 503
                assert response.get_json()["database"] == "unavailable"
            elif not app.attempts and rule.endpoint in NEEDS_NO_DATABASE:
                assert response.status_code == 200, where  # never needed it, so still works
            elif persona == "signed in" or response.status_code == 503:
                assert _is_the_branded_503(response), where
            else:
                assert response.status_code in (200, 302, 404), where
    # A form sent while it is down: the same page, and nothing else goes wrong.
    client = _signed_in(app)
    response = client.post("/sign-out", data={"csrf_token": "x"})
    assert response.status_code in (302, 503)
    anonymous = app.test_client()
    page = anonymous.get("/language").get_data(as_text=True)  # a form any visitor opens, no database needed
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = anonymous.post(
        "/sign-in", data={"csrf_token": token, "email": "a@example.org", "password": "x" * 9}
    )
    assert _is_the_branded_503(response)


def test_the_503_page_speaks_the_persons_language(app_without_a_database):
    client = _signed_in(app_without_a_database)
    with client.session_transaction() as session:
        session["locale"] = "cy"
    response = client.get("/my-passport/")
    assert response.status_code == 503
    assert 'lang="cy"' in response.get_data(as_text=True)


# ---- /healthz answers within its own budget, naming each dependency's state -----------------------------


def test_healthz_names_each_dependency_when_all_is_well(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "redis": "not configured",
        "rate_limits": "this server only",
    }


def test_healthz_answers_within_its_budget_when_the_database_and_redis_hang(silent_server):
    hung = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://nobody@127.0.0.1:{silent_server.port}/none",
        REDIS_URL=f"redis://127.0.0.1:{silent_server.port}/0",
        HEALTH_CHECK_SECONDS=1.0,
    )
    client = hung.test_client()
    started = time.monotonic()
    response = client.get("/healthz")
    took = time.monotonic() - started
    assert took < 1.5, took
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and body["database"] == "timeout", body
    # The test app's Redis timeout is 0.5 s, inside the budget: it gives up and says so.
    assert body["redis"] == "unavailable" and body["rate_limits"] == "shared", body


# ---- A hung Redis costs a sign-in about a second at most, and the server stays up ----------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Visitor:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects()
        )

    def open(self, path: str, data: dict | None = None) -> tuple[int, str, float]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.monotonic()
        try:
            response = self.opener.open(urllib.request.Request(self.base + path, data=body), timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        text = response.read().decode("utf-8", "replace")
        return response.status, text, time.monotonic() - started

    def post_form(self, path: str, **fields) -> tuple[int, float]:
        """GET a page for its CSRF token (the language page: a share link that is not one has no form), then
        POST to the path; returns the POST's status and time."""
        _status, page, _took = self.open("/language")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        status, _text, took = self.open(path, {"csrf_token": token, **fields})
        return status, took

    def sign_in(self, email: str) -> tuple[int, float]:
        return self.post_form("/sign-in", email=email, password="wrong" * 3)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.slow
def test_a_hung_redis_costs_a_sign_in_about_a_second_and_the_server_stays_up(tmp_path, silent_server):
    """One gunicorn worker with four threads (a production server has two): twelve people post through a
    rate limit at once while Redis accepts and never answers. Each answer comes within about a second,
    /healthz within its budget, and once Redis is given up on, the sign-in limit still counts, in this
    process, without waiting for Redis again."""
    url = f"sqlite:///{tmp_path / 'hung-redis.sqlite3'}"
    scratch = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with scratch.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL", "FLASK_APP"}}
    env.update(
        # Development settings: cookies without Secure, so a plain-HTTP client keeps its session.
        PASSPORT_ENV="development",
        SECRET_KEY=secrets.token_urlsafe(48),
        DATABASE_URL=url,
        REDIS_URL=f"redis://127.0.0.1:{silent_server.port}/0",
        REDIS_TIMEOUT_SECONDS=str(REDIS_TIMEOUT),
        SIGN_IN_LIMIT="3 per 15 minutes",  # per account, and per address
        PYTHONPATH=str(ROOT),
    )
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--workers=1",
                "--threads=4",
                "--worker-class=gthread",
                f"--bind=127.0.0.1:{port}",
                "--timeout=60",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, log.read_text()
                try:
                    urllib.request.urlopen(base + "/sign-in", timeout=2).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "gunicorn did not start"
                    time.sleep(0.2)

            # Twelve people at once, each through a rate limit (a share link's: nothing else slows it).
            links = [f"/s/{secrets.token_urlsafe(32)}" for _ in range(12)]
            with ThreadPoolExecutor(max_workers=12) as pool:
                answers = list(pool.map(lambda path: Visitor(base).post_form(path), links))
            assert all(status == 404 for status, _took in answers), answers  # the view answered
            assert max(took for _status, took in answers) < 1.5, answers

            started = time.monotonic()
            with urllib.request.urlopen(base + "/healthz", timeout=10) as health:
                body = json.loads(health.read())
            assert time.monotonic() - started < 2.5
            assert body["status"] == "degraded" and body["redis"] in ("timeout", "unavailable"), body
            assert body["rate_limits"] == "this server only", body

            # Sign-ins wait for no Redis now, and the limit still holds, counted in this process.
            visitor = Visitor(base)
            tries = [visitor.sign_in("same.person@example.org") for _ in range(4)]
            assert [status for status, _took in tries] == [400, 400, 400, 429], tries
            assert max(took for _status, took in tries) < 1.5, tries
            assert Visitor(base).open("/")[0] == 200  # still up
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    logged = log.read_text()
    assert logged.count("falling back") == 1, logged  # said once, not per request
