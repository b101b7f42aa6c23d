"""passport/uploads.py: what is kept of a photo or PDF someone attaches, and what is refused.

Every file here is made by the test (or, for the HEIC, by tests/fixtures/attachments/make_phone_photo.py):
invented pictures with invented metadata.
"""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from passport import uploads
from passport.services.attachments import clean_name
from passport.uploads import Refusal, UploadRefused

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "attachments"
# The invented phone and place in every test photo's metadata (make_phone_photo.py writes the same).
MAKE, MODEL = "InventedPhoneMaker", "Model GPS-7Q2"
GPS = {1: "N", 2: (51.0, 30.0, 12.34), 3: "W", 4: (0.0, 7.0, 39.0)}


def phone_exif(orientation: int = 6) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = MAKE
    exif[0x0110] = MODEL
    exif[0x9286] = "MARKER-EXIF-COMMENT"  # UserComment
    exif.get_ifd(0x8825).update(GPS)
    return exif


def jpeg(size=(4000, 3000), exif=None, quality=80) -> bytes:
    out = io.BytesIO()
    # A card drawn landscape: the phone held it on its side, and says so in the orientation tag.
    picture = Image.new("RGB", size, "#fdf6e3")
    picture.paste(Image.new("RGB", (size[0] // 4, size[1] // 4), "#005eb8"), (0, 0))
    picture.save(out, "JPEG", quality=quality, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def png(size=(300, 200), mode="RGBA", text: str | None = None) -> bytes:
    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Comment", text)
    out = io.BytesIO()
    colour = (0, 94, 184, 128) if mode == "RGBA" else (0, 94, 184)
    Image.new(mode, size, colour).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def pdf(*, javascript=False, password=None, attachment=False) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if javascript:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
        )
    if attachment:
        writer.add_attachment("invented.txt", b"hello")
    if password is not None:
        writer.encrypt(user_password=password, owner_password="owner-invented")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def reopened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def refusal_of(data: bytes) -> Refusal:
    with pytest.raises(UploadRefused) as refused:
        uploads.clean(data)
    return refused.value.reason


# ---- What is kept ----------------------------------------------------------------------------------------


class TestPhotos:
    def test_a_phone_photo_with_gps_is_kept_without_any_of_its_metadata(self):
        original = jpeg(exif=phone_exif())
        assert reopened(original).getexif().get_ifd(0x8825) == GPS  # the test photo really carries them
        kept = uploads.clean(original)
        stored = reopened(kept.data)
        assert kept.content_type == "image/jpeg" and stored.format == "JPEG"
        assert dict(stored.getexif()) == {}
        assert not {"exif", "icc_profile", "xmp", "comment"} & set(stored.info)
        for trace in (MAKE.encode(), MODEL.encode(), b"MARKER-EXIF-COMMENT", b"Exif\x00\x00"):
            assert trace not in kept.data and trace not in kept.thumbnail

    def test_it_is_turned_upright_before_the_orientation_tag_is_dropped(self):
        kept = uploads.clean(jpeg(exif=phone_exif(orientation=6)))
        # 4000 × 3000 on its side: upright it is 3000 wide and 4000 tall, then made at most 2,000 px long.
        assert (kept.width, kept.height) == (1500, 2000)
        stored = reopened(kept.data)
        assert stored.size == (1500, 2000)
        # The blue corner drawn at the top left is at the top right once turned 90° clockwise.
        assert stored.convert("RGB").getpixel((1400, 100))[2] > 150

    def test_the_longest_side_is_at_most_2000_and_the_thumbnail_320(self):
        kept = uploads.clean(jpeg(size=(5000, 1000)))
        assert (kept.width, kept.height) == (2000, 400)
        assert max(reopened(kept.thumbnail).size) == 320
        small = uploads.clean(jpeg(size=(640, 480)))
        assert (small.width, small.height) == (640, 480)  # never made bigger

    def test_an_iphone_heic_photo_is_read_and_kept_as_a_jpeg_without_its_metadata(self):
        original = (FIXTURES / "phone-photo.heic").read_bytes()
        assert uploads.kind_of(original) == "heif"
        assert reopened(original).getexif().get_ifd(0x8825) == GPS
        kept = uploads.clean(original)
        assert kept.content_type == "image/jpeg" and kept.extension == "jpg"
        stored = reopened(kept.data)
        assert dict(stored.getexif()) == {}
        assert MAKE.encode() not in kept.data and MODEL.encode() not in kept.data
        assert (kept.width, kept.height) == (900, 600)  # upright, as drawn

    def test_a_transparent_png_stays_a_png_and_loses_its_text(self):
        kept = uploads.clean(png(text="MARKER-PNG-TEXT where I live"))
        assert kept.content_type == "image/png"
        assert b"MARKER-PNG-TEXT" not in kept.data and b"tEXt" not in kept.data
        assert reopened(kept.data).mode == "RGBA"
        assert reopened(kept.thumbnail).format == "JPEG"

    def test_an_opaque_png_screenshot_is_kept_as_a_jpeg(self):
        kept = uploads.clean(png(mode="RGB"))
        assert kept.content_type == "image/jpeg"

    def test_a_motion_photo_keeps_its_picture_and_drops_the_video_after_it(self):
        """Phones append an MP4 after the JPEG ("motion photos"): a real photo, not a trick. The video is not
        kept, because only the picture is drawn again."""
        video = struct.pack(">I", 24) + b"ftypmp42" + b"\x00" * 12 + b"MARKER-VIDEO" * 50
        kept = uploads.clean(jpeg(size=(800, 600)) + video)
        assert b"MARKER-VIDEO" not in kept.data and b"ftyp" not in kept.data


class TestPdfs:
    def test_a_pdf_that_parses_is_kept_as_it_came(self):
        original = pdf()
        kept = uploads.clean(original)
        assert kept.content_type == "application/pdf" and kept.data == original
        assert kept.pages == 1 and kept.thumbnail is None

    def test_one_encrypted_with_an_empty_password_opens_and_is_kept(self):
        assert uploads.clean(pdf(password="")).pages == 1

    def test_one_with_a_password_is_refused(self):
        assert refusal_of(pdf(password="invented-secret")) is Refusal.PDF_PASSWORD

    @pytest.mark.parametrize("kind", ["javascript", "attachment"])
    def test_one_with_parts_that_run_by_themselves_is_refused(self, kind):
        assert refusal_of(pdf(**{kind: True})) is Refusal.PDF_ACTIVE_CONTENT

    def test_javascript_hidden_behind_a_name_escape_is_found(self):
        """/Java#53cript is /JavaScript once the name is read: a byte search would miss it."""
        body = (
            b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
            b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
            b"4 0 obj << /S /Java#53cript /J#53 (app.alert\\(1\\)) >> endobj\n"
        )
        offsets, position = [], 0
        for line in body.split(b"\n")[1:-1]:
            position = body.index(line)
            offsets.append(position)
        xref = b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
        data = body + xref + b"trailer << /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % len(body)
        assert b"/JavaScript" not in data and b"/JS" not in data
        assert refusal_of(data) is Refusal.PDF_ACTIVE_CONTENT


# ---- What is refused ---------------------------------------------------------------------------------------


class TestRefused:
    def test_an_empty_file(self):
        assert refusal_of(b"") is Refusal.EMPTY

    def test_over_10_mb(self):
        big = jpeg(size=(64, 64))
        assert refusal_of(big + b"\x00" * (uploads.MAX_UPLOAD_BYTES + 1 - len(big))) is Refusal.TOO_BIG

    @pytest.mark.parametrize(
        "data",
        [
            b"GIF89a" + b"\x00" * 100,
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            b"<!doctype html><script>alert(1)</script>",
            b"MZ\x90\x00 an invented program",
            b"Just some text, not a photo",
        ],
        ids=["gif", "svg", "html", "program", "text"],
    )
    def test_anything_but_a_photo_or_a_pdf(self, data):
        assert refusal_of(data) is Refusal.WRONG_TYPE

    @pytest.mark.parametrize(
        "data",
        [
            jpeg(size=(400, 300))[:2000],  # cut off half way
            b"\xff\xd8\xff\xe0" + b"\x13" * 500,  # starts like a JPEG, is not one
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
            b"%PDF-1.7\nnot really a pdf at all\n%%EOF",
        ],
        ids=["truncated jpeg", "fake jpeg", "fake png", "fake pdf"],
    )
    def test_a_malformed_file(self, data):
        assert refusal_of(data) is Refusal.DAMAGED

    def test_a_truncated_photo_is_refused_even_where_weasyprint_allows_them(self, monkeypatch):
        """WeasyPrint turns Pillow's process-wide LOAD_TRUNCATED_IMAGES on when it is imported; a cut-off
        photo is still refused, and the flag is left as it was found."""
        from PIL import ImageFile

        monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
        assert refusal_of(jpeg(size=(400, 300))[:1500]) is Refusal.DAMAGED
        assert ImageFile.LOAD_TRUNCATED_IMAGES is True

    def test_a_photo_that_is_also_a_zip_file(self):
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("payload.html", "<p>invented</p>")
        assert refusal_of(jpeg(size=(400, 300)) + archive.getvalue()) is Refusal.HIDDEN_CONTENT

    def test_a_photo_with_a_script_in_its_comment(self):
        comment = b"<script>alert(document.cookie)</script>"
        data = jpeg(size=(400, 300))
        segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
        assert refusal_of(data[:2] + segment + data[2:]) is Refusal.HIDDEN_CONTENT

    def test_a_photo_that_is_also_a_pdf(self):
        assert refusal_of(jpeg(size=(400, 300)) + pdf()) is Refusal.HIDDEN_CONTENT

    def test_a_pdf_that_is_also_a_zip_file(self):
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("invented.txt", "x")
        assert refusal_of(pdf() + archive.getvalue()) is Refusal.HIDDEN_CONTENT

    def test_a_zip_bomb_is_refused_without_being_opened(self):
        """A zip whose 300 MB of zeros packs into a third of a megabyte: refused from its first bytes, so it
        is never unpacked."""
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z, z.open("zeros.bin", "w") as inner:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(300):
                inner.write(chunk)
        bomb = archive.getvalue()
        assert len(bomb) < 1024 * 1024
        started = time.monotonic()
        assert refusal_of(bomb) is Refusal.WRONG_TYPE
        assert time.monotonic() - started < 1

    def test_a_decompression_bomb_picture_is_refused_from_its_header(self):
        """A PNG of 20,000 × 20,000 pixels (400 million; 1.2 GB decoded) in a few kilobytes: its size is read
        from the header and it is refused before any pixel is decoded."""
        width = height = 20_000
        raw_row = b"\x00" + b"\x00" * (width // 8)
        packer = zlib.compressobj(9)
        compressed = b"".join(packer.compress(raw_row) for _ in range(height)) + packer.flush()

        def chunk(kind: bytes, body: bytes) -> bytes:
            return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

        bomb = (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", compressed)
            + chunk(b"IEND", b"")
        )
        assert len(bomb) < 200_000
        started = time.monotonic()
        assert refusal_of(bomb) is Refusal.TOO_MANY_PIXELS
        assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    ("given", "extension", "kept"),
    [
        ("IMG_0042.HEIC", "jpg", "IMG_0042.jpg"),
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("C:\\Users\\x\\letter from GP.pdf", "pdf", "letter from GP.pdf"),
        ("bad\x00name\u202e.jpg", "jpg", "badname.jpg"),
        ("", "png", "file.png"),
        ('"><script>.jpg', "jpg", "script.jpg"),
        ("كرت اللقاح.jpg", "jpg", "كرت اللقاح.jpg"),
    ],
)
def test_the_kept_name_has_no_folders_or_control_characters_and_the_real_extension(given, extension, kept):
    assert clean_name(given, extension) == kept
