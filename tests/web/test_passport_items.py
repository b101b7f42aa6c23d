"""The young person's passport: co-owned items with provenance, corrections, conflicts, sensitivity labels,
sharing choices and the handover at 18."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from passport import clock
from passport.extensions import db
from passport.models import Allergy, AuditEvent, Condition, CorrectionRequest, Medication, Passport, Source
from tests import factories
from tests.conftest import csrf_token, seen_version
from tests.html_checks import page_text


def text_of(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return page_text(response.get_data(as_text=True))


def date_fields(name: str, value: date | None) -> dict[str, str]:
    if value is None:
        return {f"{name}-day": "", f"{name}-month": "", f"{name}-year": ""}
    return {f"{name}-day": str(value.day), f"{name}-month": str(value.month), f"{name}-year": str(value.year)}


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client), **data})


def adviser_form(client) -> dict[str, str]:
    """The version the "What my adviser can see" form carries (services/versions.py)."""
    return {
        "sharing-version": seen_version(
            client, "/my-passport/who-can-see", "/my-passport/who-can-see/adviser"
        )
    }


class TestAddingItems:
    def test_the_young_person_adds_an_allergy_that_shows_as_self_reported(self, client, world):
        client.sign_in_as(world.young_person)
        response = post(
            client,
            "/my-passport/add/allergy",
            version="0",
            substance="Peanuts",
            reaction="Swollen lips",
            severity="severe",
            sensitivity="",
        )
        assert response.status_code == 302
        assert response.headers["Location"] == "/my-passport/health"
        text = text_of(client, "/my-passport/health")
        assert "Peanuts" in text and "Swollen lips" in text and "Severe" in text
        assert "Added by you on" in text and "Your nurse has not checked it yet" in text
        allergy = db.session.scalar(select(Allergy).where(Allergy.substance == "Peanuts"))
        assert allergy.source == Source.SELF_REPORTED and allergy.recorded_by_id == world.young_person.id

    def test_a_listed_allergy_is_kept_by_its_listed_name_and_offered_as_a_suggestion(self, client, world):
        """[issue #17] Chosen from the list (in any case), it is kept as the listed term, so exports code it;
        anything else is kept as typed."""
        client.sign_in_as(world.young_person)
        form = client.get("/my-passport/add/allergy").get_data(as_text=True)
        assert 'list="substance-suggestions"' in form and '<option value="Peanuts">' in form

        post(client, "/my-passport/add/allergy", version="0", substance=" peanuts ", severity="severe")
        post(client, "/my-passport/add/allergy", version="0", substance="Kiwi skins", severity="mild")

        kept = set(
            db.session.scalars(select(Allergy.substance).where(Allergy.passport_id == world.passport.id))
        )
        assert {"Peanuts", "Kiwi skins"} <= kept

    def test_the_nurse_sees_it_as_added_by_the_young_person_and_can_check_it(self, client, world):
        client.sign_in_as(world.nurse)
        text = text_of(client, f"/staff/passports/{world.passport.id}/health")
        name = world.young_person.display_name
        assert "Hay fever" in text and f"Added by {name} on" in text and "Not checked by a nurse yet" in text
        page = f"/staff/passports/{world.passport.id}"
        verify = f"{page}/condition/{world.own_condition.id}/verify"
        response = post(client, verify, version=seen_version(client, f"{page}/health", verify))
        assert response.status_code == 302
        condition = db.session.get(Condition, world.own_condition.id)
        assert condition.source == Source.NURSE_VERIFIED and condition.verified_by_id == world.nurse.id
        client.sign_in_as(world.young_person)
        assert f"Checked by {world.nurse.display_name} on" in text_of(client, "/my-passport/health")

    def test_a_young_person_cannot_add_a_health_assessment(self, client, world):
        client.sign_in_as(world.young_person)
        assert client.get("/my-passport/add/assessment").status_code == 404

    @pytest.mark.parametrize(
        ("url_kind", "fields", "field", "message"),
        [
            (
                "medication",
                {
                    "name": "Sertraline",
                    **date_fields("started_on", date(2025, 5, 1)),
                    **date_fields("stopped_on", date(2025, 4, 1)),
                },
                "stopped_on",
                "must be on or after the date it started",
            ),
            (
                "medication",
                {"name": "Sertraline", **date_fields("started_on", date.today() + timedelta(days=3))},
                "started_on",
                "must be today or in the past",
            ),
            (
                "registration",
                {"service": "gp", "name": "Riverside", "ods_code": "12345"},
                "ods_code",
                "a letter and 5 numbers",
            ),
            (
                "registration",
                {"service": "dentist", "name": "Smile", "postcode": "NOT A CODE"},
                "postcode",
                "Enter a real postcode",
            ),
            ("allergy", {"substance": "", "severity": "mild"}, "substance", "Enter what the allergy is to"),
            ("contact", {"role": "helpline", "name": "Night line"}, "phone", "Enter a phone number or email"),
            (
                "medication",
                {
                    "name": "Inhaler",
                    **{"started_on-day": "31", "started_on-month": "2", "started_on-year": "2024"},
                },
                "started_on",
                "Enter a real date",
            ),
        ],
    )
    def test_bad_input_is_explained_beside_the_field_and_nothing_is_saved(
        self, client, world, url_kind, fields, field, message
    ):
        model = {"medication": Medication, "registration": None, "allergy": Allergy, "contact": None}[
            url_kind
        ]
        before = db.session.scalar(select(func.count()).select_from(model)) if model else None
        client.sign_in_as(world.young_person)
        response = post(client, f"/my-passport/add/{url_kind}", version="0", sensitivity="", **fields)
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert f'id="{field}-error"' in html, html[:3000]
        assert message in html
        for value in fields.values():
            if value and len(value) > 2:
                assert f'value="{value}"' in html or f">{value}<" in html  # what was typed is kept
        if model:
            assert db.session.scalar(select(func.count()).select_from(model)) == before


class TestCorrections:
    def test_asking_accepting_and_seeing_the_change(self, client, world):
        client.sign_in_as(world.young_person)
        # A nurse-checked item cannot be changed by the young person…
        assert client.get(f"/my-passport/allergy/{world.allergy.id}/change").status_code == 403
        # …but they can ask for a correction.
        response = post(
            client,
            f"/my-passport/allergy/{world.allergy.id}/correction",
            what_is_wrong="The reaction was hives, not a rash",
        )
        assert response.status_code == 302
        assert "The reaction was hives" in text_of(client, "/my-passport/corrections")

        client.sign_in_as(world.nurse)
        queue = text_of(client, "/staff/corrections")
        assert "The reaction was hives" in queue
        request = db.session.scalar(
            select(CorrectionRequest).where(CorrectionRequest.what_is_wrong.like("%hives%"))
        )
        response = post(
            client,
            f"/staff/passports/{world.passport.id}/corrections/{request.id}",
            **{
                "item-version": str(world.allergy.version),
                "item-substance": "Penicillin",
                "item-reaction": "Hives",
                "item-severity": "moderate",
                "item-sensitivity": "",
            },
        )
        assert response.status_code == 302
        assert db.session.get(CorrectionRequest, request.id).status == "accepted"

        client.sign_in_as(world.young_person)
        health = text_of(client, "/my-passport/health")
        assert "Hives" in health and "Rash" not in health
        assert f"Checked by {world.nurse.display_name} on" in health
        assert "Corrected" in text_of(client, "/my-passport/corrections")

    def test_the_nurse_declines_with_a_reason_the_young_person_reads(self, client, world):
        client.sign_in_as(world.nurse)
        response = post(
            client,
            f"/staff/passports/{world.passport.id}/corrections/{world.correction.id}",
            **{"decline-reason": "Your GP record says penicillin."},
        )
        assert response.status_code == 302
        client.sign_in_as(world.young_person)
        text = text_of(client, "/my-passport/corrections")
        assert "Not changed" in text and "Your GP record says penicillin." in text

    def test_a_decline_needs_a_reason(self, client, world):
        client.sign_in_as(world.nurse)
        response = post(
            client,
            f"/staff/passports/{world.passport.id}/corrections/{world.correction.id}",
            **{"decline-reason": "  "},
        )
        assert "Tell the young person why the record stays as it is" in response.get_data(as_text=True)
        assert db.session.get(CorrectionRequest, world.correction.id).status == "open"

    def test_a_correction_about_my_name_goes_to_the_nurse(self, client, world):
        client.sign_in_as(world.young_person)
        post(client, "/my-passport/about-me/correction", what_is_wrong="My surname is spelt Fairwether")
        client.sign_in_as(world.nurse)
        assert "spelt Fairwether" in text_of(client, "/staff/corrections")


class TestNoLostUpdates:
    def test_a_stale_save_gets_a_conflict_showing_what_it_says_now(self, client, world, app):
        condition = world.own_condition
        stale_version = condition.version
        # The nurse changes the young person's item first…
        nurse = app.test_client()
        nurse.sign_in_as(world.nurse)
        post(
            nurse,
            f"/staff/passports/{world.passport.id}/condition/{condition.id}/change",
            version=str(stale_version),
            name="Hay fever (seasonal)",
            notes="Worse in June",
            sensitivity="",
            **date_fields("since", None),
        )
        # …then the young person saves from the copy they opened before.
        client.sign_in_as(world.young_person)
        response = post(
            client,
            f"/my-passport/condition/{condition.id}/change",
            version=str(stale_version),
            name="Hayfever",
            sensitivity="",
            **date_fields("since", None),
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 409
        assert "Someone else changed this while you were editing it" in html
        assert "What it says now" in html and "Hay fever (seasonal)" in html and "Worse in June" in html
        assert 'value="Hayfever"' in html  # their own typing is kept
        assert db.session.get(Condition, condition.id).name == "Hay fever (seasonal)"

    def test_about_me_conflict(self, client, world, app):
        version = db.session.get(Passport, world.passport.id).version
        other = app.test_client()
        other.sign_in_as(world.nurse)
        post(
            other,
            f"/staff/passports/{world.passport.id}/about-me",
            version=str(version),
            legal_name="Robin Fairweather",
            pronouns="they/them",
            care_status="in_care",
            **date_fields("date_of_birth", world.passport.date_of_birth),
            **date_fields("date_left_care", None),
        )
        client.sign_in_as(world.young_person)
        response = post(client, "/my-passport/about-me/change", version=str(version), pronouns="he/him")
        html = response.get_data(as_text=True)
        assert response.status_code == 409
        assert "Someone else changed this" in html and "they/them" in html
        assert db.session.get(Passport, world.passport.id).pronouns == "they/them"


class TestAboutMeAndNhsNumber:
    def test_the_young_person_changes_their_own_words_but_not_the_record_facts(self, client, world):
        client.sign_in_as(world.young_person)
        version = db.session.get(Passport, world.passport.id).version
        response = post(
            client,
            "/my-passport/about-me/change",
            version=str(version),
            preferred_name="Rob",
            pronouns="he/him",
            languages="English, Welsh",
            legal_name="Somebody Else",  # not a field on their form: ignored
        )
        assert response.status_code == 302
        passport = db.session.get(Passport, world.passport.id)
        assert (passport.preferred_name, passport.pronouns) == ("Rob", "he/him")
        assert passport.legal_name == "Robin Fairweather"

    def test_the_nurse_cannot_set_a_date_of_birth_in_the_future(self, client, world):
        client.sign_in_as(world.nurse)
        version = db.session.get(Passport, world.passport.id).version
        response = post(
            client,
            f"/staff/passports/{world.passport.id}/about-me",
            version=str(version),
            legal_name="Robin Fairweather",
            care_status="in_care",
            **date_fields("date_of_birth", date.today() + timedelta(days=10)),
            **date_fields("date_left_care", None),
        )
        html = response.get_data(as_text=True)
        assert 'id="date_of_birth-error"' in html and "must be today or in the past" in html
        assert db.session.get(Passport, world.passport.id).date_of_birth == world.passport.date_of_birth

    def test_a_new_nhs_number_keeps_the_old_one_in_the_history(self, client, world):
        client.sign_in_as(world.nurse)
        url = f"/staff/passports/{world.passport.id}/nhs-number"
        response = post(
            client, url, nhs_number="943 476 5919", reason="adoption", version=seen_version(client, url)
        )
        assert response.status_code == 302
        passport = db.session.get(Passport, world.passport.id)
        assert passport.current_nhs_number == "9434765919"
        assert [r.number for r in passport.nhs_numbers if r.superseded_at] == ["9990000018"]
        client.sign_in_as(world.young_person)
        text = text_of(client, "/my-passport/about-me")
        assert "943 476 5919" in text and "Earlier NHS numbers" in text and "999 000 0018" in text

    def test_an_invalid_nhs_number_is_refused(self, client, world):
        client.sign_in_as(world.nurse)
        response = post(
            client,
            f"/staff/passports/{world.passport.id}/nhs-number",
            nhs_number="987 654 4321",
            reason="correction",
        )
        html = response.get_data(as_text=True)
        assert 'id="nhs_number-error"' in html and "Enter a valid NHS number" in html
        assert db.session.get(Passport, world.passport.id).current_nhs_number == "9990000018"


class TestSensitivityAndSharing:
    def test_labelled_items_are_hidden_from_the_adviser_until_shared(self, client, world):
        factories.create_item(
            "condition", passport=world.passport, by=world.nurse, name="Low mood", sensitivity="mental_health"
        )
        factories.create_item("condition", passport=world.passport, by=world.nurse, name="Eczema")
        client.sign_in_as(world.adviser)
        text = text_of(client, f"/adviser/young-people/{world.passport.id}")
        assert "Eczema" not in text and "Low mood" not in text and "Penicillin" not in text

        client.sign_in_as(world.young_person)
        post(
            client,
            "/my-passport/who-can-see/adviser",
            **{"sharing-health_summary": "y"},
            **adviser_form(client),
        )
        client.sign_in_as(world.adviser)
        text = text_of(client, f"/adviser/young-people/{world.passport.id}")
        assert "Eczema" in text and "Penicillin" in text and "Low mood" not in text

        client.sign_in_as(world.young_person)
        post(
            client,
            "/my-passport/who-can-see/adviser",
            **{"sharing-health_summary": "y", "sharing-mental_health": "y"},
            **adviser_form(client),
        )
        client.sign_in_as(world.adviser)
        assert "Low mood" in text_of(client, f"/adviser/young-people/{world.passport.id}")
        # And the young person's "Who can see my passport" says exactly what the adviser was let see.
        client.sign_in_as(world.young_person)
        text = text_of(client, "/my-passport/who-can-see")
        assert (
            "You also let them see: My health summary: conditions, allergies and medicines "
            "Things about my mental health"
        ) in text
        assert "personal advisers in the same team can also see it" in text

    def test_the_young_person_and_nurse_see_labelled_items_marked(self, client, world):
        factories.create_item(
            "condition", passport=world.passport, by=world.nurse, name="Low mood", sensitivity="mental_health"
        )
        for user, url in (
            (world.young_person, "/my-passport/health"),
            (world.nurse, f"/staff/passports/{world.passport.id}/health"),
        ):
            client.sign_in_as(user)
            text = text_of(client, url)
            assert "Low mood" in text and "Mental health" in text


class TestHandoverAt18:
    def test_at_19_the_young_person_turns_off_their_nurses_access(self, client, world):
        adult = factories.create_user(role=factories.Role.YOUNG_PERSON, organisation=world.organisation)
        passport = factories.create_passport(
            organisation=world.organisation,
            team=world.team,
            age=19,
            young_person=adult,
            nurse=world.nurse,
            adviser=world.adviser,
        )
        client.sign_in_as(world.nurse)
        assert client.get(f"/staff/passports/{passport.id}").status_code == 200
        client.sign_in_as(adult)
        assert "You are 18 or over" in text_of(client, "/my-passport/who-can-see")
        version = seen_version(client, "/my-passport/who-can-see", "/my-passport/who-can-see/after-18")
        post(
            client,
            "/my-passport/who-can-see/after-18",
            **{"access-nurse": "no", "access-adviser": "yes", "access-version": version},
        )
        client.sign_in_as(world.nurse)
        assert client.get(f"/staff/passports/{passport.id}").status_code == 403
        client.sign_in_as(world.adviser)
        assert client.get(f"/adviser/young-people/{passport.id}").status_code == 200
        client.sign_in_as(adult)
        text = text_of(client, "/my-passport/who-can-see")
        assert "Cannot see it now" in text

    def test_the_switch_happens_on_the_birthday_without_any_job_running(self, app, client, world):
        adult = factories.create_user(role=factories.Role.YOUNG_PERSON, organisation=world.organisation)
        passport = factories.create_passport(
            organisation=world.organisation,
            team=world.team,
            date_of_birth=date(2009, 3, 10),
            young_person=adult,
            nurse=world.nurse,
            nurse_access_after_18=False,
        )
        url = f"/staff/passports/{passport.id}"
        app.config["FROZEN_NOW"] = clock.now().replace(year=2027, month=3, day=9, hour=12)
        client.sign_in_as(world.nurse)
        assert client.get(url).status_code == 200
        app.config["FROZEN_NOW"] = clock.now().replace(year=2027, month=3, day=10, hour=12)
        client.sign_in_as(world.nurse)
        assert client.get(url).status_code == 403

    def test_thirty_days_before_everyone_is_told(self, app, client, world):
        """The young person, their nurse and their adviser each see the notice in the 30 days before the
        18th birthday, and not before."""
        person = factories.create_user(role=factories.Role.YOUNG_PERSON, organisation=world.organisation)
        passport = factories.create_passport(
            organisation=world.organisation,
            team=world.team,
            date_of_birth=date(2009, 3, 10),
            young_person=person,
            nurse=world.nurse,
            adviser=world.adviser,
        )
        pages = {
            person: ("/my-passport/", "You turn 18 on 10 March 2027"),
            world.nurse: (f"/staff/passports/{passport.id}", "turns 18 on 10 March 2027"),
            world.adviser: (f"/adviser/young-people/{passport.id}", "turns 18 on 10 March 2027"),
        }
        for day, told in ((date(2027, 2, 7), False), (date(2027, 2, 9), True)):
            noon = clock.now().replace(year=day.year, month=day.month, day=day.day, hour=12)
            app.config["FROZEN_NOW"] = noon
            for user, (url, notice) in pages.items():
                client.sign_in_as(user)
                assert (notice in text_of(client, url)) is told, (day, url)


class TestTransparency:
    def test_staff_views_and_changes_show_in_who_looked_but_not_my_own(self, client, world):
        client.sign_in_as(world.nurse)
        client.get(f"/staff/passports/{world.passport.id}")
        client.sign_in_as(world.young_person)
        post(
            client,
            "/my-passport/add/allergy",
            version="0",
            substance="Latex",
            severity="mild",
            sensitivity="",
        )
        text = text_of(client, "/my-passport/who-looked")
        assert f"{world.nurse.display_name} (Nurse)" in text and "Looked at your passport" in text
        assert "Latex" not in text  # no health data in the log
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.passport_id == world.passport.id)
        ).all()
        assert all("Latex" not in str(e.details) for e in events)

    # A plausible value for each detail an event must carry, to record every kind of event there is.
    SAMPLE_DETAILS = {
        "item_kind": "allergy",
        "export": "passport_pdf",
        "view": "staff_page",
        "why": "stopped",
        "sections": "about_me,immunisations",
        "label": "New GP",
        "attached_to": "papers",
        "where": "page",
        "expires_on": "2027-01-05",
    }

    def test_which_part_is_never_empty_on_who_looked(self, client, world):
        """Every kind of event the young person reads names a part of their passport: an empty cell
        read as a fault. Birth history, SDQ and EHCP events, and a paper added to the birth history, say
        only "Your passport", so the log still reveals nothing about them."""
        from passport.services import audit

        kinds = [spec for spec in audit.EVENT_TYPES.values() if spec.plain_words is not None]
        for spec in kinds:
            details = {name: self.SAMPLE_DETAILS.get(name, "1") for name in spec.required}
            audit.record(spec.name, actor=world.nurse, passport=world.passport, **details)
        audit.record(
            "attachment_added",
            actor=world.nurse,
            passport=world.passport,
            attachment_id="1",
            attached_to="birth_history",
        )
        db.session.commit()
        client.sign_in_as(world.young_person)
        html = client.get("/my-passport/who-looked").get_data(as_text=True)
        rows = re.findall(r'<tr role="row" class="nhsuk-table__row">(.*?)</tr>', html, re.S)
        parts = {}
        for row in rows:
            cells = [page_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            what, part = cells[2].removeprefix("What they did "), cells[3].removeprefix("Which part")
            parts.setdefault(what, set()).add(part.strip())
        assert sum(len(found) for found in parts.values()) >= len({str(k.plain_words) for k in kinds})
        assert all(part for found in parts.values() for part in found), parts
        assert parts["Added a photo or file"] == {"My photos and files", "Your passport"}
        assert parts["Made a code so you can sign up"] == {"Your account"}
        assert parts["Created your passport"] == {"Your whole passport"}
        assert parts["Updated your passport"] == {"Your passport"}  # birth history, SDQ, EHCP

    def test_each_page_of_the_nurses_passport_she_opens_is_on_who_looked(self, client, world):
        """The nurse's passport is a page per area: opening any of them is logged, naming the area."""
        client.sign_in_as(world.nurse)
        base = f"/staff/passports/{world.passport.id}"
        for area in ("", "/about", "/vaccines", "/health", "/gp-and-contacts", "/assessments-and-plan"):
            assert client.get(base + area).status_code == 200
        client.sign_in_as(world.young_person)
        html = client.get("/my-passport/who-looked").get_data(as_text=True)
        rows = re.findall(r'<tr role="row" class="nhsuk-table__row">(.*?)</tr>', html, re.S)
        looked = [[page_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]
        parts = {
            cells[3].removeprefix("Which part").strip()
            for cells in looked
            if "Looked at your passport" in cells[2] and world.nurse.display_name in cells[1]
        }
        assert parts == {
            "Your whole passport",
            "About me",
            "My vaccines",
            "My health",
            "People who can help",
            "Assessments and plan",
        }

    def test_who_can_see_names_the_nurse_and_adviser(self, client, world):
        client.sign_in_as(world.young_person)
        text = text_of(client, "/my-passport/who-can-see")
        assert f"{world.nurse.display_name}, Nurse" in text
        assert f"{world.adviser.display_name}, Personal adviser" in text


class TestContactsAndGp:
    def test_contacts_now_later_and_past(self, client, world):
        today = date.today()
        f = factories.create_item
        f(
            "contact",
            passport=world.passport,
            by=world.nurse,
            role="personal_adviser",
            name="Current Adviser",
            phone="0300 000 0001",
            from_on=today - timedelta(days=30),
        )
        f(
            "contact",
            passport=world.passport,
            by=world.nurse,
            role="camhs",
            name="Old Camhs Worker",
            phone="0300 000 0002",
            until_on=today - timedelta(days=1),
        )
        f(
            "contact",
            passport=world.passport,
            by=world.nurse,
            role="adult_mental_health",
            name="Future Worker",
            phone="0300 000 0003",
            from_on=today + timedelta(days=60),
        )
        client.sign_in_as(world.young_person)
        html = client.get("/my-passport/").get_data(as_text=True)
        now_block = page_text(html.split("Who to contact now")[1].split("My passport")[0])
        assert "Current Adviser" in now_block and "Old Camhs Worker" not in now_block
        assert "Future Worker" not in now_block
        contacts = client.get("/my-passport/contacts").get_data(as_text=True)
        assert "Past contacts" in contacts and "Coming up" in contacts
        past = page_text(contacts.split("Past contacts")[1])
        assert "Old Camhs Worker" in past

    def test_no_gp_explains_how_to_register(self, client, world):
        client.sign_in_as(world.young_person)
        text = text_of(client, "/my-passport/gp-and-services")
        assert "You do not need proof of address or ID" in text
        assert "immigration status" in text and "temporary address" in text

    def test_with_a_gp_the_overview_names_it(self, client, world):
        factories.create_item(
            "registration",
            passport=world.passport,
            by=world.nurse,
            service="gp",
            name="Riverside Medical Centre",
            ods_code="K81003",
        )
        client.sign_in_as(world.young_person)
        assert "Your GP: Riverside Medical Centre" in text_of(client, "/my-passport/")


class TestRemoving:
    def test_the_young_person_removes_their_own_item_and_it_is_kept_archived(self, client, world):
        client.sign_in_as(world.young_person)
        assert client.get(f"/my-passport/condition/{world.own_condition.id}/remove").status_code == 200
        remove = f"/my-passport/condition/{world.own_condition.id}/remove"
        post(client, remove, version=seen_version(client, remove))
        assert "Hay fever" not in text_of(client, "/my-passport/health")
        assert db.session.get(Condition, world.own_condition.id).archived_at is not None


class TestQueriesDoNotGrowWithItems:
    @staticmethod
    def count_queries(client, url) -> int:
        statements = []

        def count(*args, **kwargs):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    # page -> (who opens it, a text that shows the 50th item is really listed there, or None)
    PAGES = {
        "/my-passport/": ("young_person", None),  # the overview counts items rather than listing them
        "/my-passport/health": ("young_person", "Thing 49"),
        "/my-passport/gp-and-services": ("young_person", "Clinic 49"),
        "/my-passport/vaccines": ("young_person", None),
        "/my-passport/contacts": ("young_person", "Line 49"),
        "/my-passport/plan": ("young_person", "Book the check-up number 49 soon"),
        "/my-passport/my-data": ("young_person", None),
        "/staff/passports/{id}": ("nurse", None),  # the summary: what needs doing, not the items
        "/staff/passports/{id}/about": ("nurse", None),
        "/staff/passports/{id}/health": ("nurse", "Medicine 49"),
        "/staff/passports/{id}/vaccines": ("nurse", None),
        "/staff/passports/{id}/gp-and-contacts": ("nurse", "Line 49"),
        "/staff/passports/{id}/assessments-and-plan": ("nurse", "Book the check-up number 49 soon"),
        "/staff/passports/{id}/leaving-pack": ("nurse", None),
        "/adviser/young-people/{id}": ("adviser", "Condition 49"),
    }

    @staticmethod
    def add_items(world, n: int, start: int) -> None:
        """n of every kind of item, and a health-plan action, each different."""
        f = factories
        born = world.passport.date_of_birth
        for i in range(start, start + n):
            by = world.nurse
            f.create_item("allergy", passport=world.passport, by=by, substance=f"Thing {i}")
            f.create_item("condition", passport=world.passport, by=by, name=f"Condition {i}")
            f.create_item("medication", passport=world.passport, by=by, name=f"Medicine {i}", dose="1")
            f.create_item("registration", passport=world.passport, by=by, service="other", name=f"Clinic {i}")
            f.create_item(
                "contact",
                passport=world.passport,
                by=by,
                role="helpline",
                name=f"Line {i}",
                phone="0800 000 000",
            )
            f.create_item(
                "immunisation",
                passport=world.passport,
                by=by,
                vaccine_id="flu",
                given_on=born + timedelta(days=400 + 30 * i),
                where_given="uk_gp",
            )
            assessment = f.create_item(
                "assessment",
                passport=world.passport,
                by=by,
                kind="review",
                assessed_on=born + timedelta(days=i),
            )
            action = f.create_health_action(
                passport=world.passport, by=by, what=f"Book the check-up number {i} soon"
            )
            action.assessment_id = assessment.id  # agreed at that assessment
            db.session.commit()

    @pytest.mark.parametrize("page", list(PAGES))
    def test_a_page_makes_the_same_number_of_queries_for_5_and_50_items(self, client, world, page):
        url = page.format(id=world.passport.id)
        persona, marker = self.PAGES[page]
        user = getattr(world, persona)
        if user is world.adviser:  # let the adviser see the health items too, so they are on the page
            passport = db.session.get(Passport, world.passport.id)
            passport.shared_with_adviser = ["health_summary", "immunisations", "health_plan"]
            db.session.commit()
        self.add_items(world, 5, 0)
        client.sign_in_as(user)
        client.get(url)  # warm up
        few = self.count_queries(client, url)
        self.add_items(world, 45, 5)
        many = self.count_queries(client, url)
        assert few == many, (few, many)
        if marker:  # the items really are on the page
            assert marker in client.get(url).get_data(as_text=True)


def test_an_unlabelled_item_opens_with_no_label_chosen(client, world):
    client.sign_in_as(world.young_person)
    html = client.get(f"/my-passport/condition/{world.own_condition.id}/change").get_data(as_text=True)
    no_option = html.split('name="sensitivity" type="radio" value=""')[1].split(">")[0]
    assert "checked" in no_option


def test_the_overview_counts_health_items_one_to_a_line(client, world):
    """In every language: no comma joins them, so none is wrong for Arabic (،) or Tigrinya (፣)."""
    client.sign_in_as(world.young_person)
    html = client.get("/my-passport/").get_data(as_text=True)
    for count in ("1 allergy", "0 medicines", "1 health condition"):
        assert f"<li>{count}</li>" in html


class TestTheAfter18Question:
    """Access after 18 is asked, not assumed (issue #15): the young person is asked on their overview and on
    "who can see" in the 30 days before; no answer means the nurse's access ends on the birthday; the adviser
    keeps readiness only."""

    def passport(self, world, person):
        return factories.create_passport(
            organisation=world.organisation,
            team=world.team,
            date_of_birth=date(2009, 3, 10),
            young_person=person,
            nurse=world.nurse,
            adviser=world.adviser,
            nurse_access_after_18=None,
            adviser_access_after_18=None,
        )

    def on(self, app, day: date) -> None:
        app.config["FROZEN_NOW"] = clock.now().replace(year=day.year, month=day.month, day=day.day, hour=12)

    def test_asked_on_the_overview_in_the_30_days_before_and_answered_there(self, app, client, world):
        person = factories.create_user(role=factories.Role.YOUNG_PERSON, organisation=world.organisation)
        passport = self.passport(world, person)
        self.on(app, date(2027, 2, 7))
        client.sign_in_as(person)
        assert "Who can see your passport after you turn 18?" not in text_of(client, "/my-passport/")
        self.on(app, date(2027, 2, 20))
        client.sign_in_as(person)
        overview = text_of(client, "/my-passport/")
        assert "Who can see your passport after you turn 18?" in overview
        assert "If you do not answer, your nurse will not be able to see it from that day." in overview
        client.sign_in_as(world.nurse)
        assert "They have not answered the question" in text_of(client, f"/staff/passports/{passport.id}")
        client.sign_in_as(world.adviser)
        assert "They have not answered the question" in text_of(
            client, f"/adviser/young-people/{passport.id}"
        )
        client.sign_in_as(person)
        response = client.post(
            "/my-passport/who-can-see/after-18",
            data={
                "csrf_token": csrf_token(client),
                "access-nurse": "yes",
                "access-adviser": "no",
                "access-version": seen_version(client, "/my-passport/", "/my-passport/who-can-see/after-18"),
                "from": "overview",
            },
        )
        assert response.status_code == 302 and response.headers["Location"].endswith("/my-passport/")
        saved = db.session.get(Passport, passport.id)
        assert (saved.nurse_access_after_18, saved.adviser_access_after_18) == (True, False)
        assert "Who can see your passport after you turn 18?" not in text_of(client, "/my-passport/")
        client.sign_in_as(world.nurse)
        assert "They have said you can still see it after that." in text_of(
            client, f"/staff/passports/{passport.id}"
        )

    def test_half_an_answer_is_asked_again_beside_the_missing_part(self, app, client, world):
        person = factories.create_user(role=factories.Role.YOUNG_PERSON, organisation=world.organisation)
        passport = self.passport(world, person)
        client.sign_in_as(person)
        response = client.post(
            "/my-passport/who-can-see/after-18",
            data={
                "csrf_token": csrf_token(client),
                "access-nurse": "yes",
                "access-version": seen_version(
                    client, "/my-passport/who-can-see", "/my-passport/who-can-see/after-18"
                ),
            },
        )
        assert response.status_code == 400
        text = page_text(response.get_data(as_text=True))
        assert "Choose yes or no for your personal adviser" in text
        assert db.session.get(Passport, passport.id).nurse_access_after_18 is None  # nothing half-saved

    def test_no_answer_ends_the_nurses_access_on_the_birthday_and_leaves_the_adviser_readiness(
        self, app, client, world
    ):
        person = factories.create_user(role=factories.Role.YOUNG_PERSON, organisation=world.organisation)
        passport = self.passport(world, person)
        self.on(app, date(2027, 3, 9))
        client.sign_in_as(world.nurse)
        assert client.get(f"/staff/passports/{passport.id}").status_code == 200
        self.on(app, date(2027, 3, 10))
        client.sign_in_as(world.nurse)
        assert client.get(f"/staff/passports/{passport.id}").status_code == 403
        client.sign_in_as(world.adviser)
        page = text_of(client, f"/adviser/young-people/{passport.id}")
        assert "has not said you can see their passport" in page
        assert "999 000 0018" not in page  # the NHS number is About me: not theirs to see now
        client.sign_in_as(person)
        assert "Who can see your passport after you turn 18?" in text_of(client, "/my-passport/")


class TestTheLabelQuestionSpeaksToItsReader:
    """The question "Is this about mental health or sexual health?" is on the young person's forms and the
    nurse's: each reads about who sees it in their own words."""

    @pytest.mark.parametrize("path", ["/my-passport/add/condition", "/my-passport/papers/add"])
    def test_the_young_person_reads_about_themselves(self, client, world, path):
        client.sign_in_as(world.young_person)
        text = text_of(client, path)
        assert "only you and your nurse can see it" in text
        assert "the young person" not in text

    @pytest.mark.parametrize("path", ["/add/condition", "/papers/add"])
    def test_the_nurse_reads_about_the_young_person(self, client, world, path):
        client.sign_in_as(world.nurse)
        text = text_of(client, f"/staff/passports/{world.passport.id}{path}")
        assert "only the young person and their nurse see it" in text
