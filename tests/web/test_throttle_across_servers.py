"""The sign-in throttle holds across app servers: two gunicorn instances (two workers each) on two ports share
one Redis count, so wrong passwords alternated between them are limited as if they all hit one server.

Runs the app as production does (PASSPORT_ENV=production, PostgreSQL, Redis), in a database of its own so
it never touches the suite's. Skips, saying why, when PostgreSQL or Redis does not answer.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POSTGRES_SERVER = os.environ.get("THROTTLE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
# A database, an email address and a Redis key prefix of this run's own, so two runs on one machine (a
# developer's suite and CI in a clone) never share a database or a count. Redis is never flushed, because
# another run may be counting there; this run's keys expire by themselves after the limit's 15 minutes.
RUN = f"{os.getpid()}_{secrets.token_hex(4)}"
DATABASE = f"passport_throttle_test_{RUN}"
REDIS_URL = os.environ.get("THROTTLE_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
LIMIT = 5
EMAIL = f"throttled.nurse.{RUN}@example.org"


def _postgres_or_skip():
    psycopg = pytest.importorskip("psycopg")
    try:
        return psycopg.connect(f"{POSTGRES_SERVER}/postgres", connect_timeout=3, autocommit=True)
    except Exception as error:  # any failure to connect: no server here
        pytest.skip(f"PostgreSQL does not answer at {POSTGRES_SERVER}: {error}")


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except Exception as error:  # any failure to connect: no server here
        pytest.skip(f"Redis does not answer at {REDIS_URL}: {error}")
    return client


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def production_env():
    postgres = _postgres_or_skip()
    redis_client = _redis_or_skip()
    postgres.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    postgres.execute(f"CREATE DATABASE {DATABASE}")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL", "FLASK_APP"}
    }
    env.update(
        PASSPORT_ENV="production",
        SHC_ISSUER="https://passport.example.org",
        SECRET_KEY=secrets.token_urlsafe(48),
        DATABASE_URL=f"{POSTGRES_SERVER.replace('postgresql://', 'postgresql+psycopg://')}/{DATABASE}",
        REDIS_URL=REDIS_URL,
        RATELIMIT_KEY_PREFIX=f"passport_throttle_test_{RUN}",
        SIGN_IN_LIMIT=f"{LIMIT} per 15 minutes",
        PYTHONPATH=str(ROOT),
    )
    try:
        yield env
    finally:
        redis_client.close()
        postgres.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        postgres.close()


def _flask(env, *args: str) -> None:
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def _start_server(env, port: int) -> subprocess.Popen:
    # gunicorn.conf.py (as `make serve` uses it): two gthread workers, bound to HOST:PORT.
    server_env = {**env, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "2"}
    return subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _wait_until_healthy(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, f"gunicorn on port {port} stopped"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"gunicorn on port {port} did not become healthy")


def _wrong_sign_in(port: int) -> int:
    """One wrong password, as a browser sends it: the form's CSRF token with its session cookie. The
    cookie is Secure (__Host- prefix) in production, so it is read and sent by hand over plain HTTP."""
    base = f"http://127.0.0.1:{port}"
    with urllib.request.urlopen(f"{base}/sign-in", timeout=10) as page:
        html = page.read().decode()
        cookie = page.headers["Set-Cookie"].split(";", 1)[0]
    assert cookie.startswith("__Host-passport_session=")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    body = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "email": EMAIL, "password": "not the password"}
    ).encode()
    request = urllib.request.Request(f"{base}/sign-in", data=body, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        if error.code == 400:  # the form again, with its message (a refused form answers 400)
            assert "Your email address or password is not right" in error.read().decode()
        return error.code


def test_wrong_sign_ins_alternated_between_two_servers_share_one_limit(production_env):
    _flask(production_env, "db", "upgrade")
    _flask(production_env, "organisations", "create", "Throttle Test Health")
    _flask(
        production_env,
        *("users", "create", "--email", EMAIL, "--name", "Throttled Nurse", "--role", "nurse"),
        *("--organisation", "Throttle Test Health", "--password", "a long nurse password"),
    )
    ports = [_free_port(), _free_port()]
    servers = [_start_server(production_env, port) for port in ports]
    try:
        for port, server in zip(ports, servers, strict=True):
            _wait_until_healthy(port, server)
        attempts = [(ports[n % 2], _wrong_sign_in(ports[n % 2])) for n in range(LIMIT + 2)]
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)
    print("\nattempt  port   status")  # shown with -s, for the record
    for n, (port, status) in enumerate(attempts, start=1):
        print(f"{n:>7}  {port:>5}  {status}")
    statuses = [status for _port, status in attempts]
    # Each server saw only half the attempts, yet the (limit + 1)th is refused, and so is the next one on
    # the other server.
    assert statuses == [400] * LIMIT + [429, 429]
    assert {port for port, status in attempts if status == 429} == set(ports)
