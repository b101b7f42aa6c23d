"""What the benchmark scripts share: where the databases are, percentiles, timing loops, and the seeded
people a benchmark signs in as (bench/seed.py writes them next to the database as JSON)."""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
WORK = BENCH / "data"  # databases and seed manifests; git-ignored (.gitignore)

# A plain script: make the repository importable without installing it.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}
# The PostgreSQL server; each size gets its own database on it (never the test suite's `test`).
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/")
# The password every seeded person has (invented; the databases hold nobody real).
PASSWORD = "bench passport 2026"  # noqa: S105


def database_url(kind: str, size: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{WORK / f'passport-{size}.sqlite3'}"
    if kind == "postgresql":
        return POSTGRES_SERVER.rstrip("/") + f"/passport_bench_{size}"
    raise ValueError(kind)


def manifest_path(kind: str, size: str) -> Path:
    return WORK / f"manifest-{kind}-{size}.json"


def load_manifest(kind: str, size: str) -> dict:
    return json.loads(manifest_path(kind, size).read_text(encoding="utf-8"))


def postgres_answers() -> str | None:
    """None when the PostgreSQL server answers, else why not."""
    import psycopg

    url = POSTGRES_SERVER.replace("postgresql+psycopg://", "postgresql://").rstrip("/") + "/postgres"
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except Exception as error:  # any failure means "skip PostgreSQL", with the reason
        return str(error).strip().splitlines()[0]
    return None


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 200 samples is the 190th smallest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summary_ms(seconds: list[float]) -> dict:
    """Median, p95 and max of a list of durations in seconds, as milliseconds."""
    return {
        "n": len(seconds),
        "median_ms": round(statistics.median(seconds) * 1000, 2),
        "p95_ms": round(percentile(seconds, 0.95) * 1000, 2),
        "max_ms": round(max(seconds) * 1000, 2),
    }


def time_calls(call: Callable[[], object], runs: int, warm_up: int = 3) -> list[float]:
    for _ in range(warm_up):
        call()
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        durations.append(time.perf_counter() - started)
    return durations


def time_calls_with_cpu(call: Callable[[], object], runs: int, warm_up: int = 3) -> dict:
    """Wall-clock and CPU time (this process's) of each call, summarised. On a machine shared with other
    work the wall-clock figures include waiting for a core; the CPU figures do not, so they estimate what a
    machine of its own would show (plus, for PostgreSQL, the server's own time)."""
    for _ in range(warm_up):
        call()
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    summary = summary_ms(wall)
    summary["cpu_median_ms"] = round(statistics.median(cpu) * 1000, 2)
    summary["cpu_p95_ms"] = round(percentile(cpu, 0.95) * 1000, 2)
    return summary


def emit(result: dict) -> None:
    """Every benchmark script prints one JSON object as its last line; bench/run.py reads it."""
    print(json.dumps(result, default=str))


# A random-looking key only the benchmarks use (production refuses placeholders and short keys).
BENCH_SECRET_KEY = "bench-only-secret-key-not-for-any-real-deployment-0123456789"  # noqa: S105


def production_environment(url: str) -> dict[str, str]:
    """Environment for the app as production runs it, on a benchmark database."""
    return {
        "PASSPORT_ENV": "production",
        "SHC_ISSUER": "https://passport.example.org",
        "SECRET_KEY": BENCH_SECRET_KEY,
        "DATABASE_URL": url,
        "ALLOW_SQLITE_IN_PRODUCTION": "1",
        "PDF_RENDER_PROCESSES": os.environ.get("PDF_RENDER_PROCESSES", "1"),
    }


def production_app(url: str):
    """The real app, production settings, on a benchmark database (in this process)."""
    os.environ.update(production_environment(url))
    from passport import create_app

    return create_app("production", SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=BENCH_SECRET_KEY)


def signed_in_client(app, user_id: str):
    """A test client signed in as `user_id`, as tests/conftest.py does it (no form, the second factor
    marked as passed for staff). Requests go to https://localhost so the Secure cookie is sent back."""
    import uuid

    from passport import clock
    from passport.extensions import db
    from passport.models import User
    from passport.services import accounts

    with app.app_context():
        user = db.session.get(User, uuid.UUID(user_id))
        token = accounts.start_session(user)
        if user.is_staff:
            user.login_session.second_factor_at = clock.now()
            db.session.commit()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction(base_url="https://localhost") as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return client


class QueryCounter:
    """Counts the SQL statements the app sends while it is active (`with QueryCounter(engine) as q:`):
    `count` every statement, `round_trips` the waits for the database (on PostgreSQL a list sends most of its
    statements together, in one round trip: passport/plain_rows.py)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.count = 0
        self.round_trips = 0

    def _count(self, *args) -> None:
        self.count += 1
        self.round_trips += 1

    def __enter__(self):
        from sqlalchemy import event

        from passport import plain_rows

        self._fetch_together = plain_rows.fetch_together

        def counted(connection, statements, ids):
            self.count += len(statements)
            self.round_trips += 1
            return self._fetch_together(connection, statements, ids)

        plain_rows.fetch_together = counted
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc) -> None:
        from sqlalchemy import event

        from passport import plain_rows

        plain_rows.fetch_together = self._fetch_together
        event.remove(self.engine, "before_cursor_execute", self._count)


def tune_garbage_collector() -> None:
    """What gunicorn.conf.py does once a worker has loaded the app (and warmed up here): the same settings
    for in-process measurements."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.tune_garbage_collector()
