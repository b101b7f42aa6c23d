"""The organisation admin: teams, deactivating staff, who looks after whom, the bulk caseload import and
the reports with small numbers hidden."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from passport import clock
from passport.extensions import db
from passport.models import Assignment, LoginSession, Passport, Role, Team, User
from passport.projection import build_care_team_view
from passport.services import audit, bulk_import, organisation
from tests import factories
from tests.conftest import csrf_token, seen_version
from tests.html_checks import main_text, page_text
from tests.web.test_performance_shape import queries_for


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client), **data})


def passports_in(organisation) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Passport).where(Passport.organisation_id == organisation.id)
    )


class TestTeamsAndStaff:
    def test_add_a_team_and_refuse_a_duplicate(self, client, world):
        client.sign_in_as(world.admin)
        assert post(client, "/admin/teams", name="East").status_code == 302
        again = post(client, "/admin/teams", name="East")
        assert "There is already a team with this name" in again.get_data(as_text=True)
        assert db.session.scalar(select(func.count()).select_from(Team).where(Team.name == "East")) == 1

    def test_deactivating_ends_their_sessions_and_stops_sign_in(self, app, client, world):
        nurse_browser = app.test_client()
        nurse_browser.sign_in_as(world.nurse)
        assert nurse_browser.get("/staff/caseload").status_code == 200
        client.sign_in_as(world.admin)
        assert post(client, f"/admin/staff/{world.nurse.id}/deactivate", seen_active="yes").status_code == 302
        assert nurse_browser.get("/staff/caseload").status_code == 302
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(LoginSession)
                .where(LoginSession.user_id == world.nurse.id, LoginSession.revoked_at.is_(None))
            )
            == 0
        )
        assert db.session.get(User, world.nurse.id).active is False

    def test_the_staff_list_says_where_each_account_is_up_to(self, client, world):
        waiting = factories.create_user(
            role=Role.ADVISER,
            organisation=world.organisation,
            team=world.other_team,
            password=None,
            totp_secret=None,
        )
        client.sign_in_as(world.admin)
        post(client, f"/admin/staff/{world.nurse.id}/deactivate", seen_active="yes")
        text = main_text(client.get("/admin/staff").get_data(as_text=True))

        def row_of(person) -> str:
            """Their row: from their email to the next row's "Name" (each cell carries its heading)."""
            return text.split(person.email, 1)[1].split(" Name ", 1)[0]

        assert "Role Nurse Team North Status Deactivated Let them sign in again" in row_of(world.nurse)
        assert (
            "Role Personal adviser Team South Status Waiting for set-up Deactivate"
            " Deactivate the account of Adviser" in row_of(waiting)
        )
        assert "Authenticator app Not set up yet" in row_of(waiting)
        assert "Role Organisation admin Team No team Status Active Authenticator app Set up" in row_of(
            world.admin
        )

    def test_the_staff_list_links_each_other_member_to_deactivating_them(self, client, world):
        """The deactivate page existed with nothing linking to it: each row but the admin's own links
        there, and following the link and confirming does it; a deactivated member's link lets them back."""
        client.sign_in_as(world.admin)
        html = client.get("/admin/staff").get_data(as_text=True)
        deactivate = f'href="/admin/staff/{world.nurse.id}/deactivate"'
        assert deactivate in html
        assert f'href="/admin/staff/{world.admin.id}/deactivate"' not in html
        assert "Deactivate the account of Nurse" in html
        page = client.get(f"/admin/staff/{world.nurse.id}/deactivate").get_data(as_text=True)
        assert "Yes, deactivate" in page
        assert post(client, f"/admin/staff/{world.nurse.id}/deactivate", seen_active="yes").status_code == 302
        assert db.session.get(User, world.nurse.id).active is False
        html = client.get("/admin/staff").get_data(as_text=True)
        assert deactivate in html and f"Let {world.nurse.display_name} sign in again" in html

    def test_a_second_admin_on_an_older_page_does_not_undo_the_first(self, app, client, world):
        """The page said "Deactivate": once someone has, the same button no longer lets them back in."""
        second = factories.create_user(role=Role.ADMIN, organisation=world.organisation)
        older = app.test_client()
        older.sign_in_as(second)
        assert "Yes, deactivate" in older.get(f"/admin/staff/{world.nurse.id}/deactivate").get_data(
            as_text=True
        )
        client.sign_in_as(world.admin)
        assert post(client, f"/admin/staff/{world.nurse.id}/deactivate", seen_active="yes").status_code == 302
        response = post(older, f"/admin/staff/{world.nurse.id}/deactivate", seen_active="yes")
        assert response.status_code == 409
        assert "Someone else changed this" in response.get_data(as_text=True)
        assert db.session.get(User, world.nurse.id).active is False

    def test_an_admin_cannot_touch_another_organisations_staff(self, client, world):
        client.sign_in_as(world.other_admin)
        assert post(client, f"/admin/staff/{world.nurse.id}/deactivate").status_code == 404
        assert db.session.get(User, world.nurse.id).active is True


class TestCareTeam:
    def test_assign_a_nurse_and_adviser_ending_the_old_ones(self, client, world):
        client.sign_in_as(world.admin)
        url = f"/admin/young-people/{world.passport.id}/care-team"
        assert "Robin Fairweather" in page_text(client.get(url).get_data(as_text=True))
        response = post(
            client,
            url,
            team=str(world.other_team.id),
            nurses=[str(world.other_team_nurse.id)],
            adviser="",
            version=seen_version(client, url),
        )
        assert response.status_code == 302
        live = db.session.scalars(
            select(Assignment).where(
                Assignment.passport_id == world.passport.id, Assignment.ended_at.is_(None)
            )
        ).all()
        assert [(a.staff_id, a.role) for a in live] == [(world.other_team_nurse.id, "nurse")]
        ended = db.session.scalars(
            select(Assignment).where(
                Assignment.passport_id == world.passport.id, Assignment.ended_at.is_not(None)
            )
        ).all()
        assert {a.staff_id for a in ended} == {world.nurse.id, world.adviser.id}
        # The old nurse's team no longer holds the passport either: it is out of their caseload.
        client.sign_in_as(world.nurse)
        assert client.get(f"/staff/passports/{world.passport.id}").status_code == 404

    def test_the_page_starts_from_who_looks_after_them_now(self, client, world):
        client.sign_in_as(world.admin)
        html = client.get(f"/admin/young-people/{world.passport.id}/care-team").get_data(as_text=True)
        assert re.search(rf'<option[^>]*value="{world.team.id}"[^>]*selected', html)
        assert re.search(rf'value="{world.nurse.id}" checked', html)
        assert not re.search(rf'value="{world.other_team_nurse.id}" checked', html)
        assert re.search(rf'<option[^>]*value="{world.adviser.id}"[^>]*selected', html)

    def test_the_care_team_view_keeps_who_looked_after_them_before(self, world):
        admin = db.session.get(User, world.admin.id)
        passport = db.session.get(Passport, world.passport.id)
        organisation.set_care_team(
            admin,
            passport,
            team_id=world.other_team.id,
            nurse_ids={world.other_team_nurse.id},
            adviser_id=None,
            seen_version=passport.version,
        )
        view = build_care_team_view(admin, passport, clock.today())
        assert (view.name, view.date_of_birth, view.team) == (
            "Robin Fairweather",
            passport.date_of_birth,
            "South",
        )
        assert [(m.staff_id, m.role) for m in view.current_members] == [(world.other_team_nurse.id, "nurse")]
        assert view.nurse_ids == (world.other_team_nurse.id,) and view.adviser_id is None
        ended = {m.staff_id: m for m in view.members if m.ended_at is not None}
        assert set(ended) == {world.nurse.id, world.adviser.id}
        assert ended[world.adviser.id].role == "adviser"
        (grant,) = view.grants
        assert (grant.grantee, grant.grantee_organisation, grant.granted_by, grant.scope) == (
            world.other_nurse.display_name,
            "Southvale Test Health",
            world.admin.display_name,
            "see",
        )
        # Built only for someone who may manage this young person's care team.
        for someone in (world.nurse, world.other_admin):
            with pytest.raises(PermissionError):
                build_care_team_view(db.session.get(User, someone.id), passport, clock.today())

    def test_staff_of_another_organisation_cannot_be_assigned(self, client, world):
        client.sign_in_as(world.admin)
        response = post(
            client,
            f"/admin/young-people/{world.passport.id}/care-team",
            team="",
            nurses=[str(world.other_nurse.id)],
            adviser="",
        )
        assert response.status_code == 400
        assert "Choose nurses from your organisation" in response.get_data(as_text=True)


def test_the_admin_pages_do_the_same_queries_however_many_people(client, world):
    """Each row is made from what one query loaded, never a query per row: more staff, audit events, past
    care-team members and grants add no queries."""
    passport = world.passport
    urls = [
        "/admin/staff",
        "/admin/teams",
        "/admin/audit",
        f"/admin/young-people/{passport.id}/care-team",
        f"/admin/young-people/{passport.id}/out-of-area",
    ]
    client.sign_in_as(world.admin)
    for url in urls:
        client.get(url)
    before = {url: queries_for(client, url) for url in urls}
    for n in range(6):
        team = factories.create_team(organisation=world.organisation, name=f"Team {n}")
        nurse = factories.create_user(role=Role.NURSE, organisation=world.organisation, team=team)
        db.session.add(
            Assignment(passport_id=passport.id, staff_id=nurse.id, role="nurse", ended_at=clock.now())
        )
        host_area = factories.create_organisation(name=f"Host Area {n}")
        host_nurse = factories.create_user(role=Role.NURSE, organisation=host_area)
        factories.create_grant(passport=passport, grantee=host_nurse, by=nurse)
        audit.record("signed_in", actor=nurse)
        db.session.commit()
    assert {url: queries_for(client, url) for url in urls} == before
    assert main_text(client.get(urls[-1]).get_data(as_text=True)).count("Host Area") == 6


def csv_file(rows: list[list[str]]) -> bytes:
    header = ",".join(bulk_import.COLUMNS)
    return ("\n".join([header, *(",".join(r) for r in rows)]) + "\n").encode("utf-8")


def good_rows(world, n: int) -> list[list[str]]:
    born = date.today() - timedelta(days=365 * 16)
    return [
        [
            f"LA-{i:04d}",
            f"Invented Person {i}",
            "",
            born.isoformat(),
            "",
            "in care",
            "North",
            world.nurse.email,
            "",
        ]
        for i in range(n)
    ]


def upload(client, content: bytes):
    return client.post(
        "/admin/import",
        data={"csrf_token": csrf_token(client), "file": (io.BytesIO(content), "caseload.csv")},
        content_type="multipart/form-data",
    )


class TestBulkImport:
    def test_three_bad_rows_among_200_import_nothing_and_are_each_named(self, client, world):
        rows = good_rows(world, 200)
        rows[9][3] = "31/02/2009"  # row 11 in the spreadsheet: not a real date
        rows[99][4] = "987 654 4321"  # row 101: fails the NHS number check
        rows[149][6] = "Nowhere Team"  # row 151: no such team
        before = passports_in(world.organisation)
        client.sign_in_as(world.admin)
        html = upload(client, csv_file(rows)).get_data(as_text=True)
        text = main_text(html)
        assert "3 problems in the file. Nothing was imported." in text
        assert "11 date_of_birth Enter the date of birth as YYYY-MM-DD or DD/MM/YYYY" in text
        assert "101 nhs_number This is not a valid NHS number" in text
        assert "151 team There is no team with this name in your organisation" in text
        assert passports_in(world.organisation) == before

    def test_a_clean_file_is_previewed_then_imported_all_at_once(self, client, world):
        content = csv_file(good_rows(world, 200))
        before = passports_in(world.organisation)
        client.sign_in_as(world.admin)
        preview = upload(client, content).get_data(as_text=True)
        assert "The file is ready: 200 young people to import." in page_text(preview)
        assert passports_in(world.organisation) == before  # a preview changes nothing
        response = post(client, "/admin/import", content=content.decode(), confirm="1")
        assert response.status_code == 302
        assert passports_in(world.organisation) == before + 200
        nurse_rows = db.session.scalar(
            select(func.count()).select_from(Assignment).where(Assignment.staff_id == world.nurse.id)
        )
        assert nurse_rows >= 200
        again = upload(client, content).get_data(as_text=True)
        assert "A passport with this reference already exists" in again

    def test_a_file_that_is_not_utf8_or_has_no_header_is_explained(self, client, world):
        client.sign_in_as(world.admin)
        latin1 = upload(client, "local_reference,legal_name\nX,Zoë\n".encode("latin-1")).get_data(
            as_text=True
        )
        assert "saved as UTF-8" in latin1
        headless = upload(client, b"a,b,c\n1,2,3\n").get_data(as_text=True)
        assert "This column is missing from the first row" in headless

    def test_a_confirmation_with_a_changed_file_is_checked_again(self, client, world):
        rows = good_rows(world, 3)
        rows[1][1] = ""
        client.sign_in_as(world.admin)
        before = passports_in(world.organisation)
        response = post(client, "/admin/import", content=csv_file(rows).decode(), confirm="1")
        assert "The file has problems" in response.get_data(as_text=True)
        assert passports_in(world.organisation) == before


class TestReports:
    def test_small_numbers_are_hidden(self, client, world):
        client.sign_in_as(world.admin)
        text = main_text(client.get("/admin/reports").get_data(as_text=True))
        assert "Fewer than 5 young people are counted, so no figures are shown yet." in text  # 3 of them

    def test_with_enough_people_percentages_show(self, client, world):
        for i in range(10):
            passport = factories.create_passport(
                organisation=world.organisation,
                team=world.team,
                legal_name=f"Reported {i}",
                age=17,
                nhs_number=None,
            )
            if i < 6:
                factories.create_item(
                    "registration", passport=passport, by=world.nurse, service="gp", name="GP"
                )
        client.sign_in_as(world.admin)
        text = main_text(client.get("/admin/reports").get_data(as_text=True))
        assert "46% (6/13)" in text  # 6 of the 13 young people have a GP
        csv = client.get("/admin/reports.csv")
        assert csv.mimetype == "text/csv" and b"6/13" in csv.data

    def test_the_designated_nurse_opens_the_reports_from_the_menu(self, client, world):
        client.sign_in_as(world.nurse)
        caseload = client.get("/staff/caseload").get_data(as_text=True)
        assert 'href="/admin/reports"' in caseload
        text = main_text(client.get("/admin/reports").get_data(as_text=True))
        assert "Fewer than 5 young people are counted" in text
        assert client.get("/admin/reports.csv").mimetype == "text/csv"

    def test_another_organisations_young_people_are_not_counted(self, client, world):
        for i in range(6):
            factories.create_passport(organisation=world.other_organisation, legal_name=f"Other {i}", age=17)
        client.sign_in_as(world.admin)
        csv = client.get("/admin/reports.csv").data.decode()
        assert "fewer than 5" in csv.splitlines()[1]
