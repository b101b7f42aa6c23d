"""Staff two-factor sign-in: setting up an authenticator app, a code after every password sign-in, codes that
work once (even when two requests race), recovery codes, no staff page before the second step, throttling,
and an admin's reset."""

from __future__ import annotations

import base64
import re
import threading
from datetime import timedelta

import pyotp
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from passport import clock
from passport.extensions import db
from passport.models import AuditEvent, LoginSession, RecoveryCode, Role, User
from passport.services import ServiceError, accounts, two_factor
from tests import factories
from tests.conftest import World, csrf_token, live_sessions
from tests.html_checks import page_text
from tests.web.test_auth import enter_security_code, sign_in, sign_in_with_both_steps
from tests.web.test_route_permissions import _example_url

SECRET_ON_PAGE = re.compile(r'class="app-code" dir="ltr">([A-Z2-7 ]+)<')


@pytest.fixture
def newcomer(world: World) -> User:
    """A nurse with a password and no authenticator app yet."""
    return factories.create_user(
        role=Role.NURSE, organisation=world.organisation, team=world.team, totp_secret=None
    )


def _post_code(client, url, code):
    return client.post(url, data={"code": code, "csrf_token": csrf_token(client)})


def _secret_from(page: str) -> str:
    return SECRET_ON_PAGE.search(page).group(1).replace(" ", "")


def _code_at(secret: str, step_offset: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(clock.now()) + step_offset)


def _session_cookie(client) -> str:
    return client.get_cookie("passport_session").value


class TestSettingUpTheApp:
    def test_a_new_member_of_staff_sets_up_an_app_before_any_staff_page(self, client, newcomer):
        response = sign_in(client, newcomer.email, factories.PASSWORD)
        assert response.headers["Location"] == "/sign-in/set-up-authenticator-app"
        caseload = client.get("/staff/caseload")
        assert caseload.status_code == 302
        assert caseload.headers["Location"].startswith("/sign-in/set-up-authenticator-app")

        page = client.get("/sign-in/set-up-authenticator-app").get_data(as_text=True)
        secret = _secret_from(page)
        assert len(secret) == 32
        # The QR code holds the otpauth:// link with the same secret, read back by an independent decoder.
        data_uri = re.search(r'<img class="app-qr" src="data:image/png;base64,([^"]+)"', page).group(1)
        image = Image.open(__import__("io").BytesIO(base64.b64decode(data_uri)))
        uri = zxingcpp.read_barcodes(image)[0].text
        assert uri.startswith("otpauth://totp/Health%20Passport:")
        assert f"secret={secret}" in uri and "issuer=Health%20Passport" in uri
        # Reloading shows the same secret; nothing is stored until a code proves the app works.
        assert _secret_from(client.get("/sign-in/set-up-authenticator-app").get_data(as_text=True)) == secret
        assert db.session.get(User, newcomer.id).totp_secret is None

        response = _post_code(client, "/sign-in/set-up-authenticator-app", _code_at(secret))
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Save your recovery codes" in html
        shown = re.findall(r'<strong class="app-code" dir="ltr">([A-Z2-9]{5}-[A-Z2-9]{5})</strong>', html)
        assert len(set(shown)) == two_factor.RECOVERY_CODE_COUNT

        user = db.session.get(User, newcomer.id)
        assert user.totp_secret == secret and user.totp_confirmed_at is not None
        stored = db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all()
        assert len(stored) == two_factor.RECOVERY_CODE_COUNT
        for code in shown:  # only keyed hashes are kept
            assert all(code.replace("-", "") not in row.code_hash for row in stored)
        assert {row.code_hash for row in stored} == {two_factor.recovery_code_hash(user.id, c) for c in shown}
        assert client.get("/staff/caseload").status_code == 200
        # The codes are shown once: the set-up page now sends them on.
        assert client.get("/sign-in/set-up-authenticator-app").status_code == 302

    def test_a_wrong_code_is_explained_next_to_the_field_and_kept(self, client, newcomer):
        sign_in(client, newcomer.email, factories.PASSWORD)
        page = client.get("/sign-in/set-up-authenticator-app").get_data(as_text=True)
        wrong = "000000" if _code_at(_secret_from(page)) != "000000" else "111111"
        html = _post_code(client, "/sign-in/set-up-authenticator-app", wrong).get_data(as_text=True)
        assert "<title>Error: Set up an authenticator app" in html
        assert 'id="code-error"' in html and "The security code is not right" in html
        assert f'value="{wrong}"' in html
        assert db.session.get(User, newcomer.id).totp_confirmed_at is None
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
        empty = _post_code(client, "/sign-in/set-up-authenticator-app", "").get_data(as_text=True)
        assert "Enter the security code from your authenticator app" in empty

    def test_the_secret_being_set_up_is_not_in_the_cookie(self, app, client, newcomer):
        sign_in(client, newcomer.email, factories.PASSWORD)
        secret = _secret_from(client.get("/sign-in/set-up-authenticator-app").get_data(as_text=True))
        cookie = app.session_interface.get_signing_serializer(app).loads(_session_cookie(client))
        assert secret not in str(cookie)

    def test_setting_up_ends_the_persons_other_sessions(self, app, client, newcomer):
        other = app.test_client()
        sign_in(other, newcomer.email, factories.PASSWORD)
        sign_in(client, newcomer.email, factories.PASSWORD)
        secret = _secret_from(client.get("/sign-in/set-up-authenticator-app").get_data(as_text=True))
        _post_code(client, "/sign-in/set-up-authenticator-app", _code_at(secret))
        assert live_sessions(newcomer) == 1
        assert other.get("/sign-in/set-up-authenticator-app").headers["Location"].startswith("/sign-in")

    def test_young_people_are_never_asked(self, client, world):
        response = sign_in(client, world.young_person.email, factories.PASSWORD)
        assert response.headers["Location"] == "/"
        assert client.get("/my-passport/").status_code == 200
        assert client.get("/sign-in/security-code").status_code == 403
        assert client.get("/sign-in/set-up-authenticator-app").status_code == 403


class TestTheSecondStep:
    def test_no_staff_page_opens_before_it(self, app, client, world):
        """Deny by default, again: every page that is not public sends a member of staff who has given only
        their password to the second step (or is one of its pages, or signing out)."""
        before_second_step = {
            "auth.security_code",
            "auth.recovery_code",
            "auth.set_up_authenticator_app",
            "auth.sign_out",
        }
        app.config["WTF_CSRF_ENABLED"] = False
        try:
            for persona in ("nurse", "adviser", "admin"):
                client.sign_in_as(getattr(world, persona), second_factor=False)
                for rule in app.url_map.iter_rules():
                    view = app.view_functions[rule.endpoint]
                    if rule.endpoint == "static" or view.required_permission == "public":
                        continue
                    if rule.endpoint in before_second_step:
                        continue
                    url = _example_url(app, rule, world)
                    for method in rule.methods - {"HEAD", "OPTIONS"}:
                        response = client.open(url, method=method)
                        assert response.status_code == 302, (persona, method, url, response.status_code)
                        assert response.headers["Location"].startswith("/sign-in/security-code"), url
        finally:
            app.config["WTF_CSRF_ENABLED"] = True
        assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 3

    def test_a_staff_member_gives_a_code_after_the_password(self, client, world):
        response = sign_in(client, world.adviser.email, factories.PASSWORD)
        assert response.headers["Location"] == "/sign-in/security-code"
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Enter the security code" in page
        # No menu or account links that would only lead back here; signing out is there.
        assert "nhsuk-header__navigation" not in page and 'href="/account/password"' not in page
        assert 'action="/sign-out"' in page
        assert client.get("/adviser/").headers["Location"] == "/sign-in/security-code?next=/adviser/"
        response = enter_security_code(client, world.adviser, url="/sign-in/security-code?next=/adviser/")
        assert response.headers["Location"] == "/adviser/"
        assert client.get("/adviser/").status_code == 200
        passed = db.session.scalar(select(LoginSession).where(LoginSession.user_id == world.adviser.id))
        assert passed.second_factor_at is not None

    def test_a_wrong_code_is_refused_beside_the_field_and_audited(self, client, world):
        sign_in(client, world.nurse.email, factories.PASSWORD)
        right = factories.security_code(world.nurse)
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        response = enter_security_code(client, world.nurse, code=wrong)
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "<title>Error: Enter the security code" in html
        assert 'id="code-error"' in html and "The security code is not right" in html
        assert f'value="{wrong}"' in html
        assert client.get("/staff/caseload").status_code == 302
        refused = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "two_factor_refused"))
        assert refused.details == {"method": "authenticator_app", "reason": "wrong_code"}
        assert right not in str(refused.details) and wrong not in str(refused.details)

    def test_a_code_works_once(self, app, client, world):
        sign_in(client, world.nurse.email, factories.PASSWORD)
        code = factories.security_code(world.nurse)
        assert enter_security_code(client, world.nurse, code=code).status_code == 302

        replay = app.test_client()
        sign_in(replay, world.nurse.email, factories.PASSWORD)
        response = enter_security_code(replay, world.nurse, code=code)
        assert response.status_code == 400
        assert "This security code has been used already" in response.get_data(as_text=True)
        assert replay.get("/staff/caseload").status_code == 302

    def test_one_step_of_clock_drift_is_accepted_but_never_an_older_step(self, app, world):
        app.config["FROZEN_NOW"] = clock.now()
        nurse = db.session.get(User, world.nurse.id)
        secret = factories.TOTP_SECRET
        now_step = pyotp.TOTP(secret).timecode(clock.now())

        def attempt(offset: int) -> bool:
            accounts.start_session(nurse)
            try:
                two_factor.check_security_code(nurse, _code_at(secret, offset))
            except ServiceError:
                return False
            return True

        assert not attempt(-2)  # too old
        assert not attempt(+2)  # too far ahead
        assert attempt(-1)  # a slow phone
        assert db.session.get(User, nurse.id).totp_last_step == now_step - 1
        assert attempt(+1)  # a fast phone
        assert not attempt(0)  # within the window, but before the last step used
        assert not attempt(-1)
        app.config["FROZEN_NOW"] = clock.now() + timedelta(seconds=60)
        assert attempt(0)  # two steps later, the current code works again

    def test_two_requests_racing_with_the_same_code_cannot_both_win(self, app, world):
        """Two browsers at the password step post one code at the same moment: exactly one gets in."""
        clients = [app.test_client() for _ in range(2)]
        for each in clients:
            each.sign_in_as(world.nurse, second_factor=False)
        tokens = [csrf_token(each) for each in clients]
        code = factories.security_code(world.nurse)
        start = threading.Barrier(len(clients))
        statuses: list[int] = []

        def post(each, token):
            with app.app_context():
                start.wait()
                response = each.post("/sign-in/security-code", data={"code": code, "csrf_token": token})
                statuses.append(response.status_code)

        threads = [threading.Thread(target=post, args=pair) for pair in zip(clients, tokens, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(statuses) == [302, 400]
        passed = db.session.scalars(
            select(LoginSession).where(
                LoginSession.user_id == world.nurse.id, LoginSession.second_factor_at.is_not(None)
            )
        ).all()
        assert len(passed) == 1

    def test_many_threads_with_the_same_code_record_one_success(self, app, world):
        """The conditional UPDATE, hammered: of eight sessions racing with one code, one passes."""
        code = factories.security_code(world.nurse)
        start = threading.Barrier(8)
        results: list[str] = []

        def attempt():
            with app.app_context():
                nurse = db.session.get(User, world.nurse.id)
                accounts.start_session(nurse)
                start.wait()
                try:
                    two_factor.check_security_code(nurse, code)
                except ServiceError:
                    results.append("refused")
                else:
                    results.append("passed")
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=attempt) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(results) == ["passed"] + ["refused"] * 7

    def test_the_session_token_changes_at_the_second_step(self, app, client, world):
        sign_in(client, world.nurse.email, factories.PASSWORD)
        before_cookie = _session_cookie(client)
        with client.session_transaction() as session:
            before = session["_user_id"]
        enter_security_code(client, world.nurse)
        with client.session_transaction() as session:
            assert session["_user_id"] != before
        assert client.get("/staff/caseload").status_code == 200
        # The cookie from before the second step signs nobody in now.
        stale = app.test_client()
        stale.set_cookie("passport_session", before_cookie)
        assert stale.get("/staff/caseload").headers["Location"].startswith("/sign-in?")

    def test_keep_me_signed_in_is_given_only_after_the_second_step(self, app, client, world):
        sign_in(client, world.nurse.email, factories.PASSWORD, remember_me="y")
        assert client.get_cookie("remember_token") is None
        enter_security_code(client, world.nurse)
        remembered = client.get_cookie("remember_token").value
        fresh = app.test_client()
        fresh.set_cookie("remember_token", remembered)
        assert fresh.get("/staff/caseload").status_code == 200

    def test_signing_out_works_before_the_second_step(self, client, world):
        sign_in(client, world.nurse.email, factories.PASSWORD)
        response = client.post("/sign-out", data={"csrf_token": csrf_token(client)})
        assert response.headers["Location"] == "/sign-in"
        assert live_sessions(world.nurse) == 0


class TestRecoveryCodes:
    def test_a_recovery_code_gets_you_in_once(self, app, client, world):
        codes = two_factor.new_recovery_codes(db.session.get(User, world.nurse.id))
        first = sign_in(client, world.nurse.email, factories.PASSWORD)
        page = client.get(first.headers["Location"]).get_data(as_text=True)
        assert 'href="/sign-in/recovery-code"' in page
        response = _post_code(client, "/sign-in/recovery-code", codes[0].lower().replace("-", " "))
        assert response.headers["Location"] == "/"
        assert "You have 9 recovery codes left" in client.get("/staff/caseload").get_data(as_text=True)

        again = app.test_client()
        sign_in(again, world.nurse.email, factories.PASSWORD)
        html = _post_code(again, "/sign-in/recovery-code", codes[0]).get_data(as_text=True)
        assert "<title>Error: Use a recovery code" in html
        assert "This recovery code is not right, or it has been used already" in html
        assert again.get("/staff/caseload").status_code == 302

    def test_another_persons_recovery_code_does_not_work(self, client, world):
        codes = two_factor.new_recovery_codes(db.session.get(User, world.adviser.id))
        two_factor.new_recovery_codes(db.session.get(User, world.nurse.id))
        sign_in(client, world.nurse.email, factories.PASSWORD)
        response = _post_code(client, "/sign-in/recovery-code", codes[0])
        assert response.status_code == 400
        assert client.get("/staff/caseload").status_code == 302


class TestThrottling:
    def test_codes_are_limited_per_account_across_sessions_and_pages(self, app, world):
        app.config["TWO_FACTOR_LIMIT"] = "3 per minute"
        try:
            statuses = []
            for n, url in enumerate(
                ["/sign-in/security-code", "/sign-in/recovery-code", "/sign-in/security-code", "/"]
            ):
                each = app.test_client()
                each.sign_in_as(world.nurse, second_factor=False)
                target = url if url != "/" else "/sign-in/recovery-code"
                # A different address each time: the per-account limit still holds.
                each.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"
                statuses.append(
                    _post_code(each, target, "000000" if "security" in target else "AAAAABBBBB").status_code
                )
        finally:
            app.config["TWO_FACTOR_LIMIT"] = "5 per 15 minutes; 20 per day"
        assert statuses == [400, 400, 400, 429]

    def test_codes_are_limited_per_address(self, app, world):
        app.config["SIGN_IN_LIMIT"] = "3 per minute"
        try:
            statuses = []
            for persona in ("nurse", "adviser", "admin", "other_team_nurse"):
                each = app.test_client()
                each.sign_in_as(getattr(world, persona), second_factor=False)
                statuses.append(_post_code(each, "/sign-in/security-code", "000000").status_code)
        finally:
            app.config["SIGN_IN_LIMIT"] = "10 per 15 minutes"
        assert statuses == [400, 400, 400, 429]

    @pytest.mark.parametrize("url", ["/claim", "/set-up"])
    def test_invite_and_set_up_codes_are_limited_per_code_from_any_address(self, app, url):
        app.config["SIGN_IN_LIMIT"] = "3 per minute"
        try:
            statuses = []
            for n in range(4):
                each = app.test_client()
                each.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
                response = each.post(url, data={"code": "ABCD-EFGH-JKMN", "csrf_token": csrf_token(each)})
                statuses.append(response.status_code)
        finally:
            app.config["SIGN_IN_LIMIT"] = "10 per 15 minutes"
        assert statuses == [400, 400, 400, 429]


class TestAnAdminResetsTheApp:
    def test_the_admin_resets_a_nurses_app_and_signs_them_out_everywhere(self, app, client, world):
        two_factor.new_recovery_codes(db.session.get(User, world.nurse.id))
        nurse_browser = app.test_client()
        nurse_browser.sign_in_as(world.nurse)
        assert nurse_browser.get("/staff/caseload").status_code == 200

        client.sign_in_as(world.admin)
        staff_list = client.get("/admin/staff").get_data(as_text=True)
        assert f'href="/admin/staff/{world.nurse.id}/reset-authenticator-app"' in staff_list
        confirm = client.get(f"/admin/staff/{world.nurse.id}/reset-authenticator-app")
        assert "Reset the authenticator app for" in confirm.get_data(as_text=True)
        response = client.post(
            f"/admin/staff/{world.nurse.id}/reset-authenticator-app", data={"csrf_token": csrf_token(client)}
        )
        assert response.headers["Location"] == "/admin/staff"
        assert "authenticator app has been reset" in client.get("/admin/staff").get_data(as_text=True)

        nurse = db.session.get(User, world.nurse.id)
        assert nurse.totp_secret is None and nurse.totp_confirmed_at is None and nurse.totp_last_step is None
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
        assert live_sessions(nurse) == 0
        assert nurse_browser.get("/staff/caseload").headers["Location"].startswith("/sign-in?")
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "two_factor_reset"))
        assert event.actor_id == world.admin.id and event.details == {"staff_id": str(world.nurse.id)}
        # At their next sign-in they set up an app again.
        fresh = app.test_client()
        assert sign_in(fresh, nurse.email, factories.PASSWORD).headers["Location"] == (
            "/sign-in/set-up-authenticator-app"
        )

    def test_a_reset_needs_the_forms_csrf_token(self, client, world):
        client.sign_in_as(world.admin)
        client.post(f"/admin/staff/{world.nurse.id}/reset-authenticator-app")
        assert db.session.get(User, world.nurse.id).totp_confirmed_at is not None

    def test_an_admin_cannot_reset_their_own_app_here(self, client, world):
        client.sign_in_as(world.admin)
        assert (
            "Reset<span"
            not in client.get("/admin/staff").get_data(as_text=True).split(world.admin.email)[1][:400]
        )
        response = client.post(
            f"/admin/staff/{world.admin.id}/reset-authenticator-app", data={"csrf_token": csrf_token(client)}
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and "You cannot reset your own authenticator app" in html
        assert db.session.get(User, world.admin.id).totp_confirmed_at is not None

    def test_another_organisations_admin_gets_not_found(self, client, world):
        client.sign_in_as(world.other_admin)
        response = client.post(
            f"/admin/staff/{world.nurse.id}/reset-authenticator-app", data={"csrf_token": csrf_token(client)}
        )
        assert response.status_code == 404
        assert db.session.get(User, world.nurse.id).totp_confirmed_at is not None

    def test_a_young_person_is_not_staff_to_reset(self, client, world):
        client.sign_in_as(world.admin)
        response = client.get(f"/admin/staff/{world.young_person.id}/reset-authenticator-app")
        assert response.status_code == 404


def test_a_full_sign_in_with_both_steps_reads_plainly(client, world):
    response = sign_in_with_both_steps(client, world.nurse)
    assert response.headers["Location"] == "/"
    text = page_text(client.get("/staff/caseload").get_data(as_text=True))
    assert "Your caseload" in text
