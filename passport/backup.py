"""`flask backup PATH` and `flask restore PATH`: the whole database as one file, and back.

SQLite (a single-server pilot, or a laptop): `backup` copies the database with SQLite's online backup API
in one step, so the copy is one consistent moment even while the app is writing (WAL lets the writers carry
on meanwhile), checks the copy's integrity, and writes it in place only when it is whole. `restore` checks
the file is a sound backup made at this code's migration (alembic head), refuses to overwrite a database that
already holds data unless told to (--force), copies it in, and reports what it restored.

PostgreSQL: pg_dump and pg_restore are the tools (a consistent snapshot while the app runs, and the usual
continuous archiving around them: docs/deploy.md). Both commands say so and stop, rather than half-doing
their job.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import make_url

from passport.config import PROJECT_ROOT
from passport.extensions import db

POSTGRES_ADVICE = """\
This database is PostgreSQL: back it up and restore it with PostgreSQL's own tools, which take a
consistent snapshot while the app runs.

  Back up:  pg_dump --format=custom --file=passport.dump "{url}"
  Restore:  pg_restore --no-owner --exit-on-error --dbname="{url}" passport.dump
            (into an empty database; then flask --app wsgi db upgrade, and open /healthz)

For a service, use continuous archiving as well (docs/deploy.md, Backups)."""


_SQLITE = sqlite.dialect()


class BackupError(click.ClickException):
    pass


def _postgres_url() -> str | None:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        return None
    return url.set(drivername="postgresql").render_as_string(hide_password=True)


def _refuse_on_postgres() -> None:
    url = _postgres_url()
    if url is not None:
        raise BackupError(POSTGRES_ADVICE.format(url=url))


def code_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_current_head()


def table_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    counts = {}
    for name in names:
        # SQLAlchemy quotes the name (which comes from the database's own catalogue anyway).
        query = str(sa.select(sa.func.count()).select_from(sa.table(name)).compile(dialect=_SQLITE))
        counts[name] = connection.execute(query).fetchone()[0]
    return counts


def migration_of(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _integrity_problem(connection: sqlite3.Connection) -> str | None:
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        return str(error)
    return None if result == "ok" else result


def _report(counts: dict[str, int]) -> str:
    rows = [f"  {name:<28} {count:>8}" for name, count in counts.items() if name != "alembic_version"]
    return "\n".join(rows)


def backup_sqlite(target: Path) -> dict[str, int]:
    """Copy the app's SQLite database to `target` in one consistent step. Returns the copy's row counts."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = db.engine.raw_connection()
    try:
        copy = sqlite3.connect(partial)
        try:
            # pages=-1 (the default): the whole database in one step, under one read transaction.
            source.driver_connection.backup(copy)
            # The copy stands alone: no -wal file beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
            problem = _integrity_problem(copy)
            if problem:
                raise BackupError(f"The copy failed its integrity check ({problem}); nothing was written.")
            counts = table_counts(copy)
        finally:
            copy.close()
    finally:
        source.close()
    os.replace(partial, target)
    return counts


def restore_sqlite(backup: Path, *, force: bool) -> dict[str, int]:
    """Replace the app's SQLite database with `backup`, after checking both. Returns the new row counts."""
    try:
        source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise BackupError(f"{backup} cannot be opened: {error}") from error
    try:
        problem = _integrity_problem(source)
        if problem:
            raise BackupError(f"{backup} is not a sound SQLite database ({problem}). Nothing was changed.")
        version, head = migration_of(source), code_head()
        if version is None:
            raise BackupError(f"{backup} is not a Health Passport backup (it has no migration version).")
        if version != head:
            raise BackupError(
                f"{backup} was made at migration {version}, and this code is at {head}. Restore it with the "
                f"code of that release (then run flask db upgrade), or take a backup made by this release. "
                "Nothing was changed."
            )
        target = db.engine.raw_connection()
        try:
            existing = {
                name: count
                for name, count in table_counts(target.driver_connection).items()
                if count and name != "alembic_version"
            }
            if existing and not force:
                raise BackupError(
                    "This database already holds data:\n"
                    + _report(existing)
                    + "\nRestoring would replace all of it. Stop the app servers, back it up first "
                    "(flask --app wsgi backup PATH), then run restore again with --force."
                )
            source.backup(target.driver_connection)
            target.driver_connection.execute("PRAGMA journal_mode=WAL")
            counts = table_counts(target.driver_connection)
        finally:
            target.close()
    finally:
        source.close()
    # Connections opened before the restore may hold pages of the old database.
    db.engine.dispose()
    return counts


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it already exists.")
def backup_command(path: Path, force: bool) -> None:
    """Copy the whole database to PATH: one consistent snapshot, safe while the app runs (SQLite).

    On PostgreSQL use pg_dump and pg_restore instead: this command prints how, and stops.
    """
    _refuse_on_postgres()
    if path.exists() and not force:
        raise BackupError(f"{path} already exists. Choose another name, or add --force to replace it.")
    counts = backup_sqlite(path)
    click.echo(f"Backed up to {path} (migration {code_head()}):\n{_report(counts)}")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_command(path: Path, force: bool) -> None:
    """Replace the database with a backup made by `flask backup` (SQLite). Stop the app servers first.

    The backup must be at this code's migration. A database that already holds data is replaced only with
    --force. On PostgreSQL use pg_restore instead: this command prints how, and stops.
    """
    _refuse_on_postgres()
    counts = restore_sqlite(path, force=force)
    click.echo(f"Restored {path} (migration {code_head()}):\n{_report(counts)}")
