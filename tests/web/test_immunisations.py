"""Immunisations on the pages: the record, the status against the schedule, the catch-up plan and the
"what to ask your GP" list, for the young person and the nurse."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from passport.extensions import db
from passport.models import ImmunisationDose, Passport, Role, Source
from tests import factories
from tests.conftest import csrf_token, seen_version
from tests.html_checks import page_text


def text_of(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return page_text(response.get_data(as_text=True))


def dose_form(vaccine_id, given_on, **extra):
    return {
        "version": "0",
        "vaccine_id": vaccine_id,
        "given_on-day": str(given_on.day),
        "given_on-month": str(given_on.month),
        "given_on-year": str(given_on.year),
        "where_given": extra.pop("where_given", "uk_gp"),
        "source": extra.pop(
            "source", "nurse_verified"
        ),  # the nurse's form asks (the young person's does not)
        **extra,
    }


def set_records(client, world, records, sex=""):
    page = f"/staff/passports/{world.passport.id}"
    return client.post(
        f"{page}/immunisation-records",
        data={
            "csrf_token": csrf_token(client),
            "records-records": records,
            "records-sex_registered_at_birth": sex,
            # The form is on the vaccines page since the passport became a page per area.
            "records-version": seen_version(client, f"{page}/vaccines", f"{page}/immunisation-records"),
        },
    )


def fully_immunised_2008(passport, nurse):
    """An invented, complete UK record for someone born in spring 2008."""
    born = passport.date_of_birth
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
    for vaccine_id, days in plan:
        factories.create_item(
            "immunisation",
            passport=passport,
            by=nurse,
            vaccine_id=vaccine_id,
            given_on=born + timedelta(days=days),
            where_given="uk_gp",
        )


class TestTheYoungPersonsVaccinesPage:
    def test_no_records_checked_yet_says_so(self, client, world):
        client.sign_in_as(world.young_person)
        text = text_of(client, "/my-passport/vaccines")
        assert "Your nurse has not checked your vaccine records yet" in text
        assert "to check" in text

    def test_no_reliable_record_gives_a_catch_up_plan_and_a_gp_list(self, client, world):
        client.sign_in_as(world.nurse)
        assert set_records(client, world, "none").status_code == 302
        client.sign_in_as(world.young_person)
        text = text_of(client, "/my-passport/vaccines")
        assert "4 vaccines to catch up" in text
        assert "Your catch-up plan" in text and "Visit 1" in text and "Visit 2" in text
        assert "You never need to start again" in text
        gp = text_of(client, "/my-passport/vaccines/ask-your-gp")
        assert "Please can I have these vaccines" in gp
        for name in ("Td/IPV", "MMR", "MenACWY", "HPV"):
            assert name in gp
        assert "999 000 0018" in gp

    def test_a_complete_record_is_up_to_date(self, client, world):
        passport = db.session.get(Passport, world.passport.id)
        passport.date_of_birth = date(2008, 4, 10)
        passport.immunisation_records = "documented"
        db.session.commit()
        fully_immunised_2008(passport, world.nurse)
        client.sign_in_as(world.young_person)
        text = text_of(client, "/my-passport/vaccines")
        assert "You're up to date" in text
        assert "Your catch-up plan" not in text

    def test_doses_are_written_out_plain_name_first_with_one_correction_route(self, client, world):
        """[issue #16] No chart: each vaccine by its plain name, its medical name explained once, each dose's
        date and age in words; one way to ask for a correction that names each dose."""
        born = world.passport.date_of_birth
        for days in (56, 84, 112):
            factories.create_item(
                "immunisation",
                passport=world.passport,
                by=world.nurse,
                vaccine_id="dtap_ipv_hib",
                given_on=born + timedelta(days=days),
                where_given="uk_gp",
            )
        client.sign_in_as(world.young_person)
        html = client.get("/my-passport/vaccines").get_data(as_text=True)
        text = page_text(html)

        assert "<svg" not in html
        assert (
            "5-in-1 vaccine It protects against diphtheria, tetanus, whooping cough, polio and Hib." in text
        )
        assert text.count("Its medical name is DTaP/IPV/Hib.") == 1
        assert "at 8 weeks" in text and "at 12 weeks" in text
        assert "A nurse has checked all of these against your records." in text
        assert text.count("Something wrong with a dose? Ask for a correction") == 1
        first = (born + timedelta(days=56)).day
        assert f"5-in-1 vaccine (DTaP/IPV/Hib), {first} " in text

    def test_a_plan_names_which_dose_of_the_course_each_visit_gives(self, client, world):
        client.sign_in_as(world.nurse)
        set_records(client, world, "none")
        client.sign_in_as(world.young_person)
        text = text_of(client, "/my-passport/vaccines")
        assert "3-in-1 vaccine (Td/IPV): dose 1 of 5" in text
        assert "3-in-1 vaccine (Td/IPV): dose 5 of 5" in text
        assert "3-in-1 teenage booster" not in text

    def test_nothing_due_now_is_not_called_up_to_date_above_a_planned_visit(self, client, world):
        """[issue #16] A catch-up course part way through: nothing is late, the next dose is planned for
        later, so the page says nothing is due now and when, not "You're up to date"."""
        from passport import clock

        today = clock.today()
        passport = db.session.get(Passport, world.passport.id)
        passport.date_of_birth = date(today.year - 17, 1, 10)
        passport.immunisation_records = "documented"
        passport.sex_registered_at_birth = "female"
        db.session.commit()
        born = passport.date_of_birth
        given = [
            ("mmr", born + timedelta(days=400)),
            ("mmr", born + timedelta(days=1300)),
            ("hpv", today - timedelta(days=200)),
            ("menacwy", today - timedelta(days=200)),
            ("td_ipv", today - timedelta(days=120)),
            ("td_ipv", today - timedelta(days=90)),
            ("td_ipv", today - timedelta(days=60)),
        ]
        for vaccine_id, on in given:
            factories.create_item(
                "immunisation", passport=passport, by=world.nurse, vaccine_id=vaccine_id, given_on=on
            )
        client.sign_in_as(world.young_person)
        text = text_of(client, "/my-passport/vaccines")
        assert "Nothing is due now" in text and "You're up to date" not in text
        assert "Your next vaccine can be given from" in text and "Visit 1" in text

    def test_the_young_person_adds_a_dose_from_home_and_it_shows_as_theirs(self, client, world):
        client.sign_in_as(world.young_person)
        given = world.passport.date_of_birth + timedelta(days=3000)
        response = client.post(
            "/my-passport/add/immunisation",
            data={"csrf_token": csrf_token(client), **dose_form("measles", given, where_given="abroad")},
        )
        assert response.status_code == 302
        assert response.headers["Location"] == "/my-passport/vaccines"
        dose = db.session.scalar(select(ImmunisationDose))
        assert dose.source == Source.SELF_REPORTED and dose.where_given == "abroad"
        text = text_of(client, "/my-passport/vaccines")
        assert "Measles vaccine (on its own)" in text and "Added by you, not checked yet" in text

    def test_a_dose_the_young_person_adds_keeps_the_vaccine_to_check_until_a_nurse_checks_it(
        self, client, world
    ):
        """[issue #16 item 5] It counts as "added by you, not checked yet"; the vaccine stays "to check"
        and in the plan (not cleared from Overdue) until a nurse checks the dose."""
        passport = db.session.get(Passport, world.passport.id)
        passport.immunisation_records = "none"
        db.session.commit()
        client.sign_in_as(world.nurse)
        set_records(client, world, "documented")
        client.sign_in_as(world.young_person)
        before = text_of(client, "/my-passport/vaccines")
        assert "MenACWY" in before
        from passport import clock

        given = clock.today() - timedelta(days=30)
        client.post(
            "/my-passport/add/immunisation",
            data={"csrf_token": csrf_token(client), **dose_form("menacwy", given, where_given="school")},
        )

        text = text_of(client, "/my-passport/vaccines")
        assert "You added a dose of this vaccine, and it counts once your nurse has checked it." in text
        assert "You added some doses yourself. They count once your nurse has checked them." in text
        assert "Added by you, not checked yet" in text

        dose = db.session.scalar(select(ImmunisationDose).where(ImmunisationDose.vaccine_id == "menacwy"))
        client.sign_in_as(world.nurse)
        page = f"/staff/passports/{world.passport.id}"
        verify = f"{page}/immunisation/{dose.id}/verify"
        client.post(
            verify,
            data={
                "csrf_token": csrf_token(client),
                "version": seen_version(client, f"{page}/vaccines", verify),
            },
        )
        client.sign_in_as(world.young_person)
        after = text_of(client, "/my-passport/vaccines")
        assert "You added a dose of this vaccine" not in after


class TestBadDoses:
    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"vaccine_id": "mmr", "given_on": "before_birth"}, "given_on", "on or after the date of birth"),
            ({"vaccine_id": "mmr", "given_on": "future"}, "given_on", "must be today or in the past"),
            (
                {"vaccine_id": "moon_vaccine", "given_on": "ok"},
                "vaccine_id",
                "We do not know that vaccine. Choose one from the list",
            ),
            ({"vaccine_id": "", "given_on": "ok"}, "vaccine_id", "Choose the vaccine"),
        ],
    )
    def test_bad_doses_are_explained_and_not_saved(self, client, world, fields, field, message):
        born = world.passport.date_of_birth
        given = {
            "before_birth": born - timedelta(days=5),
            "future": date.today() + timedelta(days=5),
            "ok": born + timedelta(days=400),
        }[fields["given_on"]]
        client.sign_in_as(world.nurse)
        response = client.post(
            f"/staff/passports/{world.passport.id}/add/immunisation",
            data={"csrf_token": csrf_token(client), **dose_form(fields["vaccine_id"], given)},
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert f'id="{field}-error"' in html
        assert message in page_text(html)
        assert db.session.scalar(select(func.count()).select_from(ImmunisationDose)) == 0

    def test_dose_numbers_out_of_order(self, client, world):
        born = world.passport.date_of_birth
        factories.create_item(
            "immunisation",
            passport=world.passport,
            by=world.nurse,
            vaccine_id="mmr",
            given_on=born + timedelta(days=400),
            dose_number=2,
            where_given="uk_gp",
        )
        client.sign_in_as(world.nurse)
        response = client.post(
            f"/staff/passports/{world.passport.id}/add/immunisation",
            data={
                "csrf_token": csrf_token(client),
                **dose_form("mmr", born + timedelta(days=1300), dose_number="1"),
            },
        )
        html = response.get_data(as_text=True)
        assert 'id="dose_number-error"' in html
        assert db.session.scalar(select(func.count()).select_from(ImmunisationDose)) == 1


class TestTheNursesView:
    def test_the_nurse_reads_clinical_reasons_and_the_young_person_plain_ones(self, client, world):
        passport = db.session.get(Passport, world.passport.id)
        passport.date_of_birth = date(2008, 4, 10)
        passport.immunisation_records = "documented"
        db.session.commit()
        fully_immunised_2008(passport, world.nurse)
        client.sign_in_as(world.young_person)
        mine = text_of(client, "/my-passport/vaccines")
        assert "Vaccines you have had all the doses of" in mine
        assert "Courses complete" not in mine
        client.sign_in_as(world.nurse)
        theirs = text_of(client, f"/staff/passports/{world.passport.id}/vaccines")
        assert "Courses complete" in theirs
        assert "Vaccines you have had all the doses of" not in theirs

    def test_the_nurse_sees_status_evidence_and_can_add_doses(self, client, world):
        factories.create_item(
            "immunisation",
            passport=world.passport,
            by=world.nurse,
            vaccine_id="mmr",
            given_on=world.passport.date_of_birth + timedelta(days=200),
            where_given="uk_gp",
        )
        client.sign_in_as(world.nurse)
        set_records(client, world, "documented")
        text = text_of(client, f"/staff/passports/{world.passport.id}/vaccines")
        assert "Vaccines" in text and "How each dose was counted" in text
        # An MMR given before the first birthday does not count.
        evidence = text.split("How each dose was counted")[-1]
        assert "MMR vaccine" in evidence and " No " in evidence

    def test_records_form_refuses_a_made_up_value(self, client, world):
        client.sign_in_as(world.nurse)
        response = set_records(client, world, "definitely")
        assert response.status_code == 400
        assert "Not a valid choice" in response.get_data(as_text=True)
        assert db.session.get(Passport, world.passport.id).immunisation_records == "not_checked"


def test_the_adviser_sees_vaccines_only_when_shared(client, world):
    client.sign_in_as(world.adviser)
    assert "Vaccines" not in text_of(client, f"/adviser/young-people/{world.passport.id}")
    passport = db.session.get(Passport, world.passport.id)
    passport.shared_with_adviser = ["immunisations"]
    db.session.commit()
    assert "What the vaccines protect against" in text_of(
        client, f"/adviser/young-people/{world.passport.id}"
    )


class TestWhereADoseCameFrom:
    def add(self, client, world, **extra):
        client.sign_in_as(world.nurse)
        return client.post(
            f"/staff/passports/{world.passport.id}/add/immunisation",
            data={
                "csrf_token": csrf_token(client),
                **dose_form("mmr", world.passport.date_of_birth + timedelta(days=400), **extra),
            },
        )

    @pytest.mark.parametrize("kind", ["immunisation", "allergy", "medication", "condition", "contact"])
    def test_the_nurse_is_asked_and_no_answer_is_chosen_for_them(self, client, world, kind):
        """A preselected "I checked it" let a copied record go in as checked without a thought."""
        client.sign_in_as(world.nurse)
        html = client.get(f"/staff/passports/{world.passport.id}/add/{kind}").get_data(as_text=True)
        assert "Where did this come from?" in page_text(html)
        assert 'name="source" type="radio" value="nurse_verified">' in html
        assert 'name="source" type="radio" value="imported">' in html
        assert re.search(r'name="source"[^>]*checked', html) is None

    def test_no_answer_is_refused_beside_the_field_with_the_forms_other_problems(self, client, world):
        response = self.add(client, world, source="")
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert 'id="source-error"' in html and "Choose where this came from" in page_text(html)
        assert db.session.scalar(select(func.count()).select_from(ImmunisationDose)) == 0
        born = world.passport.date_of_birth
        response = client.post(
            f"/staff/passports/{world.passport.id}/add/immunisation",
            data={"csrf_token": csrf_token(client), **dose_form("mmr", born - timedelta(days=5), source="")},
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert 'id="source-error"' in html and 'id="given_on-error"' in html  # both at once
        assert 'value="mmr" selected' in html  # what they chose is kept
        assert db.session.scalar(select(func.count()).select_from(ImmunisationDose)) == 0

    def test_checked_is_saved_as_checked(self, client, world):
        assert self.add(client, world, source="nurse_verified").status_code == 302
        dose = db.session.scalar(select(ImmunisationDose))
        assert dose.source == Source.NURSE_VERIFIED and dose.verified_by_id == world.nurse.id
        young = client.application.test_client()
        young.sign_in_as(world.young_person)
        assert "Where did this come from?" not in page_text(
            young.get("/my-passport/add/immunisation").get_data(as_text=True)
        )  # theirs is self-reported

    def test_a_dose_copied_without_checking_shows_as_imported_until_a_nurse_checks_it(self, client, world):
        assert self.add(client, world, source="imported").status_code == 302
        dose = db.session.scalar(select(ImmunisationDose))
        assert dose.source == Source.IMPORTED and dose.verified_at is None
        text = page_text(client.get(f"/staff/passports/{world.passport.id}/vaccines").get_data(as_text=True))
        assert "Imported" in text and "Mark as checked" in text
        page = f"/staff/passports/{world.passport.id}"
        verify = f"{page}/immunisation/{dose.id}/verify"
        client.post(
            verify,
            data={
                "csrf_token": csrf_token(client),
                "version": seen_version(client, f"{page}/vaccines", verify),
            },
        )
        db.session.expire_all()
        checked = db.session.get(ImmunisationDose, dose.id)
        assert checked.source == Source.NURSE_VERIFIED and checked.verified_by_id == world.nurse.id

    def test_a_made_up_source_is_refused_beside_the_field(self, client, world):
        html = self.add(client, world, source="rumour").get_data(as_text=True)
        assert 'id="source-error"' in html and "Choose where this came from" in page_text(html)
        assert db.session.scalar(select(func.count()).select_from(ImmunisationDose)) == 0


def test_the_vaccine_hint_speaks_to_who_is_filling_it_in(client, world):
    client.sign_in_as(world.young_person)
    young = page_text(client.get("/my-passport/add/immunisation").get_data(as_text=True))
    assert "Your nurse will check it." in young
    client.sign_in_as(world.nurse)
    nurse = page_text(
        client.get(f"/staff/passports/{world.passport.id}/add/immunisation").get_data(as_text=True)
    )
    assert "If the record uses another name for it, choose the closest." in nurse
    assert "Your nurse will check it." not in nurse


class TestANineteenYearOldsPlan:
    """[issue #16] A 19-year-old with no reliable record had five visits all called "3-in-1 teenage booster":
    each visit now says which dose of the course it gives, on the vaccines page, the page to show the GP and
    the passport PDF; and a plan is never headed "up to date"."""

    @pytest.fixture
    def nineteen(self, world):
        young_person = factories.create_user(role=Role.YOUNG_PERSON, organisation=world.organisation)
        passport = factories.create_passport(
            organisation=world.organisation,
            team=world.team,
            legal_name="Sam Nineteen",
            age=19,
            nhs_number="9990000042",
            young_person=young_person,
            nurse=world.nurse,
            nurse_access_after_18=True,
        )
        passport.immunisation_records = "none"
        db.session.commit()
        return passport

    def test_each_visit_says_which_dose_it_gives(self, client, nineteen):
        client.sign_in_as(nineteen.young_person)
        for url in ("/my-passport/vaccines", "/my-passport/vaccines/ask-your-gp"):
            text = text_of(client, url)
            assert "3-in-1 teenage booster" not in text, url
            for number in range(1, 6):
                assert f"3-in-1 vaccine (Td/IPV): dose {number} of 5" in text, (url, number)

    def test_the_pdf_says_which_dose_each_visit_gives(self, client, nineteen):
        from tests.exports.test_exports_web import pdf_text

        client.sign_in_as(nineteen.young_person)
        pdf = client.post(
            "/my-passport/download/passport",
            data={"csrf_token": csrf_token(client), "sections": ["immunisations"]},
        ).data
        text = " ".join(pdf_text(pdf).split())
        assert "3-in-1 teenage booster" not in text
        assert "dose 1 of 5" in text and "dose 5 of 5" in text


def test_the_pdf_is_not_up_to_date_above_a_planned_visit(client, world):
    """Nothing late, a course part way through: the PDF says when the next dose can be given, as the page
    does, not "Up to date"."""
    from passport import clock
    from tests.exports.test_exports_web import pdf_text

    today = clock.today()
    passport = db.session.get(Passport, world.passport.id)
    passport.date_of_birth = date(today.year - 17, 1, 10)
    passport.immunisation_records = "documented"
    passport.sex_registered_at_birth = "female"
    db.session.commit()
    born = passport.date_of_birth
    for vaccine_id, on in (
        ("mmr", born + timedelta(days=400)),
        ("mmr", born + timedelta(days=1300)),
        ("hpv", today - timedelta(days=200)),
        ("menacwy", today - timedelta(days=200)),
        ("td_ipv", today - timedelta(days=120)),
        ("td_ipv", today - timedelta(days=90)),
        ("td_ipv", today - timedelta(days=60)),
    ):
        factories.create_item(
            "immunisation", passport=passport, by=world.nurse, vaccine_id=vaccine_id, given_on=on
        )
    client.sign_in_as(world.young_person)
    assert "Nothing is due now" in text_of(client, "/my-passport/")
    pdf = client.post(
        "/my-passport/download/passport",
        data={"csrf_token": csrf_token(client), "sections": ["immunisations"]},
    ).data
    text = " ".join(pdf_text(pdf).split())
    assert "Up to date" not in text
    assert "The next vaccine in the plan can be given from" in text
