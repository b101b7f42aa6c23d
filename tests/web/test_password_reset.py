"""A young person who forgot their password gets back in through their nurse or adviser (SECURITY.md 7).

The nurse or adviser makes a one-time code; the young person types it with their date of birth and chooses
a new password. No member of staff sees or sets the password, the old one and every old session stop
working, and the young person can see on their passport who made the code.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from passport import clock
from passport.extensions import db
from passport.models import AuditEvent, Invite, InvitePurpose, Passport, User
from passport.services import invites
from tests import factories
from tests.conftest import csrf_token, live_sessions
from tests.html_checks import page_text
from tests.web.test_auth import claim, sign_in

NEW_PASSWORD = "a brand new pass phrase"


def reset(client, code, date_of_birth, password=NEW_PASSWORD, confirm=None):
    return client.post(
        "/reset-password",
        data={
            "code": code,
            "date_of_birth-day": str(date_of_birth.day),
            "date_of_birth-month": str(date_of_birth.month),
            "date_of_birth-year": str(date_of_birth.year),
            "password": password,
            "confirm_password": password if confirm is None else confirm,
            "csrf_token": csrf_token(client),
        },
    )


def code_on_page(html: str) -> str:
    return re.search(r'class="app-code" dir="ltr">([A-Z0-9-]+)<', html).group(1)


def make_code(world, staff=None):
    return invites.issue_password_reset(db.session.get(User, (staff or world.nurse).id), world.passport)


def audit_events(event_type: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == event_type)))


class TestTheNurseMakesACode:
    def test_the_nurse_makes_a_code_and_the_young_person_chooses_a_new_password(self, app, client, world):
        client.sign_in_as(world.nurse)
        page = client.get(f"/staff/passports/{world.passport.id}/about").get_data(as_text=True)
        assert f"{world.passport.name_to_use} forgot their password" in page_text(page)
        response = client.post(
            f"/staff/passports/{world.passport.id}/password-reset", data={"csrf_token": csrf_token(client)}
        )
        assert response.status_code == 200
        shown = response.get_data(as_text=True)
        assert "You will only see this code once" in page_text(shown)
        code = code_on_page(shown)

        phone = app.test_client()
        response = reset(phone, code, world.passport.date_of_birth)
        assert response.status_code == 302
        assert response.headers["Location"] == "/my-passport/"
        assert world.passport.legal_name in phone.get("/my-passport/").get_data(as_text=True)

        # The old password no longer works; the new one does.
        assert "is not right" in sign_in(
            app.test_client(), world.young_person.email, factories.PASSWORD
        ).get_data(as_text=True)
        assert sign_in(app.test_client(), world.young_person.email, NEW_PASSWORD).status_code == 302

    def test_the_adviser_can_make_a_code_too(self, app, client, world):
        client.sign_in_as(world.adviser)
        page = client.get(f"/adviser/young-people/{world.passport.id}").get_data(as_text=True)
        assert "Make a code for a new password" in page
        response = client.post(
            f"/adviser/young-people/{world.passport.id}/password-reset",
            data={"csrf_token": csrf_token(client)},
        )
        code = code_on_page(response.get_data(as_text=True))
        assert reset(app.test_client(), code, world.passport.date_of_birth).status_code == 302

    def test_no_code_for_a_passport_nobody_has_claimed_yet(self, client, world):
        client.sign_in_as(world.nurse)
        page = client.get(f"/staff/passports/{world.unclaimed_passport.id}").get_data(as_text=True)
        assert "Make a code for a new password" not in page
        response = client.post(
            f"/staff/passports/{world.unclaimed_passport.id}/password-reset",
            data={"csrf_token": csrf_token(client)},
        )
        assert response.status_code == 403
        assert db.session.scalar(select(Invite).where(Invite.purpose == InvitePurpose.RESET_PASSWORD)) is None

    def test_a_host_area_nurse_with_a_grant_cannot_make_one(self, client, world):
        client.sign_in_as(world.other_nurse)  # holds a "see" grant for world.passport
        page = client.get(f"/staff/passports/{world.passport.id}").get_data(as_text=True)
        assert "Make a code for a new password" not in page

    def test_the_code_is_kept_only_as_a_hash_and_never_in_the_audit_log(self, world):
        issued = make_code(world)
        invite = db.session.get(Invite, issued.invite.id)
        assert invite.code_hash == invites.code_hash(issued.code) and issued.code not in invite.code_hash
        assert invite.user_id == world.young_person.id
        (event,) = audit_events("password_reset_code_issued")
        assert event.actor_id == world.nurse.id
        assert issued.code not in str(event.details)

    def test_the_young_person_sees_who_made_the_code(self, client, world):
        make_code(world)
        client.sign_in_as(world.young_person)
        text = page_text(client.get("/my-passport/who-looked").get_data(as_text=True))
        assert "Made a code so you can choose a new password" in text
        assert world.nurse.display_name in text


class TestChoosingANewPassword:
    def test_every_session_signed_in_with_the_old_password_ends(self, app, client, world):
        client.sign_in_as(world.young_person)
        assert client.get("/my-passport/").status_code == 200
        issued = make_code(world)
        reset(app.test_client(), issued.code, world.passport.date_of_birth)
        user = db.session.get(User, world.young_person.id)
        assert live_sessions(user) == 1  # only the browser that chose the new password
        assert client.get("/my-passport/").headers["Location"].startswith("/sign-in")

    def test_a_code_works_only_once(self, app, client, world):
        issued = make_code(world)
        assert reset(client, issued.code, world.passport.date_of_birth).status_code == 302
        again = reset(
            app.test_client(), issued.code, world.passport.date_of_birth, password="another one entirely"
        )
        assert again.status_code == 400
        assert "This code does not work" in page_text(again.get_data(as_text=True))

    def test_a_new_code_cancels_the_old_one(self, client, world):
        first = make_code(world)
        make_code(world)
        response = reset(client, first.code, world.passport.date_of_birth)
        assert "This code does not work" in page_text(response.get_data(as_text=True))

    def test_a_code_stops_working_after_three_days(self, app, client, world):
        issued = make_code(world)
        app.config["FROZEN_NOW"] = clock.now() + timedelta(days=3, minutes=1)
        response = reset(client, issued.code, world.passport.date_of_birth)
        assert "This code does not work" in page_text(response.get_data(as_text=True))

    def test_the_wrong_date_of_birth_is_refused_next_to_the_field_and_nothing_changes(self, client, world):
        issued = make_code(world)
        before = db.session.get(User, world.young_person.id).password_hash
        html = reset(client, issued.code, world.passport.date_of_birth - timedelta(days=1)).get_data(
            as_text=True
        )
        assert 'id="date_of_birth-error"' in html
        assert "does not match the one on your passport" in html
        assert f'value="{issued.code}"' in html  # what they typed is kept
        db.session.expire_all()
        assert db.session.get(User, world.young_person.id).password_hash == before

    def test_five_wrong_dates_of_birth_cancel_the_code(self, client, world):
        issued = make_code(world)
        wrong = world.passport.date_of_birth - timedelta(days=1)
        for _ in range(invites.MAX_DATE_OF_BIRTH_MISTAKES):
            reset(client, issued.code, wrong)
        response = reset(client, issued.code, world.passport.date_of_birth)
        assert "This code does not work" in page_text(response.get_data(as_text=True))

    def test_a_weak_or_mistyped_new_password_is_explained(self, client, world):
        issued = make_code(world)
        html = reset(client, issued.code, world.passport.date_of_birth, password="short").get_data(
            as_text=True
        )
        assert 'id="password-error"' in html
        html = reset(client, issued.code, world.passport.date_of_birth, confirm="something else").get_data(
            as_text=True
        )
        assert "The passwords do not match" in html
        # Neither attempt used the code up.
        assert reset(client, issued.code, world.passport.date_of_birth).status_code == 302

    def test_a_code_for_a_closed_account_does_not_work(self, client, world):
        issued = make_code(world)
        db.session.get(User, world.young_person.id).active = False
        db.session.commit()
        response = reset(client, issued.code, world.passport.date_of_birth)
        assert "This code does not work" in page_text(response.get_data(as_text=True))

    def test_the_reset_is_audited_as_the_young_persons_own_act(self, client, world):
        issued = make_code(world)
        reset(client, issued.code, world.passport.date_of_birth)
        (event,) = audit_events("password_reset")
        assert event.actor_id == world.young_person.id
        assert event.passport_id == world.passport.id


class TestTheRightCodeOnTheRightPage:
    def test_a_password_code_typed_on_the_sign_up_page_says_where_to_go(self, client, world):
        issued = make_code(world)
        text = page_text(claim(client, issued.code, world.passport.date_of_birth).get_data(as_text=True))
        assert "This code is for choosing a new password" in text
        assert db.session.get(Passport, world.passport.id).young_person_id == world.young_person.id

    def test_a_sign_up_code_typed_on_the_new_password_page_says_where_to_go(self, client, world):
        issued = invites.issue_claim_invite(db.session.get(User, world.nurse.id), world.unclaimed_passport)
        text = page_text(
            reset(client, issued.code, world.unclaimed_passport.date_of_birth).get_data(as_text=True)
        )
        assert "This code is for setting up your passport for the first time" in text

    def test_the_sign_in_page_shows_both_ways_in(self, client):
        html = client.get("/sign-in").get_data(as_text=True)
        assert 'href="/reset-password"' in html and 'href="/claim"' in html
        text = page_text(html)
        assert "I have a code to choose a new password" in text and "I have a sign-up code" in text

    def test_a_link_with_the_code_fills_it_in(self, client, world):
        issued = make_code(world)
        html = client.get(f"/reset-password?code={issued.code}").get_data(as_text=True)
        assert f'value="{issued.code_for_display}"' in html
