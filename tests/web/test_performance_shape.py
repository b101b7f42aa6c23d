"""The shape of the work a page does, which the benchmarks (bench/) depend on: queries that do not grow
with the number of people behind a passport's items, policy questions answered once per view, and a web
worker that does not load what only other processes need."""

from __future__ import annotations

import collections
import contextlib
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from passport import clock, plain_rows, policy, projection
from passport.extensions import db
from passport.models import LeavingPack, Role
from passport.projection import build_view
from passport.readiness import checklist
from tests import factories

Column = collections.namedtuple("Column", "name type_code")  # as a psycopg cursor describes a column


def queries_for(client, url: str) -> int:
    statements = []

    def count(*args, **kwargs):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_the_people_behind_items_are_loaded_in_one_query_however_many(client, world):
    client.sign_in_as(world.young_person)
    client.get("/my-passport/health")
    before = queries_for(client, "/my-passport/health")
    for n in range(8):  # eight different nurses each record an allergy
        nurse = factories.create_user(role=Role.NURSE, organisation=world.organisation, team=world.team)
        factories.create_item("allergy", passport=world.passport, by=nurse, substance=f"Thing {n}")
    assert queries_for(client, "/my-passport/health") == before
    page = client.get("/my-passport/health").get_data(as_text=True)
    assert page.count("Checked by") >= 8


def _young_people(world, n: int, start: int) -> None:
    """n more young people on the nurse's and adviser's caseload, each with a GP, a contact, a vaccine and
    a health assessment with a next date the nurse set; every other one with a birth parent's consent and a
    leaving pack the nurse handed over (a row shows who did: no query per row for it)."""
    for i in range(start, start + n):
        passport = factories.create_passport(
            organisation=world.organisation,
            team=world.team,
            legal_name=f"Caseload Person {i:02d}",
            age=17,
            nhs_number=None,
            nurse=world.nurse,
            adviser=world.adviser,
        )
        factories.create_item("registration", passport=passport, by=world.nurse, service="gp", name="GP")
        factories.create_item("contact", passport=passport, by=world.nurse, role="helpline", name="Line")
        factories.create_item(
            "assessment",
            passport=passport,
            by=world.nurse,
            kind="review",
            assessed_on=clock.today() - timedelta(days=100),
            next_due_on=clock.today() + timedelta(days=100),
        )
        factories.create_item(
            "immunisation",
            passport=passport,
            by=world.nurse,
            vaccine_id="mmr",
            given_on=passport.date_of_birth + timedelta(days=400),
            where_given="uk_gp",
        )
        if i % 2:
            factories.create_consent(passport=passport, by=world.nurse)
            db.session.add(
                LeavingPack(
                    passport_id=passport.id,
                    checklist_version=checklist().version,
                    ticked={},
                    handed_over_on=clock.today() - timedelta(days=2),
                    handed_over_how="in_person",
                    # by a nurse of its own: not one the request has already loaded
                    handed_over_by_id=factories.create_user(
                        role=Role.NURSE, organisation=world.organisation, team=world.team
                    ).id,
                )
            )
            db.session.commit()


@pytest.mark.parametrize(
    ("persona", "url", "marker"),
    [
        ("nurse", "/staff/caseload", "Caseload Person 19"),
        ("nurse", "/staff/overdue-actions", None),
        ("adviser", "/adviser/", "Caseload Person 19"),
    ],
)
def test_a_caseload_page_makes_the_same_number_of_queries_for_3_and_20_young_people(
    client, world, persona, url, marker
):
    _young_people(world, 3, 0)
    client.sign_in_as(getattr(world, persona))
    client.get(url)  # warm up
    few = queries_for(client, url)
    _young_people(world, 17, 3)
    assert queries_for(client, url) == few
    if marker:  # they really are on the page (the first page holds 25)
        assert marker in client.get(url).get_data(as_text=True)


def test_a_view_asks_the_policy_each_question_once(world, monkeypatch):
    for n in range(30):
        factories.create_item(
            "contact", passport=world.passport, by=world.nurse, role="helpline", name=f"L{n}"
        )
    asked = []
    real = policy._decide

    def counting(*args):
        asked.append(args[1])
        return real(*args)

    monkeypatch.setattr(policy, "_decide", counting)
    build_view(world.young_person, world.passport)
    assert len(asked) < 10  # not three per item
    asked.clear()
    policy.decide(world.young_person, policy.Action.VIEW_PASSPORT, world.passport, clock.today())
    policy.decide(world.young_person, policy.Action.VIEW_PASSPORT, world.passport, clock.today())
    assert len(asked) == 2  # outside a view nothing is remembered


def test_a_gunicorn_worker_loads_neither_weasyprint_nor_alembic():
    code = (
        "import sys; from passport import create_app; "
        "create_app('test', SQLALCHEMY_DATABASE_URI='sqlite://'); "
        "print(sorted(m for m in ('weasyprint', 'alembic', 'flask_migrate') if m in sys.modules))"
    )
    env = {"SERVER_SOFTWARE": "gunicorn/23.0.0", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"


def test_every_statement_of_a_list_can_be_sent_together_on_postgresql():
    """The pipeline form of each plain-row statement (plain_rows._Compiled): the ids as one array, nothing
    left expanding, and SQLAlchemy's handling of our own column types still applied to what comes back."""
    from sqlalchemy.dialects.postgresql import psycopg

    dialect = psycopg.dialect()
    for statement in projection._list_statements():
        compiled = plain_rows._Compiled.of(statement, dialect)
        assert "= ANY (%(passport_ids)s::UUID[])" in compiled.sql and "POSTCOMPILE" not in compiled.sql
        assert len(compiled.column_types) == len(statement.selected_columns)
    timestamptz = 1184  # PostgreSQL's type code, as the cursor describes the column
    described = [Column("passport_id", 2950), Column("staff_id", 2950), Column("ended_at", timestamptz)]
    (row,) = plain_rows._Compiled.of(projection._assignments_statement(), dialect).rows(
        [("id", "staff", datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=1))))], described, dialect
    )
    assert row[2] == datetime(2026, 1, 1, 11, tzinfo=UTC)  # UTCDateTime, as the ORM would give it


def test_on_postgresql_an_error_in_statements_sent_together_is_sqlalchemys(world):
    """As from any other query: the app's error pages and the pool's handling of a lost connection depend
    on it. The session rolls back and works again."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (the pipeline); .ci/run runs the suite on PostgreSQL too")
    from sqlalchemy import Integer, cast, literal, select
    from sqlalchemy.exc import DBAPIError

    from passport.models import Passport

    failing = select(Passport.id, cast(literal("not a number"), Integer)).where(
        Passport.id.in_(plain_rows.PASSPORT_IDS)
    )
    with pytest.raises(DBAPIError):
        plain_rows.fetch_together(db.session.connection(), [failing], [world.passport.id])
    db.session.rollback()
    assert db.session.get(Passport, world.passport.id).legal_name == world.passport.legal_name


@pytest.mark.parametrize(("persona", "url"), [("nurse", "/staff/caseload"), ("adviser", "/adviser/")])
def test_on_postgresql_a_list_sends_its_statements_together_and_shows_the_same(
    client, world, monkeypatch, persona, url
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (the pipeline); .ci/run runs the suite on PostgreSQL too")
    _young_people(world, 6, 0)
    client.sign_in_as(getattr(world, persona))
    sent = []
    real = plain_rows.fetch_together

    def counting(connection, statements, ids):
        sent.append(len(statements))
        return real(connection, statements, ids)

    monkeypatch.setattr(plain_rows, "fetch_together", counting)
    together = client.get(url).get_data(as_text=True)
    assert sent == [len(projection._list_statements())]  # one round trip for all of them
    monkeypatch.setattr(plain_rows, "sent_together", lambda statements, ids: contextlib.nullcontext())
    one_by_one = client.get(url).get_data(as_text=True)
    assert _without_tokens(together) == _without_tokens(one_by_one)
    assert "Caseload Person 05" in together


def _without_tokens(page: str) -> str:
    return re.sub(r'(nonce|value|content)="[^"]*"', "", page)
