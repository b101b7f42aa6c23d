"""The policy in SQL selects exactly what the policy in Python allows.

Every list (caseload, searches, filters, the adviser's dashboard, overdue actions, corrections, leaving-pack
batches, reports, the admin's list) selects passports through `policy.visible_passports`. Here hypothesis
builds random little worlds — organisations, teams, staff of every role with and without a team, passports of
ages around 16, 18 and 25 with and without an account, current and ended assignments, out-of-area grants
that are current, expired, not started or stopped, of either scope, and every after-18 answer (yes, no, not
answered) — and, for every person in the world and every action about a passport, compares the rows the SQL
returns with the passports `decide` allows one by one; and, for every person, that a list built from all the
passports (`projection.build_rows`, which reads assignments and grants as plain rows) has a row for exactly
those whose readiness the policy shows them, each with the links `decide` allows. Runs on SQLite and, in CI,
on PostgreSQL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from passport import clock, policy
from passport.extensions import db
from passport.models import (
    AccessGrant,
    Assignment,
    AssignmentRole,
    Organisation,
    Passport,
    Role,
    Team,
    User,
)
from passport.policy import PASSPORT_RULES, Action, Section
from passport.projection import build_rows

# CI runs at least 500 worlds on each database; POLICY_SQL_EXAMPLES raises it for a longer local search.
EXAMPLES = int(os.environ.get("POLICY_SQL_EXAMPLES", "500"))

# Days that make ages and grants interesting: an ordinary day, 29 February and the days either side of it.
TODAYS = (date(2026, 12, 6), date(2028, 2, 29), date(2027, 2, 28), date(2027, 3, 1))
STAFF_ROLES = (Role.NURSE, Role.ADVISER, Role.ADMIN)


@st.composite
def birth_dates(draw, today: date) -> date:
    """A date of birth near a birthday that changes an answer (16, 18, 25), or anywhere from 10 to 27."""
    boundary = draw(st.sampled_from((16, 18, 25, None)))
    if boundary is None:
        return today - timedelta(days=draw(st.integers(10 * 365, 27 * 365)))
    day = clock.birthday(today, -boundary)
    return day + timedelta(days=draw(st.integers(-2, 2)))


@dataclass(frozen=True)
class StaffSpec:
    role: Role
    organisation: int
    team: int | None


@dataclass(frozen=True)
class PassportSpec:
    organisation: int
    team: int | None
    born: date
    has_account: bool
    nurse_after_18: bool | None
    adviser_after_18: bool | None


@dataclass(frozen=True)
class AssignmentSpec:
    passport: int
    staff: int
    role: AssignmentRole
    ended: bool


@dataclass(frozen=True)
class GrantSpec:
    passport: int
    staff: int
    scope: str
    starts: int  # days from today
    length: int
    stopped: bool


@st.composite
def worlds(draw):
    today = draw(st.sampled_from(TODAYS))
    organisations = 2
    teams = draw(st.lists(st.integers(0, organisations - 1), min_size=0, max_size=3))  # each team's org

    def team_in(org: int):
        choices = [n for n, owner in enumerate(teams) if owner == org]
        return draw(st.sampled_from([None, *choices]))

    staff = []
    for _ in range(draw(st.integers(1, 6))):
        org = draw(st.integers(0, organisations - 1))
        staff.append(StaffSpec(draw(st.sampled_from(STAFF_ROLES)), org, team_in(org)))
    passports = []
    for _ in range(draw(st.integers(1, 6))):
        org = draw(st.integers(0, organisations - 1))
        passports.append(
            PassportSpec(
                organisation=org,
                team=team_in(org),
                born=draw(birth_dates(today)),
                has_account=draw(st.booleans()),
                nurse_after_18=draw(st.sampled_from((None, True, False))),
                adviser_after_18=draw(st.sampled_from((None, True, False))),
            )
        )
    assignments = draw(
        st.lists(
            st.builds(
                AssignmentSpec,
                st.integers(0, len(passports) - 1),
                st.integers(0, len(staff) - 1),
                st.sampled_from(tuple(AssignmentRole)),
                st.booleans(),
            ),
            max_size=6,
        )
    )
    grants = draw(
        st.lists(
            st.builds(
                GrantSpec,
                st.integers(0, len(passports) - 1),
                st.integers(0, len(staff) - 1),
                st.sampled_from(("see", "see_and_curate")),
                st.integers(-40, 5),
                st.integers(0, 60),
                st.booleans(),
            ),
            max_size=4,
        )
    )
    return today, teams, staff, passports, assignments, grants


def _build(teams, staff, passports, assignments, grants, today):
    orgs = [Organisation(name=f"Invented organisation {n}") for n in range(2)]
    db.session.add_all(orgs)
    db.session.flush()
    team_rows = [Team(organisation_id=orgs[owner].id, name=f"Team {n}") for n, owner in enumerate(teams)]
    db.session.add_all(team_rows)
    db.session.flush()
    people = [
        User(
            email=f"staff.{n}@example.org",
            display_name=f"Staff {n}",
            role=spec.role,
            organisation_id=orgs[spec.organisation].id,
            team_id=team_rows[spec.team].id if spec.team is not None else None,
        )
        for n, spec in enumerate(staff)
    ]
    owners = []
    passport_rows = []
    for n, spec in enumerate(passports):
        owner = None
        if spec.has_account:
            owner = User(
                email=f"young.{n}@example.org",
                display_name=f"Young person {n}",
                role=Role.YOUNG_PERSON,
                organisation_id=orgs[spec.organisation].id,
            )
            owners.append(owner)
        passport_rows.append((spec, owner))
    db.session.add_all(people + owners)
    db.session.flush()
    for n, (spec, owner) in enumerate(passport_rows):
        passport_rows[n] = Passport(
            organisation_id=orgs[spec.organisation].id,
            team_id=team_rows[spec.team].id if spec.team is not None else None,
            legal_name=f"Invented Person {n}",
            date_of_birth=spec.born,
            young_person_id=owner.id if owner else None,
            nurse_access_after_18=spec.nurse_after_18,
            adviser_access_after_18=spec.adviser_after_18,
        )
    db.session.add_all(passport_rows)
    db.session.flush()
    started = clock.now()
    for n, spec in enumerate(assignments):
        db.session.add(
            Assignment(
                passport_id=passport_rows[spec.passport].id,
                staff_id=people[spec.staff].id,
                role=spec.role,
                started_at=started + timedelta(seconds=n),
                ended_at=started if spec.ended else None,
            )
        )
    for spec in grants:
        starts = today + timedelta(days=spec.starts)
        db.session.add(
            AccessGrant(
                passport_id=passport_rows[spec.passport].id,
                grantee_id=people[spec.staff].id,
                scope=spec.scope,
                starts_on=starts,
                ends_on=starts + timedelta(days=spec.length),
                granted_by_id=people[0].id,
                revoked_at=started if spec.stopped else None,
            )
        )
    db.session.commit()
    return people + owners


def _empty() -> None:
    db.session.rollback()
    for model in (AccessGrant, Assignment, Passport, User, Team, Organisation):
        db.session.execute(model.__table__.delete())
    db.session.commit()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
def test_the_sql_selects_exactly_what_decide_allows(world):
    today, teams, staff, passports, assignments, grants = world
    try:
        viewers = _build(teams, staff, passports, assignments, grants, today)
        everyone = db.session.scalars(
            select(Passport).options(selectinload(Passport.assignments), selectinload(Passport.access_grants))
        ).all()
        for viewer in viewers:
            for action in PASSPORT_RULES:
                allowed = {p.id for p in everyone if policy.decide(viewer, action, p, today)}
                selected = set(
                    db.session.scalars(
                        select(Passport.id).where(policy.visible_passports(viewer, action, today))
                    )
                )
                assert selected == allowed, (
                    f"{viewer.role} {action} on {today}: SQL also selects {selected - allowed}, "
                    f"misses {allowed - selected}"
                )
            # A list's rows read the policy's inputs as plain rows (projection.ListedPassport), not the
            # ORM collections decide read above: the same people, and the same links on each row.
            rows = {row.passport_id: row for row in build_rows(viewer, everyone, today)}
            shown = {p.id for p in everyone if policy.visibility(viewer, p, today).shows(Section.READINESS)}
            assert set(rows) == shown, f"{viewer.role} on {today}: rows for {set(rows) ^ shown}"
            for passport in everyone:
                if passport.id in rows:
                    assert (rows[passport.id].may_open_passport, rows[passport.id].may_curate) == (
                        bool(policy.decide(viewer, Action.VIEW_PASSPORT, passport, today)),
                        bool(policy.decide(viewer, Action.CURATE_PASSPORT, passport, today)),
                    ), f"{viewer.role} on {today}: the row's links for {passport.id}"
    finally:
        _empty()


def test_every_condition_of_the_policy_has_its_sql_form():
    used = {c for rules in PASSPORT_RULES.values() for rule in rules.values() for c in rule.conditions}
    assert used <= set(policy.CONDITIONS_IN_SQL)


def test_nobody_signed_out_or_without_a_rule_is_given_any_passport():
    assert str(policy.visible_passports(None, Action.VIEW_PASSPORT, TODAYS[0])) == "false"


def test_the_age_threshold_agrees_with_age_on_every_day_of_a_leap_cycle():
    """`born_on_or_before_for_age` is the boundary the SQL compares dates of birth with."""
    for offset in range(0, 4 * 366):
        today = date(2026, 1, 1) + timedelta(days=offset)
        for age in (16, 18, 25):
            latest = policy.born_on_or_before_for_age(age, today)
            assert clock.age_on(latest, today) >= age
            assert clock.age_on(latest + timedelta(days=1), today) < age
