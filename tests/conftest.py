"""Shared fixtures: one app on the migrated schema, a clean database for every test, a client that checks
every HTML page it fetches, and the people of a small invented organisation.

The database is SQLite in a temporary file, or PostgreSQL when TEST_DATABASE_URL is set (.ci/run does both).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import re
import warnings
from dataclasses import dataclass

import pytest
from flask import before_render_template, has_app_context
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, make_url, text

from passport import clock, create_app
from passport.cli import DEMO_PASSWORD
from passport.extensions import db, limiter
from passport.models import LoginSession, Role, User
from passport.services import accounts
from tests import factories
from tests.html_checks import page_problems


def _this_workers_database(url: str | None) -> str | None:
    """Under pytest-xdist each worker process gets a PostgreSQL database of its own on the same server
    (`<name>_gw0`, `<name>_gw1`…, made if missing), so the suite runs in parallel there as on SQLite."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker or not url.startswith("postgresql"):
        return url
    server = make_url(url)
    name = f"{server.database}_{worker}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    own = server.set(database=name).render_as_string(hide_password=False)
    os.environ["TEST_DATABASE_URL"] = own  # for the tests that make scratch schemas from it
    return own


TEST_DATABASE_URL = _this_workers_database(os.environ.get("TEST_DATABASE_URL"))


class CheckingClient(FlaskClient):
    """A test client that runs each request in its own app context (as a real server does) and checks
    that every HTML page has one <h1>, a <title> that starts with it, and no duplicate ids."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # The test's own session may now hold stale rows; reload them on next access. (A client used from
        # another thread has no test app context, and no test session to refresh.)
        if has_app_context():
            db.session.expire_all()
        if response.mimetype == "text/html" and response.status_code < 300:
            problems = page_problems(response.get_data(as_text=True))
            assert not problems, f"{response.request.path}: {problems}"
        return response

    def sign_in_as(self, user: User, *, second_factor: bool = True) -> None:
        """Sign in without the form (the form itself is tested in test_auth). Staff are marked as past the
        second step too, unless `second_factor=False`."""
        with self.application.app_context():
            signed_in = db.session.get(User, user.id)
            token = accounts.start_session(signed_in)
            if second_factor and signed_in.is_staff:
                signed_in.login_session.second_factor_at = clock.now()
                db.session.commit()
        with self.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True
        db.session.expire_all()


def reset_schema() -> None:
    """Start from an empty database, then apply every migration."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    app.test_client_class = CheckingClient
    with app.app_context():
        reset_schema()
    return app


def empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            # A thread a test started and left holding a transaction (this process's database is its own)
            # would make TRUNCATE wait, and every later test fail: end it, and say which test left it.
            ended = connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    " AND state LIKE 'idle in transaction%'"
                )
            ).all()
            if ended:
                warnings.warn(
                    f"{os.environ.get('PYTEST_CURRENT_TEST', 'a test')} left {len(ended)} transaction(s)"
                    " open",
                    stacklevel=1,
                )
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture(autouse=True)
def app_context(app):
    """Every test runs in an app context over an empty database, with the real clock."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        empty_all_tables()
    app.config["FROZEN_NOW"] = None
    limiter.reset()


# Secrets and health data of the invented world that no log line may hold, whatever a test does: passwords,
# the test authenticator key, the share token and the NHS numbers. tests/test_logs.py checks a whole
# journey at DEBUG with sentinels of its own; this checks every test of the suite at INFO, the level
# production logs at (SECURITY.md 16).
LOG_SENTINELS = (
    factories.PASSWORD,
    factories.TOTP_SECRET,
    factories.WORLD_SHARE_TOKEN,
    DEMO_PASSWORD,
    "9990000018",
    "9990000026",
    "9990000034",
)


class _KeepRecords(logging.Handler):
    def __init__(self):
        super().__init__(logging.NOTSET)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_secrets_in_logs():
    """Fails the test (at teardown) if any log record it caused, traceback included, holds a sentinel."""
    handler, root = _KeepRecords(), logging.getLogger()
    level = root.level
    if level > logging.INFO:
        root.setLevel(logging.INFO)
    root.addHandler(handler)
    yield
    root.removeHandler(handler)  # (a migration's logging set-up may have removed it already)
    root.setLevel(level)
    leaks = [
        f"{sentinel!r} in {line[:300]!r}"
        for line in map(handler.format, handler.records)
        for sentinel in LOG_SENTINELS
        if sentinel in line
    ]
    if leaks:
        pytest.fail("a log record holds a secret or health data:\n" + "\n".join(leaks), pytrace=False)


# The signed-in account itself (Flask-Login's `current_user`, for the header's name and menu) is the one model
# a template may hold; everything about a young person reaches it through the projection (projection.py).
TEMPLATE_MAY_HOLD_MODELS = frozenset({"current_user"})


def models_in(value, path: str, depth: int = 0) -> list[str]:
    """Where in a template's context a database model sits: directly, in a list or dict, or inside a view
    object (dataclass) the projection made."""
    if isinstance(value, db.Model):
        return [f"{path}: {type(value).__name__}"]
    if depth >= 4 or isinstance(value, str | bytes | int | float | bool) or value is None:
        return []
    if isinstance(value, dict):
        return [m for key, item in value.items() for m in models_in(item, f"{path}[{key!r}]", depth + 1)]
    if isinstance(value, list | tuple | set | frozenset):
        return [m for n, item in enumerate(value) for m in models_in(item, f"{path}[{n}]", depth + 1)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            m
            for f in dataclasses.fields(value)
            for m in models_in(getattr(value, f.name), f"{path}.{f.name}", depth + 1)
        ]
    return []


@pytest.fixture(autouse=True)
def templates_receive_views_not_models(app):
    """Every template rendered during any test is handed views, never a Passport or other model (the
    projection is the one way data reaches a page): fails the test that rendered it otherwise."""
    found: list[str] = []

    def check(sender, template, context, **extra):
        for key, value in context.items():
            if key not in TEMPLATE_MAY_HOLD_MODELS:
                found.extend(f"{template.name}: {m}" for m in models_in(value, key))

    before_render_template.connect(check, app)
    yield
    before_render_template.disconnect(check, app)
    if found:
        pytest.fail("a template was given a model:\n" + "\n".join(sorted(set(found))), pytrace=False)


@pytest.fixture
def client(app) -> CheckingClient:
    return app.test_client()


@dataclass
class World:
    """A small invented organisation: two teams, their staff, and young people of several ages."""

    organisation: object
    team: object
    other_team: object
    nurse: User
    other_team_nurse: User
    adviser: User
    admin: User
    young_person: User
    other_young_person: User
    passport: object  # 17, claimed by young_person, assigned to nurse and adviser
    other_passport: object  # 17, claimed by other_young_person, in the other team
    unclaimed_passport: object  # 16, no account yet
    other_organisation: object
    other_admin: User
    other_nurse: User
    allergy: object  # on `passport`, checked by `nurse`
    own_condition: object  # on `passport`, added by `young_person` (self-reported)
    correction: object  # open, from `young_person`, about `allergy`
    consent: object  # a birth-parent consent on `passport` that does not let the young person see anything
    share_link: object  # a live share link to `passport`'s About me, token factories.WORLD_SHARE_TOKEN
    grant: object  # lets `other_nurse` (another organisation) see `passport` until 30 days from now
    health_action: object  # on `passport`: the young person's to do, due in 14 days
    attachment: object  # a photo in `passport`'s papers, added by `young_person`, no label
    appointment: object  # `young_person`'s own, in 5 days
    note: object  # `young_person`'s private note, shared with nobody
    local_service: object  # in `organisation`'s local help list


@contextlib.contextmanager
def one_commit():
    """The factories commit each thing they make; inside this they only flush it, and everything is committed
    once at the end. A commit also forgets every loaded row, so the world's 27 commits made about 500
    reloads: half of each test's set-up time."""
    session = db.session()
    commit = session.commit
    session.commit = session.flush
    try:
        yield
    finally:
        session.commit = commit
    session.commit()


@pytest.fixture
def world() -> World:
    with one_commit():
        return _make_world()


def _make_world() -> World:
    f = factories
    organisation = f.create_organisation(name="Northbridge Test Health")
    team = f.create_team(organisation=organisation, name="North")
    other_team = f.create_team(organisation=organisation, name="South")
    nurse = f.create_user(role=Role.NURSE, organisation=organisation, team=team)
    other_team_nurse = f.create_user(role=Role.NURSE, organisation=organisation, team=other_team)
    adviser = f.create_user(role=Role.ADVISER, organisation=organisation, team=team)
    admin = f.create_user(role=Role.ADMIN, organisation=organisation)
    young_person = f.create_user(role=Role.YOUNG_PERSON, organisation=organisation)
    other_young_person = f.create_user(role=Role.YOUNG_PERSON, organisation=organisation)
    passport = f.create_passport(
        organisation=organisation,
        team=team,
        legal_name="Robin Fairweather",
        age=17,
        young_person=young_person,
        nurse=nurse,
        adviser=adviser,
    )
    other_passport = f.create_passport(
        organisation=organisation,
        team=other_team,
        legal_name="Jesse Underwood",
        age=17,
        nhs_number="9990000026",
        young_person=other_young_person,
        nurse=other_team_nurse,
    )
    unclaimed = f.create_passport(
        organisation=organisation,
        team=team,
        legal_name="Morgan Ashdown",
        age=16,
        nhs_number="9990000034",
        nurse=nurse,
    )
    other_organisation = f.create_organisation(name="Southvale Test Health")
    other_org_team = f.create_team(organisation=other_organisation, name="Central")
    other_admin = f.create_user(role=Role.ADMIN, organisation=other_organisation)
    other_nurse = f.create_user(role=Role.NURSE, organisation=other_organisation, team=other_org_team)
    allergy = f.create_item(
        "allergy", passport=passport, by=nurse, substance="Penicillin", reaction="Rash", severity="moderate"
    )
    own_condition = f.create_item("condition", passport=passport, by=young_person, name="Hay fever")
    correction = f.create_correction(passport=passport, item=allergy, by=young_person)
    consent = f.create_consent(passport=passport, by=nurse, young_person_may_see=False)
    share_link = f.create_share_link(passport=passport, by=young_person)
    grant = f.create_grant(passport=passport, grantee=other_nurse, by=admin)
    health_action = f.create_health_action(passport=passport, by=nurse)
    attachment = f.create_attachment(passport=passport, by=young_person)
    appointment = f.create_appointment(passport=passport)
    note = f.create_note(passport=passport)
    local_service = f.create_local_service(organisation=organisation)
    return World(
        organisation=organisation,
        team=team,
        other_team=other_team,
        nurse=nurse,
        other_team_nurse=other_team_nurse,
        adviser=adviser,
        admin=admin,
        young_person=young_person,
        other_young_person=other_young_person,
        passport=passport,
        other_passport=other_passport,
        unclaimed_passport=unclaimed,
        other_organisation=other_organisation,
        other_admin=other_admin,
        other_nurse=other_nurse,
        allergy=allergy,
        own_condition=own_condition,
        correction=correction,
        consent=consent,
        share_link=share_link,
        grant=grant,
        health_action=health_action,
        attachment=attachment,
        appointment=appointment,
        note=note,
        local_service=local_service,
    )


def csrf_token(client) -> str:
    """A CSRF token for this client's session, read from a page as a browser would (the language page's
    form carries one, and any visitor can open it)."""
    page = client.get("/language").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
_VERSION = re.compile(r'name="(?:[\w]+-)?version"[^>]*value="(\d*)"')


def seen_version(client, page: str, action: str | None = None) -> str:
    """The version of the row a form on `page` carries (passport/services/versions.py), read from the page
    as a browser would send it: the form that posts to `action` (by default, to the page itself)."""
    html = client.get(page).get_data(as_text=True)
    for attributes, body in _FORM.findall(html):
        posts_to = re.search(r'action="([^"]*)"', attributes)
        if (posts_to.group(1).split("?")[0] if posts_to else page) == (action or page):
            found = _VERSION.search(body)
            if found:
                return found.group(1)
    raise AssertionError(f"no form on {page} posting to {action or page} carries a version")


def live_sessions(user: User) -> int:
    return db.session.query(LoginSession).filter_by(user_id=user.id, revoked_at=None).count()


__all__ = ["World", "csrf_token", "downgrade", "live_sessions", "reset_schema", "seen_version"]
