"""SMART Health Links (HL7 SMART Health Cards and Links IG, STU1): the wire format and nothing else.

* the link itself: ``https://<host>/view#shlink:/`` + base64url of the minified JSON payload
  ``{url, key, exp, flag, label, v}``. The payload sits after ``#``, so a browser never sends it (or the
  key in it) to any server;
* the files: compact JWE with ``alg: dir``, ``enc: A256GCM`` and ``cty`` naming what is inside, a fresh
  96-bit nonce for every encryption;
* keeping the file key on the server only wrapped under the manifest token (which the server stores only a
  hash of), so the database alone opens nothing.

JOSE comes from joserfc (PyPI): typed, maintained, depends only on `cryptography` (already pinned for the
signed cards), and it makes the caller name the algorithms it accepts when decrypting, so a token cannot
pick its own. No Flask, no database, no clock.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

__all__ = [
    "ALGORITHMS",
    "FHIR_JSON",
    "FLAG_PASSCODE",
    "JOSE",
    "PREFIX",
    "SMART_HEALTH_CARD",
    "ShlPayload",
    "decrypt_file",
    "encrypt_file",
    "new_key",
    "unwrap_key",
    "viewer_link",
    "wrap_key",
]

PREFIX = "shlink:/"
FHIR_JSON = "application/fhir+json"
SMART_HEALTH_CARD = "application/smart-health-card"
JOSE = "application/jose"
FLAG_PASSCODE = "P"
# The only algorithms the files use, named on every decryption.
ALGORITHMS = ("dir", "A256GCM")
# The spec's limits: the label shown before the link is opened, the manifest address.
LABEL_MAX = 80
URL_MAX = 128
_KEY = re.compile(r"[A-Za-z0-9_-]{43}")
_WRAP_INFO = b"health-passport shl key wrap v1"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_key() -> str:
    """A fresh 256-bit file key, base64url (43 characters), as the payload's ``key``."""
    return _b64url(secrets.token_bytes(32))


def _oct(key: str) -> OctKey:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError("an SHL key is 43 base64url characters")
    return OctKey.import_key(_unb64url(key))


@dataclass(frozen=True)
class ShlPayload:
    url: str
    key: str
    exp: int | None = None
    passcode: bool = False
    label: str | None = None

    def as_json(self) -> dict[str, Any]:
        if len(self.url) > URL_MAX:
            raise ValueError(f"the manifest URL must be at most {URL_MAX} characters")
        _oct(self.key)
        payload: dict[str, Any] = {"url": self.url, "key": self.key}
        if self.exp is not None:
            payload["exp"] = int(self.exp)
        if self.passcode:
            payload["flag"] = FLAG_PASSCODE
        if self.label:
            payload["label"] = self.label[:LABEL_MAX]
        payload["v"] = 1
        return payload

    def shlink(self) -> str:
        minified = json.dumps(self.as_json(), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return PREFIX + _b64url(minified)


def viewer_link(viewer_url: str, payload: ShlPayload) -> str:
    """The link a phone camera opens: our viewer page, then ``#shlink:/…``."""
    return f"{viewer_url}#{payload.shlink()}"


def encrypt_file(plaintext: bytes, content_type: str, key: str) -> str:
    """A file as the spec's compact JWE. joserfc draws a new random IV for every call."""
    header = {"alg": "dir", "enc": "A256GCM", "cty": content_type}
    return jwe.encrypt_compact(header, plaintext, _oct(key), algorithms=list(ALGORITHMS))


def decrypt_file(token: str, key: str) -> tuple[str, bytes]:
    """(cty, plaintext) of a file; ValueError for anything that is not ours to open."""
    try:
        opened = jwe.decrypt_compact(token, _oct(key), algorithms=list(ALGORITHMS))
    except (JoseError, ValueError) as error:
        raise ValueError("not a file this key opens") from error
    return str(opened.headers().get("cty", "")), opened.plaintext or b""


def _wrapping_key(manifest_token: str) -> str:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_WRAP_INFO).derive(
        manifest_token.encode("utf-8")
    )
    return _b64url(derived)


def wrap_key(key: str, manifest_token: str, link_id: str) -> str:
    """The file key encrypted under a key derived (HKDF-SHA256) from the manifest token, bound to the link.

    The server keeps this and a SHA-256 of the token, never the token: a manifest request brings the token,
    which opens the key for that request only."""
    _oct(key)
    header = {"alg": "dir", "enc": "A256GCM", "kid": hashlib.sha256(link_id.encode()).hexdigest()[:16]}
    return jwe.encrypt_compact(header, _unb64url(key), _oct(_wrapping_key(manifest_token)))


def unwrap_key(wrapped: str, manifest_token: str, link_id: str) -> str:
    try:
        opened = jwe.decrypt_compact(
            wrapped, _oct(_wrapping_key(manifest_token)), algorithms=list(ALGORITHMS)
        )
    except (JoseError, ValueError) as error:
        raise ValueError("this token does not open this key") from error
    if opened.headers().get("kid") != hashlib.sha256(link_id.encode()).hexdigest()[:16]:
        raise ValueError("the key belongs to another link")
    return _b64url(opened.plaintext or b"")
