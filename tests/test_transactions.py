"""A crash mid-save leaves no half-written passport: each use case is one transaction (services.transaction).

Each test breaks a use case after its first write has reached the database (the audit event after the item,
or the database itself failing on the second table), then reads every row of every table on a fresh
connection: all exactly as before.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from passport import clock
from passport.extensions import db
from passport.services import audit, items, passports, sharing
from tests.conftest import csrf_token


class InjectedFailure(RuntimeError):
    pass


def every_row() -> dict[str, list[str]]:
    """Every row of every table, read on a connection of its own (not the test's session)."""
    with db.engine.connect() as connection:
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(sa.select(table)))
            for table in db.metadata.sorted_tables
        }


def break_audit(monkeypatch) -> list[str]:
    """From now on, the audit event (written after the change itself) fails. Returns the events tried."""
    calls = []

    def failing_record(event_type, **kwargs):
        calls.append(event_type)
        db.session.flush()  # the change before it has reached the database by now
        raise InjectedFailure(f"injected failure while auditing {event_type}")

    monkeypatch.setattr(audit, "record", failing_record)
    return calls


@pytest.fixture
def audit_fails(monkeypatch):
    return break_audit(monkeypatch)


def _add_allergy(world):
    items.add_item(world.nurse, world.passport, "allergy", {"substance": "Latex", "severity": "mild"})


def _change_allergy(world):
    items.update_item(
        world.nurse,
        world.passport,
        "allergy",
        world.allergy,
        {"substance": "Amoxicillin", "reaction": "Hives", "severity": "severe"},
        expected_version=world.allergy.version,
    )


def _start_passport(world):
    passports.create_passport(
        world.nurse,
        legal_name="Half Written",
        preferred_name=None,
        date_of_birth=date(2009, 5, 1),
        nhs_number="9434765919",
        team=world.team,
    )


def _share(world):
    sharing.create(
        world.young_person,
        world.passport,
        label="New GP",
        sections=["about_me", "health_summary"],
        labels=[],
        include_birth_history=False,
        expires_on=clock.today() + timedelta(days=7),
        passcode="a passcode",
    )


@pytest.mark.parametrize(
    "use_case",
    [_add_allergy, _change_allergy, _start_passport, _share],
    ids=["add an item", "change an item", "start a passport", "make a share link"],
)
def test_a_failure_after_the_first_write_leaves_every_table_as_it_was(world, audit_fails, use_case):
    before = every_row()
    with pytest.raises(InjectedFailure):
        use_case(world)
    assert audit_fails, "the failure was not reached: the test proves nothing"
    assert every_row() == before


def test_the_database_failing_on_the_second_table_leaves_no_passport(world):
    """Starting a passport writes the passport, its NHS number, its nurse and the audit event. The database
    fails on the INSERT of the nurse's assignment, after others have gone through: they are undone too."""
    statements = []

    def fail_on_assignment(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split("(")[0].strip())
        if statement.startswith("INSERT INTO assignment"):
            raise InjectedFailure("injected: the disk is full")

    before = every_row()
    sa.event.listen(db.engine, "before_cursor_execute", fail_on_assignment)
    try:
        with pytest.raises(InjectedFailure):
            _start_passport(world)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", fail_on_assignment)
    inserts = [s for s in statements if s.startswith("INSERT")]
    assert inserts[0] == "INSERT INTO passport" and inserts[-1] == "INSERT INTO assignment"
    assert len(inserts) >= 3
    assert every_row() == before


def test_a_failure_in_a_web_request_saves_nothing(client, world, monkeypatch):
    """Through the form, as the young person uses it: the request fails and nothing is half-saved."""
    client.sign_in_as(world.young_person)
    token = csrf_token(client)
    before = every_row()
    audit_fails = break_audit(monkeypatch)
    with pytest.raises(InjectedFailure):
        client.post(
            "/my-passport/add/allergy",
            data={
                "csrf_token": token,
                "version": "0",
                "substance": "Kiwi",
                "reaction": "Itchy mouth",
                "severity": "mild",
                "sensitivity": "",
            },
        )
    assert audit_fails == ["item_added"]
    assert every_row() == before


def test_a_use_case_inside_another_joins_its_transaction(world, monkeypatch):
    """Nested use cases commit once, at the end of the outer one: a failure after the inner one has
    returned still undoes it."""
    from passport.services import transaction

    @transaction
    def add_two_then_fail():
        items.add_item(world.nurse, world.passport, "allergy", {"substance": "Egg", "severity": "mild"})
        items.add_item(world.nurse, world.passport, "allergy", {"substance": "Milk", "severity": "mild"})
        raise InjectedFailure("after two inner use cases")

    before = every_row()
    with pytest.raises(InjectedFailure):
        add_two_then_fail()
    assert every_row() == before
