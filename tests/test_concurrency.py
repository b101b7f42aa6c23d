"""Many writers at once, and crashes half way through a save.

- SQLite runs in WAL mode with a busy timeout and real foreign keys: read from a live connection.
- Several processes (not threads: each has its own connections, as gunicorn workers do) call the use cases
  at the same moment, on SQLite and on PostgreSQL: every write lands, and none fails with "database is
  locked". Each runs on a database of its own, never the suite's.
- A use case is one transaction: a failure injected after its first write leaves every table as it was.

Run with -s to see the figures (processes × writes, seconds, errors).
"""

from __future__ import annotations

import multiprocessing
import os
import time
import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from passport import create_app
from passport.extensions import db
from passport.models import Allergy, AuditEvent, Passport, Role, User
from passport.services import items, passports
from tests import factories

WRITERS = 6
CALLS_EACH = 50
POSTGRES_SERVER = os.environ.get("CONCURRENCY_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")


# --- the writers -------------------------------------------------------------------------------------------


def _write_many(url: str, writer: int, calls: int, nurse_id: str, passport_id: str, start, results) -> None:
    """One process: its own app and connections. Waits for the others, then alternates two use cases:
    a nurse adds an allergy to the shared passport (every writer touches the same rows' neighbours), and
    starts a new passport (a write to four tables). Reports every error it met, by type and message."""
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    errors: list[str] = []
    with app.app_context():
        nurse = db.session.get(User, uuid.UUID(nurse_id))
        passport = db.session.get(Passport, uuid.UUID(passport_id))
        start.wait(timeout=120)
        began = time.perf_counter()
        for n in range(calls):
            try:
                if n % 2 == 0:
                    items.add_item(
                        nurse,
                        passport,
                        "allergy",
                        {"substance": f"Writer {writer} allergy {n}", "reaction": "Rash", "severity": "mild"},
                    )
                else:
                    passports.create_passport(
                        nurse,
                        legal_name=f"Writer {writer} passport {n}",
                        preferred_name=None,
                        date_of_birth=date(2009, 1 + writer % 12, 1 + n % 28),
                        nhs_number=None,
                        team=None,
                    )
            except Exception as error:  # counted and reported, whatever it is
                errors.append(f"{type(error).__name__}: {error}")
        seconds = time.perf_counter() - began
    results.put({"writer": writer, "errors": errors, "seconds": seconds})


def _run_writers(url: str, nurse_id, passport_id) -> tuple[list[dict], float]:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(WRITERS)
    results = context.Queue()
    processes = [
        context.Process(
            target=_write_many,
            args=(url, writer, CALLS_EACH, str(nurse_id), str(passport_id), start, results),
        )
        for writer in range(WRITERS)
    ]
    began = time.perf_counter()
    for process in processes:
        process.start()
    reports = [results.get(timeout=300) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0, f"a writer process failed (exit code {process.exitcode})"
    return reports, time.perf_counter() - began


def _set_up_world():
    organisation = factories.create_organisation(name="Concurrency Test Health")
    team = factories.create_team(organisation=organisation)
    nurse = factories.create_user(role=Role.NURSE, organisation=organisation, team=team)
    passport = factories.create_passport(organisation=organisation, team=team, nurse=nurse)
    return nurse, passport


def _check_every_write_landed(reports, seconds: float, label: str) -> None:
    errors = [error for report in reports for error in report["errors"]]
    allergies = set(db.session.scalars(sa.select(Allergy.substance)))
    new_passports = set(
        db.session.scalars(sa.select(Passport.legal_name).where(Passport.legal_name.like("Writer %")))
    )
    audited = db.session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.event_type.in_(["item_added", "passport_created"]))
    )
    writes = WRITERS * CALLS_EACH
    print(
        f"\n{label}: {WRITERS} processes × {CALLS_EACH} use cases = {writes} writes in {seconds:.1f} s "
        f"(slowest writer {max(r['seconds'] for r in reports):.1f} s after the start line); "
        f"{len(errors)} errors, {sum('locked' in e for e in errors)} 'database is locked'"
    )
    assert errors == []
    expected_allergies = {
        f"Writer {w} allergy {n}" for w in range(WRITERS) for n in range(CALLS_EACH) if n % 2 == 0
    }
    expected_passports = {
        f"Writer {w} passport {n}" for w in range(WRITERS) for n in range(CALLS_EACH) if n % 2 == 1
    }
    assert allergies == expected_allergies
    assert new_passports == expected_passports
    assert audited == writes  # and each write's audit event with it


# --- SQLite -------------------------------------------------------------------------------------------------


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on a SQLite file of its own, migrated to head."""
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'concurrency.sqlite3'}")
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_sqlite_connections_use_wal_a_busy_timeout_and_foreign_keys(sqlite_app):
    """Every connection the pool hands out, not only the first, carries the settings."""
    with db.engine.connect() as first, db.engine.connect() as second:
        for connection in (first, second):
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA busy_timeout").scalar() == 15000
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA synchronous").scalar() == 1  # NORMAL: safe in WAL mode
    # Foreign keys are enforced, not just switched on: an item for a passport that does not exist fails.
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
        connection.execute(
            sa.insert(Allergy).values(
                id=uuid.uuid4(), passport_id=uuid.uuid4(), substance="Nobody's", source="self_reported"
            )
        )


@pytest.mark.slow
def test_six_processes_writing_at_once_on_sqlite_lose_nothing_and_never_see_a_lock(sqlite_app):
    nurse, passport = _set_up_world()
    url = sqlite_app.config["SQLALCHEMY_DATABASE_URI"]
    reports, seconds = _run_writers(url, nurse.id, passport.id)
    db.session.expire_all()
    _check_every_write_landed(reports, seconds, "SQLite")


# --- PostgreSQL ------------------------------------------------------------------------------------------


@pytest.fixture
def postgres_app():
    """An app on a PostgreSQL database of its own (made and dropped here). Skips when no server answers."""
    psycopg = pytest.importorskip("psycopg")
    server = POSTGRES_SERVER.replace("postgresql+psycopg://", "postgresql://")
    try:
        admin = psycopg.connect(f"{server}/postgres", connect_timeout=3, autocommit=True)
    except Exception as error:  # any failure to connect: no server here
        pytest.skip(f"PostgreSQL does not answer at {server} (set CONCURRENCY_TEST_POSTGRES): {error}")
    name = f"passport_concurrency_{os.getpid()}"
    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.execute(f"CREATE DATABASE {name}")
    try:
        app = create_app("test", SQLALCHEMY_DATABASE_URI=f"{POSTGRES_SERVER}/{name}")
        with app.app_context():
            upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


@pytest.mark.slow
@pytest.mark.postgres
def test_six_processes_writing_at_once_on_postgresql_lose_nothing(postgres_app):
    nurse, passport = _set_up_world()
    url = postgres_app.config["SQLALCHEMY_DATABASE_URI"]
    reports, seconds = _run_writers(url, nurse.id, passport.id)
    db.session.expire_all()
    _check_every_write_landed(reports, seconds, "PostgreSQL")
