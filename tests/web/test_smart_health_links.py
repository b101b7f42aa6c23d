"""A share link as a SMART Health Link, checked by an independent client (tests/shl_client.py, written from
the spec with `cryptography`, not from our code): it resolves the link, posts to the manifest, decrypts
every file, validates the FHIR document with fhir.resources (R4B models) and verifies the signed card
against our published keys. The same client proves a wrong passcode, an expired link and a stopped link
behave as the spec says, and that nothing the server sends or keeps opens without the key in the link."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from passport import clock
from passport.extensions import db, limiter
from passport.models import AuditEvent, ShareLink, ShareLinkFile
from passport.services import health_cards, sharing
from tests import factories, shl_client
from tests.conftest import csrf_token
from tests.html_checks import page_text

ISSUER = "https://health-passport.localhost"  # TestConfig.SHC_ISSUER


@pytest.fixture
def signing_key(world):
    key = health_cards.generate_key(world.organisation)
    db.session.commit()
    return key


@pytest.fixture
def full_passport(world):
    f = factories
    f.create_item(
        "registration", passport=world.passport, by=world.nurse, service="gp", name="Riverside Surgery"
    )
    f.create_item(
        "medication", passport=world.passport, by=world.nurse, name="Salbutamol inhaler", dose="2 puffs"
    )
    f.create_item(
        "condition", passport=world.passport, by=world.nurse, name="Low mood", sensitivity="mental_health"
    )
    f.create_item(
        "contact", passport=world.passport, by=world.nurse, role="emergency_contact", name="Aunt Dee"
    )
    f.create_item(
        "immunisation",
        passport=world.passport,
        by=world.nurse,
        vaccine_id="mmr",
        given_on=world.passport.date_of_birth + timedelta(days=400),
        where_given="uk_gp",
    )
    return world.passport


def make_link(client, world, *, sections=("about_me", "health_summary", "immunisations"), **extra) -> dict:
    """Make a link as the young person does; the page shows the SMART Health Link and the plain link."""
    ends = clock.today() + timedelta(days=10)
    client.sign_in_as(world.young_person)
    data = {
        "label": extra.pop("label", "New GP"),
        "sections": list(sections),
        "expires_on-day": str(ends.day),
        "expires_on-month": str(ends.month),
        "expires_on-year": str(ends.year),
        "csrf_token": csrf_token(client),
        **extra,
    }
    html = client.post("/my-passport/share", data=data).get_data(as_text=True)
    smart = re.search(r'id="smart-link" dir="ltr">([^<]+)<', html)
    assert smart, page_text(html)[:1500]
    plain = re.search(r'dir="ltr">(http://localhost/s/[^<]+)<', html).group(1)
    return {"smart": smart.group(1), "plain": plain.replace("http://localhost", ""), "html": html}


def validate(bundle: dict) -> Bundle:
    for entry in bundle["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    return Bundle.model_validate(bundle)


class TestTheLinkItself:
    def test_payload_as_the_spec_says(self, app, client, world):
        made = make_link(client, world, passcode="sunflower")
        assert made["smart"].startswith("http://localhost/view#shlink:/")
        link = shl_client.parse_link(made["smart"])
        assert link.url.startswith("http://localhost/shl/") and len(link.url) <= 128
        assert re.fullmatch(r"http://localhost/shl/[A-Za-z0-9_-]{43}", link.url)  # 256 bits in the address
        assert len(link.key) == 32 and link.flags == "P" and link.version == 1
        stored = db.session.scalar(select(ShareLink).where(ShareLink.label == "New GP"))
        assert link.exp == int(stored.expires_at.timestamp())
        # The young person's words for who it is for stay private; the label names nobody.
        assert "New GP" not in (link.label or "") and world.passport.legal_name not in (link.label or "")
        # Without a passcode there is no P flag.
        assert shl_client.parse_link(make_link(client, world, label="Dentist")["smart"]).flags == ""

    def test_the_key_and_token_are_nowhere_in_the_database(self, app, client, world):
        made = make_link(client, world)
        link = shl_client.parse_link(made["smart"])
        key_text = shl_client.b64url_encode(link.key)
        manifest_token = link.url.rsplit("/", 1)[1]
        with db.engine.connect() as connection:
            for table in db.metadata.sorted_tables:
                for row in connection.execute(select(table)):
                    text = repr(tuple(row))
                    assert key_text not in text and manifest_token not in text, table.name


class TestTheIndependentClient:
    def test_resolves_decrypts_validates_and_verifies(self, app, client, world, full_passport, signing_key):
        made = make_link(client, world, include_health_card="y")
        receiver = shl_client.Client(app.test_client(), recipient="Dr A Khan, Riverside Surgery")
        _link, manifest, files = receiver.resolve(made["smart"])
        assert [f.content_type for f in files] == ["application/fhir+json", "application/smart-health-card"]
        assert all(f.how == "embedded" for f in files)
        assert manifest["files"][0]["fhirVersion"] == "4.0.1"

        bundle = validate(files[0].json())
        text = files[0].body.decode()
        assert bundle.type == "document" and world.passport.legal_name in text
        assert "Penicillin" in text and "Salbutamol inhaler" in text
        assert "Riverside Surgery" not in text  # GP and services were not chosen
        assert "Low mood" not in text  # mental health was not ticked

        jwks = app.test_client().get("/.well-known/jwks.json").get_json()
        (card,) = files[1].json()["verifiableCredential"]
        payload = shl_client.verify_card(card, jwks, ISSUER)
        card_text = str(payload["vc"]["credentialSubject"]["fhirBundle"])
        assert world.passport.legal_name in card_text and "Penicillin" in card_text
        validate(payload["vc"]["credentialSubject"]["fhirBundle"] | {"type": "collection"})

        # The young person reads who opened it, as the requester named themselves.
        client.sign_in_as(world.young_person)
        looked = page_text(client.get("/my-passport/who-looked").get_data(as_text=True))
        assert "Dr A Khan, Riverside Surgery" in looked and "Opened a link you shared" in looked

    def test_files_by_location_when_the_client_wants_them_small(self, app, client, world, full_passport):
        made = make_link(client, world)
        receiver = shl_client.Client(app.test_client())
        link, manifest, files = receiver.resolve(made["smart"], embedded_length_max=100)
        assert [f.how for f in files] == ["location"]
        assert "embedded" not in manifest["files"][0]
        validate(files[0].json())
        # A location is single use...
        location = manifest["files"][0]["location"]
        assert app.test_client().get(receiver._path(location)).status_code == 404
        # ...and short-lived: one not fetched is gone after 15 minutes.
        manifest = receiver.manifest(link, embedded_length_max=0)
        late = manifest["files"][0]["location"]
        app.config["FROZEN_NOW"] = clock.now() + timedelta(minutes=16)
        assert app.test_client().get(receiver._path(late)).status_code == 404

    def test_wrong_passcode_then_right(self, app, client, world):
        made = make_link(client, world, passcode="sunflower")
        receiver = shl_client.Client(app.test_client())
        link = shl_client.parse_link(made["smart"])
        with pytest.raises(shl_client.PasscodeRefused) as refused:
            receiver.manifest(link, passcode="wrong")
        assert refused.value.remaining == 4
        with pytest.raises(shl_client.PasscodeRefused) as no_passcode:
            receiver.manifest(link)  # no passcode sent: no guess, no try used
        assert no_passcode.value.remaining == 4
        files = receiver.files(link, receiver.manifest(link, passcode="sunflower"))
        validate(files[0].json())
        # The right passcode does not use up a try.
        assert db.session.scalar(select(ShareLink.failed_passcodes).where(ShareLink.label == "New GP")) == 1

    def test_the_cap_stops_the_link_for_both_ways_in(self, app, client, world):
        made = make_link(client, world, passcode="sunflower")
        receiver = shl_client.Client(app.test_client())
        link = shl_client.parse_link(made["smart"])
        remaining = []
        for _ in range(5):
            with pytest.raises(shl_client.PasscodeRefused) as refused:
                receiver.manifest(link, passcode="wrong")
            remaining.append(refused.value.remaining)
        assert remaining == [4, 3, 2, 1, 0]
        with pytest.raises(shl_client.LinkInactive):
            receiver.manifest(link, passcode="sunflower")
        assert app.test_client().get(made["plain"]).status_code == 404

    def test_an_expired_link_is_404(self, app, client, world):
        made = make_link(client, world)
        link = shl_client.parse_link(made["smart"])
        app.config["FROZEN_NOW"] = clock.now() + timedelta(days=12)
        with pytest.raises(shl_client.LinkInactive):
            shl_client.Client(app.test_client()).manifest(link)

    def test_a_stopped_link_is_404_and_its_waiting_files_go(self, app, client, world):
        made = make_link(client, world)
        receiver = shl_client.Client(app.test_client())
        link = shl_client.parse_link(made["smart"])
        location = receiver.manifest(link, embedded_length_max=0)["files"][0]["location"]
        stored = db.session.scalar(select(ShareLink).where(ShareLink.label == "New GP"))
        client.post(f"/my-passport/share/{stored.id}/stop", data={"csrf_token": csrf_token(client)})
        with pytest.raises(shl_client.LinkInactive):
            receiver.manifest(link)
        assert app.test_client().get(receiver._path(location)).status_code == 404
        assert db.session.scalars(select(ShareLinkFile)).all() == []
        client.sign_in_as(world.young_person)
        looked = page_text(client.get("/my-passport/who-looked").get_data(as_text=True))
        assert "Tried to open a link you shared, but could not" in looked

    def test_nothing_opens_without_the_key(self, app, client, world, full_passport):
        """Every manifest and file response is ciphertext: without the key from the link, a client holding
        the manifest address learns nothing but the content types."""
        made = make_link(client, world)
        link = shl_client.parse_link(made["smart"])
        visitor = app.test_client()
        embedded = visitor.post(link.url.replace("http://localhost", ""), json={"recipient": "x"})
        by_location = visitor.post(
            link.url.replace("http://localhost", ""), json={"recipient": "x", "embeddedLengthMax": 0}
        )
        location = by_location.get_json()["files"][0]["location"].replace("http://localhost", "")
        bodies = [embedded.get_data(as_text=True), by_location.get_data(as_text=True)]
        bodies.append(visitor.get(location).get_data(as_text=True))
        for body in bodies:
            for secret in ("Penicillin", "Fairweather", "9990000018", "Hay fever"):
                assert secret not in body
        with pytest.raises(shl_client.ShlError, match="does not open"):
            shl_client.decrypt_jwe(embedded.get_json()["files"][0]["embedded"], bytes(32))


class TestTheManifestEndpoint:
    def test_bad_requests_are_400_and_unknown_links_404(self, app, client, world):
        made = make_link(client, world)
        path = shl_client.parse_link(made["smart"]).url.replace("http://localhost", "")
        visitor = app.test_client()
        assert visitor.post(path, data={"recipient": "x"}).status_code == 400  # not JSON
        for body in (
            {},
            {"recipient": ""},
            {"recipient": 3},
            [],
            {"recipient": "x", "embeddedLengthMax": -1},
        ):
            assert visitor.post(path, json=body).status_code == 400, body
        assert visitor.post("/shl/" + "A" * 43, json={"recipient": "x"}).status_code == 404

    def test_other_sites_apps_may_call_it(self, app, client, world):
        made = make_link(client, world)
        path = shl_client.parse_link(made["smart"]).url.replace("http://localhost", "")
        preflight = app.test_client().options(
            path, headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
        )
        assert preflight.headers["Access-Control-Allow-Origin"] == "*"
        assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
        answer = app.test_client().post(path, json={"recipient": "x"})
        assert answer.headers["Access-Control-Allow-Origin"] == "*"
        assert answer.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in answer.headers

    def test_the_recipient_is_kept_as_one_plain_line(self, app, client, world):
        made = make_link(client, world)
        receiver = shl_client.Client(app.test_client(), recipient="Dr\u202e Evil\n<b>Nurse</b>" + "x" * 300)
        receiver.manifest(shl_client.parse_link(made["smart"]))
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "share_link_opened"))
        recipient = event.details["recipient"]
        assert "\u202e" not in recipient and "\n" not in recipient and len(recipient) <= 120


class TestBirthHistoryInTheFiles:
    """The files carry birth history only with a consent for share links AND for FHIR, the young person's
    choice to put it in links, and the tick on this link."""

    @pytest.mark.parametrize(
        ("share_links", "fhir", "expected"), [(True, True, True), (True, False, False), (False, True, False)]
    )
    def test_both_consents_are_needed(self, app, client, world, share_links, fhir, expected):
        from tests.web.test_birth_history import MARKERS as BIRTH_MARKERS
        from tests.web.test_birth_history import open_as_young_person, write_birth_history

        write_birth_history(world.passport, world.nurse)
        factories.create_consent(
            passport=world.passport, by=world.nurse, pdf=True, share_links=share_links, fhir=fhir
        )
        open_as_young_person(client, world)
        made = make_link(client, world, birth_history="y")
        _, _, files = shl_client.Client(app.test_client()).resolve(made["smart"])
        text = files[0].body.decode()
        assert all(marker in text for marker in BIRTH_MARKERS.values()) is expected
        assert any(marker in text for marker in BIRTH_MARKERS.values()) is expected


def test_twenty_parallel_guesses_check_exactly_the_cap(app, client, world, monkeypatch):
    """Issue 18 item 5: the passcode attempt is counted with one conditional UPDATE before the hash is
    checked, so 20 parallel guesses (through both ways in) against a cap of 5 check exactly 5 hashes and
    record exactly 5 wrong tries; the right passcode sent among them is refused once the cap is reached."""
    made = make_link(client, world, passcode="sunflower")
    link = shl_client.parse_link(made["smart"])
    checked = []
    real_verify = sharing.verify_password

    def counting_verify(stored, given):
        checked.append(given)
        return real_verify(stored, given)

    monkeypatch.setattr(sharing, "verify_password", counting_verify)
    limiter.enabled = False  # the per-link rate limit would stop most first; test the cap itself
    start = threading.Barrier(20)
    statuses = []

    def guess(n):
        visitor = app.test_client()
        token = csrf_token(visitor) if n % 2 else None
        start.wait()
        if n % 2:
            response = visitor.post(made["plain"], data={"csrf_token": token, "passcode": f"wrong-{n}"})
        else:
            response = visitor.post(
                link.url.replace("http://localhost", ""), json={"recipient": "x", "passcode": f"wrong-{n}"}
            )
        statuses.append(response.status_code)

    try:
        threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        limiter.enabled = True
    db.session.expire_all()
    assert len(checked) == 5, checked
    assert db.session.scalar(select(ShareLink.failed_passcodes).where(ShareLink.label == "New GP")) == 5
    assert set(statuses) <= {200, 401, 404} and len(statuses) == 20, statuses
    with pytest.raises(shl_client.LinkInactive):
        shl_client.Client(app.test_client()).manifest(link, passcode="sunflower")
    assert len(checked) == 5  # the right passcode was not even checked


def test_a_card_verifies_whatever_host_the_page_was_opened_on(app, world, signing_key):
    """Issue 18 item 12: the issuer is SHC_ISSUER, not the request's host. A card made through one host
    name checks out on the verify page opened at another."""
    from passport.models import Passport, User
    from tests.web.test_verify_card import record_a_vaccine

    record_a_vaccine(world)
    with app.test_request_context(base_url="https://passport-a.example"):
        card = health_cards.issue(
            db.session.get(User, world.young_person.id),
            db.session.get(Passport, world.passport.id),
            include_allergies=False,
        )
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        result = app.test_client().post(
            "/verify-card", data={"card": card.qr_text}, base_url="https://another-name-for-it.example"
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert "This card is real and has not been changed" in page_text(result.get_data(as_text=True))
    assert shl_client.verify_card(card.jws, {"keys": [signing_key.public_jwk]}, ISSUER)["iss"] == ISSUER


@pytest.mark.parametrize(
    ("made_on", "chosen", "said"),
    [
        (datetime(2026, 12, 7, 12, 0, tzinfo=UTC), date(2027, 1, 5), "5 January 2027"),  # winter (GMT)
        (datetime(2027, 6, 1, 12, 0, tzinfo=UTC), date(2027, 7, 5), "5 July 2027"),  # summer (BST)
    ],
)
def test_the_end_date_is_the_day_chosen_everywhere_it_is_shown(app, client, world, made_on, chosen, said):
    """Choose 5/1/2027 and every place says 5 January 2027 (it once said the 6th): the page that shows the
    link, the young person's list of links and the page the GP opens. The link works to the last minute
    of that day, UK time, and its SMART Health Link says so in `exp`, which the viewer shows (less a
    second, so also as that day: static/js/shl-viewer.js)."""
    app.config["FROZEN_NOW"] = made_on
    client.sign_in_as(world.young_person)
    html = client.post(
        "/my-passport/share",
        data={
            "label": "New GP",
            "sections": ["about_me"],
            "expires_on-day": str(chosen.day),
            "expires_on-month": str(chosen.month),
            "expires_on-year": str(chosen.year),
            "csrf_token": csrf_token(client),
        },
    ).get_data(as_text=True)
    day_after = f"{(chosen + timedelta(days=1)).day} {chosen:%B %Y}"
    assert f"It stops working at the end of {said}." in page_text(html)
    assert day_after not in page_text(html)
    plain = re.search(r'dir="ltr">http://localhost(/s/[^<]+)<', html).group(1)
    smart = shl_client.parse_link(re.search(r'id="smart-link" dir="ltr">([^<]+)<', html).group(1))

    links = page_text(client.get("/my-passport/share").get_data(as_text=True))
    assert f"New GP Working It stops working at the end of {said}." in links
    gp = app.test_client()
    assert f"The link stops working at the end of {said}." in page_text(gp.get(plain).get_data(as_text=True))

    last_second = datetime.fromtimestamp(smart.exp - 1, clock.UK)
    assert (last_second.date(), last_second.hour, last_second.minute) == (chosen, 23, 59)
    app.config["FROZEN_NOW"] = datetime.combine(chosen, time(23, 59), tzinfo=clock.UK)
    assert "Robin Fairweather" in page_text(gp.get(plain).get_data(as_text=True))
    app.config["FROZEN_NOW"] = datetime.combine(chosen + timedelta(days=1), time.min, tzinfo=clock.UK)
    assert "Robin Fairweather" not in page_text(gp.get(plain).get_data(as_text=True))
