"""Alembic environment, run through Flask-Migrate (`flask --app wsgi db upgrade`)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine, event
from sqlalchemy.pool import NullPool

config = context.config
# Keep the app's loggers alive: tests capture log output to prove no health data is written to it.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url",
    target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)


def render_item(type_, obj, autogen_context):
    """Write the app's own column types as plain SQLAlchemy ones, so old migrations never import app code."""
    if type_ == "type" and obj.__class__.__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    # Batch mode lets later migrations alter columns on SQLite, which cannot ALTER most things in place.
    conf_args.setdefault("render_as_batch", True)
    conf_args.setdefault("compare_type", True)
    conf_args.setdefault("render_item", render_item)
    # One transaction per migration, on SQLite too (Python's sqlite3 runs DDL inside transactions), so a
    # migration that fails half way leaves the database as it was, not half changed.
    conf_args.setdefault("transaction_per_migration", True)
    conf_args.setdefault("transactional_ddl", True)

    with _migration_engine().connect() as connection:
        context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()
            if connection.dialect.name == "sqlite":
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"Migration left rows pointing at missing rows: {broken[:5]}")


def _migration_engine():
    """The app's engine, except on SQLite: there Python's driver would commit each CREATE/ALTER on its own,
    so a migration failing half way would leave half a schema. This engine issues a real BEGIN instead."""
    engine = target_db.engine
    if engine.dialect.name != "sqlite":
        return engine
    engine = create_engine(engine.url, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _driver_leaves_transactions_to_us(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        # Batch migrations rebuild tables (copy, drop, rename); with foreign keys enforced, dropping a table
        # others point at fails. They are checked again, all at once, before each migration commits.
        dbapi_connection.execute("PRAGMA foreign_keys=OFF")

    @event.listens_for(engine, "begin")
    def _begin_for_real(connection):
        connection.exec_driver_sql("BEGIN")

    return engine


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
