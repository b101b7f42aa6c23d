"""The copy of the passport kept on a phone, from the server's side: who may keep one, what it holds, and
every way it ends (the phone is told with Clear-Site-Data and X-Offline-Copy: end). The browser's side is
tests/browser/test_offline_copy.py."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from passport import clock
from passport.extensions import db
from passport.models import AuditEvent, BirthHistory, LoginSession, OfflineCopy, Passport
from tests import factories
from tests.conftest import csrf_token

COOKIE = "passport_offline_copy"
ENDED = '"cache", "storage"'


def keep_a_copy(client, *, birth_history: bool = False):
    data = {"csrf_token": csrf_token(client)}
    if birth_history:
        data["birth_history"] = "y"
    response = client.post("/my-passport/offline-copy/keep", data=data)
    assert response.status_code == 302
    return response


def live(user) -> list[OfflineCopy]:
    return list(
        db.session.scalars(
            select(OfflineCopy).where(OfflineCopy.user_id == user.id, OfflineCopy.ended_at.is_(None))
        )
    )


def test_a_young_person_keeps_a_copy_on_this_phone(client, world):
    client.sign_in_as(world.young_person)
    assert client.get("/my-passport/offline-copy/saved").status_code == 404  # not before choosing it
    response = keep_a_copy(client)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    saved = client.get("/my-passport/offline-copy/saved")
    page = saved.get_data(as_text=True)
    assert saved.status_code == 200
    assert saved.headers["X-Offline-Copy"] == "saved"
    assert saved.headers["Cache-Control"] == "no-store"  # the worker keeps it, no HTTP cache does
    assert "unsafe-inline" not in saved.headers["Content-Security-Policy"]
    assert "Robin Fairweather" in page and "Penicillin" in page and "Last updated" in page
    assert 'data-copy-source="network"' in page
    assert "What the vaccines protect against" in page
    (copy,) = live(world.young_person)
    assert copy.last_saved_at is not None
    assert db.session.scalar(
        select(AuditEvent.event_type).where(AuditEvent.event_type == "offline_copy_started")
    )


def test_staff_never_keep_a_copy(client, world):
    client.sign_in_as(world.nurse)
    assert client.get("/my-passport/offline-copy").status_code == 403
    assert (
        client.post("/my-passport/offline-copy/keep", data={"csrf_token": csrf_token(client)}).status_code
        == 403
    )


def _birth_history_the_young_person_opened(world):
    db.session.add(
        BirthHistory(
            passport_id=world.passport.id,
            place_of_birth="Invented General Hospital",
            updated_by_id=world.nurse.id,
        )
    )
    factories.create_consent(passport=world.passport, by=world.nurse, pdf=True, share_links=True)
    db.session.get(Passport, world.passport.id).birth_history_opened_at = clock.now()
    db.session.commit()


def test_birth_history_only_when_chosen_on_that_phone(app, world):
    _birth_history_the_young_person_opened(world)
    phone, other_phone = app.test_client(), app.test_client()
    for browser, chosen in ((phone, True), (other_phone, False)):
        browser.sign_in_as(world.young_person)
        assert "Also keep what I know about my birth" in browser.get("/my-passport/offline-copy").get_data(
            as_text=True
        )
        keep_a_copy(browser, birth_history=chosen)
    assert "Invented General Hospital" in phone.get("/my-passport/offline-copy/saved").get_data(as_text=True)
    assert "Invented General Hospital" not in other_phone.get("/my-passport/offline-copy/saved").get_data(
        as_text=True
    )


def test_signing_out_deletes_the_copy(client, world):
    client.sign_in_as(world.young_person)
    keep_a_copy(client)
    response = client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    assert response.headers["Clear-Site-Data"] == ENDED
    assert response.headers["X-Offline-Copy"] == "end"
    assert any(c.startswith(f"{COOKIE}=;") for c in response.headers.getlist("Set-Cookie"))
    assert live(world.young_person) == []


def test_signing_out_on_another_phone_deletes_this_phone_s_copy_when_it_is_next_online(app, world):
    phone, library_computer = app.test_client(), app.test_client()
    phone.sign_in_as(world.young_person)
    keep_a_copy(phone)
    library_computer.sign_in_as(world.young_person)
    library_computer.post("/sign-out", data={"csrf_token": csrf_token(library_computer)})
    # The phone's session has ended too: its next request, to any page, says delete.
    status = phone.get("/offline-copy/status")
    assert json.loads(status.get_data()) == {"keep": False}
    assert status.headers["Clear-Site-Data"] == ENDED
    assert phone.get_cookie(COOKIE) is None  # and the cookie went with it


def test_a_session_that_times_out_keeps_the_copy(client, world, app):
    client.sign_in_as(world.young_person)
    keep_a_copy(client)
    for login_session in db.session.scalars(
        select(LoginSession).where(LoginSession.user_id == world.young_person.id)
    ):
        login_session.revoked_at = clock.now()
        login_session.ended_reason = "timed_out"
    db.session.commit()
    status = client.get("/offline-copy/status")
    assert json.loads(status.get_data()) == {"keep": True}
    assert "Clear-Site-Data" not in status.headers
    assert "Clear-Site-Data" not in client.get("/sign-in").headers


def test_another_account_signing_in_on_the_phone_deletes_the_copy(client, world):
    client.sign_in_as(world.young_person)
    keep_a_copy(client)
    client.post("/sign-out", data={"csrf_token": csrf_token(client)})  # clears, but say the cookie stayed:
    copy = OfflineCopy(user_id=world.young_person.id, token_hash="0" * 64)
    db.session.add(copy)
    db.session.commit()
    # A phone with a live copy of Robin's, where Jesse signs in (Robin's session had timed out).
    client.set_cookie(COOKIE, "a-token-whose-hash-is-below")
    copy.token_hash = __import__("hashlib").sha256(b"a-token-whose-hash-is-below").hexdigest()
    db.session.commit()
    response = client.post(
        "/sign-in",
        data={
            "email": world.other_young_person.email,
            "password": factories.PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == ENDED
    assert db.session.get(OfflineCopy, copy.id).ended_reason == "another_account_signed_in"


@pytest.mark.parametrize("who", ["nurse", "other_young_person"])
def test_anyone_else_signed_in_with_the_cookie_deletes_it(app, world, who):
    phone = app.test_client()
    phone.sign_in_as(world.young_person)
    keep_a_copy(phone)
    token = phone.get_cookie(COOKIE).value
    someone_else = app.test_client()
    someone_else.sign_in_as(getattr(world, who))
    someone_else.set_cookie(COOKIE, token)
    assert someone_else.get("/messages/").headers["Clear-Site-Data"] == ENDED
    assert live(world.young_person) == []


def test_changing_the_password_keeps_this_phone_s_copy_and_ends_the_others(app, world):
    phone, tablet = app.test_client(), app.test_client()
    for browser in (phone, tablet):
        browser.sign_in_as(world.young_person)
        keep_a_copy(browser)
    phone.post(
        "/account/password",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "a brand new long password",
            "confirm_new_password": "a brand new long password",
            "csrf_token": csrf_token(phone),
        },
    )
    (kept,) = live(world.young_person)
    assert phone.get("/my-passport/offline-copy/saved").status_code == 200
    assert tablet.get("/offline-copy/status").headers["Clear-Site-Data"] == ENDED
    assert kept.ended_at is None


def test_switching_it_off_here_or_everywhere(app, world):
    phone, tablet = app.test_client(), app.test_client()
    for browser in (phone, tablet):
        browser.sign_in_as(world.young_person)
        keep_a_copy(browser)
    assert "1 other phone" in phone.get("/my-passport/offline-copy").get_data(as_text=True)
    response = phone.post("/my-passport/offline-copy/stop", data={"csrf_token": csrf_token(phone)})
    assert response.headers["Clear-Site-Data"] == ENDED
    assert len(live(world.young_person)) == 1
    tablet.post("/my-passport/offline-copy/stop-everywhere", data={"csrf_token": csrf_token(tablet)})
    assert live(world.young_person) == []


def test_the_worker_and_the_manifest(client):
    worker = client.get("/service-worker.js")
    assert worker.status_code == 200
    assert worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/"
    assert "health-passport-copy" in worker.get_data(as_text=True)
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    body = json.loads(manifest.get_data())
    assert body["start_url"] == "/my-passport/" and body["display"] == "standalone"
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in body["icons"]}


def test_no_page_is_kept_without_the_choice(client, world):
    """Without the choice there is no worker and every page stays no-store, as before."""
    client.sign_in_as(world.young_person)
    for path in ("/my-passport/", "/my-passport/vaccines", "/my-passport/offline-copy"):
        assert client.get(path).headers["Cache-Control"] == "no-store"
    page = client.get("/my-passport/offline-copy").get_data(as_text=True)
    assert 'data-offline-copy="off"' in page
