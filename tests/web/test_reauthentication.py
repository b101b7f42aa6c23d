"""Before sharing or downloading their passport, a young person who signed in more than 15 minutes ago types
their password again (access.recent_sign_in_required). The clock is moved with FROZEN_NOW."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from passport import clock
from passport.extensions import db
from passport.models import AuditEvent, ShareLink
from passport.services import health_cards
from tests import factories
from tests.conftest import csrf_token
from tests.html_checks import page_text

CONFIRM = "/account/confirm-password"


def _share_form() -> dict:
    ends = clock.today() + timedelta(days=10)
    return {
        "label": "New GP",
        "sections": ["about_me", "health_summary"],
        "expires_on-day": str(ends.day),
        "expires_on-month": str(ends.month),
        "expires_on-year": str(ends.year),
    }


# (the POST that hands the passport over, its form, where the password page sends them back, what a
# successful answer is)
HAND_OVERS = {
    "share link": ("/my-passport/share", _share_form, "/my-passport/share", "text/html"),
    "passport PDF": (
        "/my-passport/download/passport",
        lambda: {"sections": ["about_me", "health_summary"]},
        "/my-passport/download/passport",
        "application/pdf",
    ),
    "FHIR record": (
        "/my-passport/download/health-record",
        lambda: {"sections": ["about_me", "health_summary"]},
        "/my-passport/download/health-record",
        "application/fhir+json",
    ),
    "emergency card": (
        "/my-passport/download/emergency-card",
        dict,
        "/my-passport/download",
        "application/pdf",
    ),
    "offline card": (
        "/my-passport/offline-card",
        lambda: {"include_allergies": "y"},
        "/my-passport/offline-card",
        "text/html",
    ),
    "data export": ("/my-passport/my-data.json", dict, "/my-passport/my-data", "application/json"),
}


@pytest.fixture
def signing_key(world):
    """The signed offline card needs a key, and a vaccine to put on it (none recorded, none offered)."""
    key = health_cards.generate_key(world.organisation)
    db.session.commit()
    factories.create_item(
        "immunisation",
        passport=world.passport,
        by=world.nurse,
        vaccine_id="mmr",
        given_on=world.passport.date_of_birth + timedelta(days=400),
        where_given="uk_gp",
    )
    return key


def later(app, minutes: int) -> None:
    app.config["FROZEN_NOW"] = clock.now() + timedelta(minutes=minutes)


def post(client, url, data):
    return client.post(url, data={"csrf_token": csrf_token(client), **data})


def confirm(client, password, next_url):
    return client.post(
        f"{CONFIRM}?next={next_url}", data={"csrf_token": csrf_token(client), "password": password}
    )


def exports_audited() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.event_type.in_(["passport_exported", "share_link_created", "health_card_issued"]))
    )


@pytest.mark.parametrize("hand_over", HAND_OVERS, ids=list(HAND_OVERS))
def test_after_15_minutes_the_password_is_asked_for_then_the_form_works(
    app, client, world, signing_key, hand_over
):
    url, form, back, mimetype = HAND_OVERS[hand_over]
    client.sign_in_as(world.young_person)
    links_before, exports_before = db.session.scalar(select(func.count(ShareLink.id))), exports_audited()
    later(app, 16)

    asked = post(client, url, form())
    assert asked.status_code == 302
    assert asked.headers["Location"] == f"{CONFIRM}?next={back}"
    # Nothing was handed over.
    assert db.session.scalar(select(func.count(ShareLink.id))) == links_before
    assert exports_audited() == exports_before

    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert "<h1>Type your password again</h1>" in page and 'type="password"' in page
    assert "Before you share or download your passport, we check it is still you" in page

    back_again = confirm(client, factories.PASSWORD, back)
    assert back_again.status_code == 302 and back_again.headers["Location"] == back
    assert client.get(back).status_code == 200

    exports_before = exports_audited()  # (the "my data" page itself is recorded as an export)
    done = post(client, url, form())
    assert done.status_code == 200 and done.mimetype == mimetype
    assert exports_audited() == exports_before + 1


def test_a_recent_sign_in_goes_straight_through(app, client, world):
    client.sign_in_as(world.young_person)
    later(app, 14)
    response = post(client, "/my-passport/my-data.json", {})
    assert response.status_code == 200 and response.mimetype == "application/json"


def test_the_confirmation_lasts_15_minutes_too(app, client, world):
    client.sign_in_as(world.young_person)
    later(app, 20)
    confirm(client, factories.PASSWORD, "/my-passport/my-data")
    later(app, 14)
    assert post(client, "/my-passport/my-data.json", {}).mimetype == "application/json"
    later(app, 2)
    assert post(client, "/my-passport/my-data.json", {}).headers["Location"].startswith(CONFIRM)


def test_a_wrong_password_is_explained_beside_the_field_and_recorded(app, client, world):
    client.sign_in_as(world.young_person)
    later(app, 20)
    response = confirm(client, "not my password", "/my-passport/share")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "nhsuk-error-summary" in html and "Your current password is not right" in page_text(html)
    assert "not my password" not in html  # a password is never typed back into the page
    refused = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.event_type == "sign_in_refused", AuditEvent.actor_id == world.young_person.id
        )
    )
    assert refused.details == {"reason": "wrong_password_when_confirming"}
    assert post(client, "/my-passport/my-data.json", {}).headers["Location"].startswith(CONFIRM)


def test_wrong_passwords_are_throttled(app, client, world):
    client.sign_in_as(world.young_person)
    later(app, 20)
    app.config["SIGN_IN_LIMIT"] = "3 per 15 minutes"
    try:
        statuses = [confirm(client, "guess", "/my-passport/share").status_code for _ in range(4)]
    finally:
        app.config["SIGN_IN_LIMIT"] = "10 per 15 minutes"
    assert statuses == [400, 400, 400, 429]


def test_reading_and_stopping_a_link_never_needs_the_password(app, client, world):
    """Only handing the passport over asks: looking at it, and stopping a link, stay one tap away."""
    client.sign_in_as(world.young_person)
    later(app, 25)
    for url in ("/my-passport/", "/my-passport/share", "/my-passport/download", "/my-passport/my-data"):
        assert client.get(url).status_code == 200, url
    stopped = post(client, f"/my-passport/share/{world.share_link.id}/stop", {})
    assert stopped.headers["Location"] == "/my-passport/share"
    assert db.session.get(ShareLink, world.share_link.id).revoked_at is not None


def test_the_way_back_stays_on_this_site(app, client, world):
    client.sign_in_as(world.young_person)
    later(app, 20)
    for elsewhere in ("https://evil.example/", "//evil.example/"):
        response = confirm(client, factories.PASSWORD, elsewhere)
        assert response.headers["Location"] == "/"


def test_signing_in_again_starts_the_15_minutes_again(app, client, world):
    client.sign_in_as(world.young_person)
    later(app, 20)
    assert post(client, "/my-passport/my-data.json", {}).status_code == 302
    client.sign_in_as(world.young_person)  # a new session, made at the moved clock
    assert post(client, "/my-passport/my-data.json", {}).mimetype == "application/json"
