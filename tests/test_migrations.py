"""Migrations: an empty database upgrades to head and back down, and the models match the migrated schema."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from passport import create_app
from passport.config import PROJECT_ROOT
from passport.extensions import db

PROJECT_VERSIONS = PROJECT_ROOT / "migrations" / "versions"


@pytest.fixture
def scratch_app(tmp_path):
    """An app on its own empty database, so this test never touches the suite's schema."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
            connection.execute(text("CREATE SCHEMA migration_check"))
        app = create_app(
            "test",
            SQLALCHEMY_DATABASE_URI=url,
            SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": "-csearch_path=migration_check"}},
        )
        yield app
        with admin.connect() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        admin.dispose()
    else:
        yield create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'scratch.sqlite3'}")


def _tables() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def test_upgrade_from_empty_to_head_and_back_down(scratch_app):
    with scratch_app.app_context():
        assert _tables() == set()
        upgrade()
        assert {"passport", "user_account", "audit_event", "invite", "nhs_number_record"} <= _tables()
        downgrade(revision="base")
        assert _tables() <= {"alembic_version"}
        upgrade()  # and up again: the downgrade left nothing behind that blocks it
        assert "passport" in _tables()
        db.engine.dispose()


def test_the_models_match_the_migrated_schema(app):
    """A model change without a migration fails here, not in production."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_a_migration_that_fails_half_way_changes_nothing(tmp_path):
    """Each migration is one transaction, SQLite included: a failure leaves no half-made schema."""
    import shutil

    migrations = tmp_path / "migrations"
    shutil.copytree(PROJECT_ROOT / "migrations", migrations, ignore=shutil.ignore_patterns("__pycache__"))
    heads = sorted(p.name.split("_")[0] for p in (migrations / "versions").glob("[0-9]*.py"))
    (migrations / "versions" / "9999_fails_half_way.py").write_text(
        f'revision = "9999"\ndown_revision = "{heads[-1]}"\nbranch_labels = None\ndepends_on = None\n'
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        "def upgrade():\n"
        '    op.create_table("half_made", sa.Column("id", sa.Integer, primary_key=True))\n'
        '    raise RuntimeError("fails half way")\n\n'
        "def downgrade():\n    pass\n",
        encoding="utf-8",
    )
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        pytest.skip("PostgreSQL DDL is transactional by nature; this guards the SQLite path")
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'half.sqlite3'}")
    with app.app_context():
        upgrade(directory=str(migrations), revision=heads[-1])
        with pytest.raises(SystemExit):  # Flask-Migrate reports the RuntimeError and exits
            upgrade(directory=str(migrations))
        assert "half_made" not in _tables()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == heads[-1]
        db.engine.dispose()


def test_a_populated_database_steps_down_and_up_again_keeping_its_passports(scratch_app):
    """Every migration's downgrade and upgrade run over real rows, not just an empty schema."""
    from passport.cli import seed_demo

    with scratch_app.app_context():
        upgrade()
        result = scratch_app.test_cli_runner().invoke(seed_demo)
        assert result.exit_code == 0, result.output
        with db.engine.connect() as connection:
            before = connection.execute(text("SELECT id, legal_name FROM passport ORDER BY id")).all()
        versions = sorted(p.name.split("_")[0] for p in (PROJECT_VERSIONS).glob("[0-9]*.py"))
        # Down to the first migration that holds passports, then back up to head.
        downgrade(revision=versions[0])
        upgrade()
        with db.engine.connect() as connection:
            after = connection.execute(text("SELECT id, legal_name FROM passport ORDER BY id")).all()
        assert after == before
        db.engine.dispose()
