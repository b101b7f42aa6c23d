"""The nurse starts passports, sees their caseload and invites young people from 16."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from passport import clock
from passport.extensions import db
from passport.models import AuditEvent, Invite, Passport
from tests import factories
from tests.conftest import csrf_token
from tests.html_checks import page_text


def new_passport(client, **fields):
    born = fields.pop("born", date(2009, 5, 14))
    data = {
        "legal_name": "Taylor Brightwater",
        "preferred_name": "Tay",
        "date_of_birth-day": str(born.day),
        "date_of_birth-month": str(born.month),
        "date_of_birth-year": str(born.year),
        "nhs_number": "943 476 5919",
        "team": "",
        "care_status": "in_care",
        "csrf_token": csrf_token(client),
    }
    data.update(fields)
    return client.post("/staff/passports/new", data=data)


def decode_qr_image(html: str) -> str:
    """Read the page's QR image back with an independent decoder (zxing-cpp), as a phone camera would."""
    import base64
    import io

    import zxingcpp
    from PIL import Image

    data = html.split('class="app-qr" src="data:image/png;base64,')[1].split('"')[0]
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(data))))
    assert len(results) == 1
    return results[0].text


def passport_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Passport))


class TestStartingAPassport:
    def test_a_nurse_starts_a_passport_and_is_assigned_to_it(self, client, world):
        client.sign_in_as(world.nurse)
        before = passport_count()
        response = new_passport(client)
        assert response.status_code == 302
        assert passport_count() == before + 1
        page = client.get(response.headers["Location"])
        text = page_text(page.get_data(as_text=True))
        assert "Tay" in text and "943 476 5919" in text
        assert "Taylor Brightwater" in page_text(client.get("/staff/caseload").get_data(as_text=True))

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"nhs_number": "987 654 4321"}, "nhs_number", "Enter a valid NHS number"),
            ({"nhs_number": "12345"}, "nhs_number", "Enter a valid NHS number"),
            ({"legal_name": "   "}, "legal_name", "Enter the young person"),
            ({"born": date.today() + timedelta(days=2)}, "date_of_birth", "must be today or in the past"),
            ({"born": date(1980, 1, 1)}, "date_of_birth", "within the last 30 years"),
            ({"care_status": "banana"}, "care_status", "Not a valid choice"),
            ({"team": "not-a-team"}, "team", "Choose one of the options in the list"),
        ],
    )
    def test_bad_input_is_shown_beside_the_field_and_nothing_is_saved(
        self, client, world, fields, field, message
    ):
        client.sign_in_as(world.nurse)
        before = passport_count()
        response = new_passport(client, **fields)
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert f'id="{field}-error"' in html, html
        assert message in html
        assert "<title>Error: Start a new passport" in html
        assert passport_count() == before

    def test_what_was_typed_is_kept(self, client, world):
        client.sign_in_as(world.nurse)
        html = new_passport(client, nhs_number="123 456 7890").get_data(as_text=True)
        assert 'value="123 456 7890"' in html
        assert 'value="Taylor Brightwater"' in html


class TestCaseload:
    def test_shows_assigned_and_team_young_people_only(self, client, world):
        client.sign_in_as(world.nurse)
        text = page_text(client.get("/staff/caseload").get_data(as_text=True))
        assert "Robin Fairweather" in text and "Morgan Ashdown" in text
        assert "Jesse Underwood" not in text  # another team's young person

    def test_the_next_step_for_an_unclaimed_16_year_old_is_an_invite(self, client, world):
        client.sign_in_as(world.nurse)
        text = page_text(client.get("/staff/caseload").get_data(as_text=True))
        assert "Invite them to their passport" in text


class TestInvites:
    def test_a_link_too_long_for_a_qr_code_gets_a_clear_page_not_a_500(self, client, world, monkeypatch):
        """Only a request with an absurd Host header makes a real link longer than a QR code holds, so the
        limit is lowered here to make the sign-up link "too long"."""
        from passport.exports import qr

        monkeypatch.setattr(qr, "MAX_QR_TEXT", 20)
        client.sign_in_as(world.nurse)
        response = client.post(
            f"/staff/passports/{world.unclaimed_passport.id}/invite", data={"csrf_token": csrf_token(client)}
        )
        assert response.status_code == 400
        assert "Something was wrong with that request" in response.get_data(as_text=True)

    def test_the_invite_page_shows_the_code_link_and_a_qr_once(self, client, world):
        client.sign_in_as(world.nurse)
        response = client.post(
            f"/staff/passports/{world.unclaimed_passport.id}/invite",
            data={"csrf_token": csrf_token(client)},
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        code = html.split('class="app-code" dir="ltr">')[1].split("<")[0]
        assert len(code) == 14 and code.count("-") == 2
        assert f"/claim?code={code.replace('-', '')}" in html
        assert decode_qr_image(html) == f"http://localhost/claim?code={code.replace('-', '')}"
        assert response.headers["Cache-Control"] == "no-store"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "invite_issued"))
        assert event.passport_id == world.unclaimed_passport.id

    def test_no_invite_for_someone_under_16(self, client, world):
        young = factories.create_passport(
            organisation=world.organisation, team=world.team, age=15, nhs_number=None, nurse=world.nurse
        )
        client.sign_in_as(world.nurse)
        page = client.get(f"/staff/passports/{young.id}/about").get_data(as_text=True)
        assert "Make a sign-up code" not in page
        assert "from 16" in page
        response = client.post(f"/staff/passports/{young.id}/invite", data={"csrf_token": csrf_token(client)})
        assert response.status_code == 409
        assert "Young people can have their own account from 16" in response.get_data(as_text=True)
        assert db.session.scalar(select(func.count()).select_from(Invite)) == 0

    def test_sixteenth_birthday_is_the_first_day_an_invite_can_be_made(self, app, client, world):
        birthday = date(2010, 6, 15)
        passport = factories.create_passport(
            organisation=world.organisation,
            team=world.team,
            date_of_birth=birthday,
            nhs_number=None,
            nurse=world.nurse,
        )
        client.sign_in_as(world.nurse)
        app.config["FROZEN_NOW"] = clock.now().replace(year=2026, month=6, day=14, hour=12)
        client.sign_in_as(world.nurse)
        url = f"/staff/passports/{passport.id}/invite"
        assert client.post(url, data={"csrf_token": csrf_token(client)}).status_code == 409
        app.config["FROZEN_NOW"] = clock.now().replace(year=2026, month=6, day=15, hour=12)
        client.sign_in_as(world.nurse)
        assert client.post(url, data={"csrf_token": csrf_token(client)}).status_code == 200

    def test_no_invite_once_the_passport_is_claimed(self, client, world):
        client.sign_in_as(world.nurse)
        response = client.post(
            f"/staff/passports/{world.passport.id}/invite", data={"csrf_token": csrf_token(client)}
        )
        assert response.status_code == 409
        assert "already has an account" in response.get_data(as_text=True)

    def test_a_staff_view_is_audited(self, client, world):
        client.sign_in_as(world.nurse)
        client.get(f"/staff/passports/{world.passport.id}")
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "passport_viewed"))
        assert event.actor_id == world.nurse.id and event.passport_id == world.passport.id
