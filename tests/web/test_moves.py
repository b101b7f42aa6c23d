"""Health plans, out-of-area grants and transfers between organisations."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from passport import clock
from passport.extensions import db
from passport.models import AccessGrant, AuditEvent, HealthAction, Passport
from passport.services import moves
from tests import factories
from tests.conftest import csrf_token, seen_version
from tests.html_checks import main_text, page_text


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client), **data})


def date_fields(name: str, value: date) -> dict[str, str]:
    return {f"{name}-day": str(value.day), f"{name}-month": str(value.month), f"{name}-year": str(value.year)}


class TestHealthPlan:
    def test_an_action_must_be_specific_owned_and_dated(self, client, world):
        client.sign_in_as(world.nurse)
        url = f"/staff/passports/{world.passport.id}/plan/new"
        html = post(client, url, what="review", owner="").get_data(as_text=True)
        assert "Say exactly what will be done" in html
        assert "Choose who will do it" in html and "Enter the date it should be done by" in html
        assert 'value="review"' in html or ">review<" in html
        count = len(db.session.scalars(select(HealthAction)).all())
        response = post(
            client,
            url,
            what="Ask the GP for a referral to the asthma nurse",
            owner="gp",
            **date_fields("due_on", date.today() + timedelta(days=30)),
        )
        assert response.status_code == 302
        assert len(db.session.scalars(select(HealthAction)).all()) == count + 1

    def test_an_action_agreed_at_an_assessment_says_which(self, client, world):
        held_on = date.today() - timedelta(days=3)
        assessment = factories.create_item(
            "assessment", passport=world.passport, by=world.nurse, kind="review", assessed_on=held_on
        )
        client.sign_in_as(world.nurse)
        link = f"/staff/passports/{world.passport.id}/plan/new?assessment={assessment.id}"
        page = client.get(f"/staff/passports/{world.passport.id}/assessments-and-plan").get_data(as_text=True)
        assert link in page
        form = client.get(link).get_data(as_text=True)
        assert re.search(
            rf'<option[^>]*selected[^>]*value="{assessment.id}"|<option[^>]*value="{assessment.id}"[^>]*selected',
            form,
        )
        response = post(
            client,
            f"/staff/passports/{world.passport.id}/plan/new",
            what="Book an eye test at Clearview Opticians",
            owner="young_person",
            assessment=str(assessment.id),
            **date_fields("due_on", date.today() + timedelta(days=30)),
        )
        assert response.status_code == 302
        action = db.session.scalar(
            select(HealthAction).where(HealthAction.what.startswith("Book an eye test"))
        )
        assert action.assessment_id == assessment.id
        client.sign_in_as(world.young_person)
        text = main_text(client.get("/my-passport/plan").get_data(as_text=True))
        assert f"Agreed at: Review health assessment, {held_on.day} {held_on:%B %Y}" in text

    def test_an_assessment_of_another_young_person_is_refused(self, client, world):
        theirs = factories.create_item(
            "assessment",
            passport=world.other_passport,
            by=world.other_team_nurse,
            kind="review",
            assessed_on=date.today(),
        )
        client.sign_in_as(world.nurse)
        before = len(db.session.scalars(select(HealthAction)).all())
        html = post(
            client,
            f"/staff/passports/{world.passport.id}/plan/new",
            what="Book an eye test at Clearview Opticians",
            owner="young_person",
            assessment=str(theirs.id),
            **date_fields("due_on", date.today() + timedelta(days=30)),
        ).get_data(as_text=True)
        assert "Choose one of this young person&#39;s health assessments" in html or (
            "Choose one of this young person's health assessments" in main_text(html)
        )
        assert 'id="assessment-error"' in html
        assert len(db.session.scalars(select(HealthAction)).all()) == before

    def test_the_young_person_marks_their_own_action_done(self, client, world):
        client.sign_in_as(world.young_person)
        text = main_text(client.get("/my-passport/plan").get_data(as_text=True))
        assert "Book a dentist check-up at Smile Dental" in text and "To do" in text
        done = f"/my-passport/plan/{world.health_action.id}/done"
        post(client, done, version=seen_version(client, "/my-passport/plan", done))
        action = db.session.get(HealthAction, world.health_action.id)
        assert action.status == "done" and action.done_on == date.today()

    def test_the_young_person_cannot_mark_the_gps_action(self, client, world):
        gp_action = factories.create_health_action(
            passport=world.passport,
            by=world.nurse,
            owner="gp",
            what="Refer to the asthma clinic at Riverside",
        )
        client.sign_in_as(world.young_person)
        html = client.get("/my-passport/plan").get_data(as_text=True)
        assert f"/my-passport/plan/{gp_action.id}/done" not in html
        post(client, f"/my-passport/plan/{gp_action.id}/done")
        assert db.session.get(HealthAction, gp_action.id).status == "agreed"

    def test_overdue_actions_across_the_caseload(self, app, client, world):
        client.sign_in_as(world.nurse)
        assert "Book a dentist check-up" not in main_text(
            client.get("/staff/overdue-actions").get_data(as_text=True)
        )
        app.config["FROZEN_NOW"] = clock.now() + timedelta(days=20)
        client.sign_in_as(world.nurse)
        assert "Book a dentist check-up" in main_text(
            client.get("/staff/overdue-actions").get_data(as_text=True)
        )

    def test_not_done_needs_a_reason(self, client, world):
        client.sign_in_as(world.nurse)
        url = f"/staff/passports/{world.passport.id}/plan/{world.health_action.id}"
        version = seen_version(client, url)
        assert "Say why it was not done" in post(client, url, reason="", version=version).get_data(
            as_text=True
        )
        post(client, url, reason="Moved placement before the appointment", version=version)
        action = db.session.get(HealthAction, world.health_action.id)
        assert action.status == "not_done" and action.not_done_reason.startswith("Moved placement")

    def test_the_adviser_sees_the_plan_only_when_shared(self, client, world):
        client.sign_in_as(world.adviser)
        assert "Book a dentist" not in page_text(
            client.get(f"/adviser/young-people/{world.passport.id}").get_data(as_text=True)
        )
        client.sign_in_as(world.young_person)
        version = seen_version(client, "/my-passport/who-can-see", "/my-passport/who-can-see/adviser")
        post(
            client,
            "/my-passport/who-can-see/adviser",
            **{"sharing-health_plan": "y", "sharing-version": version},
        )
        client.sign_in_as(world.adviser)
        assert "Book a dentist" in page_text(
            client.get(f"/adviser/young-people/{world.passport.id}").get_data(as_text=True)
        )


class TestEhcp:
    def test_the_nurse_records_an_ehcp_and_is_pointed_to_the_senco(self, client, world):
        client.sign_in_as(world.nurse)
        url = f"/staff/passports/{world.passport.id}"
        review = date.today() + timedelta(days=60)
        version = seen_version(client, f"{url}/ehcp")
        response = post(
            client, f"{url}/ehcp", has_ehcp="y", version=version, **date_fields("ehcp_review_on", review)
        )
        assert response.status_code == 302
        text = main_text(client.get(f"{url}/assessments-and-plan").get_data(as_text=True))
        assert f"Has an EHCP. Next review on {review.day} {review:%B %Y}." in text
        assert "No special educational needs coordinator (SENCO) in their contacts yet. Add a contact" in text
        factories.create_item(
            "contact",
            passport=world.passport,
            by=world.nurse,
            role="sen_coordinator",
            name="Mrs Invented",
            phone="0300 000 0400",
        )
        text = main_text(client.get(f"{url}/assessments-and-plan").get_data(as_text=True))
        assert "Special educational needs coordinator (SENCO): Mrs Invented 0300 000 0400" in text

    def test_an_impossible_review_date_is_refused_beside_the_field_and_nothing_saved(self, client, world):
        client.sign_in_as(world.nurse)
        html = post(
            client,
            f"/staff/passports/{world.passport.id}/ehcp",
            has_ehcp="y",
            **{"ehcp_review_on-day": "31", "ehcp_review_on-month": "2", "ehcp_review_on-year": "2027"},
        ).get_data(as_text=True)
        assert 'id="ehcp_review_on-error"' in html
        assert db.session.get(Passport, world.passport.id).has_ehcp is False


class TestOutOfAreaGrants:
    def test_the_admin_grants_a_host_nurse_who_then_sees_but_cannot_change(self, client, world):
        passport = world.unclaimed_passport
        client.sign_in_as(world.admin)
        response = post(
            client,
            f"/admin/young-people/{passport.id}/out-of-area",
            grantee_email=world.other_nurse.email,
            scope="see",
            **date_fields("starts_on", date.today()),
            **date_fields("ends_on", date.today() + timedelta(days=60)),
        )
        assert response.status_code == 302
        client.sign_in_as(world.other_nurse)
        assert "Morgan Ashdown" in main_text(client.get("/staff/caseload").get_data(as_text=True))
        page = client.get(f"/staff/passports/{passport.id}")
        assert page.status_code == 403  # the curation screen: a "see" grant does not curate
        assert client.get(f"/adviser/young-people/{passport.id}").status_code == 200
        events = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.passport_id == passport.id, AuditEvent.event_type == "access_granted"
            )
        ).all()
        assert events and events[0].details["grantee_organisation"] == world.other_organisation.name

    def test_a_see_and_curate_grant_lets_them_curate_and_the_audit_names_both_organisations(
        self, client, world
    ):
        passport = world.unclaimed_passport
        factories.create_grant(
            passport=passport, grantee=world.other_nurse, by=world.admin, scope="see_and_curate"
        )
        client.sign_in_as(world.other_nurse)
        assert client.get(f"/staff/passports/{passport.id}").status_code == 200
        event = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.passport_id == passport.id, AuditEvent.event_type == "passport_viewed"
            )
        ).first()
        assert event.details["actor_organisation"] == world.other_organisation.name
        assert event.details["responsible_organisation"] == world.organisation.name

    def test_access_ends_by_itself_on_the_end_date(self, app, client, world):
        client.sign_in_as(world.other_nurse)
        assert client.get(f"/adviser/young-people/{world.passport.id}").status_code == 200
        app.config["FROZEN_NOW"] = clock.now() + timedelta(days=31)
        client.sign_in_as(world.other_nurse)
        assert client.get(f"/adviser/young-people/{world.passport.id}").status_code == 404
        assert "Robin Fairweather" not in main_text(client.get("/staff/caseload").get_data(as_text=True))

    def test_the_young_person_sees_who_that_is(self, client, world):
        client.sign_in_as(world.young_person)
        text = main_text(client.get("/my-passport/who-can-see").get_data(as_text=True))
        assert world.other_nurse.display_name in text and world.other_organisation.name in text
        assert "A nurse in the area where you live now" in text

    def test_the_admin_sees_which_grants_still_run(self, client, world):
        passport = world.unclaimed_passport
        running = factories.create_grant(passport=passport, grantee=world.other_nurse, by=world.admin)
        over = factories.create_grant(
            passport=passport, grantee=world.other_nurse, by=world.admin, starts=-90, ends=-1
        )
        stopped = factories.create_grant(
            passport=passport, grantee=world.other_nurse, by=world.admin, scope="see_and_curate", starts=-5
        )
        url = f"/admin/young-people/{passport.id}/out-of-area"
        client.sign_in_as(world.admin)
        assert post(client, f"{url}/{stopped.id}/end").status_code == 302
        html = client.get(url).get_data(as_text=True)
        heading = f"{world.other_nurse.display_name}, {world.other_organisation.name} "
        cards = main_text(html).split(heading)[1:]
        assert len(cards) == 3  # by start date: the one that is over, the one stopped, the one running
        assert cards[0].startswith(f"See the passport. From {over.starts_on.strftime('%-d %B %Y')}")
        assert "Ended" in cards[0] and "Ended early" not in cards[0]
        assert cards[1].startswith("See and update the passport.") and "Ended early" in cards[1]
        assert "End this access now" in cards[2] and "Ended" not in cards[2]
        assert re.findall(r'action="([^"]+/end)"', html) == [f"{url}/{running.id}/end"]

    def test_a_nurse_of_my_own_organisation_cannot_be_granted(self, client, world):
        client.sign_in_as(world.admin)
        html = post(
            client,
            f"/admin/young-people/{world.passport.id}/out-of-area",
            grantee_email=world.other_team_nurse.email,
            scope="see",
            **date_fields("starts_on", date.today()),
            **date_fields("ends_on", date.today() + timedelta(days=5)),
        ).get_data(as_text=True)
        assert "works in your organisation" in html


def snapshot(passport_id) -> dict:
    """Every row that belongs to a passport, in every table, as plain data."""
    result = {}
    for table in db.metadata.sorted_tables:
        if "passport_id" in table.c:
            condition = table.c.passport_id == passport_id
        elif table.name == "passport":
            condition = table.c.id == passport_id
        else:
            continue
        rows = db.session.execute(select(table).where(condition)).mappings()
        result[table.name] = sorted(json.dumps(dict(r), default=str, sort_keys=True) for r in rows)
    return result


class TestTransfer:
    def test_the_whole_passport_moves_and_the_old_organisation_loses_access(self, client, world):
        passport = world.passport
        factories.create_consent(passport=passport, by=world.nurse)
        factories.create_item(
            "immunisation",
            passport=passport,
            by=world.nurse,
            vaccine_id="mmr",
            given_on=passport.date_of_birth + timedelta(days=400),
            where_given="uk_gp",
        )
        db.session.expire_all()
        before = snapshot(passport.id)
        client.sign_in_as(world.admin)
        url = f"/admin/young-people/{passport.id}/transfer"
        response = post(
            client,
            url,
            to_organisation=str(world.other_organisation.id),
            reason="Moved to live with family",
            version=seen_version(client, url),
        )
        assert response.status_code == 302
        db.session.expire_all()
        after = snapshot(passport.id)
        # Nothing about the young person changed or went missing; only who is responsible (and the
        # care team and grants the old organisation gave, which end) and the new records of the move.
        changed = {"passport", "assignment", "access_grant", "audit_event", "passport_transfer"}
        unchanged = [t for t in before if t not in changed]
        for table in unchanged:
            assert after[table] == before[table], table
        # In the rows that do change, every field but those of the move itself stays as it was.
        expected_to_change = {
            "passport": {"organisation_id", "team_id", "version", "updated_at"},
            "assignment": {"ended_at"},
            "access_grant": {"revoked_at", "revoked_by_id"},
        }
        for table, fields in expected_to_change.items():
            old_rows = sorted((json.loads(row) for row in before[table]), key=lambda row: row["id"])
            new_rows = sorted((json.loads(row) for row in after[table]), key=lambda row: row["id"])
            assert [r["id"] for r in old_rows] == [r["id"] for r in new_rows], table
            for old, new in zip(old_rows, new_rows, strict=True):
                differing = {key for key in old if old[key] != new[key]}
                assert differing <= fields, (table, differing - fields)
        assert set(before["audit_event"]) <= set(after["audit_event"])
        assert len(after["passport_transfer"]) == 1
        moved = db.session.get(Passport, passport.id)
        assert moved.organisation_id == world.other_organisation.id and moved.team_id is None
        assert all(a.ended_at is not None for a in moved.assignments)
        assert all(g.revoked_at is not None for g in db.session.scalars(select(AccessGrant)))
        # The old organisation loses it; the new one's admin can assign a nurse; both see the record.
        client.sign_in_as(world.nurse)
        assert client.get(f"/staff/passports/{passport.id}").status_code == 404
        client.sign_in_as(world.other_admin)
        assert client.get(f"/admin/young-people/{passport.id}/care-team").status_code == 200
        for admin in (world.admin, world.other_admin):
            client.sign_in_as(admin)
            assert "passport_transferred" in main_text(client.get("/admin/audit").get_data(as_text=True))
        client.sign_in_as(world.young_person)
        assert client.get("/my-passport/").status_code == 200  # the young person keeps their passport

    def test_a_transfer_needs_a_destination_and_a_reason(self, client, world):
        client.sign_in_as(world.admin)
        url = f"/admin/young-people/{world.passport.id}/transfer"
        html = post(client, url, to_organisation="", reason="", version=seen_version(client, url)).get_data(
            as_text=True
        )
        assert "Choose the organisation the young person is moving to" in html and "Say why" in html
        assert db.session.get(Passport, world.passport.id).organisation_id == world.organisation.id

    def test_a_failure_half_way_moves_nothing(self, monkeypatch, world):
        def broken(*args, **kwargs):
            raise RuntimeError("the database went away")

        admin = db.session.get(type(world.admin), world.admin.id)
        passport = db.session.get(Passport, world.passport.id)
        monkeypatch.setattr("passport.services.moves.audit.record", broken)
        with pytest.raises(RuntimeError):
            moves.transfer(
                admin,
                passport,
                to_organisation=world.other_organisation,
                reason="Moving",
                seen_version=passport.version,
            )
        db.session.expire_all()
        assert db.session.get(Passport, world.passport.id).organisation_id == world.organisation.id
        assert all(a.ended_at is None for a in db.session.get(Passport, world.passport.id).assignments)


class TestAuditLogFilters:
    def test_filter_by_what_and_who(self, client, world):
        client.sign_in_as(world.nurse)
        client.get(f"/staff/passports/{world.passport.id}")
        client.sign_in_as(world.admin)
        text = main_text(
            client.get("/admin/audit", query_string={"event_type": "passport_viewed"}).get_data(as_text=True)
        )
        assert "passport_viewed" in text and "signed_in" not in text
        other = main_text(
            client.get(
                "/admin/audit", query_string={"actor": str(world.admin.id), "event_type": "passport_viewed"}
            ).get_data(as_text=True)
        )
        assert "0 events" in other

    def test_each_event_says_who_and_what_without_ids(self, client, world):
        client.sign_in_as(world.admin)
        post(
            client,
            f"/admin/young-people/{world.unclaimed_passport.id}/out-of-area",
            grantee_email=world.other_nurse.email,
            scope="see",
            **date_fields("starts_on", date.today()),
            **date_fields("ends_on", date.today() + timedelta(days=60)),
        )
        text = main_text(
            client.get("/admin/audit", query_string={"event_type": "access_granted"}).get_data(as_text=True)
        )
        assert "1 event, newest first" in text
        assert f"Who {world.admin.display_name} (Organisation admin) What access_granted" in text
        assert f"Details grantee_organisation: {world.other_organisation.name}" in text
        assert "grant_id" not in text
