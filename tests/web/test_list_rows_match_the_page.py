"""A staff list reads the leaving-care records as plain rows (projection.build_rows, _listed_records), while
a young person's own page reads them through the passport's ORM collections. Both must come to the same
answer: the same gaps, the same next health assessment, the same checklist. Hypothesis builds young people
with every kind of record near the rules' edges (archived, ended, not yet started, just expired, superseded,
emergency flag or role, a sooner next date, a photo-checked dose, a birth parent's consent open, closed or
withdrawn, a pack handed over) and compares the two. The policy's own inputs come as plain rows in a list too
(projection.ListedPassport): tests/policy/test_policy_in_sql.py proves a list's rows are the ones `decide`
allows."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passport import clock
from passport.extensions import db
from passport.models import (
    CareStatus,
    LeavingPack,
    NhsNumberRecord,
    SdqScore,
)
from passport.projection import build_rows, build_view
from passport.readiness import checklist
from tests import factories

OFFSETS = st.sampled_from([None, -400, -10, -1, 0, 1, 10])  # days from today; None: no date
ARCHIVED = st.booleans()

registrations = st.lists(
    st.tuples(st.sampled_from(["gp", "dentist", "optician"]), st.booleans(), ARCHIVED), max_size=4
)
contacts = st.lists(
    st.tuples(
        st.sampled_from(["personal_adviser", "emergency_contact", "carer", "leaving_care_team"]),
        st.booleans(),  # marked "for emergencies"
        OFFSETS,  # from
        OFFSETS,  # until
        ARCHIVED,
    ),
    max_size=5,
)
assessments = st.lists(
    st.tuples(
        st.sampled_from(["initial", "review", "leaving_care"]),
        st.integers(min_value=1, max_value=800),  # days ago
        OFFSETS,  # the next one due, as the nurse recorded it
        ARCHIVED,
    ),
    max_size=4,
)
doses = st.lists(
    st.tuples(
        st.sampled_from(["mmr", "dtap_ipv_hib", "td_ipv", "menacwy", "hpv"]),
        st.integers(min_value=60, max_value=6000),  # days after birth
        st.sampled_from(["nurse_verified", "self_reported", "imported", "photo_checked"]),
        ARCHIVED,
    ),
    max_size=8,
)
young_people = st.fixed_dictionaries(
    {
        "age": st.integers(min_value=14, max_value=19),
        "care_status": st.sampled_from([CareStatus.IN_CARE, CareStatus.LEFT_CARE]),
        "nhs": st.sampled_from(["current", "superseded", "none"]),
        "records": st.sampled_from(["not_checked", "documented", "none"]),
        "registrations": registrations,
        "contacts": contacts,
        "assessments": assessments,
        "sdq_days_ago": st.lists(st.integers(min_value=1, max_value=700), max_size=3),
        "doses": doses,
        "pack": st.one_of(st.none(), st.sets(st.sampled_from([i.id for i in checklist().items]))),
        "handed_over": st.booleans(),  # the pack (when there is one) handed over by the nurse
        # Birth parents' consents: whether the young person may see it, and whether it was withdrawn.
        "consents": st.lists(st.tuples(st.booleans(), st.booleans()), max_size=2),
    }
)


def _on(offset):
    return None if offset is None else clock.today() + timedelta(days=offset)


def _young_person(world, facts):
    today = clock.today()
    passport = factories.create_passport(
        organisation=world.organisation,
        team=world.team,
        legal_name="Listed Person",
        age=facts["age"],
        nhs_number=None,
        nurse=world.nurse,
        care_status=facts["care_status"],
    )
    passport.immunisation_records = facts["records"]
    archived = clock.now()
    if facts["nhs"] != "none":
        db.session.add(
            NhsNumberRecord(
                passport_id=passport.id,
                number="9990000018",
                reason="first_recorded",
                superseded_at=archived if facts["nhs"] == "superseded" else None,
            )
        )
    for service, ended, gone in facts["registrations"]:
        item = factories.create_item(
            "registration",
            passport=passport,
            by=world.nurse,
            service=service,
            name="A surgery",
            ended_on=today - timedelta(days=3) if ended else None,
        )
        item.archived_at = archived if gone else None
    for role, emergency, starts, ends, gone in facts["contacts"]:
        item = factories.create_item(
            "contact",
            passport=passport,
            by=world.nurse,
            role=role,
            name="Someone",
            emergency_contact=emergency,
            from_on=_on(starts),
            until_on=_on(ends),
        )
        item.archived_at = archived if gone else None
    for kind, days_ago, next_due, gone in facts["assessments"]:
        item = factories.create_item(
            "assessment",
            passport=passport,
            by=world.nurse,
            kind=kind,
            assessed_on=today - timedelta(days=days_ago),
            next_due_on=_on(next_due),
        )
        item.archived_at = archived if gone else None
    for days_ago in facts["sdq_days_ago"]:
        db.session.add(
            SdqScore(passport_id=passport.id, scored_on=today - timedelta(days=days_ago), total=12)
        )
    for vaccine_id, days_after_birth, source, gone in facts["doses"]:
        item = factories.create_item(
            "immunisation",
            passport=passport,
            by=world.nurse,
            vaccine_id=vaccine_id,
            given_on=min(passport.date_of_birth + timedelta(days=days_after_birth), today),
            where_given="uk_gp",
        )
        item.source = source
        item.archived_at = archived if gone else None
    if facts["pack"] is not None:
        db.session.add(
            LeavingPack(
                passport_id=passport.id,
                checklist_version=checklist().version,
                ticked={item_id: {} for item_id in facts["pack"]},
                handed_over_on=today - timedelta(days=3) if facts["handed_over"] else None,
                handed_over_how="in_person" if facts["handed_over"] else None,
                handed_over_by_id=world.nurse.id if facts["handed_over"] else None,
                receipt_confirmed_at=archived if facts["handed_over"] else None,
            )
        )
    for may_see, withdrawn in facts["consents"]:
        consent = factories.create_consent(passport=passport, by=world.nurse, young_person_may_see=may_see)
        consent.withdrawn_on = today if withdrawn else None
    db.session.commit()
    return passport


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts=young_people)
def test_a_list_row_says_what_the_young_persons_page_says(world, facts):
    passport = _young_person(world, facts)
    today = clock.today()
    db.session.expire_all()  # each path loads what it reads, as in a request
    (row,) = build_rows(world.nurse, [passport], today)
    db.session.expire_all()
    page = build_view(world.nurse, passport, today).readiness
    assert [gap.id for gap in row.readiness.gaps] == [gap.id for gap in page.gaps]
    assert row.readiness.review == page.review
    assert row.readiness.pack == page.pack  # the checklist, who handed it over, when and how
    assert (row.readiness.days_left, row.readiness.leaving_on, row.readiness.pack_due) == (
        page.days_left,
        page.leaving_on,
        page.pack_due,
    )
