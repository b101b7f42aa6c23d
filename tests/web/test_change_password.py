"""Changing your password: everyone signed in can, it ends your other sessions, and a remember-me cookie
issued before the change signs nobody in afterwards."""

from __future__ import annotations

from sqlalchemy import select

from passport.extensions import db
from passport.models import AuditEvent, User
from passport.services.passwords import verify_password
from tests import factories
from tests.conftest import csrf_token, live_sessions
from tests.web.test_auth import sign_in, sign_in_with_both_steps

NEW_PASSWORD = "a brand new long password"


def change_password(client, current=factories.PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post(
        "/account/password",
        data={
            "current_password": current,
            "new_password": new,
            "confirm_new_password": new if confirm is None else confirm,
            "csrf_token": csrf_token(client),
        },
    )


def test_a_young_person_changes_their_password(client, world):
    client.sign_in_as(world.young_person)
    page = client.get("/my-passport/").get_data(as_text=True)
    assert 'href="/account/password"' in page
    response = change_password(client)
    assert response.status_code == 302
    assert "Your password has been changed" in client.get("/my-passport/").get_data(as_text=True)
    user = db.session.get(User, world.young_person.id)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "password_changed"))


def test_a_member_of_staff_changes_theirs_and_their_other_sessions_end(app, client, world):
    elsewhere = app.test_client()
    elsewhere.sign_in_as(world.nurse)
    client.sign_in_as(world.nurse)
    assert change_password(client).status_code == 302
    assert live_sessions(world.nurse) == 1
    assert client.get("/staff/caseload").status_code == 200  # this browser carries on
    assert elsewhere.get("/staff/caseload").headers["Location"].startswith("/sign-in?")


def test_a_remember_me_cookie_from_before_the_change_no_longer_signs_anyone_in(app, world):
    """Both the cookie of another device and the one in the browser that made the change."""
    other_device = app.test_client()
    sign_in(other_device, world.young_person.email, factories.PASSWORD, remember_me="y")
    other_cookie = other_device.get_cookie("remember_token").value
    this_device = app.test_client()
    sign_in(this_device, world.young_person.email, factories.PASSWORD, remember_me="y")
    this_cookie = this_device.get_cookie("remember_token").value
    # Each cookie works on its own before the change.
    for cookie in (other_cookie, this_cookie):
        probe = app.test_client()
        probe.set_cookie("remember_token", cookie)
        assert probe.get("/my-passport/").status_code == 200

    assert change_password(this_device).status_code == 302

    for cookie in (other_cookie, this_cookie):
        probe = app.test_client()
        probe.set_cookie("remember_token", cookie)
        response = probe.get("/my-passport/")
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?")
    # The browser that changed it gets a new remember-me cookie, which works.
    renewed = this_device.get_cookie("remember_token").value
    assert renewed != this_cookie
    probe = app.test_client()
    probe.set_cookie("remember_token", renewed)
    assert probe.get("/my-passport/").status_code == 200


def test_a_staff_remember_me_cookie_from_before_the_change_stops_working(app, world):
    device = app.test_client()
    sign_in_with_both_steps(device, world.adviser, remember_me="y")
    remembered = device.get_cookie("remember_token").value
    other = app.test_client()
    other.sign_in_as(world.adviser)
    assert change_password(other).status_code == 302
    probe = app.test_client()
    probe.set_cookie("remember_token", remembered)
    assert probe.get("/adviser/").headers["Location"].startswith("/sign-in?")


def test_the_wrong_current_password_is_explained_beside_the_field(client, world):
    client.sign_in_as(world.young_person)
    response = change_password(client, current="not my password")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<title>Error: Change your password" in html
    assert 'id="current_password-error"' in html and "Your current password is not right" in html
    assert 'value="not my password"' not in html  # passwords are never written back into the page
    user = db.session.get(User, world.young_person.id)
    assert verify_password(user.password_hash, factories.PASSWORD)


def test_new_password_problems_are_explained(client, world):
    client.sign_in_as(world.young_person)
    short = change_password(client, new="short").get_data(as_text=True)
    assert 'id="new_password-error"' in short and "at least 8 characters" in short
    mismatch = change_password(client, confirm="something else entirely").get_data(as_text=True)
    assert 'id="confirm_new_password-error"' in mismatch and "The passwords do not match" in mismatch
    empty = client.post("/account/password", data={"csrf_token": csrf_token(client)}).get_data(as_text=True)
    assert "Enter your current password" in empty and "Create a new password" in empty
    user = db.session.get(User, world.young_person.id)
    assert verify_password(user.password_hash, factories.PASSWORD)
    assert live_sessions(world.young_person) == 1
