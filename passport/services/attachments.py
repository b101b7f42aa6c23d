"""Photos and files attached to a passport: adding one (cleaned by passport/uploads.py, counted against the
passport's allowance), finding one a viewer may open, serving it, removing it, and a nurse checking a
self-reported item against its photo.

Who sees an attachment is the policy's: policy.shows_attachment, asked here for a single file and by the
projection for a page, with the same facts (what it belongs to, its section and label, the birth-history
part), so a file opens exactly when it is listed.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from flask import Response, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from passport import clock, policy, uploads
from passport.extensions import db
from passport.models import Attachment, BirthPart, Passport, Role, Sensitivity, Source, User
from passport.policy import Output
from passport.services import ServiceError, audit, transaction, versions
from passport.services.items import ITEM_KINDS, InputProblems, ItemConflict, find_item

MB = 1024 * 1024
DEFAULT_PASSPORT_ALLOWANCE_MB = 25
# A request carrying a file may be this big: the 10 MB file and the form around it. Anything bigger is
# refused by the server before it is read (the "That file is too big" page).
UPLOAD_REQUEST_LIMIT = uploads.MAX_UPLOAD_BYTES + MB

REFUSALS = {
    uploads.Refusal.EMPTY: _l("The file is empty. Choose another photo or file"),
    uploads.Refusal.TOO_BIG: _l("The file must be smaller than 10 MB"),
    uploads.Refusal.WRONG_TYPE: _l("The file must be a photo (JPG, PNG or HEIC) or a PDF"),
    uploads.Refusal.DAMAGED: _l(
        "We could not open this file. It may be damaged. Take the photo again, or choose another file"
    ),
    uploads.Refusal.HIDDEN_CONTENT: _l(
        "This file has another kind of file hidden inside it, so we cannot keep it. "
        "Take a new photo, or save the file again, then try again"
    ),
    uploads.Refusal.TOO_MANY_PIXELS: _l(
        "The picture is too big to open. Take a new photo, or make it smaller"
    ),
    uploads.Refusal.PDF_PASSWORD: _l(
        "This PDF has a password. Save a copy without the password, then try again"
    ),
    uploads.Refusal.PDF_ACTIVE_CONTENT: _l(
        "This PDF has parts that run by themselves, so we cannot keep it. "
        "Take a photo of the paper instead, or save it as a new PDF"
    ),
}


def allowance_bytes() -> int:
    return int(current_app.config.get("ATTACHMENTS_PER_PASSPORT_MB", DEFAULT_PASSPORT_ALLOWANCE_MB)) * MB


@dataclass(frozen=True)
class Usage:
    """How much of the passport's allowance its photos and files use: counted and shown."""

    count: int
    used_bytes: int
    allowance_bytes: int

    @property
    def left_bytes(self) -> int:
        return max(0, self.allowance_bytes - self.used_bytes)


def usage(passport: Passport) -> Usage:
    count, used = db.session.execute(
        select(func.count(Attachment.id), func.coalesce(func.sum(Attachment.size_bytes), 0)).where(
            Attachment.passport_id == passport.id
        )
    ).one()
    return Usage(int(count), int(used), allowance_bytes())


def megabytes(size: int) -> str:
    """A size as people read it: "0.2", "3.4", "25"."""
    value = size / MB
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


_UNSAFE = re.compile(r"[^\w .()+-]+")


def clean_name(filename: str | None, extension: str) -> str:
    """The file's name as shown and offered for download: no folders, no control characters, a length a
    page can show, and the extension of what is really stored (a HEIC photo is stored as a JPEG)."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    stem = _UNSAFE.sub("-", name.rsplit(".", 1)[0] if "." in name else name).strip(" .-") or "file"
    return f"{stem[:100]}.{extension}"


@dataclass(frozen=True)
class Target:
    """What a new attachment belongs to: an item, a part of the birth history, or the papers in general."""

    item_kind: str | None = None
    item_id: uuid.UUID | None = None
    birth_part: str | None = None


def _check_target(actor: User, passport: Passport, target: Target, today: date):
    """The item it belongs to, if any; refuses a target the person may not attach to."""
    if target.birth_part is not None:
        # The birth history is the nurse's to curate; a young person sees it only through a consent.
        if Role(actor.role) is not Role.NURSE or target.birth_part not in {p.value for p in BirthPart}:
            raise ServiceError(_l("You cannot change this"))
        return None
    if target.item_kind is None:
        return None
    kind = ITEM_KINDS.get(target.item_kind)
    item = find_item(passport, kind, target.item_id) if kind and target.item_id else None
    visibility = policy.visibility(actor, passport, today)
    if item is None or not (visibility.shows(kind.section) and visibility.shows_item(item.sensitivity)):
        raise ServiceError(_l("You cannot change this"))
    return item


@transaction
def add(
    actor: User,
    passport: Passport,
    *,
    content: bytes,
    filename: str | None,
    description: str | None,
    target: Target = Target(),
    sensitivity: str | None = None,
) -> Attachment:
    """Clean the file and keep it, or refuse it with a message for the "file" field: nothing is saved."""
    today = clock.today()
    decision = policy.decide_attach(actor, passport, today)
    if not decision:
        raise ServiceError(_l("You cannot change this"))
    _check_target(actor, passport, target, today)
    problems = []
    description = (description or "").strip() or None
    if description and len(description) > 200:
        problems.append(("description", _l("What it is must be 200 characters or fewer")))
    if sensitivity in ("", None) or target.item_kind or target.birth_part:
        sensitivity = None  # an item's attachments follow the item's own label
    elif sensitivity not in {s.value for s in Sensitivity}:
        problems.append(("sensitivity", _l("Choose one of the options")))
    try:
        cleaned = uploads.clean(content)
    except uploads.UploadRefused as refusal:
        problems.insert(0, ("file", REFUSALS[refusal.reason]))
        cleaned = None
    if problems:
        raise InputProblems(problems)
    size = len(cleaned.data) + len(cleaned.thumbnail or b"")
    # One upload at a time per passport, so two at once cannot both fit in the last of the allowance
    # (PostgreSQL; SQLite has one writer at a time anyway).
    db.session.execute(select(Passport.id).where(Passport.id == passport.id).with_for_update())
    attachment = Attachment(
        passport_id=passport.id,
        item_kind=target.item_kind,
        item_id=target.item_id,
        birth_part=target.birth_part,
        sensitivity=sensitivity,
        description=description,
        original_name=clean_name(filename, cleaned.extension),
        content_type=cleaned.content_type,
        size_bytes=size,
        width=cleaned.width,
        height=cleaned.height,
        pages=cleaned.pages,
        data=cleaned.data,
        thumbnail=cleaned.thumbnail,
        added_by_id=actor.id,
        added_at=clock.now(),
    )
    db.session.add(attachment)
    db.session.flush()
    now_used = usage(passport)
    if now_used.used_bytes > now_used.allowance_bytes:
        left = now_used.allowance_bytes - (now_used.used_bytes - size)
        raise InputProblems(
            [
                (
                    "file",
                    _l(
                        "There is not enough room left for this file: %(left)s MB left, and it needs "
                        "%(size)s MB. Remove a photo or file you do not need, then try again",
                        left=megabytes(max(0, left)),
                        size=megabytes(size),
                    ),
                )
            ]
        )
    audit.record(
        "attachment_added",
        actor=actor,
        passport=passport,
        attachment_id=attachment.id,
        attached_to=target.item_kind or ("birth_history" if target.birth_part else "papers"),
    )
    return attachment


def visible(viewer: User, passport: Passport, attachment_id: uuid.UUID) -> Attachment | None:
    """The attachment, if this viewer may open it now (the same rule that lists it on their pages)."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.passport_id != passport.id:
        return None
    today = clock.today()
    nurse = Role(viewer.role) is Role.NURSE
    # A nurse sees the birth history on its curation screen only: that is where its papers open too.
    output = Output.CURATION if nurse and attachment.birth_part else Output.PAGE
    visibility = policy.visibility(viewer, passport, today, output)
    if attachment.birth_part is not None:
        shown = policy.shows_attachment(
            visibility, section=None, sensitivity=None, birth_part=BirthPart(attachment.birth_part)
        )
    elif attachment.item_kind is not None:
        kind = ITEM_KINDS[attachment.item_kind]
        item = find_item(passport, kind, attachment.item_id)
        shown = item is not None and policy.shows_attachment(
            visibility, section=kind.section, sensitivity=item.sensitivity
        )
    else:
        shown = policy.shows_attachment(visibility, section=None, sensitivity=attachment.sensitivity)
    return attachment if shown else None


@transaction
def record_opened(viewer: User, passport: Passport, attachment: Attachment) -> None:
    """Staff opening a photo or file is looking at health data: the young person can read that it happened."""
    if Role(viewer.role) is not Role.YOUNG_PERSON:
        audit.record("attachment_opened", actor=viewer, passport=passport, attachment_id=attachment.id)


def file_response(attachment: Attachment, *, thumbnail: bool = False) -> Response:
    """The stored bytes with their real type. Pictures open in the browser; a PDF is always a download, so
    it is never shown inside the app's own pages. Never cached, never sniffed as another type."""
    if thumbnail:
        if attachment.thumbnail is None:
            return Response(status=404)
        body, content_type, disposition = attachment.thumbnail, "image/jpeg", "inline"
    else:
        body, content_type = attachment.data, attachment.content_type
        disposition = "inline" if attachment.is_picture else "attachment"
    name = attachment.original_name
    ascii_name = name.encode("ascii", "ignore").decode() or f"file.{name.rsplit('.', 1)[-1]}"
    ascii_name = ascii_name.replace('"', "").replace("\\", "")
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@transaction
def remove(actor: User, passport: Passport, attachment: Attachment) -> None:
    """Removed for good: a photo of a card someone took back should not stay anywhere. The audit keeps that
    it was there, not what it showed."""
    decision = policy.decide_remove_attachment(actor, passport, attachment, clock.today())
    if not decision:
        raise ServiceError(_l("You cannot change this"))
    audit.record("attachment_removed", actor=actor, passport=passport, attachment_id=attachment.id)
    db.session.delete(attachment)


@transaction
def check_against_photo(
    nurse: User, passport: Passport, kind_name: str, item, *, seen_version: int | None
) -> None:
    """A nurse checks what the young person told us against a photo of their card or record: the item is
    then "checked against a photo", a provenance of its own (short of the GP or child health record)."""
    if not policy.decide(nurse, policy.Action.CURATE_PASSPORT, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))
    if item.source not in (Source.SELF_REPORTED, Source.IMPORTED):
        raise ServiceError(_l("This has already been checked"))
    pictures = [
        a
        for a in db.session.scalars(
            select(Attachment).where(Attachment.item_kind == kind_name, Attachment.item_id == item.id)
        )
        if a.is_picture and visible(nurse, passport, a.id) is not None
    ]
    if not pictures:
        raise ServiceError(_l("There is no photo to check it against"))
    versions.check_seen(item, seen_version, ItemConflict)  # what the nurse saw, not a later change
    item.source = Source.PHOTO_CHECKED
    item.verified_by_id = nurse.id
    item.verified_at = clock.now()
    audit.record(
        "item_verified",
        actor=nurse,
        passport=passport,
        item_kind=kind_name,
        item_id=item.id,
        version_checked=seen_version,
        against="photo",
    )


def files_for_export(view) -> list[tuple[object, bytes]]:
    """The young person's data export carries their files: each attachment they may see, with its bytes."""
    if not view.attachments:
        return []
    rows = {
        row.id: row
        for row in db.session.scalars(
            select(Attachment).where(Attachment.id.in_([a.id for a in view.attachments]))
        )
    }
    return [(a, rows[a.id].data) for a in view.attachments if a.id in rows]
