"""`flask backup PATH` and `flask restore PATH`: the whole database as one encrypted file, and back.

SQLite (a single-server pilot, or a laptop): `backup` copies the database with SQLite's online backup API
in one step, into memory, so the copy is one consistent moment even while the app is writing (WAL lets the
writers carry on meanwhile); checks the copy's integrity; encrypts it with BACKUP_KEY; and writes it,
readable by its owner only (0600), in place only when it is whole. Nothing unencrypted touches the disk.
`restore` decrypts and checks the file is a sound backup made at this code's migration (alembic head),
refuses while an app server (or the PDF worker) is using the database, refuses to overwrite a database that
already holds data unless told to (--force), copies it in, and reports what it restored.

Encryption: AES-256-GCM from `cryptography` (already a dependency, pinned; OpenSSL underneath), in 1 MiB
chunks under a key derived for each file (HKDF-SHA256 of BACKUP_KEY with a random salt in the header). Each
chunk's nonce is its number and a last-chunk flag, so a changed, reordered, missing or cut-off chunk fails to
decrypt (the "STREAM" construction), and a file streams through without a second copy in memory. Fernet,
the simpler recipe, base64-encodes the whole file (a third bigger) and needs it all in memory twice.

Servers in use: every app server, and the `render-leaving-packs` worker, holds a shared lock on
`<database>.in-use` for as long as it runs (`hold_database`); `restore` takes it exclusively or refuses, and
holds it while it works, so a server starting meanwhile answers the 503 page until the restore is done.

PostgreSQL: pg_dump and pg_restore are the tools (a consistent snapshot while the app runs, and the usual
continuous archiving around them: docs/deploy.md). Both commands say so and stop, rather than half-doing
their job.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import io
import os
import secrets
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

import click
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, abort, current_app
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


# ---- Encryption -------------------------------------------------------------------------------------------

MAGIC = b"HPBACKUP"  # and a format number
FORMAT = b"\x01"
SALT_BYTES = 16
CHUNK = 1024 * 1024
TAG_BYTES = 16
NEW_KEY_ADVICE = (
    "Set BACKUP_KEY to a key of its own, kept in your secrets manager, not beside the backups. "
    "Make one with:\n"
    '  python3 -c "import base64, secrets; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())"'
)


def backup_key() -> bytes:
    """The 32-byte key from BACKUP_KEY (base64), or a clear refusal."""
    text = current_app.config.get("BACKUP_KEY") or ""
    try:
        key = base64.urlsafe_b64decode(text.encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise BackupError(
            "Backups are encrypted, and BACKUP_KEY is not set to a 32-byte key.\n" + NEW_KEY_ADVICE
        )
    return key


def _file_key(key: bytes, salt: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"health-passport backup 1")
    return AESGCM(derived.derive(key))


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def encrypt_to(plain: bytes, out, key: bytes) -> None:
    """Write `plain`, encrypted, to the binary file `out`."""
    salt = secrets.token_bytes(SALT_BYTES)
    header = MAGIC + FORMAT + salt
    cipher = _file_key(key, salt)
    out.write(header)
    view = memoryview(plain)
    starts = range(0, max(len(view), 1), CHUNK)
    for counter, start in enumerate(starts):
        last = counter == len(starts) - 1
        sealed = cipher.encrypt(_nonce(counter, last), bytes(view[start : start + CHUNK]), header)
        out.write(len(sealed).to_bytes(4, "big") + sealed)


def decrypt_from(source, key: bytes, name: str) -> bytes:
    """The plain bytes of an encrypted backup read from the binary file `source`."""
    header = source.read(len(MAGIC) + 1 + SALT_BYTES)
    if not header.startswith(MAGIC + FORMAT) or len(header) != len(MAGIC) + 1 + SALT_BYTES:
        raise BackupError(f"{name} is not a Health Passport backup (or not one this release can read).")
    cipher = _file_key(key, header[len(MAGIC) + 1 :])
    plain, counter, ended = io.BytesIO(), 0, False
    while True:
        size = source.read(4)
        if not size:
            break
        sealed = source.read(int.from_bytes(size, "big"))
        if ended or len(size) != 4 or len(sealed) > CHUNK + TAG_BYTES:
            raise BackupError(f"{name} has been changed or damaged: it cannot be restored.")
        for last in (False, True):
            try:
                plain.write(cipher.decrypt(_nonce(counter, last), sealed, header))
                ended = last
                break
            except InvalidTag:
                continue
        else:
            raise BackupError(
                f"{name} cannot be decrypted with this BACKUP_KEY, or it has been changed. "
                "Nothing was changed."
            )
        counter += 1
    if not ended:
        raise BackupError(f"{name} is cut short: it cannot be restored. Nothing was changed.")
    return plain.getvalue()


def read_backup(path: Path, key: bytes) -> bytes:
    with path.open("rb") as source:
        return decrypt_from(source, key, str(path))


def write_backup(path: Path, plain: bytes, key: bytes) -> None:
    """Encrypt `plain` into `path`, created 0600 (whatever the umask) and moved in place only when whole."""
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            descriptor = -1
            encrypt_to(plain, out, key)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        if descriptor != -1:
            os.close(descriptor)
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)


# ---- Servers using the database ---------------------------------------------------------------------------

_held: dict[str, int] = {}
_holding = threading.Lock()


def in_use_marker(app: Flask) -> Path | None:
    """`<database file>.in-use` for a SQLite file, else None (PostgreSQL is restored with pg_restore)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).with_name(Path(url.database).name + ".in-use")


def hold_database(app: Flask) -> bool:
    """Say this process is using the database (a shared lock on its marker, for the life of the process).
    False while a restore holds it."""
    marker = in_use_marker(app)
    if marker is None or str(marker) in _held:
        return True
    with _holding:
        if str(marker) in _held:
            return True
        descriptor = os.open(marker, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        _held[str(marker)] = descriptor  # kept open: the lock lasts as long as the process
        return True


def init_app(app: Flask) -> None:
    """Every app server holds the database from its first request; during a restore, it answers 503."""

    @app.before_request
    def using_the_database():
        if not hold_database(app):
            abort(503)


@contextmanager
def nobody_else_using(app: Flask):
    """Hold the database alone for a restore, or refuse if an app server or the worker is using it."""
    marker = in_use_marker(app)
    if marker is None:
        yield
        return
    descriptor = os.open(marker, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(
                "An app server (or the render-leaving-packs worker) is using this database. Stop them, "
                "then run restore again: saves made while a restore runs would be lost. Nothing was changed."
            ) from None
        yield
    finally:
        os.close(descriptor)  # and the lock with it


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


def _standalone(image: bytes) -> bytes:
    """A database image that needs no -wal file beside it: the header's write and read format versions
    (bytes 18 and 19: 1 for a rollback journal, 2 for WAL) set to 1, as `PRAGMA journal_mode=DELETE` would."""
    if image[:16] == b"SQLite format 3\x00" and len(image) >= 100 and image[18:20] == b"\x02\x02":
        return image[:18] + b"\x01\x01" + image[20:]
    return image


def _report(counts: dict[str, int]) -> str:
    rows = [f"  {name:<28} {count:>8}" for name, count in counts.items() if name != "alembic_version"]
    return "\n".join(rows)


def backup_sqlite(target: Path) -> dict[str, int]:
    """Copy the app's SQLite database, encrypted, to `target` in one consistent step. Returns the copy's row
    counts."""
    key = backup_key()
    source = db.engine.raw_connection()
    try:
        copy = sqlite3.connect(":memory:")
        try:
            # pages=-1 (the default): the whole database in one step, under one read transaction.
            source.driver_connection.backup(copy)
            problem = _integrity_problem(copy)
            if problem:
                raise BackupError(f"The copy failed its integrity check ({problem}); nothing was written.")
            counts = table_counts(copy)
            plain = _standalone(copy.serialize())
        finally:
            copy.close()
    finally:
        source.close()
    write_backup(target, plain, key)
    return counts


def restore_sqlite(backup: Path, *, force: bool) -> dict[str, int]:
    """Replace the app's SQLite database with `backup`, after checking both. Returns the new row counts."""
    plain = read_backup(backup, backup_key())
    source = sqlite3.connect(":memory:")
    try:
        try:
            if plain:  # (an empty file is an empty database)
                source.deserialize(_standalone(plain))
        except sqlite3.Error as error:
            raise BackupError(
                f"{backup} is not a sound SQLite database ({error}). Nothing was changed."
            ) from error
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
            with nobody_else_using(current_app):
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
    """Copy the whole database to PATH, encrypted with BACKUP_KEY, readable by its owner only: one
    consistent snapshot, safe while the app runs (SQLite).

    On PostgreSQL use pg_dump and pg_restore instead: this command prints how, and stops.
    """
    _refuse_on_postgres()
    if path.exists() and not force:
        raise BackupError(f"{path} already exists. Choose another name, or add --force to replace it.")
    counts = backup_sqlite(path)
    click.echo(
        f"Backed up to {path}, encrypted with BACKUP_KEY and readable by you only "
        f"(migration {code_head()}):\n{_report(counts)}"
    )


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_command(path: Path, force: bool) -> None:
    """Replace the database with a backup made by `flask backup` (SQLite), decrypted with BACKUP_KEY.

    Refused while an app server or the worker uses the database: stop them first. The backup must be at this
    code's migration. A database that already holds data is replaced only with --force. On PostgreSQL use
    pg_restore instead: this command prints how, and stops.
    """
    _refuse_on_postgres()
    counts = restore_sqlite(path, force=force)
    click.echo(f"Restored {path} (migration {code_head()}):\n{_report(counts)}")
