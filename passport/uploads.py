"""Checking and cleaning a file someone attaches to a passport: a photo (JPEG, PNG, or HEIC as iPhones save
them) or a PDF. Pure functions over bytes: no database, no request.

- The kind of file is read from its first bytes, never from its name or the browser's say-so.
- A photo is decoded and drawn again by Pillow: the stored file is new bytes made from the pixels alone, so
  the phone's metadata (GPS position, make and model, the time it was taken) and anything hidden in or after
  the picture are gone. It is turned upright first (the EXIF orientation would otherwise be lost with the
  rest), its longest side is made at most 2,000 px, and a small thumbnail is made for lists.
- A PDF is kept as it came, only if it parses, opens without a password and has nothing in it that runs by
  itself (JavaScript, launch actions, embedded files, XFA forms). It is only ever served as a download.
- Refused: anything else; over 10 MB; pictures of more than 50 million pixels (a decompression bomb is a
  small file that decodes to a huge picture: the size is read from the header, before any decoding);
  polyglots (a file that is also a ZIP, a PDF, a web page or a script); damaged files.

HEIC needs a decoder Pillow does not have: pi-heif (the decode-only build of pillow-heif) is registered
here. Without it HEIC files are refused as "could not open", everything else works.
"""

from __future__ import annotations

import io
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

MB = 1024 * 1024
MAX_UPLOAD_BYTES = 10 * MB
MAX_LONG_SIDE = 2000
THUMBNAIL_LONG_SIDE = 320
# A 50-megapixel phone photo is about 8,700 × 5,800. Decoded, that is 150 MB of pixels; more is refused.
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 75
# Walking a PDF's objects is pure Python: a limit keeps a hostile file from taking seconds.
MAX_PDF_OBJECTS = 100_000

try:  # pragma: no branch
    import pi_heif

    pi_heif.register_heif_opener()
    HEIC_SUPPORTED = True
except ImportError:  # pragma: no cover - pi-heif is in requirements.txt
    HEIC_SUPPORTED = False

# Truncated pictures are damaged pictures: never fill the rest in with grey. Pillow reads this from a
# process-wide flag that WeasyPrint turns on when it is imported (a render worker, a test rendering PDFs
# in-process), so it is set for the length of each decode, under a lock, and put back as it was.
_DECODING = threading.Lock()


@contextmanager
def _truncated_pictures_refused():
    with _DECODING:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


class Refusal(StrEnum):
    EMPTY = "empty"
    TOO_BIG = "too_big"
    WRONG_TYPE = "wrong_type"
    DAMAGED = "damaged"
    HIDDEN_CONTENT = "hidden_content"
    TOO_MANY_PIXELS = "too_many_pixels"
    PDF_PASSWORD = "pdf_password"  # noqa: S105  # nosec B105 - a reason, not a password
    PDF_ACTIVE_CONTENT = "pdf_active_content"


class UploadRefused(ValueError):
    """The file cannot be kept. `reason` says why (services/attachments.py words it for the person)."""

    def __init__(self, reason: Refusal):
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class CleanFile:
    content_type: str  # image/jpeg, image/png or application/pdf
    extension: str  # jpg, png or pdf: for the download's file name
    data: bytes
    thumbnail: bytes | None  # a JPEG, for pictures
    width: int | None = None
    height: int | None = None
    pages: int | None = None


def kind_of(data: bytes) -> str | None:
    """jpeg, png, heif or pdf, from the file's first bytes; None for anything else."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:5] == b"%PDF-":
        return "pdf"
    # ISO base media file (HEIF): a first box of type "ftyp" whose brand is a still-image HEIF brand.
    if data[4:8] == b"ftyp" and data[8:12] in {b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1"}:
        return "heif"
    return None


# Signs of a second kind of file inside the first: a ZIP (its first entry and its directory's end), a PDF,
# a web page or a script. Phones do append things to photos (a "motion photo" is an MP4 after the JPEG);
# those are dropped by redrawing the picture and are not refused. These are the ones that turn an upload
# into something a browser, an unzipper or a PDF reader would act on.
_ZIP_ENTRY, _ZIP_END = b"PK\x03\x04", b"PK\x05\x06"
_MARKUP = re.compile(rb"<\s*(script|html|\?php|!doctype\s+html|iframe|object|embed)\b", re.IGNORECASE)


def _looks_like_a_polyglot(data: bytes, kind: str) -> bool:
    if _ZIP_ENTRY in data and _ZIP_END in data:
        return True
    if kind != "pdf" and b"%PDF-" in data:
        return True
    return _MARKUP.search(data) is not None


def clean(data: bytes) -> CleanFile:
    """The file as it will be stored, or UploadRefused."""
    if not data:
        raise UploadRefused(Refusal.EMPTY)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(Refusal.TOO_BIG)
    kind = kind_of(data)
    if kind is None:
        raise UploadRefused(Refusal.WRONG_TYPE)
    if _looks_like_a_polyglot(data, kind):
        raise UploadRefused(Refusal.HIDDEN_CONTENT)
    if kind == "pdf":
        return _clean_pdf(data)
    return _clean_picture(data, kind)


# ---- Pictures ----------------------------------------------------------------------------------------------


def _open_picture(data: bytes, kind: str) -> Image.Image:
    try:
        picture = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as error:  # Pillow's own, far higher, limit
        raise UploadRefused(Refusal.TOO_MANY_PIXELS) from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise UploadRefused(Refusal.DAMAGED) from error
    expected = {"jpeg": "JPEG", "png": "PNG", "heif": "HEIF"}[kind]
    if picture.format != expected:
        raise UploadRefused(Refusal.DAMAGED)
    width, height = picture.size
    if width < 1 or height < 1:
        raise UploadRefused(Refusal.DAMAGED)
    if width * height > MAX_PIXELS:
        raise UploadRefused(Refusal.TOO_MANY_PIXELS)
    if kind == "jpeg":
        # Decode at a reduced scale when the picture is far bigger than what is kept: less memory, faster.
        picture.draft("RGB", (MAX_LONG_SIDE, MAX_LONG_SIDE))
    return picture


def _has_transparency(picture: Image.Image) -> bool:
    if picture.mode in ("RGBA", "LA", "PA"):
        return picture.getextrema()[-1][0] < 255
    return picture.mode == "P" and "transparency" in picture.info


def _clean_picture(data: bytes, kind: str) -> CleanFile:
    picture = _open_picture(data, kind)
    try:
        with _truncated_pictures_refused():
            picture.load()
        picture.seek(0)  # an animated PNG or a HEIC burst: the first picture only
        transparent = _has_transparency(picture)
        upright = ImageOps.exif_transpose(picture)
        drawn = upright.convert("RGBA" if transparent else "RGB")
    except Image.DecompressionBombError as error:
        raise UploadRefused(Refusal.TOO_MANY_PIXELS) from error
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        raise UploadRefused(Refusal.DAMAGED) from error
    drawn.thumbnail((MAX_LONG_SIDE, MAX_LONG_SIDE), Image.Resampling.LANCZOS)
    # A new picture from the pixels alone: no EXIF, XMP, ICC profile, comments or text chunks come along.
    fresh = Image.new(drawn.mode, drawn.size)
    fresh.paste(drawn)
    out = io.BytesIO()
    if transparent:
        fresh.save(out, "PNG")
        content_type, extension = "image/png", "png"
    else:
        fresh.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        content_type, extension = "image/jpeg", "jpg"
    return CleanFile(
        content_type=content_type,
        extension=extension,
        data=out.getvalue(),
        thumbnail=thumbnail_of(fresh),
        width=fresh.width,
        height=fresh.height,
    )


def thumbnail_of(picture: Image.Image) -> bytes:
    small = picture.copy()
    small.thumbnail((THUMBNAIL_LONG_SIDE, THUMBNAIL_LONG_SIDE), Image.Resampling.LANCZOS)
    if small.mode == "RGBA":
        flat = Image.new("RGB", small.size, "white")
        flat.paste(small, mask=small.getchannel("A"))
        small = flat
    out = io.BytesIO()
    small.convert("RGB").save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()


def resized_jpeg(data: bytes, long_side: int, quality: int = 80) -> bytes:
    """A stored picture made smaller, for a PDF or a shared page (stored pictures are already clean)."""
    picture = Image.open(io.BytesIO(data))
    if picture.format == "JPEG":
        picture.draft("RGB", (long_side, long_side))
    picture = picture.convert("RGBA" if picture.mode in ("RGBA", "LA", "P") else "RGB")
    picture.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    if picture.mode == "RGBA":
        flat = Image.new("RGB", picture.size, "white")
        flat.paste(picture, mask=picture.getchannel("A"))
        picture = flat
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


# ---- PDFs --------------------------------------------------------------------------------------------------

# Action types and keys that make a PDF do something by itself when opened or clicked.
_ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/XFA"})
_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/GoToE", "/Rendition"})


def _clean_pdf(data: bytes) -> CleanFile:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UploadRefused(Refusal.PDF_PASSWORD)
        pages = len(reader.pages)
        if pages < 1:
            raise UploadRefused(Refusal.DAMAGED)
        if _has_active_content(reader):
            raise UploadRefused(Refusal.PDF_ACTIVE_CONTENT)
    except UploadRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as error:
        raise UploadRefused(Refusal.DAMAGED) from error
    except NotImplementedError as error:  # an encryption pypdf cannot open: a password, as far as we know
        raise UploadRefused(Refusal.PDF_PASSWORD) from error
    return CleanFile(content_type="application/pdf", extension="pdf", data=data, thumbnail=None, pages=pages)


def _has_active_content(reader) -> bool:
    """Every object in the file, the compressed ones too, and the dictionaries and arrays written inside
    them, checked by their parsed keys (so a name written with #xx escapes, like /Java#53cript, is caught)."""
    from pypdf.generic import IndirectObject

    numbers = [(num, gen) for gen, objects in reader.xref.items() for num in objects]
    numbers += [(num, 0) for num in reader.xref_objStm]
    if len(numbers) > MAX_PDF_OBJECTS:
        return True
    objects = [reader.get_object(IndirectObject(num, gen, reader)) for num, gen in numbers]
    return any(_is_active(obj) for obj in [reader.trailer["/Root"].get_object(), *objects])


def _is_active(obj, depth: int = 0) -> bool:
    """Looks inside direct objects only: indirect ones are checked on their own."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    if depth > 32:
        return True  # nothing real nests this deep
    if isinstance(obj, DictionaryObject):
        if any(key in _ACTIVE_KEYS for key in obj) or obj.get("/S") in _ACTIVE_ACTIONS:
            return True
        values = obj.values()
    elif isinstance(obj, ArrayObject):
        values = obj
    else:
        return False
    return any(_is_active(v, depth + 1) for v in values if not isinstance(v, IndirectObject))
