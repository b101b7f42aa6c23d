"""Health Passport: the app factory."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from passport.config import PROJECT_ROOT, check_production_settings, config_for, engine_options


def create_app(env_name: str | None = None, **overrides) -> Flask:
    """Build the app. `env_name` (or PASSPORT_ENV) picks the config class; overrides win over both."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.from_object(config_for(env_name))
    app.config.update(overrides)
    if "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    # The default SQLite database lives in instance/, which a fresh clone does not have yet.
    Path(app.instance_path).mkdir(exist_ok=True)
    if app.config["ENV_NAME"] == "production":
        check_production_settings(app.config)
    _configure_logging(app)

    from passport import backup, extensions, health, i18n, web
    from passport.cli import register_commands

    for extension in (extensions.db, extensions.csrf, extensions.login_manager):
        extension.init_app(app)
    if not os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/"):
        # `flask db …` and the tests need Flask-Migrate, which brings Alembic, Mako and Pygments: about 10 MB
        # a process. A gunicorn worker (gunicorn sets SERVER_SOFTWARE) never migrates: migrations run once,
        # before the servers start (docs/deploy.md).
        from flask_migrate import Migrate

        Migrate(app, extensions.db, directory=str(PROJECT_ROOT / "migrations"))
    extensions.limiter.init_app(app)
    health.init_app(app)  # the limiter's Redis: one warning per outage
    backup.init_app(app)  # a server holds its SQLite database: restore refuses meanwhile
    i18n.init_app(app)
    web.init_app(app)
    register_commands(app)
    return app


def _configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # Alembic announces every plugin it loads at INFO; that is noise in `make run`.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # No query strings (invite codes) or share-link tokens in request lines: passport/logs.py.
    from passport import logs

    logs.install(app)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite settings for many readers and writers: WAL, wait rather than fail on a lock, real FKs.

    The busy timeout only helps a connection that asks for the write lock before it has read anything in
    its transaction (SQLite will not wait to upgrade a read transaction to a write: that fails at once with
    "database is locked"). sqlite3's default transaction handling gives us exactly that, since it opens a
    transaction only at the first INSERT, UPDATE or DELETE: keep it (no `isolation_level = None` with a
    "BEGIN" on SQLAlchemy's begin event; if that is ever needed, make it "BEGIN IMMEDIATE").
    tests/test_concurrency.py has six processes writing at once and fails on a single lock error.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
