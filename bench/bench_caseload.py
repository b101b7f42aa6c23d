"""Server time of the staff lists at scale: the nurse's caseload (the first page, searches by name, date of
birth and NHS number, a filter that reads every record) and the adviser's dashboard; with the SQL each sends
and the database's plan for the searches.

    python bench/bench_caseload.py --database postgresql --size 100k

Measured in this process through Flask's test client against the real app with production settings: the
time from the request going in to the whole HTML page coming out (routing, sign-in check, queries,
readiness for each row, template). No network and no gunicorn: those are bench_http.py's. The garbage
collector is set as gunicorn.conf.py sets it in each worker.
"""

from __future__ import annotations

import argparse
import logging
import re
import time
import uuid
from datetime import date

from common import (
    QueryCounter,
    emit,
    load_manifest,
    production_app,
    signed_in_client,
    time_calls_with_cpu,
    tune_garbage_collector,
)

RUNS = 60
# The pages whose plans are kept: the caseload's first page, its searches and the adviser's dashboard.
PLANNED = (
    "caseload, first page",
    "caseload, search by name",
    "caseload, search by date of birth",
    "caseload, search by NHS number",
    "adviser dashboard",
)
# A plan line that reads a whole table of passports (or the organisation's), or runs a subquery per row.
SCAN_EVERYTHING = re.compile(
    r"Seq Scan on passport\b|^\s*SCAN passport\b|CORRELATED|Index Scan using ix_passport_organisation_id"
)


def _selects_through_policy(statement: str) -> bool:
    """A statement that selects passports through `policy.visible_passports` (an id IN a UNION)."""
    flat = " ".join(statement.split()).upper()
    return "FROM PASSPORT" in flat and "UNION" in flat


def _explain(engine, statement: str, parameters) -> list[str]:
    """The database's plan for one statement as the app sent it."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) " + statement, parameters)
            return [row[0] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        return [row[-1] for row in cursor.fetchall()]
    finally:
        raw.close()


class Capture:
    """Keeps every statement the app sends (with its parameters) while active."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.statements: list[tuple[str, object]] = []

    def _keep(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append((statement, parameters))

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._keep)
        return self

    def __exit__(self, *exc) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._keep)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--size", default="10k")
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--plans-only", action="store_true", help="only the plans, no timings")
    parser.add_argument(
        "--pages",
        nargs="+",
        metavar="NAME",
        help='only these pages, by the start of their name (e.g. "caseload, first" adviser): more runs'
        " of a few pages in the same time, to compare two versions in alternating rounds",
    )
    arguments = parser.parse_args()
    manifest = load_manifest(arguments.database, arguments.size)
    app = production_app(manifest["url"])
    logging.getLogger().setLevel(logging.WARNING)

    from sqlalchemy import func, select

    from passport.extensions import db
    from passport.models import Assignment, Passport, User

    born = date.fromisoformat(manifest["date_of_birth"])
    surname = manifest["legal_name"].split()[-1]
    nhs = manifest["nhs_number"]
    nurse_client = signed_in_client(app, manifest["nurse_id"])
    adviser_client = signed_in_client(app, manifest["adviser_id"])
    with app.app_context():
        engine = db.engine
        nurse = db.session.get(User, uuid.UUID(manifest["nurse_id"]))
        organisation_size = db.session.scalar(
            select(func.count()).where(Passport.organisation_id == nurse.organisation_id)
        )
        team_size = db.session.scalar(select(func.count()).where(Passport.team_id == nurse.team_id))
        adviser_size = db.session.scalar(
            select(func.count()).where(
                Assignment.staff_id == uuid.UUID(manifest["adviser_id"]), Assignment.ended_at.is_(None)
            )
        )
        db.session.remove()

    pages = {
        "caseload, first page": (nurse_client, "/staff/caseload"),
        "caseload, search by name": (nurse_client, f"/staff/caseload?text={surname[:4].lower()}"),
        "caseload, search by date of birth": (nurse_client, f"/staff/caseload?text={born:%d/%m/%Y}"),
        "caseload, search by NHS number": (
            nurse_client,
            f"/staff/caseload?text={nhs[:3]}+{nhs[3:6]}+{nhs[6:]}",
        ),
        "caseload, sorted by name, page 3": (nurse_client, "/staff/caseload?sort=name&page=3"),
        "caseload, filter: not ready (reads every record)": (nurse_client, "/staff/caseload?readiness=gaps"),
        "adviser dashboard": (adviser_client, "/adviser/"),
    }
    for client, path in pages.values():  # compile the templates, fill the caches
        response = client.get(path, base_url="https://localhost")
        assert response.status_code == 200, (path, response.status_code)
    tune_garbage_collector()  # as gunicorn.conf.py does in each worker
    results = {}
    timed = {} if arguments.plans_only else pages
    if arguments.pages:
        timed = {name: page for name, page in timed.items() if name.startswith(tuple(arguments.pages))}
    for name, (client, path) in timed.items():
        with QueryCounter(engine) as counter:
            client.get(path, base_url="https://localhost")
        timings = time_calls_with_cpu(
            lambda c=client, p=path: c.get(p, base_url="https://localhost"), arguments.runs
        )
        results[name] = {
            "path": path,
            "queries": counter.count,
            "round_trips": counter.round_trips,
            **timings,
        }

    # The plan of the statement that finds the passports through the policy (`policy.visible_passports`: a
    # passport id in a UNION of small lookups) on each page: the caseload's count (its page of 25 is planned
    # the same), the adviser's whole list. A plan that reads every passport or runs a subquery per row is a
    # finding.
    plans = {}
    for name in () if arguments.pages else PLANNED:
        client, path = pages[name]
        with Capture(engine) as capture:
            client.get(path, base_url="https://localhost")
        statement, parameters = next((s, p) for s, p in capture.statements if _selects_through_policy(s))
        started = time.perf_counter()
        plan = _explain(engine, statement, parameters)
        plans[name] = {
            "sql": " ".join(statement.split()),
            "plan": plan,
            "explain_ms": round((time.perf_counter() - started) * 1000, 1),
            "findings": [line.strip() for line in plan if SCAN_EVERYTHING.search(line)],
        }
    emit(
        {
            "database": arguments.database,
            "size": arguments.size,
            "organisation_passports": organisation_size,
            "team_passports": team_size,
            "adviser_young_people": adviser_size,
            "pages": results,
            "plans": plans,
        }
    )


if __name__ == "__main__":
    main()
