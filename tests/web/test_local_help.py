"""Local help (issue #21): the admin's list of local services, "Help near you" for the organisation's young
people, the leaving pack, and the services not checked for over 6 months (found by moving the clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from passport import clock
from passport.cli import DEMO_ORGANISATION
from passport.extensions import db
from passport.models import HelpGroup, LocalService, Organisation, User
from tests import factories
from tests.conftest import csrf_token, seen_version
from tests.exports.test_exports_web import pdf_text
from tests.html_checks import page_text


def service_form(**overrides):
    data = {
        "version": "0",
        "category": "mental_health",
        "name": "Invented Wellbeing Hub",
        "helps_with": "Someone to talk to about how you feel.",
        "phone": "01632 960 777",
        "website": "https://wellbeing.example.org",
        "email": "",
        "address": "",
        "opening_times": "Weekdays 9am to 5pm",
        "min_age": "16",
        "max_age": "25",
        "referral": "not_needed",
    }
    data.update(overrides)
    return data


def move_clock(app, days: int) -> None:
    app.config["FROZEN_NOW"] = datetime.now(UTC) + timedelta(days=days)


class TestTheDemo:
    def test_the_demo_area_has_at_least_8_invented_services_its_young_people_see_grouped(self, app, client):
        app.test_cli_runner().invoke(args=["seed-demo"])
        demo = db.session.scalar(select(Organisation).where(Organisation.name == DEMO_ORGANISATION))
        services = db.session.scalars(
            select(LocalService).where(LocalService.organisation_id == demo.id)
        ).all()
        assert len(services) >= 8
        assert {s.category for s in services} == {g.value for g in HelpGroup}
        # Invented numbers: Ofcom's range for drama, or the 0300 000 numbers the rest of the demo uses.
        assert all((s.phone or "01632 960").startswith(("01632 960", "0300 000")) for s in services)
        robin = db.session.scalar(select(User).where(User.email == "young.person@example.org"))
        client.sign_in_as(robin)
        page = page_text(client.get("/my-passport/help-near-you").get_data(as_text=True))
        headings = ["Sexual health", "Mental health", "Dentists", "Drugs and alcohol", "Money and housing"]
        positions = [page.index(h, page.index("In an emergency")) for h in [*headings, "Helplines"]]
        assert positions == sorted(positions)
        assert "Talking Space Northbridge" in page and "For ages 16 and over." in page
        assert "You can go yourself. You do not need a referral." in page

    def test_the_demo_admin_sees_one_service_not_checked_for_over_6_months(self, app, client):
        app.test_cli_runner().invoke(args=["seed-demo"])
        admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
        client.sign_in_as(admin)
        page = page_text(client.get("/admin/local-help").get_data(as_text=True))
        assert "1 service not checked for over 6 months" in page


class TestHelpNearYou:
    def test_only_the_young_persons_own_area(self, client, world):
        factories.create_local_service(organisation=world.other_organisation, name="Southvale Only Clinic")
        client.sign_in_as(world.young_person)
        page = page_text(client.get("/my-passport/help-near-you").get_data(as_text=True))
        assert "Riverside Sexual Health Clinic" in page and "Southvale Only Clinic" not in page

    def test_the_services_own_text_is_shown_as_written(self, client, world):
        factories.create_local_service(
            organisation=world.organisation,
            name="عيادة الصحة",
            helps_with="مساعدة مجانية",
            category="helplines",
        )
        client.sign_in_as(world.young_person)
        html = client.get("/my-passport/help-near-you").get_data(as_text=True)
        assert '<span dir="rtl">عيادة الصحة</span>' in html

    def test_it_is_in_the_leaving_pack(self, client, world):
        client.sign_in_as(world.young_person)
        assert "/my-passport/help-near-you" in client.get("/my-passport/leaving-pack").get_data(as_text=True)
        client.sign_in_as(world.nurse)
        pdf = client.post(
            f"/staff/passports/{world.passport.id}/leaving-pack.pdf", data={"csrf_token": csrf_token(client)}
        ).data
        text = pdf_text(pdf)
        assert (
            "Help near you" in text and "Riverside Sexual Health Clinic" in text and "01632 960 001" in text
        )


class TestTheAdminsList:
    def test_add_change_check_and_remove(self, client, world):
        client.sign_in_as(world.admin)
        response = client.post(
            "/admin/local-help/new", data={"csrf_token": csrf_token(client), **service_form()}
        )
        assert response.status_code == 302
        added = db.session.scalar(select(LocalService).where(LocalService.name == "Invented Wellbeing Hub"))
        assert added.last_checked_on == clock.today() and added.min_age == 16
        client.post(
            f"/admin/local-help/{added.id}/change",
            data={
                "csrf_token": csrf_token(client),
                **service_form(version="1", name="Invented Wellbeing Centre"),
            },
        )
        assert db.session.get(LocalService, added.id).name == "Invented Wellbeing Centre"
        added_id = added.id
        client.post(f"/admin/local-help/{added_id}/remove", data={"csrf_token": csrf_token(client)})
        assert db.session.get(LocalService, added_id) is None

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"name": ""}, "name", "Enter the name of the service"),
            ({"phone": "", "website": ""}, "phone", "Enter at least one way to contact the service"),
            ({"website": "javascript:alert(1)"}, "website", "starting with https://"),
            (
                {"min_age": "20", "max_age": "16"},
                "max_age",
                "The oldest age must be the same as or more than",
            ),
            ({"category": ""}, "category", "Choose what kind of help it is"),
        ],
    )
    def test_bad_input_is_explained_beside_the_field_and_nothing_saved(
        self, client, world, overrides, field, message
    ):
        client.sign_in_as(world.admin)
        before = db.session.query(LocalService).count()
        html = client.post(
            "/admin/local-help/new", data={"csrf_token": csrf_token(client), **service_form(**overrides)}
        ).get_data(as_text=True)
        assert f'id="{field}-error"' in html and message in html
        assert db.session.query(LocalService).count() == before

    def test_another_organisations_admin_cannot_see_or_change_it(self, client, world):
        client.sign_in_as(world.other_admin)
        assert "Riverside Sexual Health Clinic" not in client.get("/admin/local-help").get_data(as_text=True)
        assert client.get(f"/admin/local-help/{world.local_service.id}/change").status_code == 404

    def test_the_stale_list_appears_when_the_clock_moves_past_6_months_and_clears_when_checked(
        self, app, client, world
    ):
        client.sign_in_as(world.admin)
        assert "not checked for over 6 months" not in page_text(
            client.get("/admin/local-help").get_data(as_text=True)
        )
        move_clock(app, 200)
        client.sign_in_as(world.admin)
        page = page_text(client.get("/admin/local-help").get_data(as_text=True))
        assert "1 service not checked for over 6 months" in page and "Riverside Sexual Health Clinic" in page
        checked = f"/admin/local-help/{world.local_service.id}/checked"
        client.post(
            checked,
            data={
                "csrf_token": csrf_token(client),
                "version": seen_version(client, "/admin/local-help", checked),
            },
        )
        assert db.session.get(LocalService, world.local_service.id).last_checked_on == clock.today()
        assert "not checked for over 6 months" not in page_text(
            client.get("/admin/local-help").get_data(as_text=True)
        )

    def test_a_service_checked_exactly_6_months_ago_is_not_stale_yet(self, app, world):
        from passport.services.local_help import is_stale, stale_before

        move_clock(app, 0)
        today = clock.today()
        service = db.session.get(LocalService, world.local_service.id)
        service.last_checked_on = stale_before(today)
        assert not is_stale(service, today)
        service.last_checked_on = stale_before(today) - timedelta(days=1)
        assert is_stale(service, today)
