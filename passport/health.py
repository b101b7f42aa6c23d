"""How each outside dependency is doing, for /healthz, answered within a budget whatever they do.

Each check runs in a small pool of its own threads with its own timeouts (PostgreSQL's connect timeout,
Redis's socket timeouts: config.py); /healthz waits at most HEALTH_CHECK_SECONDS for all of them together and
reports a check still running then as "timeout". So a hung database or Redis never holds a load balancer's
probe (nor the request thread answering it) for longer than the budget. tests/web/test_dependencies_down.py.

States: "ok", "unavailable" (it answered with an error, or refused the connection), "timeout" (no answer
within the budget), "not configured" (Redis, on a single server).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

import redis
from flask import Flask
from sqlalchemy import text

from passport.extensions import db, limiter

logger = logging.getLogger(__name__)

# Few threads: checks are rare (a probe every few seconds). A check stuck on a hung dependency holds its
# thread only until that client's own timeout; meanwhile others queue and are reported as "timeout".
_checks = ThreadPoolExecutor(max_workers=4, thread_name_prefix="health-check")


@dataclass(frozen=True)
class Health:
    database: str
    redis: str
    rate_limits: str  # "shared" (Redis), "this server only" (memory, or Redis unreachable)

    @property
    def status(self) -> str:
        if self.database != "ok":
            return "unavailable"
        if self.redis not in ("ok", "not configured"):
            return "degraded"
        return "ok"


def _database(app: Flask) -> str:
    with app.app_context(), db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return "ok"


def _redis(app: Flask) -> str:
    url = app.config.get("REDIS_URL")
    if not url:
        return "not configured"
    timeout = app.config["REDIS_TIMEOUT"]
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def _outcome(future, name: str) -> str:
    if not future.done():
        return "timeout"
    try:
        return future.result()
    except Exception as error:  # any failure of the dependency is "unavailable"; the detail goes to the log
        logger.warning("health check: %s unavailable (%s)", name, type(error).__name__)
        return "unavailable"


def check(app: Flask) -> Health:
    """Every dependency at once, for at most HEALTH_CHECK_SECONDS in all."""
    futures = {"database": _checks.submit(_database, app), "redis": _checks.submit(_redis, app)}
    wait(futures.values(), timeout=app.config["HEALTH_CHECK_SECONDS"])
    states = {name: _outcome(future, name) for name, future in futures.items()}
    shared = bool(app.config.get("REDIS_URL")) and not limiter_fell_back()
    return Health(**states, rate_limits="shared" if shared else "this server only")


class OneWarningPerOutage(logging.Filter):
    """Flask-Limiter warns when it gives up on Redis ("falling back to in-memory storage"), but threads that
    were waiting on Redis together each warn, and each request already waiting when another gave up adds a
    traceback ("Failed to rate limit. Swallowing error"). One warning per outage is the news; the rest are
    dropped until Flask-Limiter says the storage has recovered."""

    def __init__(self):
        super().__init__()
        self._warned = False
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        with self._lock:
            if "storage recovered" in message:
                self._warned = False
                return True
            if "falling back" in message or message.startswith("Failed to rate limit"):
                first, self._warned = not self._warned, True
                return first
        return True


def init_app(app: Flask) -> None:
    limiter_logger = logging.getLogger("flask-limiter")
    if not any(isinstance(f, OneWarningPerOutage) for f in limiter_logger.filters):
        limiter_logger.addFilter(OneWarningPerOutage())


def limiter_fell_back() -> bool:
    """Whether this process's limiter is counting in memory because Redis stopped answering."""
    return bool(getattr(limiter, "_storage_dead", False))
