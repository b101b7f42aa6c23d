"""A SMART Health Links receiving application, written for the tests from the HL7 SMART Health Cards and
Links IG (STU1), "SMART Health Links" and "SMART Health Cards" chapters, not from passport/: it imports
nothing of ours, and decrypts and verifies with `cryptography` directly (the server uses joserfc), so a
shared mistake in how we read the spec cannot make both sides agree on something wrong.

What it does, each step as the spec says:
1. Take a link: an optional viewer URL ending in ``#``, then ``shlink:/`` and base64url of minified JSON
   with ``url`` (at most 128 characters), ``key`` (43 base64url characters: 32 bytes), optional ``exp``,
   ``flag`` (letters in alphabetical order; ``P`` = passcode), ``label`` (at most 80 characters), ``v``.
2. POST ``{"recipient", "passcode"?, "embeddedLengthMax"?}`` as application/json to ``url``. 401 carries
   ``remainingAttempts``; 404 means the link is no longer active.
3. Each file in ``files`` has ``contentType`` and ``embedded`` (a compact JWE) or ``location`` (GET it:
   ``application/jose``). The JWE's protected header has ``alg: dir``, ``enc: A256GCM`` and ``cty``;
   the additional authenticated data is the ASCII of the encoded header (RFC 7516 section 5.1); ``zip:
   DEF`` means raw DEFLATE.
4. A SMART Health Card file is ``{"verifiableCredential": [JWS, ...]}``; each JWS is ES256 over P-256 with
   ``zip: DEF`` and a ``kid`` that is the RFC 7638 thumbprint of a key at ``<iss>/.well-known/jwks.json``.

The HTTP side is any object with Flask test client's ``get`` and ``post`` (the tests pass one), so no
network is involved.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class ShlError(Exception):
    pass


class PasscodeRefused(ShlError):
    def __init__(self, remaining: int):
        super().__init__(f"wrong passcode, {remaining} attempts remaining")
        self.remaining = remaining


class LinkInactive(ShlError):
    """The server answered 404: stopped, expired, locked or never there."""


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class Link:
    url: str
    key: bytes
    exp: int | None
    flags: str
    label: str | None
    version: int
    raw: dict = field(repr=False, default_factory=dict)

    @property
    def needs_passcode(self) -> bool:
        return "P" in self.flags


def parse_link(text: str) -> Link:
    """A SMART Health Link, bare (shlink:/…) or after a viewer URL ending with #."""
    if "#" in text:
        text = text.split("#", 1)[1]
    if not text.startswith("shlink:/"):
        raise ShlError("not a SMART Health Link")
    payload = json.loads(b64url_decode(text[len("shlink:/") :]).decode("utf-8"))
    if not isinstance(payload.get("url"), str) or len(payload["url"]) > 128:
        raise ShlError("url missing or longer than 128 characters")
    key = payload.get("key")
    if not isinstance(key, str) or len(key) != 43:
        raise ShlError("key must be 43 base64url characters")
    raw_key = b64url_decode(key)
    if len(raw_key) != 32:
        raise ShlError("key must be 32 bytes")
    flags = payload.get("flag", "")
    if list(flags) != sorted(flags):
        raise ShlError("flags must be in alphabetical order")
    label = payload.get("label")
    if label is not None and len(label) > 80:
        raise ShlError("label longer than 80 characters")
    return Link(payload["url"], raw_key, payload.get("exp"), flags, label, payload.get("v", 1), payload)


def decrypt_jwe(token: str, key: bytes) -> tuple[dict, bytes]:
    """(protected header, plaintext) of a compact JWE with alg dir and enc A256GCM."""
    parts = token.split(".")
    if len(parts) != 5:
        raise ShlError("a compact JWE has five parts")
    encoded_header, encrypted_key, iv, ciphertext, tag = parts
    header = json.loads(b64url_decode(encoded_header))
    if header.get("alg") != "dir" or header.get("enc") != "A256GCM":
        raise ShlError(f"unexpected algorithms {header.get('alg')}/{header.get('enc')}")
    if encrypted_key != "":
        raise ShlError("with alg dir the encrypted key is empty")
    try:
        plaintext = AESGCM(key).decrypt(
            b64url_decode(iv), b64url_decode(ciphertext) + b64url_decode(tag), encoded_header.encode("ascii")
        )
    except InvalidTag as error:
        raise ShlError("the key does not open this file") from error
    if header.get("zip") == "DEF":
        plaintext = zlib.decompress(plaintext, -15)
    return header, plaintext


@dataclass
class ReceivedFile:
    content_type: str
    header: dict
    body: bytes
    how: str  # embedded or location
    entry: dict

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    def __init__(self, http, recipient: str = "Dr Test Receiver, Example Practice"):
        self.http = http
        self.recipient = recipient

    @staticmethod
    def _path(url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def manifest(self, link: Link, *, passcode: str | None = None, embedded_length_max: int | None = None):
        body: dict[str, Any] = {"recipient": self.recipient}
        if passcode is not None:
            body["passcode"] = passcode
        if embedded_length_max is not None:
            body["embeddedLengthMax"] = embedded_length_max
        response = self.http.post(self._path(link.url), json=body)
        if response.status_code == 401:
            raise PasscodeRefused(response.get_json()["remainingAttempts"])
        if response.status_code == 404:
            raise LinkInactive()
        if response.status_code != 200:
            raise ShlError(f"manifest answered {response.status_code}")
        if not response.mimetype == "application/json":
            raise ShlError("the manifest is application/json")
        return response.get_json()

    def files(self, link: Link, manifest: dict) -> list[ReceivedFile]:
        received = []
        for entry in manifest["files"]:
            if "embedded" in entry:
                token, how = entry["embedded"], "embedded"
            else:
                response = self.http.get(self._path(entry["location"]))
                if response.status_code != 200:
                    raise ShlError(f"file location answered {response.status_code}")
                if response.mimetype != "application/jose":
                    raise ShlError("a file location answers application/jose")
                token, how = response.get_data(as_text=True), "location"
            header, body = decrypt_jwe(token, link.key)
            if header.get("cty") != entry["contentType"]:
                raise ShlError("the JWE's cty differs from the manifest's contentType")
            received.append(ReceivedFile(entry["contentType"], header, body, how, entry))
        return received

    def resolve(self, text: str, *, passcode: str | None = None, embedded_length_max: int | None = None):
        link = parse_link(text)
        manifest = self.manifest(link, passcode=passcode, embedded_length_max=embedded_length_max)
        return link, manifest, self.files(link, manifest)


# ---- SMART Health Cards --------------------------------------------------------------------------------


def jwk_thumbprint(jwk: dict) -> str:
    required = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode("ascii")
    return b64url_encode(hashlib.sha256(canonical).digest())


def verify_card(jws: str, jwks: dict, issuer: str) -> dict:
    """The payload of a SMART Health Card JWS signed by a key of `jwks` for `issuer`; ShlError otherwise."""
    encoded_header, encoded_payload, encoded_signature = jws.split(".")
    header = json.loads(b64url_decode(encoded_header))
    if header.get("alg") != "ES256" or header.get("zip") != "DEF":
        raise ShlError("a health card is ES256 with zip DEF")
    key = next((k for k in jwks["keys"] if k.get("kid") == header.get("kid")), None)
    if key is None or jwk_thumbprint(key) != header["kid"]:
        raise ShlError("no published key with that kid, or a kid that is not the key's thumbprint")
    public = ec.EllipticCurvePublicNumbers(
        int.from_bytes(b64url_decode(key["x"]), "big"),
        int.from_bytes(b64url_decode(key["y"]), "big"),
        ec.SECP256R1(),
    ).public_key()
    signature = b64url_decode(encoded_signature)
    if len(signature) != 64:
        raise ShlError("an ES256 signature is 64 bytes")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public.verify(der, f"{encoded_header}.{encoded_payload}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as error:
        raise ShlError("the signature does not verify") from error
    payload = json.loads(zlib.decompress(b64url_decode(encoded_payload), -15))
    if payload.get("iss") != issuer:
        raise ShlError(f"issued by {payload.get('iss')}, not {issuer}")
    if "https://smarthealth.cards#health-card" not in payload["vc"]["type"]:
        raise ShlError("not a health card")
    return payload
