"""What leaves the app: the passport PDF, the emergency card, share links, the signed offline card and the
data export. Every one is built from the PassportView for its output, so checks here are about what a
reader of the file or page would see."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from passport import clock
from passport.extensions import db, limiter
from passport.models import AuditEvent, Passport, ShareLink, SigningKey
from passport.policy import Output, Section, Selection
from passport.projection import build_view
from passport.services import health_cards
from tests import factories
from tests.conftest import csrf_token, seen_version
from tests.html_checks import main_text, page_text
from tests.web.test_staff import decode_qr_image


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client), **data})


@pytest.fixture
def rich_passport(world):
    f = factories
    f.create_item(
        "registration",
        passport=world.passport,
        by=world.nurse,
        service="gp",
        name="Riverside Medical Centre",
        ods_code="K81003",
        phone="0300 000 0100",
    )
    f.create_item(
        "medication", passport=world.passport, by=world.nurse, name="Salbutamol inhaler", dose="2 puffs"
    )
    f.create_item(
        "condition", passport=world.passport, by=world.nurse, name="Low mood", sensitivity="mental_health"
    )
    f.create_item(
        "contact",
        passport=world.passport,
        by=world.nurse,
        role="emergency_contact",
        name="Aunt Dee",
        phone="0300 000 0300",
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


class TestPassportPdf:
    def test_holds_the_chosen_sections_and_leaves_labelled_items_out(self, client, world, rich_passport):
        client.sign_in_as(world.young_person)
        response = client.post(
            "/my-passport/download/passport",
            data={
                "csrf_token": csrf_token(client),
                "sections": ["about_me", "health_summary", "registrations"],
            },
        )
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.headers["Cache-Control"] == "no-store"
        text = pdf_text(response.data)
        assert "Robin Fairweather" in text and "999 000 0018" in text
        assert "Penicillin" in text and "Riverside Medical Centre" in text
        assert "Low mood" not in text  # mental health: left out unless ticked
        assert "Aunt Dee" not in text  # contacts were not chosen
        assert "Produced from Health Passport" in text

    def test_ticking_mental_health_puts_it_in(self, client, world, rich_passport):
        client.sign_in_as(world.young_person)
        response = client.post(
            "/my-passport/download/passport",
            data={"csrf_token": csrf_token(client), "sections": ["health_summary"], "mental_health": "y"},
        )
        assert "Low mood" in pdf_text(response.data)

    def test_in_arabic(self, client, world, rich_passport):
        client.sign_in_as(world.young_person)
        client.post("/language", data={"locale": "ar", "next": "/", "csrf_token": csrf_token(client)})
        response = client.post(
            "/my-passport/download/passport",
            data={"csrf_token": csrf_token(client), "sections": ["about_me", "health_summary"]},
        )
        reader = PdfReader(io.BytesIO(response.data))
        assert reader.trailer["/Root"].get("/Lang") == "ar"
        assert "999 000 0018" in pdf_text(response.data)

    def test_nothing_chosen_is_explained(self, client, world):
        client.sign_in_as(world.young_person)
        response = client.post("/my-passport/download/passport", data={"csrf_token": csrf_token(client)})
        assert response.status_code == 400
        assert "Choose at least one part of your passport" in response.get_data(as_text=True)

    def test_the_download_is_audited_for_a_staff_export_only(self, client, world, rich_passport):
        client.sign_in_as(world.nurse)
        response = post(client, f"/staff/passports/{world.passport.id}/leaving-pack.pdf")
        assert response.mimetype == "application/pdf"
        assert "What we went through together" in pdf_text(response.data)
        client.sign_in_as(world.young_person)
        text = page_text(client.get("/my-passport/who-looked").get_data(as_text=True))
        assert "Downloaded your passport" in text


class TestFileNames:
    """A PDF is named for whose it is and the day it was made: a nurse saving packs for several young people
    got leaving-pack-<date>.pdf for every one of them."""

    def test_the_leaving_pack_is_named_by_person(self, app, client, world):
        app.config["FROZEN_NOW"] = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
        client.sign_in_as(world.nurse)
        response = post(client, f"/staff/passports/{world.passport.id}/leaving-pack.pdf")
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="leaving-pack-robin-fairweather-2026-12-07.pdf"'
        )

    def test_a_name_in_other_letters_is_kept_in_utf8_beside_an_ascii_one(self, app, client, world):
        app.config["FROZEN_NOW"] = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
        passport = db.session.get(Passport, world.passport.id)
        passport.legal_name = "Zoë Ó'Brien-Ng"
        db.session.commit()
        client.sign_in_as(world.nurse)
        disposition = post(client, f"/staff/passports/{world.passport.id}/leaving-pack.pdf").headers[
            "Content-Disposition"
        ]
        assert disposition == (
            'attachment; filename="leaving-pack-zoe-o-brien-ng-2026-12-07.pdf"; '
            "filename*=UTF-8''leaving-pack-zo%C3%AB-%C3%B3-brien-ng-2026-12-07.pdf"
        )
        passport.legal_name = "محمد علي"
        db.session.commit()
        disposition = post(client, f"/staff/passports/{world.passport.id}/leaving-pack.pdf").headers[
            "Content-Disposition"
        ]
        plain, full = disposition.split("; filename*=UTF-8''")
        assert plain == 'attachment; filename="leaving-pack-2026-12-07.pdf"'
        assert unquote(full) == "leaving-pack-محمد-علي-2026-12-07.pdf"

    def test_the_young_persons_passport_is_named_by_the_name_they_use(
        self, app, client, world, rich_passport
    ):
        app.config["FROZEN_NOW"] = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
        passport = db.session.get(Passport, world.passport.id)
        passport.preferred_name = "Robbie Fairweather"
        db.session.commit()
        client.sign_in_as(world.young_person)
        response = client.post(
            "/my-passport/download/passport",
            data={"csrf_token": csrf_token(client), "sections": ["about_me"]},
        )
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="health-passport-robbie-fairweather-2026-12-07.pdf"'
        )


class TestEmergencyCard:
    def test_wallet_sized_with_allergies_medicines_gp_and_emergency_contact(
        self, client, world, rich_passport
    ):
        client.sign_in_as(world.young_person)
        response = post(client, "/my-passport/download/emergency-card")
        reader = PdfReader(io.BytesIO(response.data))
        width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
        assert round(width / 72 * 25.4, 1) == 85.6 and round(height / 72 * 25.4) == 54
        text = pdf_text(response.data)
        for expected in (
            "Robin Fairweather",
            "999 000 0018",
            "Penicillin",
            "Salbutamol inhaler",
            "Riverside Medical Centre",
            "Aunt Dee",
        ):
            assert expected in text
        assert "Low mood" not in text

    def test_the_printed_qr_reads_back_as_the_cards_text(self, client, world, rich_passport):
        """Printed at 300 dpi and read with an independent decoder (zxing-cpp), as a phone camera would
        read the card: the QR holds the same details as the card, with no signal needed."""
        if shutil.which("pdftoppm") is None:
            pytest.skip("poppler-utils (pdftoppm) is not installed: apt-get install poppler-utils")
        import zxingcpp
        from PIL import Image

        client.sign_in_as(world.young_person)
        pdf = post(client, "/my-passport/download/emergency-card").data
        png = subprocess.run(
            ["pdftoppm", "-png", "-r", "300", "-f", "1", "-l", "1", "-"],
            input=pdf,
            capture_output=True,
            check=True,
        ).stdout
        (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
        assert barcode.format == zxingcpp.BarcodeFormat.QRCode
        assert barcode.text.splitlines() == [
            "Robin Fairweather",
            world.passport.date_of_birth.isoformat(),
            "NHS 999 000 0018",
            "Allergies: Penicillin",
            "In an emergency call: Aunt Dee 0300 000 0300",
            "Medicines: Salbutamol inhaler",
            "Conditions: Hay fever",
            "GP: Riverside Medical Centre 0300 000 0100",
        ]  # the mental-health condition was not chosen for the card, so it is not in the QR either

    def test_a_very_long_record_still_fits_one_qr_and_keeps_the_emergency_contact(self, world):
        from passport.exports.qr import MAX_QR_TEXT, qr_png_bytes
        from passport.services.exports import emergency_card_text

        for n in range(60):
            factories.create_item(
                "allergy", passport=world.passport, by=world.nurse, substance=f"Invented substance {n}"
            )
        factories.create_item(
            "contact", passport=world.passport, by=world.nurse, role="emergency_contact", name="Aunt Dee"
        )
        view = build_view(
            world.young_person,
            world.passport,
            clock.today(),
            Output.PDF,
            Selection(sections=frozenset({Section.ABOUT_ME, Section.HEALTH_SUMMARY, Section.CONTACTS})),
        )
        text = emergency_card_text(view)
        assert len(text) <= MAX_QR_TEXT and qr_png_bytes(text)
        assert "In an emergency call: Aunt Dee" in text and "…" in text


class TestShareLinks:
    def make_link(self, client, world, **extra):
        today = date.today() + timedelta(days=10)
        data = {
            "label": "New GP",
            "sections": ["about_me", "health_summary"],
            "expires_on-day": str(today.day),
            "expires_on-month": str(today.month),
            "expires_on-year": str(today.year),
            **extra,
        }
        client.sign_in_as(world.young_person)
        html = post(client, "/my-passport/share", **data).get_data(as_text=True)
        match = re.search(r'dir="ltr">(http://localhost/s/[^<]+)<', html)
        assert match, html[:2000]
        return match.group(1).replace("http://localhost", "")

    def test_a_link_shows_only_the_chosen_sections_read_only(self, app, client, world, rich_passport):
        url = self.make_link(client, world)
        visitor = app.test_client()
        response = visitor.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        text = main_text(response.get_data(as_text=True))
        assert "Penicillin" in text and "999 000 0018" in text
        assert "Riverside Medical Centre" not in text and "Aunt Dee" not in text and "Low mood" not in text
        assert "Change" not in text and "Ask for a correction" not in text
        link = db.session.scalar(select(ShareLink).where(ShareLink.label == "New GP"))
        assert url.split("/")[-1] not in link.token_hash  # only a hash is stored
        client.sign_in_as(world.young_person)
        assert "Opened a link you shared" in page_text(
            client.get("/my-passport/who-looked").get_data(as_text=True)
        )

    def test_the_qr_code_opens_exactly_the_link_shown(self, app, client, world, rich_passport):
        today = clock.today() + timedelta(days=7)
        client.sign_in_as(world.young_person)
        html = post(
            client,
            "/my-passport/share",
            label="New GP",
            sections=["about_me", "health_summary"],
            **{"expires_on-day": str(today.day), "expires_on-month": str(today.month)},
            **{"expires_on-year": str(today.year)},
        ).get_data(as_text=True)
        # The QR code and the copy button give the SMART Health Link (our viewer, then #shlink:/…); the
        # plain link for a browser without JavaScript is on the page too.
        shown = re.search(r'id="smart-link" dir="ltr">(http://localhost/view#shlink:/[^<]+)<', html).group(1)
        assert decode_qr_image(html) == shown
        assert app.test_client().get("/view").status_code == 200
        plain = re.search(r'dir="ltr">(http://localhost/s/[^<]+)<', html).group(1)
        assert app.test_client().get(plain.replace("http://localhost", "")).status_code == 200

    def test_expired_and_stopped_links_are_404(self, app, client, world):
        url = self.make_link(client, world)
        link = db.session.scalar(select(ShareLink).where(ShareLink.label == "New GP"))
        post(client, f"/my-passport/share/{link.id}/stop")
        assert app.test_client().get(url).status_code == 404
        url = self.make_link(client, world)
        app.config["FROZEN_NOW"] = datetime_in(days=12)
        assert app.test_client().get(url).status_code == 404

    @pytest.mark.parametrize(("days", "message"), [(0, "must be in the future"), (91, "90 days at most")])
    def test_expiry_is_required_and_at_most_90_days(self, client, world, days, message):
        client.sign_in_as(world.young_person)
        when = date.today() + timedelta(days=days)
        response = post(
            client,
            "/my-passport/share",
            label="Dentist",
            sections=["about_me"],
            **{
                "expires_on-day": str(when.day),
                "expires_on-month": str(when.month),
                "expires_on-year": str(when.year),
            },
        )
        assert message in response.get_data(as_text=True)
        assert db.session.scalars(select(ShareLink).where(ShareLink.label == "Dentist")).all() == []

    def test_twenty_parallel_wrong_passcodes_record_exactly_the_cap(self, app, client, world):
        url = self.make_link(client, world, passcode="sunflower")
        link_id = db.session.scalar(select(ShareLink.id).where(ShareLink.label == "New GP"))
        # The per-link rate limit would stop most of these first; switch it off to test the cap itself.
        limiter.enabled = False
        results = []

        def guess():
            visitor = app.test_client()
            token = csrf_token(visitor)
            results.append(visitor.post(url, data={"csrf_token": token, "passcode": "wrong"}).status_code)

        try:
            threads = [threading.Thread(target=guess) for _ in range(20)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            limiter.enabled = True
        db.session.expire_all()
        assert db.session.get(ShareLink, link_id).failed_passcodes == 5
        assert all(code in (400, 404) for code in results), results
        # Locked for good: even the right passcode no longer opens it.
        visitor = app.test_client()
        assert (
            visitor.post(url, data={"csrf_token": csrf_token(visitor), "passcode": "sunflower"}).status_code
            == 404
        )

    def test_the_right_passcode_opens_it(self, app, client, world):
        url = self.make_link(client, world, passcode="sunflower")
        visitor = app.test_client()
        assert "Enter the passcode" in visitor.get(url).get_data(as_text=True)
        response = visitor.post(url, data={"csrf_token": csrf_token(visitor), "passcode": "sunflower"})
        assert "Health summary: Robin Fairweather" in response.get_data(as_text=True)

    def test_opening_one_link_is_throttled_even_with_the_right_passcode(self, app, client, world):
        """Ten tries a quarter of an hour per link, right or wrong: the link's lifetime cap stops wrong
        guesses sooner, and this stops a scripted loop over a link someone knows the passcode of."""
        url = self.make_link(client, world, passcode="sunflower")
        visitor = app.test_client()
        token = csrf_token(visitor)
        right = {"csrf_token": token, "passcode": "sunflower"}
        statuses = [visitor.post(url, data=right).status_code for _ in range(11)]
        assert statuses == [200] * 10 + [429]
        refused = visitor.post(url, data=right).get_data(as_text=True)
        assert "You have tried too many times" in page_text(refused)

    def test_one_address_opening_many_links_is_throttled(self, app, client, world):
        urls = [self.make_link(client, world, label=f"Link {n}") for n in range(4)]
        visitor = app.test_client()
        token = csrf_token(visitor)
        statuses = [
            visitor.post(urls[n % 4], data={"csrf_token": token, "passcode": ""}).status_code
            for n in range(31)
        ]
        assert statuses[:30] == [200] * 30 and statuses[30] == 429


def datetime_in(days: int):
    from passport import clock

    return clock.now() + timedelta(days=days)


class TestOfflineCard:
    @pytest.fixture
    def signing_key(self, world):
        key = health_cards.generate_key(world.organisation)
        db.session.commit()
        return key

    def test_issue_scan_and_verify(self, app, client, world, rich_passport, signing_key):
        client.sign_in_as(world.young_person)
        html = post(client, "/my-passport/offline-card").get_data(as_text=True)
        qr = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
        import base64

        import zxingcpp
        from PIL import Image

        text = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(qr))))[0].text
        assert text.startswith("shc:/")
        checked = app.test_client()
        result = page_text(post(checked, "/verify-card", card=text).get_data(as_text=True))
        assert "This card is real and has not been changed" in result
        assert world.organisation.name in result and "1 vaccine on the card" in result
        # A clinician can tell how old the card is: anything added since is not on it.
        made_on = clock.now()
        assert f"Made on {made_on.day} {made_on:%B %Y}. Anything added to the passport since then" in result

        from passport.exports import shc

        jws = shc.qr_numeric_to_jws(text)
        header, payload, signature = jws.split(".")
        tampered = f"{header}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"
        result = page_text(post(checked, "/verify-card", card=tampered).get_data(as_text=True))
        assert "could not be checked" in result

    def test_every_vaccine_on_the_card_carries_its_snomed_product_code(self, world, signing_key):
        """[issue #17] 100 % of vaccines on the signed card are coded in SNOMED CT, a system the SMART
        Health Cards vocabulary accepts; a listed allergy carries its code beside its text."""
        from passport import schedule

        born = world.passport.date_of_birth
        for offset, choice in enumerate(schedule.vaccine_choices()[:12]):
            factories.create_item(
                "immunisation",
                passport=world.passport,
                by=world.nurse,
                vaccine_id=choice.value,
                given_on=born + timedelta(days=60 + 30 * offset),
            )
        factories.create_item("allergy", passport=world.passport, by=world.nurse, substance="Peanuts")
        view = build_view(
            world.young_person,
            world.passport,
            clock.today(),
            Output.FHIR,
            Selection(sections=frozenset({Section.ABOUT_ME, Section.IMMUNISATIONS, Section.HEALTH_SUMMARY})),
        )

        bundle = health_cards.card_bundle(view)

        doses = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Immunization"]
        assert len(doses) == 12
        for dose in doses:
            (coding,) = dose["vaccineCode"]["coding"]
            assert coding["system"] == "http://snomed.info/sct"
            assert coding["code"] in {
                c.code
                for v in schedule.vaccine_choices()
                for c in schedule.get_vaccine(v.value).codes
                if c.kind == "product"
            }
        resources = [entry["resource"] for entry in bundle["entry"]]
        allergy = next(
            r
            for r in resources
            if r["resourceType"] == "AllergyIntolerance" and r["code"]["text"] == "Peanuts"
        )
        assert allergy["code"] == {
            "text": "Peanuts",
            "coding": [{"system": "http://snomed.info/sct", "code": "91935009"}],
        }

    def test_with_no_vaccines_there_is_no_vaccine_card(self, client, world, signing_key):
        client.sign_in_as(world.young_person)

        downloads = page_text(client.get("/my-passport/downloads").get_data(as_text=True))
        assert "Vaccine card that works with no signal" not in downloads
        page = page_text(client.get("/my-passport/offline-card").get_data(as_text=True))
        assert "No vaccines are recorded yet" in page
        refused = page_text(post(client, "/my-passport/offline-card").get_data(as_text=True))
        assert "nothing to put on a vaccine card" in refused and "shc:/" not in refused

    def test_public_keys_are_published(self, client, signing_key):
        keys = client.get("/.well-known/jwks.json").get_json()["keys"]
        assert [k["kid"] for k in keys] == [signing_key.kid]
        assert all("d" not in k for k in keys)

    def test_without_a_key_the_young_person_is_told_plainly(self, client, world):
        client.sign_in_as(world.young_person)
        html = post(client, "/my-passport/offline-card").get_data(as_text=True)
        assert "Offline cards are not set up for your area yet" in html
        assert db.session.scalars(select(SigningKey)).all() == []


class TestDataExport:
    def test_everything_held_as_json_and_it_is_audited(self, client, world, rich_passport):
        client.sign_in_as(world.young_person)
        response = post(client, "/my-passport/my-data.json")
        data = json.loads(response.data)
        assert data["account"]["email"] == world.young_person.email
        assert data["passport"]["about_me"]["nhs_number"] == "9990000018"
        substances = [a["values"]["substance"] for a in data["passport"]["health"]["allergies"]]
        assert substances == ["Penicillin"]
        conditions = [c["values"]["name"] for c in data["passport"]["health"]["conditions"]]
        assert "Low mood" in conditions  # their own data, labels and all
        assert data["passport"]["birth_history"] is None
        assert [a["what"] for a in data["passport"]["health_plan"]] == [world.health_action.what]
        assert data["passport"]["ehcp"] == {"has_ehcp": False, "review_on": None}
        assert data["passport"]["removed_items"] == []
        who = {(p["name"], p["role"]) for p in data["who_can_see"]}
        assert (world.nurse.display_name, "nurse") in who and (world.other_nurse.display_name, "nurse") in who
        assert response.headers["Cache-Control"] == "no-store"
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == "passport_exported")
        ).all()
        assert any(e.details.get("export") == "data_export" for e in events)

    def test_an_item_taken_off_the_passport_is_still_in_their_copy(self, client, world, rich_passport):
        client.sign_in_as(world.young_person)
        remove = f"/my-passport/condition/{world.own_condition.id}/remove"
        post(client, remove, version=seen_version(client, remove))
        assert "Hay fever" not in main_text(client.get("/my-passport/health").get_data(as_text=True))
        data = json.loads(post(client, "/my-passport/my-data.json").data)
        (removed,) = data["passport"]["removed_items"]
        assert removed["kind"] == "condition" and removed["values"]["name"] == "Hay fever"
        assert removed["removed_at"].startswith(clock.today().isoformat())
        page = main_text(client.get("/my-passport/my-data").get_data(as_text=True))
        assert "Things taken off your passport 1 thing. We still keep it, and it is in the file." in page


class TestFhirDownload:
    def test_the_young_person_downloads_a_valid_bundle_of_what_they_chose(self, client, world, rich_passport):
        from fhir.resources.R4B.bundle import Bundle

        client.sign_in_as(world.young_person)
        response = client.post(
            "/my-passport/download/health-record",
            data={
                "csrf_token": csrf_token(client),
                "sections": ["about_me", "health_summary", "immunisations"],
            },
        )
        assert response.mimetype == "application/fhir+json"
        bundle = json.loads(response.data)
        Bundle.model_validate(bundle)
        types = {e["resource"]["resourceType"] for e in bundle["entry"]}
        assert {"Composition", "Patient", "AllergyIntolerance", "Immunization"} <= types
        assert "Low mood" not in response.get_data(as_text=True)
        assert "Aunt Dee" not in response.get_data(as_text=True)


class TestBilingualPdf:
    def download(self, client, locale, **extra):
        client.post("/language", data={"locale": locale, "next": "/", "csrf_token": csrf_token(client)})
        return client.post(
            "/my-passport/download/passport",
            data={"csrf_token": csrf_token(client), "sections": ["about_me", "health_summary"], **extra},
        )

    def test_arabic_first_then_an_english_copy_for_health_staff(self, client, world, rich_passport):
        client.sign_in_as(world.young_person)
        response = self.download(client, "ar", bilingual="y")

        pages = [
            " ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(response.data)).pages
        ]
        english = [n for n, text in enumerate(pages) if "In English, for health staff" in text]
        assert english, "no page is labelled as the English copy"
        first_english = english[0]
        assert first_english > 0  # the young person's language comes first
        arabic_part = " ".join(pages[:first_english])
        english_part = " ".join(pages[first_english:])
        assert "Salbutamol inhaler" in arabic_part and "Salbutamol inhaler" in english_part
        assert "Medicines" not in arabic_part  # the Arabic part's headings are in Arabic
        assert "Medicines" in english_part

    def test_without_the_box_there_is_one_copy_and_english_readers_are_not_offered_it(
        self, client, world, rich_passport
    ):
        client.sign_in_as(world.young_person)
        text = pdf_text(self.download(client, "ar").data)
        assert text.count("Salbutamol inhaler") == 1 and "In English, for health staff" not in text

        client.post("/language", data={"locale": "en_GB", "next": "/", "csrf_token": csrf_token(client)})
        assert "Add an English copy" not in page_text(
            client.get("/my-passport/download/passport").get_data(as_text=True)
        )
        text = pdf_text(self.download(client, "en_GB", bilingual="y").data)
        assert text.count("Salbutamol inhaler") == 1


def test_the_real_pdfs_render_to_pictures_to_look_at(client, world, rich_passport):
    """Writes test-artifacts/real-{passport-en,passport-ar-with-english,card-en,card-ar}-N.png from the
    download routes a young person uses (pdftoppm at 60 dpi), so a person can look at what a GP would be
    handed: A4 and card size, English and Arabic."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed: apt-get install poppler-utils")
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    client.sign_in_as(world.young_person)
    files = {}
    for locale, passport_name, card_name, extra in (
        ("en_GB", "passport-en", "card-en", {}),
        ("ar", "passport-ar-with-english", "card-ar", {"bilingual": "y"}),
    ):
        client.post("/language", data={"locale": locale, "next": "/", "csrf_token": csrf_token(client)})
        files[passport_name] = post(
            client, "/my-passport/download/passport", sections=["about_me", "health_summary"], **extra
        ).data
        files[card_name] = post(client, "/my-passport/download/emergency-card").data

    for name, data in files.items():
        assert data.startswith(b"%PDF"), name
        for old in artifacts.glob(f"real-{name}-*.png"):
            old.unlink()
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-", str(artifacts / f"real-{name}")], input=data, check=True
        )
        pictures = sorted(artifacts.glob(f"real-{name}-*.png"))
        assert pictures and all(p.stat().st_size > 1000 for p in pictures), name
    assert len(list(artifacts.glob("real-passport-ar-with-english-*.png"))) > len(
        list(artifacts.glob("real-passport-en-*.png"))
    ), "the Arabic download with an English copy should have more pages than the English one"
