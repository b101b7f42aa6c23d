"""Signing in and out, sessions that can be ended, claiming a passport with an invite, staff set-up."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from passport import clock
from passport.extensions import db
from passport.models import AuditEvent, Invite, LoginSession, Passport, Role, User
from passport.services import invites
from tests import factories
from tests.conftest import csrf_token, live_sessions
from tests.html_checks import page_text


def sign_in(client, email, password, **extra):
    return client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": csrf_token(client), **extra},
    )


def enter_security_code(client, user, url="/sign-in/security-code", code=None):
    """The second sign-in step for staff, with a fresh code from the test authenticator app."""
    return client.post(
        url,
        data={"code": code or factories.security_code(user), "csrf_token": csrf_token(client)},
    )


def sign_in_with_both_steps(client, user, password=factories.PASSWORD, **extra):
    first = sign_in(client, user.email, password, **extra)
    assert first.headers["Location"].startswith("/sign-in/security-code"), first.headers.get("Location")
    return enter_security_code(client, user, url=first.headers["Location"])


class TestSignIn:
    def test_a_nurse_signs_in_and_lands_on_their_caseload(self, client, world):
        response = sign_in(client, world.nurse.email, factories.PASSWORD)
        assert response.status_code == 302
        assert response.headers["Location"] == "/sign-in/security-code"
        response = enter_security_code(client, world.nurse)
        assert response.headers["Location"] == "/"
        assert client.get("/").headers["Location"] == "/staff/caseload"

    def test_email_is_not_case_sensitive(self, client, world):
        response = sign_in(client, "  " + world.nurse.email.upper(), factories.PASSWORD)
        assert response.status_code == 302

    def test_wrong_password_and_unknown_email_get_the_same_answer(self, client, world):
        wrong_password = sign_in(client, world.nurse.email, "not the password")
        unknown_email = sign_in(client, "nobody@example.org", factories.PASSWORD)
        assert wrong_password.status_code == unknown_email.status_code == 400
        text = page_text(wrong_password.get_data(as_text=True))
        assert "Your email address or password is not right" in text
        assert page_text(unknown_email.get_data(as_text=True)) == text.replace(world.nurse.email, "")

    def test_empty_form_gets_a_message_next_to_each_field(self, client):
        response = sign_in(client, "", "")
        html = response.get_data(as_text=True)
        assert "<title>Error: Sign in" in html
        assert 'id="email-error"' in html and "Enter your email address" in html
        assert 'id="password-error"' in html and "Enter your password" in html

    def test_typed_email_is_kept_but_the_password_is_not(self, client, world):
        html = sign_in(client, world.nurse.email, "wrong").get_data(as_text=True)
        assert f'value="{world.nurse.email}"' in html
        assert 'value="wrong"' not in html

    def test_a_deactivated_account_cannot_sign_in(self, client, world):
        world.nurse.active = False
        db.session.commit()
        response = sign_in(client, world.nurse.email, factories.PASSWORD)
        assert response.status_code == 400
        assert "Your email address or password is not right" in response.get_data(as_text=True)

    def test_a_next_link_to_another_site_is_ignored(self, client, world):
        response = client.post(
            "/sign-in?next=https://evil.example/steal",
            data={
                "email": world.nurse.email,
                "password": factories.PASSWORD,
                "csrf_token": csrf_token(client),
            },
        )
        response = enter_security_code(client, world.nurse, url=response.headers["Location"])
        assert response.headers["Location"] == "/"

    def test_a_next_link_on_this_site_is_followed(self, client, world):
        response = client.post(
            "/sign-in?next=/staff/passports/new",
            data={
                "email": world.nurse.email,
                "password": factories.PASSWORD,
                "csrf_token": csrf_token(client),
            },
        )
        response = enter_security_code(client, world.nurse, url=response.headers["Location"])
        assert response.headers["Location"] == "/staff/passports/new"

    def test_sign_in_is_throttled_per_account(self, app, client, world):
        app.config["SIGN_IN_LIMIT"] = "3 per minute"
        try:
            statuses = [sign_in(client, world.nurse.email, "wrong").status_code for _ in range(4)]
        finally:
            app.config["SIGN_IN_LIMIT"] = "10 per 15 minutes"
        assert statuses == [400, 400, 400, 429]

    def test_a_form_without_its_csrf_token_sends_you_back_to_sign_in(self, client, world):
        response = client.post("/sign-in", data={"email": world.nurse.email, "password": factories.PASSWORD})
        assert response.status_code == 302
        assert response.headers["Location"] == "/sign-in"
        page = client.get("/sign-in").get_data(as_text=True)
        assert "Your session ended, so nothing was saved" in page


class TestSessions:
    def test_signing_in_starts_a_new_session(self, client, world):
        with client.session_transaction() as session:
            session["planted"] = "by someone else"
        sign_in(client, world.nurse.email, factories.PASSWORD)
        with client.session_transaction() as session:
            assert "planted" not in session
            assert session["_user_id"] != str(world.nurse.id)  # a revocable token, not the user id

    def test_a_copied_cookie_stops_working_after_sign_out(self, client, world, app):
        sign_in_with_both_steps(client, world.nurse)
        copied = client.get_cookie("passport_session").value
        assert client.get("/staff/caseload").status_code == 200
        client.post("/sign-out", data={"csrf_token": csrf_token(client)})

        replay = app.test_client()
        replay.set_cookie("passport_session", copied)
        response = replay.get("/staff/caseload")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in")

    def test_signing_out_signs_out_every_device_and_remember_cookie(self, client, world, app):
        phone = app.test_client()
        sign_in(phone, world.young_person.email, factories.PASSWORD, remember_me="y")
        remembered = phone.get_cookie("remember_token").value
        assert phone.get("/my-passport/").status_code == 200
        sign_in(client, world.young_person.email, factories.PASSWORD)  # a library computer, say

        response = client.post("/sign-out", data={"csrf_token": csrf_token(client)}, follow_redirects=True)

        assert "You have signed out on every device" in page_text(response.get_data(as_text=True))
        assert phone.get("/my-passport/").headers["Location"].startswith("/sign-in")
        fresh = app.test_client()
        fresh.set_cookie("remember_token", remembered)
        assert fresh.get("/my-passport/").headers["Location"].startswith("/sign-in")
        assert live_sessions(world.young_person) == 0

    def test_sign_out_needs_a_post(self, client, world):
        client.sign_in_as(world.nurse)
        assert client.get("/sign-out").status_code == 405
        assert client.get("/staff/caseload").status_code == 200

    def test_an_idle_session_times_out(self, app, client, world):
        client.sign_in_as(world.nurse)
        assert client.get("/staff/caseload").status_code == 200
        app.config["FROZEN_NOW"] = clock.now() + app.config["SESSION_IDLE_TIMEOUT"] + timedelta(seconds=5)
        assert client.get("/staff/caseload").status_code == 302
        ended = db.session.scalar(select(LoginSession).where(LoginSession.user_id == world.nurse.id))
        assert ended.ended_reason == "timed_out"

    def test_an_active_session_still_ends_at_the_absolute_limit(self, app, client, world):
        client.sign_in_as(world.nurse)
        start = clock.now()
        step = app.config["SESSION_IDLE_TIMEOUT"] - timedelta(minutes=1)
        moment = start
        while moment - start < app.config["SESSION_ABSOLUTE_TIMEOUT"] - step:
            moment += step
            app.config["FROZEN_NOW"] = moment
            assert client.get("/staff/caseload").status_code == 200
        app.config["FROZEN_NOW"] = start + app.config["SESSION_ABSOLUTE_TIMEOUT"] + timedelta(seconds=1)
        assert client.get("/staff/caseload").status_code == 302


def _issue_invite(world, passport=None):
    nurse = db.session.get(User, world.nurse.id)
    return invites.issue_claim_invite(nurse, passport or world.unclaimed_passport)


def claim(client, code, date_of_birth, email="new.owner@example.org", password="a long new password"):
    return client.post(
        "/claim",
        data={
            "code": code,
            "date_of_birth-day": str(date_of_birth.day),
            "date_of_birth-month": str(date_of_birth.month),
            "date_of_birth-year": str(date_of_birth.year),
            "email": email,
            "password": password,
            "confirm_password": password,
            "csrf_token": csrf_token(client),
        },
    )


class TestClaimingAPassport:
    def test_the_young_person_claims_their_passport_and_sees_it(self, client, world):
        issued = _issue_invite(world)
        passport = world.unclaimed_passport
        response = claim(client, issued.code_for_display, passport.date_of_birth)
        assert response.status_code == 302
        assert response.headers["Location"] == "/my-passport/"
        page = client.get("/my-passport/").get_data(as_text=True)
        assert "My health passport" in page and passport.legal_name in page
        owner = db.session.scalar(select(User).where(User.email == "new.owner@example.org"))
        assert owner.role == Role.YOUNG_PERSON
        assert db.session.get(Passport, passport.id).young_person_id == owner.id

    def test_the_code_is_stored_only_as_a_hash(self, world):
        issued = _issue_invite(world)
        invite = db.session.get(Invite, issued.invite.id)
        assert issued.code not in invite.code_hash
        assert invite.code_hash == invites.code_hash(issued.code)

    def test_the_code_can_be_typed_in_lower_case_with_spaces(self, client, world):
        issued = _issue_invite(world)
        typed = " ".join(issued.code.lower()[i : i + 4] for i in (0, 4, 8))
        response = claim(client, typed, world.unclaimed_passport.date_of_birth)
        assert response.status_code == 302

    def test_a_code_works_only_once(self, client, world, app):
        issued = _issue_invite(world)
        assert claim(client, issued.code, world.unclaimed_passport.date_of_birth).status_code == 302
        again = claim(
            app.test_client(), issued.code, world.unclaimed_passport.date_of_birth, email="b@example.org"
        )
        assert again.status_code == 400
        assert "This code does not work" in again.get_data(as_text=True)

    def test_an_expired_code_does_not_work(self, app, client, world):
        issued = _issue_invite(world)
        app.config["FROZEN_NOW"] = clock.now() + app.config["INVITE_LIFETIME"] + timedelta(minutes=1)
        response = claim(client, issued.code, world.unclaimed_passport.date_of_birth)
        assert "This code does not work" in response.get_data(as_text=True)
        assert db.session.get(Passport, world.unclaimed_passport.id).young_person_id is None

    def test_a_new_code_cancels_the_old_one(self, client, world):
        first = _issue_invite(world)
        _issue_invite(world)
        response = claim(client, first.code, world.unclaimed_passport.date_of_birth)
        assert "This code does not work" in response.get_data(as_text=True)

    def test_the_wrong_date_of_birth_is_refused_next_to_the_field(self, client, world):
        issued = _issue_invite(world)
        wrong = world.unclaimed_passport.date_of_birth - timedelta(days=1)
        html = claim(client, issued.code, wrong).get_data(as_text=True)
        assert 'id="date_of_birth-error"' in html
        assert "does not match the one on your passport" in html
        assert f'value="{issued.code}"' in html  # what they typed is kept
        assert (
            db.session.scalar(
                select(func.count()).select_from(User).where(User.email == "new.owner@example.org")
            )
            == 0
        )

    def test_five_wrong_dates_of_birth_cancel_the_code(self, client, world):
        issued = _issue_invite(world)
        wrong = world.unclaimed_passport.date_of_birth - timedelta(days=3)
        for _ in range(invites.MAX_DATE_OF_BIRTH_MISTAKES):
            claim(client, issued.code, wrong)
        right = claim(client, issued.code, world.unclaimed_passport.date_of_birth)
        assert "This code does not work" in right.get_data(as_text=True)

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("password", "short", "at least 8 characters"),
            ("password", "password123", "too common"),
            ("email", "not-an-email", "Enter an email address in the right format"),
        ],
    )
    def test_bad_input_gets_a_message_and_saves_nothing(self, client, world, field, value, message):
        issued = _issue_invite(world)
        kwargs = {field: value}
        response = claim(client, issued.code, world.unclaimed_passport.date_of_birth, **kwargs)
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert f'id="{field}-error"' in html and message in html
        assert db.session.get(Passport, world.unclaimed_passport.id).young_person_id is None
        assert db.session.get(Invite, issued.invite.id).used_at is None

    def test_an_email_already_in_use_is_refused(self, client, world):
        issued = _issue_invite(world)
        response = claim(client, issued.code, world.unclaimed_passport.date_of_birth, email=world.nurse.email)
        assert "already used by another account" in response.get_data(as_text=True)
        assert db.session.get(Invite, issued.invite.id).used_at is None

    @pytest.mark.parametrize(
        ("day", "month", "year", "message"),
        [
            ("", "", "", "Enter your date of birth"),
            ("31", "2", "2009", "Enter a real date, for example 27 3 2008"),
            ("12", "", "2009", "The date must include a month"),
            ("aa", "1", "2009", "Enter a real date, for example 27 3 2008"),
        ],
    )
    def test_date_of_birth_problems(self, client, world, day, month, year, message):
        response = client.post(
            "/claim",
            data={
                "code": "ABCD-EFGH-JKMN",
                "date_of_birth-day": day,
                "date_of_birth-month": month,
                "date_of_birth-year": year,
                "email": "someone@example.org",
                "password": "a long new password",
                "confirm_password": "a long new password",
                "csrf_token": csrf_token(client),
            },
        )
        html = response.get_data(as_text=True)
        assert message in html
        assert f'value="{day}"' in html and f'value="{year}"' in html

    def test_the_link_in_the_qr_fills_in_the_code(self, client, world):
        issued = _issue_invite(world)
        html = client.get(f"/claim?code={issued.code}").get_data(as_text=True)
        assert f'value="{issued.code_for_display}"' in html

    def test_claiming_is_audited_without_the_code(self, client, world):
        issued = _issue_invite(world)
        claim(client, issued.code, world.unclaimed_passport.date_of_birth)
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.passport_id == world.unclaimed_passport.id)
        ).all()
        assert {e.event_type for e in events} >= {"invite_issued", "invite_claimed"}
        assert all(issued.code not in str(e.details) for e in events)


class TestStaffSetUp:
    def test_an_admin_adds_a_nurse_who_sets_their_own_password(self, client, world, app):
        client.sign_in_as(world.admin)
        response = client.post(
            "/admin/staff/new",
            data={
                "display_name": "Dana Newstarter",
                "email": "dana@example.org",
                "role": "nurse",
                "team": str(world.team.id),
                "csrf_token": csrf_token(client),
            },
        )
        html = response.get_data(as_text=True)
        assert "Account created for Dana Newstarter" in html
        code = html.split('class="app-code" dir="ltr">')[1].split("<")[0]
        staff = db.session.scalar(select(User).where(User.email == "dana@example.org"))
        assert staff.password_hash is None and staff.role == Role.NURSE

        newcomer = app.test_client()
        set_up = newcomer.post(
            "/set-up",
            data={
                "code": code,
                "password": "a fresh staff password",
                "confirm_password": "a fresh staff password",
                "csrf_token": csrf_token(newcomer),
            },
        )
        assert set_up.status_code == 302
        # Then their authenticator app, before any staff page.
        assert set_up.headers["Location"] == "/sign-in/set-up-authenticator-app"
        assert newcomer.get("/staff/caseload").headers["Location"].startswith("/sign-in/set-up-authenticator")
        page = newcomer.get("/sign-in/set-up-authenticator-app").get_data(as_text=True)
        secret = re.search(r'class="app-code" dir="ltr">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
        codes = newcomer.post(
            "/sign-in/set-up-authenticator-app",
            data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(newcomer)},
        )
        assert "Save your recovery codes" in codes.get_data(as_text=True)
        assert newcomer.get("/staff/caseload").status_code == 200

    def test_admin_form_problems_are_shown_beside_the_fields(self, client, world):
        client.sign_in_as(world.admin)
        response = client.post(
            "/admin/staff/new",
            data={"display_name": "", "email": "nope", "role": "", "csrf_token": csrf_token(client)},
        )
        html = response.get_data(as_text=True)
        assert "Enter their full name" in html
        assert "Enter an email address in the right format" in html
        assert "Choose their role" in html
        assert 'value="nope"' in html

    def test_a_set_up_code_for_a_young_persons_invite_does_not_set_up_staff(self, client, world):
        issued = _issue_invite(world)
        response = client.post(
            "/set-up",
            data={
                "code": issued.code,
                "password": "a fresh staff password",
                "confirm_password": "a fresh staff password",
                "csrf_token": csrf_token(client),
            },
        )
        assert "This set-up link does not work" in response.get_data(as_text=True)
