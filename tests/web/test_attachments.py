"""Photos and files attached to a passport (issue #21): added by the young person or their nurse, kept
without their metadata, opened only by who may see what they belong to, left out of everything the young
person did not tick, and a self-reported dose checked against its photo."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from passport import clock
from passport.export_forms import SECTION_CHOICES
from passport.extensions import db
from passport.models import Attachment, AuditEvent, ImmunisationDose, Passport, Source
from passport.services import attachments
from tests import factories
from tests.conftest import csrf_token, seen_version
from tests.html_checks import page_text
from tests.unit.test_uploads import GPS, MAKE, jpeg, phone_exif
from tests.web.test_birth_history import every_page
from tests.web.test_security_promises import _every_output

HEIC = Path(__file__).resolve().parents[1] / "fixtures" / "attachments" / "phone-photo.heic"
MARKER = "MARKER-ATTACHMENT-4K9"


def upload(client, url, content: bytes, filename="photo.jpg", **fields):
    data = {"csrf_token": csrf_token(client), "file": (io.BytesIO(content), filename), **fields}
    return client.post(url, data=data, content_type="multipart/form-data")


def stored() -> list[Attachment]:
    return list(db.session.scalars(select(Attachment).order_by(Attachment.added_at)))


def share_adviser(client, world, *choices):
    client.sign_in_as(world.young_person)
    client.post(
        "/my-passport/who-can-see/adviser",
        data={
            "csrf_token": csrf_token(client),
            "sharing-version": seen_version(
                client, "/my-passport/who-can-see", "/my-passport/who-can-see/adviser"
            ),
            **{f"sharing-{c}": "y" for c in choices},
        },
    )


class TestAddingAPhoto:
    def test_a_phone_photo_is_kept_without_its_gps_and_shown_to_the_young_person_and_their_nurse(
        self, client, world
    ):
        client.sign_in_as(world.young_person)
        response = upload(
            client,
            "/my-passport/papers/add",
            jpeg(exif=phone_exif()),
            filename="IMG_2041.JPG",
            description="My vaccination card from Eritrea",
        )
        assert response.status_code == 302
        new = stored()[-1]
        assert new.original_name == "IMG_2041.jpg" and new.content_type == "image/jpeg"
        kept = Image.open(io.BytesIO(new.data))
        assert dict(kept.getexif()) == {} and MAKE.encode() not in new.data
        assert max(kept.size) == 2000

        papers = page_text(client.get("/my-passport/papers").get_data(as_text=True))
        assert "My vaccination card from Eritrea" in papers
        assert "2 photos and files, using" in papers and "of the \u206825 MB\u2069 you have" in papers
        photo = client.get(f"/my-passport/papers/{new.id}")
        assert photo.status_code == 200 and photo.data == new.data

        client.sign_in_as(world.nurse)
        staff_page = client.get(f"/staff/passports/{world.passport.id}").get_data(as_text=True)
        assert "My vaccination card from Eritrea" in staff_page
        assert client.get(f"/staff/passports/{world.passport.id}/papers/{new.id}").status_code == 200

    def test_an_iphone_heic_photo_becomes_a_jpeg(self, client, world):
        client.sign_in_as(world.young_person)
        assert (
            upload(client, "/my-passport/papers/add", HEIC.read_bytes(), "IMG_0007.HEIC").status_code == 302
        )
        new = stored()[-1]
        assert new.content_type == "image/jpeg" and new.original_name == "IMG_0007.jpg"
        exif = Image.open(io.BytesIO(new.data)).getexif()
        assert dict(exif) == {} and dict(exif.get_ifd(0x8825)) != GPS

    def test_it_is_served_with_no_store_its_real_type_and_a_file_name(self, client, world):
        client.sign_in_as(world.young_person)
        photo = client.get(f"/my-passport/papers/{world.attachment.id}")
        assert photo.headers["Content-Type"] == "image/jpeg"
        assert photo.headers["Cache-Control"] == "no-store"
        assert photo.headers["X-Content-Type-Options"] == "nosniff"
        assert photo.headers["Content-Disposition"] == (
            "inline; filename=\"card.jpg\"; filename*=UTF-8''card.jpg"
        )
        thumbnail = client.get(f"/my-passport/papers/{world.attachment.id}/thumbnail")
        assert (
            thumbnail.headers["Content-Type"] == "image/jpeg"
            and thumbnail.headers["Cache-Control"] == "no-store"
        )

    def test_a_pdf_is_always_a_download(self, client, world):
        from tests.unit.test_uploads import pdf

        client.sign_in_as(world.nurse)
        url = f"/staff/passports/{world.passport.id}/papers/add"
        assert upload(client, url, pdf(), "Letter from the GP.pdf").status_code == 302
        new = stored()[-1]
        served = client.get(f"/staff/passports/{world.passport.id}/papers/{new.id}")
        assert served.headers["Content-Type"] == "application/pdf"
        assert served.headers["Content-Disposition"].startswith(
            'attachment; filename="Letter from the GP.pdf"'
        )
        assert served.headers["Cache-Control"] == "no-store"

    def test_staff_opening_a_file_is_in_the_young_persons_log_without_what_it_is(self, client, world):
        client.sign_in_as(world.nurse)
        client.get(f"/staff/passports/{world.passport.id}/papers/{world.attachment.id}")
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == "attachment_opened")
        ).all()
        assert [e.actor_id for e in events] == [world.nurse.id]
        assert "vaccination card" not in str(events[0].details).lower() and "card.jpg" not in str(
            events[0].details
        )
        client.sign_in_as(world.young_person)
        assert "Looked at a photo or file" in page_text(
            client.get("/my-passport/who-looked").get_data(as_text=True)
        )


def _rows_and_events():
    return (
        db.session.scalar(select(func.count(Attachment.id))),
        db.session.scalar(select(func.count(AuditEvent.id))),
    )


class TestRefused:
    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (jpeg(size=(400, 300))[:1500], "We could not open this file"),
            (b"\x89PNG\r\n\x1a\n" + b"\x01" * 64, "We could not open this file"),
            (
                jpeg(size=(200, 100)) + b"PK\x03\x04invented zip entry" + b"PK\x05\x06" + b"\x00" * 18,
                "has another kind of file hidden inside it",
            ),
            (b"<html><script>alert(1)</script></html>", "must be a photo (JPG, PNG or HEIC) or a PDF"),
        ],
        ids=["malformed jpeg", "malformed png", "polyglot", "web page"],
    )
    def test_bad_files_get_a_message_beside_the_field_and_nothing_is_saved(
        self, client, world, content, message
    ):
        client.sign_in_as(world.young_person)
        before = _rows_and_events()
        response = upload(client, "/my-passport/papers/add", content, description="typed and kept")
        html = response.get_data(as_text=True)
        assert response.status_code == 400  # refused input: the page says why beside the field
        assert 'id="file-error"' in html and message in page_text(html)
        assert 'value="typed and kept"' in html
        assert _rows_and_events() == before

    def test_a_zip_bomb_is_refused_with_a_message(self, client, world):
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("zeros.bin", b"\x00" * (50 * 1024 * 1024))
        client.sign_in_as(world.young_person)
        before = _rows_and_events()
        response = upload(client, "/my-passport/papers/add", archive.getvalue(), "card.jpg")
        assert "must be a photo (JPG, PNG or HEIC) or a PDF" in page_text(response.get_data(as_text=True))
        assert _rows_and_events() == before

    def test_just_over_10_mb_is_refused_with_a_message_beside_the_field(self, client, world):
        client.sign_in_as(world.young_person)
        before = _rows_and_events()
        big = jpeg(size=(64, 64))
        big += b"\x00" * (10 * 1024 * 1024 + 1 - len(big))
        response = upload(client, "/my-passport/papers/add", big)
        assert "The file must be smaller than 10 MB" in page_text(response.get_data(as_text=True))
        assert _rows_and_events() == before

    def test_far_over_10_mb_is_refused_before_it_is_read(self, client, world):
        client.sign_in_as(world.young_person)
        before = _rows_and_events()
        response = upload(client, "/my-passport/papers/add", b"\xff\xd8\xff" + b"\x00" * (12 * 1024 * 1024))
        assert response.status_code == 413
        assert "That file is too big" in page_text(response.get_data(as_text=True))
        assert _rows_and_events() == before

    def test_other_forms_keep_their_own_smaller_limit(self, client, world):
        client.sign_in_as(world.young_person)
        response = client.post(
            "/my-passport/notes/new",
            data={"csrf_token": csrf_token(client), "version": "0", "body": "x" * (3 * 1024 * 1024)},
        )
        assert response.status_code == 413

    def test_no_file_chosen(self, client, world):
        client.sign_in_as(world.young_person)
        response = client.post(
            "/my-passport/papers/add", data={"csrf_token": csrf_token(client), "file": "not a file"}
        )
        assert "Choose a photo or file" in page_text(response.get_data(as_text=True))


class TestAllowance:
    def test_the_total_per_passport_is_counted_shown_and_kept_to(self, app, client, world):
        before_allowance = app.config["ATTACHMENTS_PER_PASSPORT_MB"]
        app.config["ATTACHMENTS_PER_PASSPORT_MB"] = 1
        try:
            client.sign_in_as(world.young_person)
            used = attachments.usage(db.session.get(Passport, world.passport.id))
            assert used.count == 1 and 0 < used.used_bytes < 100_000
            noisy = Image.effect_noise((1400, 1400), 120).convert("RGB")
            out = io.BytesIO()
            noisy.save(out, "JPEG", quality=95)
            before = _rows_and_events()
            response = upload(client, "/my-passport/papers/add", out.getvalue())
            text = page_text(response.get_data(as_text=True))
            assert "There is not enough room left for this file" in text and "MB left" in text
            assert _rows_and_events() == before
            assert "of the \u20681.0 MB\u2069 you have" in text
        finally:
            app.config["ATTACHMENTS_PER_PASSPORT_MB"] = before_allowance


class TestWhoSeesIt:
    def test_refused_to_the_adviser_until_the_young_person_shares_their_photos(self, client, world):
        url = f"/adviser/young-people/{world.passport.id}/papers/{world.attachment.id}"
        client.sign_in_as(world.adviser)
        assert client.get(url).status_code == 404
        page = client.get(f"/adviser/young-people/{world.passport.id}").get_data(as_text=True)
        assert "Invented vaccination card" not in page
        share_adviser(client, world, "attachments")
        client.sign_in_as(world.adviser)
        assert client.get(url).status_code == 200
        assert "Invented vaccination card" in client.get(
            f"/adviser/young-people/{world.passport.id}"
        ).get_data(as_text=True)

    def test_a_photo_on_an_item_follows_the_items_sensitivity_label(self, client, world):
        condition = factories.create_item(
            "condition", passport=world.passport, by=world.nurse, name="Low mood", sensitivity="mental_health"
        )
        photo = factories.create_attachment(
            passport=world.passport, by=world.nurse, item=condition, description="Letter from CAMHS"
        )
        url = f"/adviser/young-people/{world.passport.id}/papers/{photo.id}"
        share_adviser(client, world, "attachments", "health_summary")
        client.sign_in_as(world.adviser)
        assert client.get(url).status_code == 404
        assert "Letter from CAMHS" not in client.get(f"/adviser/young-people/{world.passport.id}").get_data(
            as_text=True
        )
        share_adviser(client, world, "attachments", "health_summary", "mental_health")
        client.sign_in_as(world.adviser)
        assert client.get(url).status_code == 200

    def test_a_photo_on_a_removed_item_is_seen_by_nobody(self, client, world):
        photo = factories.create_attachment(
            passport=world.passport, by=world.young_person, item=world.own_condition
        )
        client.sign_in_as(world.young_person)
        assert client.get(f"/my-passport/papers/{photo.id}").status_code == 200
        remove = f"/my-passport/condition/{world.own_condition.id}/remove"
        client.post(remove, data={"csrf_token": csrf_token(client), "version": seen_version(client, remove)})
        assert client.get(f"/my-passport/papers/{photo.id}").status_code == 404
        client.sign_in_as(world.nurse)
        assert client.get(f"/staff/passports/{world.passport.id}/papers/{photo.id}").status_code == 404

    def test_a_birth_history_paper_follows_the_birth_parents_consent(self, client, world):
        from tests.web.test_birth_history import open_as_young_person, write_birth_history

        write_birth_history(world.passport, world.nurse)
        client.sign_in_as(world.nurse)
        response = upload(
            client,
            f"/staff/passports/{world.passport.id}/birth-history/attach",
            jpeg(size=(300, 200)),
            "redbook.jpg",
            description=f"{MARKER} red book page",
            birth_part="birth_details",
        )
        assert response.status_code == 302
        paper = stored()[-1]
        assert paper.birth_part == "birth_details" and paper.item_kind is None
        curation = client.get(f"/staff/passports/{world.passport.id}/birth-history").get_data(as_text=True)
        assert MARKER in curation
        assert MARKER not in client.get(f"/staff/passports/{world.passport.id}").get_data(as_text=True)
        assert MARKER not in client.get(f"/staff/passports/{world.passport.id}/papers").get_data(as_text=True)
        assert client.get(f"/staff/passports/{world.passport.id}/papers/{paper.id}").status_code == 200

        client.sign_in_as(world.young_person)  # world.consent does not let them see anything
        assert client.get(f"/my-passport/papers/{paper.id}").status_code == 404
        assert MARKER not in client.get("/my-passport/birth").get_data(as_text=True)

        factories.create_consent(passport=world.passport, by=world.nurse, covers=("family_health",))
        open_as_young_person(client, world)
        assert client.get(f"/my-passport/papers/{paper.id}").status_code == 404  # another part

        factories.create_consent(passport=world.passport, by=world.nurse, covers=("birth_details",))
        client.sign_in_as(world.young_person)
        assert client.get(f"/my-passport/papers/{paper.id}").status_code == 200
        assert MARKER in client.get("/my-passport/birth").get_data(as_text=True)

        share_adviser(client, world, "attachments", "health_summary", "mental_health", "sexual_health")
        client.sign_in_as(world.adviser)
        assert client.get(f"/adviser/young-people/{world.passport.id}/papers/{paper.id}").status_code == 404

    def test_the_young_person_removes_their_own_and_asks_about_their_nurses(self, client, world):
        nurses = factories.create_attachment(
            passport=world.passport, by=world.nurse, description="From the nurse"
        )
        mine, theirs = world.attachment.id, nurses.id
        client.sign_in_as(world.young_person)
        assert client.get(f"/my-passport/papers/{theirs}/remove").status_code == 403
        response = client.post(f"/my-passport/papers/{mine}/remove", data={"csrf_token": csrf_token(client)})
        assert response.status_code == 302
        assert db.session.get(Attachment, mine) is None
        assert client.get(f"/my-passport/papers/{mine}").status_code == 404
        client.sign_in_as(world.nurse)
        client.post(
            f"/staff/passports/{world.passport.id}/papers/{theirs}/remove",
            data={"csrf_token": csrf_token(client)},
        )
        assert db.session.get(Attachment, theirs) is None


class TestCheckedAgainstThePhoto:
    def test_the_nurse_sees_the_photo_beside_the_dose_and_marks_it_checked_against_it(self, client, world):
        client.sign_in_as(world.young_person)
        client.post(
            "/my-passport/add/immunisation",
            data={
                "csrf_token": csrf_token(client),
                "version": "0",
                "vaccine_id": "mmr",
                "given_on-day": "14",
                "given_on-month": "5",
                "given_on-year": str(world.passport.date_of_birth.year + 2),
                "where_given": "abroad",
            },
        )
        dose = db.session.scalar(select(ImmunisationDose))
        assert dose.source == Source.SELF_REPORTED
        response = upload(
            client,
            f"/my-passport/immunisation/{dose.id}/attach",
            jpeg(size=(600, 400)),
            "card.jpg",
            description="MMR page of my card",
        )
        assert response.status_code == 302
        photo = stored()[-1]
        assert (photo.item_kind, photo.item_id) == ("immunisation", dose.id)

        client.sign_in_as(world.nurse)
        page = client.get(f"/staff/passports/{world.passport.id}/vaccines").get_data(as_text=True)
        beside = page[page.index(f'id="item-{dose.id}"') :]
        following = re.search(r"<h[2-4]|id=\"item-", beside[10:])
        beside = beside[: following.start() + 10] if following else beside
        assert f"/papers/{photo.id}/thumbnail" in beside and "MMR page of my card" in beside
        assert "Mark as checked against the photo of the card" in beside
        response = client.post(
            f"/staff/passports/{world.passport.id}/immunisation/{dose.id}/check-against-photo",
            data={"csrf_token": csrf_token(client), "version": dose.version},
        )
        assert response.status_code == 302
        dose = db.session.get(ImmunisationDose, dose.id)
        assert dose.source == Source.PHOTO_CHECKED and dose.verified_by_id == world.nurse.id
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "item_verified"))
        assert event.details["against"] == "photo"

        client.sign_in_as(world.young_person)
        vaccines = page_text(client.get("/my-passport/vaccines").get_data(as_text=True))
        assert "Checked against a photo" in vaccines and "against a photo of the card on" in vaccines
        # Still a written record to the immunisation engine, and not a primary source in FHIR.
        record = client.post(
            "/my-passport/download/health-record",
            data={"csrf_token": csrf_token(client), "sections": ["about_me", "immunisations"]},
        ).get_json()
        (immunization,) = [
            e["resource"] for e in record["entry"] if e["resource"]["resourceType"] == "Immunization"
        ]
        assert immunization["primarySource"] is False
        assert immunization["reportOrigin"]["coding"][0]["code"] == "record"

    def test_without_a_photo_it_cannot_be_checked_against_one(self, client, world):
        client.sign_in_as(world.nurse)
        response = client.post(
            f"/staff/passports/{world.passport.id}/condition/{world.own_condition.id}/check-against-photo",
            data={"csrf_token": csrf_token(client)},
            follow_redirects=True,
        )
        assert "There is no photo to check it against" in page_text(response.get_data(as_text=True))
        assert (
            db.session.get(type(world.own_condition), world.own_condition.id).source == Source.SELF_REPORTED
        )


# ---- Outputs: the leak tests, extended with attachments ---------------------------------------------------


@pytest.fixture
def marked_attachments(world):
    """A photo in the papers and one on the (nurse-checked) allergy, each with the marker in its name and
    description."""
    factories.create_attachment(
        passport=world.passport,
        by=world.young_person,
        description=f"{MARKER} papers",
        filename=f"{MARKER}.jpg",
    )
    factories.create_attachment(
        passport=world.passport, by=world.nurse, item=world.allergy, description=f"{MARKER} allergy letter"
    )


def test_attachments_reach_no_page_of_anyone_but_the_young_person_and_the_nurses(
    client, world, marked_attachments
):
    pages = every_page(client, world)
    seen_by = {persona for (persona, _url), html in pages.items() if MARKER in html}
    # The host area's nurse sees the passport (and so its photos) on the readiness page their grant opens.
    assert seen_by == {"young_person", "nurse", "other_nurse"}
    assert not {
        url for (persona, url), html in pages.items() if MARKER in html and persona == "other_nurse"
    } - {f"/adviser/young-people/{world.passport.id}"}


def test_attachments_reach_no_output_the_young_person_did_not_tick(app, client, world, marked_attachments):
    outputs = _every_output(app, client, world)
    assert {name for name, text in outputs.items() if MARKER in text} == {"data export"}


def test_ticked_they_go_into_the_pdf_and_the_shared_link_and_never_the_cards(
    app, client, world, marked_attachments
):
    client.sign_in_as(world.young_person)
    everything = {
        "sections": [c.value for c in SECTION_CHOICES],
        "attachments": "y",
        "csrf_token": csrf_token(client),
    }
    pdf = client.post("/my-passport/download/passport", data=everything).data
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    assert f"{MARKER} papers" in text and f"{MARKER} allergy letter" in text
    assert sum(len(page.images) for page in reader.pages) >= 2

    ends = clock.today() + timedelta(days=7)
    created = client.post(
        "/my-passport/share",
        data={
            **everything,
            "label": "Dentist",
            "expires_on-day": str(ends.day),
            "expires_on-month": str(ends.month),
            "expires_on-year": str(ends.year),
        },
    ).get_data(as_text=True)
    share_url = re.search(r"http://localhost(/s/[A-Za-z0-9_-]+)<", created).group(1)
    shared = app.test_client().get(share_url).get_data(as_text=True)
    assert f"{MARKER} papers" in shared and 'src="data:image/jpeg;base64,' in shared

    card = client.post("/my-passport/download/emergency-card", data={"csrf_token": csrf_token(client)}).data
    assert MARKER not in " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(card)).pages)


def test_the_young_persons_data_export_carries_the_files_themselves(client, world, marked_attachments):
    import base64
    import json

    client.sign_in_as(world.young_person)
    data = json.loads(client.post("/my-passport/my-data.json", data={"csrf_token": csrf_token(client)}).data)
    files = {a["description"]: a for a in data["attachments"]}
    kept = db.session.scalars(select(Attachment).where(Attachment.description == f"{MARKER} papers")).one()
    assert base64.b64decode(files[f"{MARKER} papers"]["file_base64"]) == kept.data
    assert files[f"{MARKER} allergy letter"]["item_kind"] == "allergy"
