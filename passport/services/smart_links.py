"""A share link as a SMART Health Link (HL7 SMART Health Cards and Links IG): the link's payload, its manifest
and its encrypted files.

- The QR code and copied link are ``https://<host>/view#shlink:/<payload>``. The payload holds the manifest
  address (its own 256-bit token), the files' 256-bit key, the end of the link (``exp``), ``P`` when a
  passcode is set, and a label. After ``#`` it never reaches a server: our viewer page reads it in the
  browser and decrypts there.
- The manifest (a POST with ``recipient``, ``passcode``, ``embeddedLengthMax``) answers with the files,
  built at that moment from the projection with the link's own choices, so a withdrawn consent or a stopped
  link takes effect at once: the International Patient Summary as FHIR, and the signed card when the young
  person chose it. Each file is a compact JWE under the link's key, embedded, or by a single-use address
  that lasts 15 minutes when the requester's ``embeddedLengthMax`` is smaller.
- The key is kept only wrapped under the manifest token, whose hash is all the database holds; a request
  brings the token and so opens the key for that request. A database copy, a backup or a stored file
  opens nothing.
- A wrong passcode answers 401 with ``remainingAttempts``, from the same lifetime cap and atomic count as
  the plain page (sharing.try_passcode); a stopped, expired or locked link answers 404. Every manifest
  request is written where the young person reads "who has looked", with the recipient the requester gave.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from passport import clock
from passport.exports import fhir, shc, shl
from passport.extensions import db
from passport.models import ShareLink, ShareLinkFile
from passport.policy import Output
from passport.projection import build_view
from passport.services import health_cards, sharing, transaction

# How long a file handed out by location may be fetched (the spec allows at most an hour).
FILE_LIFETIME = timedelta(minutes=15)
# What the payload's label says: the recipient's app shows it before opening anything. The young person's
# own words for who the link is for stay private (the share form says only they see them), and the label
# names no one, since a QR code can be read by anyone who sees it.
LABEL = "Health Passport: health summary shared by the young person"
RECIPIENT_MAX = 120
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def viewer_link(created: sharing.NewShareLink, *, viewer_url: str, manifest_url: str) -> str:
    link = created.link
    payload = shl.ShlPayload(
        url=manifest_url,
        key=created.shl_key,
        exp=int(link.expires_at.timestamp()),
        passcode=link.passcode_hash is not None,
        label=LABEL,
    )
    return shl.viewer_link(viewer_url, payload)


@dataclass
class ManifestAnswer:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


class BadRequest(ValueError):
    """A manifest request that is not the spec's JSON object."""


@dataclass(frozen=True)
class ManifestRequest:
    recipient: str
    passcode: str | None
    embedded_length_max: int | None

    @classmethod
    def parse(cls, body: Any) -> ManifestRequest:
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object")
        recipient = body.get("recipient")
        if not isinstance(recipient, str) or not _CONTROL.sub("", recipient).strip():
            raise BadRequest("recipient is required: a name the young person will see")
        passcode = body.get("passcode")
        if passcode is not None and not isinstance(passcode, str):
            raise BadRequest("passcode must be a string")
        limit = body.get("embeddedLengthMax")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
            raise BadRequest("embeddedLengthMax must be a whole number, 0 or more")
        # Shown to the young person: one line, no control or direction characters, a sensible length.
        clean = " ".join(_CONTROL.sub("", recipient).split())[:RECIPIENT_MAX]
        return cls(clean, passcode[:100] if passcode else passcode, limit)


def manifest(shl_token: str, body: Any, file_url: Callable[[str], str]) -> ManifestAnswer:
    """Answer one manifest request. ``file_url(token)`` is the address of a file handed out by location."""
    try:
        asked = ManifestRequest.parse(body)
    except BadRequest as error:
        return ManifestAnswer(400, {"error": str(error)})
    link = sharing.find(shl_token, ShareLink.shl_token_hash)
    if link is None or link.shl_key_wrapped is None:
        return ManifestAnswer(404)
    if not link.is_live(clock.now(), sharing.passcode_cap()) or link.passport.young_person is None:
        sharing.record_refused(link, why="stopped", recipient=asked.recipient, how="shl")
        return ManifestAnswer(404)
    if link.passcode_hash is not None:
        if not asked.passcode:
            # No passcode is no guess: it costs no try. The flag P told the requester to ask for one.
            return ManifestAnswer(401, {"remainingAttempts": _remaining(link)})
        tried = sharing.try_passcode(link, asked.passcode)
        if not tried.right:
            sharing.record_refused(link, why="wrong_passcode", recipient=asked.recipient, how="shl")
            if not tried.checked:
                return ManifestAnswer(404)  # the cap was reached before this try: the link has stopped
            return ManifestAnswer(401, {"remainingAttempts": tried.remaining})
        link = db.session.get(ShareLink, link.id)
    try:
        key = shl.unwrap_key(link.shl_key_wrapped, shl_token, str(link.id))
    except ValueError:
        return ManifestAnswer(404)
    return ManifestAnswer(200, _files(link, key, asked, file_url))


def _remaining(link: ShareLink) -> int:
    return max(sharing.passcode_cap() - (link.failed_passcodes or 0), 0)


@transaction
def _files(link: ShareLink, key: str, asked: ManifestRequest, file_url: Callable[[str], str]) -> dict:
    now = clock.now()
    passport = link.passport
    view = build_view(
        passport.young_person, passport, clock.today(), Output.SHARE_LINK_FHIR, sharing.selection_of(link)
    )
    bundle = fhir.build_bundle(
        view,
        produced_at=now,
        organisation_name=passport.organisation.name,
        identifier_system_base=f"{health_cards.issuer_url()}/fhir/{passport.organisation_id}",
    )
    contents = [(shl.FHIR_JSON, _minified(bundle))]
    if link.include_health_card:
        card = health_cards.sign_view(view, passport.organisation_id, max_chars=None)
        if card is not None:
            contents.append((shl.SMART_HEALTH_CARD, shc.health_card_file_bytes(card)))
    # Files handed out earlier and never fetched, from any link: gone once their time is up.
    db.session.execute(delete(ShareLinkFile).where(ShareLinkFile.expires_at <= now))
    files = []
    for content_type, plaintext in contents:
        jwe = shl.encrypt_file(plaintext, content_type, key)
        entry: dict[str, Any] = {"contentType": content_type}
        if asked.embedded_length_max is None or len(jwe) <= asked.embedded_length_max:
            entry["embedded"] = jwe
        else:
            token = secrets.token_urlsafe(32)
            db.session.add(
                ShareLinkFile(
                    share_link_id=link.id,
                    token_hash=hashlib.sha256(token.encode()).hexdigest(),
                    content_type=content_type,
                    jwe=jwe,
                    created_at=now,
                    expires_at=now + FILE_LIFETIME,
                )
            )
            entry["location"] = file_url(token)
        entry["lastUpdated"] = now.isoformat(timespec="seconds").replace("+00:00", "Z")
        if content_type == shl.FHIR_JSON:
            entry["fhirVersion"] = fhir.FHIR_VERSION
        files.append(entry)
    sharing.record_open(link, recipient=asked.recipient, how="shl")
    return {"files": files}


def _minified(document: dict) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


@transaction
def fetch_file(file_token: str) -> str | None:
    """A file handed out by location, once: it is deleted as it is read. None when it was already fetched,
    its time is up, or its link has stopped since."""
    if not file_token or len(file_token) > 100:
        return None
    stored = db.session.scalar(
        select(ShareLinkFile).where(
            ShareLinkFile.token_hash == hashlib.sha256(file_token.encode()).hexdigest()
        )
    )
    if stored is None:
        return None
    jwe, live, link_id = stored.jwe, stored.expires_at > clock.now(), stored.share_link_id
    # Deleted as it is read; of two requests racing for one file, only the one that deleted it gets it.
    taken = db.session.execute(delete(ShareLinkFile).where(ShareLinkFile.id == stored.id)).rowcount
    link = db.session.get(ShareLink, link_id)
    if not taken or not live or link is None or not link.is_live(clock.now(), sharing.passcode_cap()):
        return None
    return jwe
