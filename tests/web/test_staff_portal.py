"""The nurse's caseload (search, filters, pages), assessments and SDQ, the leaving pack and its handover,
and the adviser's readiness dashboard."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from passport import clock
from passport.extensions import db
from passport.models import LeavingPack, NhsNumberRecord, Passport, SdqScore
from passport.readiness import sdq_band
from passport.services import caseload
from passport.services.caseload import CaseloadQuery
from tests import factories
from tests.conftest import csrf_token, seen_version
from tests.html_checks import page_text


def caseload_text(client, **params) -> str:
    response = client.get("/staff/caseload", query_string=params)
    assert response.status_code == 200
    return page_text(response.get_data(as_text=True))


class TestCaseloadSearch:
    def test_by_name_date_of_birth_and_nhs_number(self, client, world):
        client.sign_in_as(world.nurse)
        assert "Robin Fairweather" in caseload_text(client, text="fairw")
        assert "Morgan Ashdown" not in caseload_text(client, text="fairw")
        born = world.passport.date_of_birth
        by_date = caseload_text(client, text=f"{born.day}/{born.month}/{born.year}")
        assert "Robin Fairweather" in by_date and "Morgan Ashdown" not in by_date
        assert "Robin Fairweather" in caseload_text(client, text="999 000 0018")

    def test_an_nhs_number_held_before_adoption_still_finds_them(self, client, world):
        db.session.add(NhsNumberRecord(passport_id=world.passport.id, number="9434765919", reason="adoption"))
        db.session.commit()
        client.sign_in_as(world.nurse)
        assert "Robin Fairweather" in caseload_text(client, text="9434765919")

    def test_another_teams_young_people_never_appear(self, client, world):
        client.sign_in_as(world.nurse)
        assert "Jesse Underwood" not in caseload_text(client, text="Jesse")
        assert "Jesse Underwood" not in caseload_text(client, text="999 000 0026")

    def test_filters_by_age_band_and_care_status(self, client, world):
        factories.create_passport(
            organisation=world.organisation,
            team=world.team,
            legal_name="Young Fifteen",
            age=15,
            nhs_number=None,
            nurse=world.nurse,
        )
        client.sign_in_as(world.nurse)
        under = caseload_text(client, age_band="under_16")
        assert "Young Fifteen" in under and "Robin Fairweather" not in under
        assert "Young Fifteen" not in caseload_text(client, care_status="left_care")

    def test_a_made_up_filter_value_is_explained_not_a_500(self, client, world):
        client.sign_in_as(world.nurse)
        response = client.get("/staff/caseload", query_string={"age_band": "<script>", "page": "zzz"})
        assert response.status_code == 200
        assert "Choose one of the options in the list" in response.get_data(as_text=True)
        assert "<script>" not in response.get_data(as_text=True).split("<main")[1]

    def test_pages_of_25(self, client, world):
        for n in range(30):
            factories.create_passport(
                organisation=world.organisation,
                team=world.team,
                legal_name=f"Person {n:02d}",
                age=16,
                nhs_number=None,
            )
        client.sign_in_as(world.nurse)
        first = caseload_text(client, sort="name")
        assert "32 young people" in first and "Page 2 of 2" in first
        second = caseload_text(client, sort="name", page="2")
        assert "Previous" in second and "Person 29" in second
        # The page and its count come from one statement (a window count); every page, a page past the end
        # (an old link) and a search that finds nobody must still say how many there are.
        counted = {
            page: caseload.nurse_caseload(world.nurse, clock.today(), CaseloadQuery(sort="name", page=page))
            for page in (1, 2, 3)
        }
        assert [(len(p.rows), p.total, p.pages) for p in counted.values()] == [
            (25, 32, 2),
            (7, 32, 2),
            (0, 32, 2),
        ]
        nobody = caseload.nurse_caseload(world.nurse, clock.today(), CaseloadQuery(text="Nobody Here"))
        assert (nobody.rows, nobody.total, nobody.pages) == ([], 0, 1)

    def test_the_fewest_days_to_18_come_first_and_those_already_18_last(self, client, world):
        for name, age in (("Ada Nineteen", 19), ("Bo Sixteen", 16)):
            factories.create_passport(
                organisation=world.organisation, team=world.team, legal_name=name, age=age, nhs_number=None
            )
        client.sign_in_as(world.nurse)
        text = caseload_text(client)
        order = sorted(
            ("Robin Fairweather", "Bo Sixteen", "Ada Nineteen", "Morgan Ashdown"), key=lambda n: text.index(n)
        )
        # Robin is 17, Morgan 16 and some days, Bo 16; Ada turned 18 last year.
        assert order[0] == "Robin Fairweather" and order[-1] == "Ada Nineteen", order

    def test_readiness_filter(self, client, world):
        client.sign_in_as(world.nurse)
        gaps = caseload_text(client, readiness="gaps")
        assert "Robin Fairweather" in gaps
        assert "Robin Fairweather" not in caseload_text(client, readiness="ready")


class TestAssessmentsAndSdq:
    @pytest.mark.parametrize(
        ("total", "band"),
        [
            (0, "normal"),
            (13, "normal"),
            (14, "borderline"),
            (16, "borderline"),
            (17, "concern"),
            (40, "concern"),
        ],
    )
    def test_sdq_bands(self, total, band):
        assert sdq_band(total) == band

    def test_record_an_sdq_and_see_its_band(self, client, world):
        client.sign_in_as(world.nurse)
        today = date.today()
        response = client.post(
            f"/staff/passports/{world.passport.id}/sdq",
            data={
                "csrf_token": csrf_token(client),
                "scored_on-day": str(today.day),
                "scored_on-month": str(today.month),
                "scored_on-year": str(today.year),
                "total": "15",
                "informant": "carer",
            },
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith(
            f"/staff/passports/{world.passport.id}/assessments-and-plan#sdq"
        )
        text = page_text(
            client.get(f"/staff/passports/{world.passport.id}/assessments-and-plan").get_data(as_text=True)
        )
        assert "Borderline (14 to 16)" in text

    @pytest.mark.parametrize("total", ["41", "-1", "lots", ""])
    def test_an_sdq_out_of_range_is_refused(self, client, world, total):
        client.sign_in_as(world.nurse)
        today = date.today()
        response = client.post(
            f"/staff/passports/{world.passport.id}/sdq",
            data={
                "csrf_token": csrf_token(client),
                "scored_on-day": str(today.day),
                "scored_on-month": str(today.month),
                "scored_on-year": str(today.year),
                "total": total,
                "informant": "carer",
            },
        )
        assert response.status_code == 400
        assert "Enter a total score from 0 to 40" in response.get_data(as_text=True)
        assert db.session.scalars(select(SdqScore)).all() == []

    def test_review_due_a_year_after_the_last_and_flagged_when_overdue(self, client, world):
        factories.create_item(
            "assessment",
            passport=world.passport,
            by=world.nurse,
            kind="review",
            assessed_on=date.today() - timedelta(days=400),
        )
        client.sign_in_as(world.nurse)
        text = caseload_text(client, text="Robin")
        assert "Overdue" in text and "No SDQ in the last 12 months" in text

    def test_no_assessment_at_all_asks_for_the_initial_one(self, client, world):
        client.sign_in_as(world.nurse)
        assert "None recorded" in caseload_text(client, text="Robin")


class TestLeavingPack:
    def due_passport(self, world):
        """Claimed, 17 and a half: the pack is due."""
        return factories.create_passport(
            organisation=world.organisation,
            team=world.team,
            legal_name="Sky Leaving",
            age=17,
            nurse=world.nurse,
            young_person=world.other_young_person
            if False
            else factories.create_user(role=factories.Role.YOUNG_PERSON, organisation=world.organisation),
            adviser=world.adviser,
        )

    def test_tick_hand_over_and_confirm(self, client, world, app):
        passport = factories.create_passport(
            organisation=world.organisation,
            team=world.team,
            legal_name="Sky Leaving",
            date_of_birth=date.today() - timedelta(days=365 * 18 - 100),
            nurse=world.nurse,
            young_person=(
                owner := factories.create_user(
                    role=factories.Role.YOUNG_PERSON, organisation=world.organisation
                )
            ),
        )
        client.sign_in_as(world.nurse)
        url = f"/staff/passports/{passport.id}/leaving-pack"
        page = page_text(client.get(url).get_data(as_text=True))
        assert "Leaving pack not handed over" in page or "Checklist" in page
        client.post(
            url,
            data={
                "csrf_token": csrf_token(client),
                "ticked": ["dentist", "mental_health_support", "passport_claimed"],
            },
        )
        pack = db.session.scalar(select(LeavingPack).where(LeavingPack.passport_id == passport.id))
        assert set(pack.ticked) == {
            "dentist",
            "mental_health_support",
        }  # automatic items are not ticked by hand
        today = date.today()
        response = client.post(
            url,
            data={
                "csrf_token": csrf_token(client),
                "handover-handed_over_on-day": str(today.day),
                "handover-handed_over_on-month": str(today.month),
                "handover-handed_over_on-year": str(today.year),
                "handover-how": "in_person",
                "handover-version": seen_version(client, url),
            },
        )
        assert response.status_code == 302
        client.sign_in_as(owner)
        assert "Your nurse gave you your leaving pack" in page_text(
            client.get("/my-passport/leaving-pack").get_data(as_text=True)
        )
        version = seen_version(client, "/my-passport/leaving-pack", "/my-passport/leaving-pack/received")
        client.post(
            "/my-passport/leaving-pack/received", data={"csrf_token": csrf_token(client), "version": version}
        )
        assert db.session.get(LeavingPack, pack.id).receipt_confirmed_at is not None

    def test_handover_needs_a_date_and_a_way(self, client, world):
        client.sign_in_as(world.nurse)
        response = client.post(
            f"/staff/passports/{world.passport.id}/leaving-pack",
            data={
                "csrf_token": csrf_token(client),
                "handover-how": "pigeon",
                "handover-handed_over_on-day": "",
            },
        )
        html = response.get_data(as_text=True)
        assert "Enter the date the pack was handed over" in html
        assert db.session.get(Passport, world.passport.id).leaving_pack is None

    def test_a_young_person_cannot_confirm_a_pack_not_given(self, client, world):
        client.sign_in_as(world.young_person)
        client.post("/my-passport/leaving-pack/received", data={"csrf_token": csrf_token(client)})
        assert "has not given you your leaving pack yet" in client.get("/my-passport/leaving-pack").get_data(
            as_text=True
        )


class TestAdviserDashboard:
    def test_gaps_in_plain_words_most_urgent_first(self, client, world):
        soon = factories.create_passport(
            organisation=world.organisation,
            team=world.team,
            legal_name="Soon Leaving",
            date_of_birth=date.today() - timedelta(days=365 * 18 - 20),
            adviser=world.adviser,
        )
        client.sign_in_as(world.adviser)
        text = page_text(client.get("/adviser/").get_data(as_text=True))
        assert text.index("Soon Leaving") < text.index("Robin Fairweather")
        assert "Not registered with a GP" in text and "Has not set up their passport account" in text
        assert soon.legal_name in text

    def test_the_adviser_never_sees_clinical_items(self, client, world):
        client.sign_in_as(world.adviser)
        text = page_text(client.get("/adviser/").get_data(as_text=True))
        assert "Penicillin" not in text and "Hay fever" not in text


class TestChecklistVersions:
    """The checklist is versioned data: a pack handed over keeps the checklist it was handed over with,
    while one still being worked through moves to the current checklist."""

    OLD = "2025-01"

    @pytest.fixture
    def an_older_checklist(self, monkeypatch):
        from passport import readiness as leaving_pack

        current = leaving_pack.checklist()
        older = leaving_pack.Checklist(
            version=self.OLD,
            items=(
                *current.items[:2],
                leaving_pack.ChecklistItem("old_only", "A step only the older checklist had.", None, None),
                # Rules the code may no longer have: the item still shows, ticked by hand.
                leaving_pack.ChecklistItem("old_auto", "A step checked by a lost rule.", "gone_rule", None),
                leaving_pack.ChecklistItem("old_if", "A step shown by a lost condition.", None, "gone"),
            ),
        )
        real_read = leaving_pack._read

        def read(name):
            return older if name == f"leaving_pack_versions/{self.OLD}.yaml" else real_read(name)

        monkeypatch.setattr(leaving_pack, "_read", read)
        leaving_pack.checklist_version.cache_clear()
        yield older
        leaving_pack.checklist_version.cache_clear()

    def pack(self, world, *, handed_over: bool) -> LeavingPack:
        pack = LeavingPack(
            passport_id=world.passport.id,
            checklist_version=self.OLD,
            ticked={"old_only": {"at": "2025-02-01T10:00:00+00:00", "by": str(world.nurse.id)}},
            handed_over_on=date.today() - timedelta(days=30) if handed_over else None,
            handed_over_how="in_person" if handed_over else None,
        )
        db.session.add(pack)
        db.session.commit()
        return pack

    def test_a_handed_over_pack_shows_the_checklist_it_was_handed_over_with(
        self, client, world, an_older_checklist
    ):
        self.pack(world, handed_over=True)
        client.sign_in_as(world.nurse)
        url = f"/staff/passports/{world.passport.id}/leaving-pack"
        text = page_text(client.get(url).get_data(as_text=True))
        assert "A step only the older checklist had." in text
        assert "A step checked by a lost rule." in text and "A step shown by a lost condition." in text
        assert "You know how to get prescriptions" not in text  # added to the checklist later

    def test_a_pack_still_being_worked_through_moves_to_the_current_checklist(
        self, client, world, an_older_checklist
    ):
        from passport import readiness as leaving_pack

        pack = self.pack(world, handed_over=False)
        client.sign_in_as(world.nurse)
        url = f"/staff/passports/{world.passport.id}/leaving-pack"
        text = page_text(client.get(url).get_data(as_text=True))
        assert "A step only the older checklist had." not in text
        assert "You know how to get prescriptions" in text
        client.post(url, data={"csrf_token": csrf_token(client), "ticked": ["dentist"]})
        assert db.session.get(LeavingPack, pack.id).checklist_version == leaving_pack.checklist().version
