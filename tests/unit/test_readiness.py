"""Readiness to leave care, table-driven: each row is a young person's situation and the gaps a personal
adviser should see, in the order they are shown."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from passport import clock
from passport.models import (
    Contact,
    ImmunisationDose,
    LeavingPack,
    NhsNumberRecord,
    Passport,
    Registration,
)
from passport.readiness import readiness

TODAY = date(2026, 11, 24)


def person(age_years=17, extra_days=100, **facts) -> Passport:
    """A transient passport (no database): the facts say what is recorded."""
    born = clock.birthday(TODAY, -age_years) - timedelta(days=extra_days)
    passport = Passport(
        id=uuid.uuid4(),
        date_of_birth=born,
        young_person_id=uuid.uuid4() if facts.get("claimed", True) else None,
        immunisation_records=facts.get("records", "documented"),
        planned_leaving_date=facts.get("planned_leaving"),
    )
    live = {"archived_at": None}
    passport.registrations = [
        Registration(service=s, name=s, ended_on=None, **live)
        for s in facts.get("services", ("gp", "dentist"))
    ]
    passport.nhs_numbers = (
        [NhsNumberRecord(number="9434765919", superseded_at=None)] if facts.get("nhs", True) else []
    )
    passport.contacts = [
        Contact(role=r, name=r, from_on=None, until_on=None, **live)
        for r in facts.get("contacts", ("personal_adviser", "emergency_contact"))
    ]
    # A UK record complete for someone born in 2008-2009 unless told otherwise.
    doses = facts.get("doses", "complete")
    passport.immunisations = [] if doses == "none" else complete_record(born, live)
    pack = facts.get("pack")
    passport.leaving_pack = (
        LeavingPack(ticked={k: {} for k in pack.get("ticked", ())}, handed_over_on=pack.get("handed_over_on"))
        if pack
        else None
    )
    passport.birth_parent_consents = []
    return passport


def complete_record(born, live):
    plan = [
        ("dtap_ipv_hib", 60),
        ("dtap_ipv_hib", 90),
        ("dtap_ipv_hib", 120),
        ("hib_menc", 370),
        ("mmr", 375),
        ("dtap_ipv", 1230),
        ("mmr", 1230),
        ("hpv", 4600),
        ("td_ipv", 5150),
        ("menacwy", 5150),
        ("menc", 100),
        ("pcv", 60),
        ("pcv", 120),
        ("pcv", 380),
    ]
    return [
        ImmunisationDose(
            vaccine_id=v,
            given_on=born + timedelta(days=d),
            dose_number=None,
            where_given="uk_gp",
            source="nurse_verified",
            **live,
        )
        for v, d in plan
    ]


HANDED_OVER = {"ticked": ("immunisations_reviewed",), "handed_over_on": TODAY - timedelta(days=3)}

CASES = [
    ("ready: 17 with everything in place and the pack handed over", person(pack=HANDED_OVER), []),
    ("ready: 16 and a half, pack not yet due", person(age_years=16, extra_days=30), []),
    (
        "leaving pack due in the last six months and not given",
        person(age_years=17, extra_days=200),
        ["leaving_pack_not_given"],
    ),
    (
        "planned leaving date brings the pack forward",
        person(age_years=16, extra_days=300, planned_leaving=TODAY + timedelta(days=60)),
        ["leaving_pack_not_given"],
    ),
    ("not claimed at 16", person(age_years=16, extra_days=10, claimed=False), ["not_claimed"]),
    (
        "under 16: no account expected yet",
        person(age_years=15, claimed=False, contacts=("emergency_contact",)),
        [],
    ),
    ("no GP", person(services=("dentist",), pack=HANDED_OVER), ["no_gp"]),
    (
        "a GP registration that has ended does not count",
        person(services=(), pack=HANDED_OVER),
        ["no_gp", "no_dentist"],
    ),
    ("no NHS number", person(nhs=False, pack=HANDED_OVER), ["no_nhs_number"]),
    (
        "vaccine records not checked",
        person(records="not_checked", pack=HANDED_OVER),
        ["vaccines_not_checked"],
    ),
    (
        "no reliable record: catch-up needed and not talked through",
        person(records="none", doses="none", pack={"handed_over_on": TODAY}),
        ["vaccines_not_reviewed"],
    ),
    ("catch-up talked through with the nurse", person(records="none", doses="none", pack=HANDED_OVER), []),
    (
        "no personal adviser at 17",
        person(contacts=("emergency_contact",), pack=HANDED_OVER),
        ["no_personal_adviser"],
    ),
    (
        "no emergency contact",
        person(contacts=("personal_adviser",), pack=HANDED_OVER),
        ["no_emergency_contact"],
    ),
    (
        "several gaps, in the order an adviser reads them",
        person(
            age_years=17,
            extra_days=250,
            claimed=False,
            services=(),
            nhs=False,
            records="not_checked",
            contacts=(),
        ),
        [
            "not_claimed",
            "no_gp",
            "no_nhs_number",
            "no_dentist",
            "vaccines_not_checked",
            "no_personal_adviser",
            "no_emergency_contact",
            "leaving_pack_not_given",
        ],
    ),
]


@pytest.mark.parametrize(("passport", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_readiness(app, passport, expected):
    result = readiness(passport, TODAY)
    assert [gap.id for gap in result.gaps] == expected
    assert result.ready is (expected == [])


def test_days_left_counts_to_the_sooner_of_18_and_the_planned_leaving_date(app):
    passport = person(age_years=17, extra_days=300, planned_leaving=TODAY + timedelta(days=10))
    assert readiness(passport, TODAY).days_left == 10
    passport.planned_leaving_date = None
    assert readiness(passport, TODAY).days_left == (clock.birthday(passport.date_of_birth, 18) - TODAY).days
