"""`flask backup` and `flask restore` (passport/backup.py): a seeded database round-trips exactly, through
encryption, every field of every row of every table; a backup taken while someone writes is one consistent
moment; restore refuses what it must (a database with data, without --force; a backup from another
migration; a file that is not a backup; one changed, cut short or under another key; any database an app
server is using); PostgreSQL is pointed at pg_dump and pg_restore.

Found by an outside probe: backups were written world-readable and unencrypted (mode 0644; the birth history
readable with `strings`), and `restore --force` ran while app servers were writing, so saves they had
acknowledged vanished.

Each test works on SQLite files of its own, whatever database the suite runs on.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from passport import backup as backups
from passport import clock, create_app
from passport.backup import code_head
from passport.cli import DEMO_PASSWORD
from passport.extensions import db
from passport.models import Passport
from passport.services import accounts, items, passports, sharing


def scratch_app(path: Path, *, migrate: bool = True):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    if migrate:
        with app.app_context():
            upgrade()
            db.engine.dispose()
    return app


def run(app, *args: str):
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
        db.session.remove()
        db.engine.dispose()
    return result


TEST_KEY = create_app("test").config.get("BACKUP_KEY", "")
ROOT = Path(__file__).resolve().parents[1]


def key() -> bytes:
    import base64

    return base64.urlsafe_b64decode(TEST_KEY)


def plain_copy(backup: Path) -> Path:
    """The backup decrypted into a SQLite file beside it, to look inside (the tests' business only)."""
    plain = backup.with_name(backup.name + ".plain.sqlite3")
    plain.write_bytes(backups.read_backup(backup, key()))
    return plain


def every_row(path: Path) -> dict[str, object]:
    """The whole database, exactly: each table's definition and all its rows (every column, in order)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        ).fetchall()
        dump: dict[str, object] = {"schema": tables}
        for name, _sql in tables:
            width = len(connection.execute(f'SELECT * FROM "{name}" LIMIT 0').description)
            order = ", ".join(str(n) for n in range(1, width + 1))
            dump[name] = connection.execute(f'SELECT * FROM "{name}" ORDER BY {order}').fetchall()
        dump["indexes"] = connection.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
        ).fetchall()
        return dump
    finally:
        connection.close()


def add_more(app) -> None:
    """Beyond the demo: a young person's own allergy, a new passport, a share link with a passcode."""
    with app.app_context():
        nurse = accounts.find_user_by_email("nurse@example.org")
        young_person = accounts.find_user_by_email("young.person@example.org")
        passport = db.session.scalar(select(Passport).where(Passport.young_person_id == young_person.id))
        items.add_item(
            young_person,
            passport,
            "allergy",
            {"substance": "Kiwi فاكهة 🥝", "reaction": "Itchy mouth", "severity": "mild"},
        )
        items.add_item(nurse, passport, "medication", {"name": "Cetirizine", "dose": "10 mg"})
        passports.create_passport(
            nurse,
            legal_name="Amani Tesfaye",
            preferred_name="Ami",
            date_of_birth=date(2009, 2, 28),
            nhs_number="9434765919",
            team=None,
        )
        sharing.create(
            young_person,
            passport,
            label="New dentist",
            sections=["about_me", "health_summary"],
            labels=[],
            include_birth_history=False,
            expires_on=clock.today() + timedelta(days=30),
            passcode="sunflower",
        )
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def seeded(tmp_path) -> Path:
    path = tmp_path / "live.sqlite3"
    app = scratch_app(path)
    assert run(app, "seed-demo").exit_code == 0
    add_more(app)
    return path


def test_a_seeded_database_round_trips_exactly(tmp_path, seeded):
    before = every_row(seeded)
    assert len(before["passport"]) == 5 and before["allergy"] and before["birth_history"]
    backup = tmp_path / "passport-backup.sqlite3"
    made = run(scratch_app(seeded, migrate=False), "backup", str(backup))
    assert made.exit_code == 0, made.output
    assert f"migration {code_head()}" in made.output and "passport" in made.output
    # Encrypted, and for its owner's eyes only.
    assert backup.stat().st_mode & 0o777 == 0o600
    written = backup.read_bytes()
    assert written.startswith(b"HPBACKUP")
    for plain_text in (b"SQLite format 3", b"Amani Tesfaye", b"Kiwi", b"nurse@example.org"):
        assert plain_text not in written

    # Into a brand-new, empty file (no tables at all): the app starts from the backup alone.
    fresh = tmp_path / "restored.sqlite3"
    restored_app = scratch_app(fresh, migrate=False)
    restored = run(restored_app, "restore", str(backup))
    assert restored.exit_code == 0, restored.output
    assert every_row(fresh) == before
    assert re.search(r"^\s+passport\s+5$", restored.output, re.MULTILINE), restored.output

    # And the app works on it: the demo people sign in, every passport is there.
    with restored_app.app_context():
        assert accounts.authenticate("young.person@example.org", DEMO_PASSWORD) is not None
        assert db.session.scalar(select(Passport).where(Passport.legal_name == "Amani Tesfaye"))
        db.session.remove()
        db.engine.dispose()


def test_the_backup_file_stands_alone(tmp_path, seeded):
    backup = tmp_path / "alone.sqlite3"
    run(scratch_app(seeded, migrate=False), "backup", str(backup))
    assert not Path(f"{backup}-wal").exists()
    connection = sqlite3.connect(plain_copy(backup))
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        connection.close()


def test_a_backup_taken_while_the_app_writes_is_one_consistent_moment(tmp_path, seeded):
    """A writer adds items (each with its audit event, in one transaction) while backups are taken: every
    backup holds whole use cases only, as many items as item_added events."""
    app = scratch_app(seeded, migrate=False)
    stop, written = threading.Event(), []

    def keep_writing():
        with app.app_context():
            nurse = accounts.find_user_by_email("nurse@example.org")
            passport = db.session.scalars(select(Passport).order_by(Passport.legal_name)).first()
            while not stop.is_set():
                items.add_item(nurse, passport, "condition", {"name": f"Live write {len(written)}"})
                written.append(1)
            db.session.remove()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    backups = []
    try:
        while len(written) < 5:
            stop.wait(0.05)
        for n in range(3):
            backups.append(tmp_path / f"during-{n}.sqlite3")
            result = run(app, "backup", str(backups[-1]))
            assert result.exit_code == 0, result.output
    finally:
        stop.set()
        writer.join(timeout=60)
    assert len(written) > 5
    for backup in backups:
        connection = sqlite3.connect(plain_copy(backup))
        try:
            conditions = connection.execute(
                "SELECT count(*) FROM health_condition WHERE name LIKE 'Live write %'"
            ).fetchone()[0]
            events = connection.execute(
                "SELECT count(*) FROM audit_event WHERE event_type = 'item_added' "
                'AND details LIKE \'%"item_kind": "condition"%\''
            ).fetchone()[0]
        finally:
            connection.close()
        # (The demo data and add_more add no conditions through the use case: every event is a live write.)
        assert conditions > 0 and conditions == events


def test_restore_refuses_a_database_with_data_unless_forced(tmp_path, seeded):
    backup = tmp_path / "backup.sqlite3"
    run(scratch_app(seeded, migrate=False), "backup", str(backup))
    other = tmp_path / "other.sqlite3"
    other_app = scratch_app(other)
    run(other_app, "organisations", "create", "Someone Else's Health Team")
    untouched = every_row(other)

    refused = run(other_app, "restore", str(backup))
    assert refused.exit_code != 0
    assert "already holds data" in refused.output and "organisation" in refused.output
    assert "--force" in refused.output
    assert every_row(other) == untouched

    forced = run(other_app, "restore", "--force", str(backup))
    assert forced.exit_code == 0, forced.output
    assert every_row(other) == every_row(seeded)


def test_restore_refuses_a_backup_from_another_migration(tmp_path, seeded):
    backup = tmp_path / "old.sqlite3"
    run(scratch_app(seeded, migrate=False), "backup", str(backup))
    plain = plain_copy(backup)
    connection = sqlite3.connect(plain)
    connection.execute("UPDATE alembic_version SET version_num = '0001'")
    connection.commit()
    connection.close()
    backups.write_backup(backup, plain.read_bytes(), key())
    target = tmp_path / "target.sqlite3"
    refused = run(scratch_app(target), "restore", str(backup))
    assert refused.exit_code != 0
    assert f"made at migration 0001, and this code is at {code_head()}" in refused.output
    with sqlite3.connect(target) as connection:
        assert connection.execute("SELECT count(*) FROM passport").fetchone()[0] == 0


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    target_app = scratch_app(tmp_path / "target.sqlite3")
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all " * 100)
    assert "not a Health Passport backup" in run(target_app, "restore", str(junk)).output
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    assert "not a Health Passport backup" in run(target_app, "restore", str(empty)).output
    # Encrypted properly, but not a database inside; and an empty database with no migration.
    not_sqlite = tmp_path / "not-sqlite.backup"
    backups.write_backup(not_sqlite, b"not a database at all " * 100, key())
    assert "not a sound SQLite database" in run(target_app, "restore", str(not_sqlite)).output
    no_migration = tmp_path / "no-migration.backup"
    backups.write_backup(no_migration, empty.read_bytes(), key())
    assert "not a Health Passport backup" in run(target_app, "restore", str(no_migration)).output


def test_backup_will_not_overwrite_a_file_unless_forced(tmp_path, seeded):
    app = scratch_app(seeded, migrate=False)
    backup = tmp_path / "once.sqlite3"
    backup.write_text("something precious")
    refused = run(app, "backup", str(backup))
    assert refused.exit_code != 0 and "already exists" in refused.output
    assert backup.read_text() == "something precious"
    assert run(app, "backup", "--force", str(backup)).exit_code == 0
    assert every_row(plain_copy(backup))["passport"] == every_row(seeded)["passport"]


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_on_postgresql_the_commands_point_to_pg_dump_and_pg_restore(tmp_path, command):
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://passport:secret-password@db.example:5432/passport",
    )
    path = tmp_path / "passport.dump"
    path.write_bytes(b"")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=[command, str(path)])
    assert result.exit_code != 0
    assert "pg_dump --format=custom" in result.output and "pg_restore" in result.output
    assert "secret-password" not in result.output
    assert "postgresql://passport:***@db.example:5432/passport" in result.output


def test_the_help_says_how_postgresql_is_backed_up(app):
    for command in ("backup", "restore"):
        result = app.test_cli_runner().invoke(args=[command, "--help"])
        assert "PostgreSQL" in result.output and ("pg_dump" in result.output or "pg_restore" in result.output)


def test_restored_passports_belong_to_the_same_people(tmp_path, seeded):
    """Ids, not just names: a restored passport keeps its young person, and no one gets another's."""
    backup = tmp_path / "b.sqlite3"
    run(scratch_app(seeded, migrate=False), "backup", str(backup))
    target = tmp_path / "t.sqlite3"
    run(scratch_app(target, migrate=False), "restore", str(backup))
    query = (
        "SELECT passport.id, passport.legal_name, user_account.email FROM passport "
        "LEFT JOIN user_account ON user_account.id = passport.young_person_id ORDER BY passport.id"
    )
    with sqlite3.connect(seeded) as before, sqlite3.connect(target) as after:
        assert before.execute(query).fetchall() == after.execute(query).fetchall()


def test_a_backup_is_0600_whatever_the_umask_and_refuses_without_a_key(tmp_path, seeded):
    app = scratch_app(seeded, migrate=False)
    old = os.umask(0)
    try:
        backup = tmp_path / "loose-umask.backup"
        assert run(app, "backup", str(backup)).exit_code == 0
    finally:
        os.umask(old)
    assert backup.stat().st_mode & 0o777 == 0o600
    app.config["BACKUP_KEY"] = ""
    refused = run(app, "backup", str(tmp_path / "no-key.backup"))
    assert refused.exit_code != 0 and "BACKUP_KEY" in refused.output and "token_bytes(32)" in refused.output
    assert not (tmp_path / "no-key.backup").exists()


def test_a_changed_cut_short_or_wrongly_keyed_backup_is_refused_and_changes_nothing(
    tmp_path, seeded, monkeypatch
):
    monkeypatch.setattr(backups, "CHUNK", 64 * 1024)  # several chunks, so whole ones can go missing
    backup = tmp_path / "b.backup"
    run(scratch_app(seeded, migrate=False), "backup", str(backup))
    target = tmp_path / "target.sqlite3"
    target_app = scratch_app(target)
    untouched = every_row(target)
    whole = backup.read_bytes()

    changed = tmp_path / "changed.backup"
    changed.write_bytes(whole[:200] + bytes([whole[200] ^ 1]) + whole[201:])
    assert "cannot be decrypted" in run(target_app, "restore", str(changed)).output

    cut_short = tmp_path / "cut.backup"
    first_chunk_end = 8 + 1 + 16 + 4 + int.from_bytes(whole[25:29], "big")
    assert first_chunk_end < len(whole)
    cut_short.write_bytes(whole[:first_chunk_end])  # whole chunks, but not the last
    assert "cut short" in run(target_app, "restore", str(cut_short)).output

    target_app.config["BACKUP_KEY"] = "b3RoZXIta2V5LWZvci10ZXN0cy1vbmx5LTMyLWJ5dGU="
    assert "cannot be decrypted with this BACKUP_KEY" in run(target_app, "restore", str(backup)).output
    assert every_row(target) == untouched


SERVER = """
import sys, time
from passport import create_app
app = create_app("test", SQLALCHEMY_DATABASE_URI=sys.argv[1])
app.test_client().get("/healthz")  # a first request: the server now holds its database
print("serving", flush=True)
time.sleep(60)
"""


def test_restore_refuses_while_an_app_server_uses_the_database(tmp_path, seeded):
    """An app server (another process, as gunicorn's workers are) holds the database from its first request:
    restore refuses, even with --force, and changes nothing; once it has stopped, restore goes ahead."""
    backup = tmp_path / "b.backup"
    run(scratch_app(seeded, migrate=False), "backup", str(backup))
    target = tmp_path / "busy.sqlite3"
    target_app = scratch_app(target)
    run(target_app, "organisations", "create", "A Busy Health Team")
    untouched = every_row(target)
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, f"sqlite:///{target}"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout.readline().strip() == "serving"
        refused = run(target_app, "restore", "--force", str(backup))
        assert refused.exit_code != 0
        assert "An app server (or the render-leaving-packs worker) is using this database" in refused.output
        assert every_row(target) == untouched
    finally:
        server.kill()
        server.wait(timeout=30)
    restored = run(target_app, "restore", "--force", str(backup))
    assert restored.exit_code == 0, restored.output
    assert every_row(target) == every_row(seeded)


def test_a_server_answers_the_503_page_while_a_restore_holds_the_database(tmp_path):
    path = tmp_path / "restoring.sqlite3"
    app = scratch_app(path)
    with app.app_context(), backups.nobody_else_using(app):
        response = app.test_client().get("/sign-in")
        assert response.status_code == 503
        assert "Sorry, the service is not working right now" in response.get_data(as_text=True)
    assert app.test_client().get("/sign-in").status_code == 200  # and it carries on afterwards
