"""Signed offline health cards in the SMART Health Cards format, made and checked without a network.

This module owns the card's wire format and nothing else:

* the issuer's signing keys: ES256 on P-256, ``kid`` = RFC 7638 thumbprint, stored as a JWK or PEM,
  published as ``/.well-known/jwks.json``;
* signing a FHIR Bundle into a compact JWS (minified JSON, raw DEFLATE, ``zip: "DEF"``) that fits
  one QR code, and verifying such a JWS against the keys of trusted issuers;
* the ``shc:/`` numeric QR text, the QR image (SVG and PNG) and the ``.smart-health-card`` file.

What goes into the Bundle (only what the young person chose to share, SECURITY.md item 21), where
keys are kept, which issuers are trusted and what time it is all belong to the caller. No Flask, no
database, no network, and no clock reads unless `verify_health_card` is called without ``now``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from qrcode import QRCode
from qrcode.constants import ERROR_CORRECT_L
from qrcode.util import MODE_8BIT_BYTE, MODE_NUMBER, QRData

__all__ = [
    "DEFAULT_CLOCK_LEEWAY",
    "FHIR_VERSION",
    "FILE_EXTENSION",
    "HEALTH_CARD_TYPE",
    "MEDIA_TYPE",
    "QR_MAX_JWS_CHARS",
    "QR_PREFIX",
    "CardTooLarge",
    "InvalidHealthCardFile",
    "InvalidKey",
    "InvalidQrText",
    "Jwk",
    "Reason",
    "ShcError",
    "VerificationResult",
    "generate_signing_key",
    "health_card_file",
    "health_card_file_bytes",
    "health_card_qr",
    "health_card_qr_png",
    "health_card_qr_svg",
    "jwk_thumbprint",
    "jwks_document",
    "jws_from_qr_texts",
    "jws_to_qr_numeric",
    "load_private_jwk",
    "parse_health_card_file",
    "private_jwk_from_pem",
    "private_jwk_to_pem",
    "public_jwk_from_private",
    "qr_numeric_to_jws",
    "sign_health_card",
    "sign_health_card_payload",
    "verify_health_card",
]

Jwk = dict[str, Any]

HEALTH_CARD_TYPE = "https://smarthealth.cards#health-card"
FHIR_VERSION = "4.0.1"
QR_PREFIX = "shc:/"
# The spec's one-QR limit: it keeps the code at version 22, the largest that phones scan reliably.
QR_MAX_JWS_CHARS = 1195
MEDIA_TYPE = "application/smart-health-card"
FILE_EXTENSION = ".smart-health-card"
# Phones' clocks drift; without some slack a card made a minute ago can look "not yet valid".
DEFAULT_CLOCK_LEEWAY = timedelta(minutes=5)

_ALG = "ES256"
_CURVE_BYTES = 32
# Anything arriving at the verifier is untrusted: bound the work before decoding or inflating it.
# Files and deprecated multi-part QR cards are longer than one QR, so these are generous but finite.
_MAX_JWS_CHARS = 100_000
_MAX_PAYLOAD_BYTES = 1_000_000
_LATEST_TIMESTAMP = 253_402_300_799  # 9999-12-31T23:59:59Z
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_JWS_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_DIGITS = re.compile(r"[0-9]+")
_SVG_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
# "-" (45) to "z" (122): every character base64url and "." can produce, each as two digits 00–77.
_QR_FIRST_CHAR = 45
_QR_LAST_CHAR = 122


class ShcError(Exception):
    """Base class for the errors this module raises."""


class CardTooLarge(ShcError):
    """The signed card would not fit in one QR code; the caller should ask for fewer items."""

    def __init__(self, length: int, limit: int = QR_MAX_JWS_CHARS) -> None:
        self.length = length
        self.limit = limit
        super().__init__(f"The signed card is {length} characters long; one QR code holds at most {limit}.")


class InvalidKey(ShcError, ValueError):
    """A JWK or PEM that is not a usable ES256 (P-256) key."""


class InvalidQrText(ShcError, ValueError):
    """Text that is not a single-part ``shc:/`` numeric QR value."""


class InvalidHealthCardFile(ShcError, ValueError):
    """Data that is not a ``.smart-health-card`` file."""


class Reason(StrEnum):
    """Why a card failed verification. A `StrEnum`, so it compares equal to the plain strings."""

    MALFORMED = "malformed"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    UNKNOWN_ISSUER = "unknown_issuer"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    BAD_PAYLOAD = "bad_payload"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """The outcome of `verify_health_card`.

    ``issuer`` is verified only when ``valid``; on failure it is what the card claims (if readable),
    so a message can name it, but it must not be trusted. ``payload`` is set only when ``valid``.
    """

    valid: bool
    reason: Reason | None = None
    issuer: str | None = None
    kid: str | None = None
    payload: dict[str, Any] | None = None

    @property
    def fhir_bundle(self) -> dict[str, Any] | None:
        if self.payload is None:
            return None
        return self.payload["vc"]["credentialSubject"]["fhirBundle"]

    @property
    def issued_at(self) -> datetime | None:
        if self.payload is None:
            return None
        return datetime.fromtimestamp(self.payload["nbf"], tz=UTC)


# --- base64url and JSON ---------------------------------------------------------------------------


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    # The last character can carry unused low bits. Ignoring them would let a changed character in
    # the signature still verify, so only the canonical spelling of each byte string is accepted.
    if _b64url_encode(raw) != text:
        raise ValueError("not canonical base64url")
    return raw


def _minify(payload: Mapping[str, Any]) -> bytes:
    # ensure_ascii=False matches JavaScript's JSON.stringify and keeps names in Arabic or Tigrinya
    # at two or three bytes a character instead of six, which matters with 1195 characters to spend.
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    # Two parsers can disagree on which duplicate wins; refusing them removes that ambiguity.
    if len(result) != len(pairs):
        raise ValueError("duplicate member name")
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        # Decoding explicitly: json.loads(bytes) would also guess UTF-16 and UTF-32.
        value = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_reject_duplicates,
            parse_constant=_reject_constant,
        )
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _inflate(data: bytes) -> bytes | None:
    inflater = zlib.decompressobj(wbits=-15)
    try:
        out = inflater.decompress(data, _MAX_PAYLOAD_BYTES + 1)
    except zlib.error:
        return None
    if len(out) > _MAX_PAYLOAD_BYTES or inflater.unconsumed_tail:
        return None
    if not inflater.eof or inflater.unused_data:
        return None
    return out


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(level=9, method=zlib.DEFLATED, wbits=-15, memLevel=9)
    return compressor.compress(data) + compressor.flush()


# --- keys -----------------------------------------------------------------------------------------


def _coordinate(jwk: Mapping[str, Any], name: str) -> int:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise InvalidKey(f"JWK member {name!r} is missing")
    try:
        raw = _b64url_decode(value)
    except ValueError as exc:
        raise InvalidKey(f"JWK member {name!r} is not base64url") from exc
    if len(raw) != _CURVE_BYTES:
        raise InvalidKey(f"JWK member {name!r} is not {_CURVE_BYTES} bytes")
    return int.from_bytes(raw, "big")


def _encode_coordinate(value: int) -> str:
    return _b64url_encode(value.to_bytes(_CURVE_BYTES, "big"))


def _public_key_from_jwk(jwk: Mapping[str, Any]) -> ec.EllipticCurvePublicKey:
    if not isinstance(jwk, Mapping):
        raise InvalidKey("a JWK is a JSON object")
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise InvalidKey("only EC keys on P-256 are supported")
    numbers = ec.EllipticCurvePublicNumbers(_coordinate(jwk, "x"), _coordinate(jwk, "y"), ec.SECP256R1())
    try:
        return numbers.public_key()
    except ValueError as exc:
        raise InvalidKey("the point is not on P-256") from exc


def jwk_thumbprint(public_jwk: Mapping[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of an EC P-256 JWK, base64url: the key's ``kid``.

    Private members are ignored, so a private JWK has the same thumbprint as its public half.
    """
    _public_key_from_jwk(public_jwk)
    required = {name: public_jwk[name] for name in ("crv", "kty", "x", "y")}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode("ascii")
    return _b64url_encode(hashlib.sha256(canonical).digest())


def _public_jwk_from_key(key: ec.EllipticCurvePublicKey) -> Jwk:
    numbers = key.public_numbers()
    jwk: Jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": _encode_coordinate(numbers.x),
        "y": _encode_coordinate(numbers.y),
    }
    return {"kid": jwk_thumbprint(jwk), "use": "sig", "alg": _ALG, **jwk}


def _private_jwk_from_key(key: ec.EllipticCurvePrivateKey) -> Jwk:
    if not isinstance(key.curve, ec.SECP256R1):
        raise InvalidKey("only P-256 keys can sign ES256")
    jwk = _public_jwk_from_key(key.public_key())
    jwk["d"] = _encode_coordinate(key.private_numbers().private_value)
    return jwk


def _private_key_from_jwk(private_jwk: Mapping[str, Any]) -> ec.EllipticCurvePrivateKey:
    public = _public_key_from_jwk(private_jwk)
    key = ec.derive_private_key(_coordinate(private_jwk, "d"), ec.SECP256R1())
    # A stored key whose d does not match its x/y would sign cards under a kid whose public key
    # cannot verify them; every card would fail in the field, so refuse it here instead.
    if key.public_key().public_numbers() != public.public_numbers():
        raise InvalidKey("the private value does not match the public point")
    kid = private_jwk.get("kid")
    if kid is not None and kid != jwk_thumbprint(private_jwk):
        raise InvalidKey("kid is not the key's RFC 7638 thumbprint")
    return key


def generate_signing_key() -> tuple[Jwk, Jwk]:
    """A new ES256 key pair ``(private_jwk, public_jwk)``, both with ``kid``, ``use``, ``alg``."""
    key = ec.generate_private_key(ec.SECP256R1())
    return _private_jwk_from_key(key), _public_jwk_from_key(key.public_key())


def public_jwk_from_private(private_jwk: Mapping[str, Any]) -> Jwk:
    """The public half of a key (also accepts a public JWK), with ``kid``, ``use`` and ``alg``."""
    return _public_jwk_from_key(_public_key_from_jwk(private_jwk))


def private_jwk_to_pem(private_jwk: Mapping[str, Any], password: bytes | None = None) -> bytes:
    """PKCS#8 PEM of a private JWK, encrypted when a password is given."""
    key = _private_key_from_jwk(private_jwk)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def private_jwk_from_pem(pem: bytes | str, password: bytes | None = None) -> Jwk:
    """A private JWK from a PEM private key (PKCS#8 or SEC 1), which must be on P-256."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InvalidKey(f"not a usable PEM private key: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise InvalidKey("only EC keys on P-256 are supported")
    return _private_jwk_from_key(key)


def load_private_jwk(data: Mapping[str, Any] | str | bytes, password: bytes | None = None) -> Jwk:
    """A checked private JWK from a JWK (object or JSON text) or a PEM, as a key store holds it."""
    if isinstance(data, Mapping):
        jwk: Any = data
    else:
        try:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
        except UnicodeDecodeError as exc:
            raise InvalidKey("neither a PEM nor a JWK") from exc
        if text.lstrip().startswith("-----BEGIN"):
            return private_jwk_from_pem(text, password)
        try:
            jwk = json.loads(text)
        except ValueError as exc:
            raise InvalidKey("neither a PEM nor a JWK") from exc
        if not isinstance(jwk, dict):
            raise InvalidKey("a JWK is a JSON object")
    return _private_jwk_from_key(_private_key_from_jwk(jwk))


def jwks_document(public_jwks: Iterable[Mapping[str, Any]]) -> dict[str, list[Jwk]]:
    """The ``/.well-known/jwks.json`` body: public members only, one entry per ``kid``.

    List the current key and the keys it replaced, so cards signed before a rotation still verify.
    """
    keys: dict[str, Jwk] = {}
    for jwk in public_jwks:
        public = public_jwk_from_private(jwk)
        keys.setdefault(public["kid"], public)
    return {"keys": list(keys.values())}


# --- signing --------------------------------------------------------------------------------------


def _payload_problem(payload: Any) -> str | None:
    """What makes this payload not a SMART Health Card, or None. Shared by signer and verifier."""
    if not isinstance(payload, Mapping):
        return "the payload is not an object"
    if not isinstance(payload.get("iss"), str) or not payload["iss"]:
        return "iss (the issuer URL) is missing"
    for claim in ("nbf", "exp"):
        value = payload.get(claim)
        if claim == "nbf" or value is not None:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return f"{claim} is not a number"
            # Also keeps issued_at and expiry representable as a datetime.
            if not math.isfinite(value) or not 0 <= value <= _LATEST_TIMESTAMP:
                return f"{claim} is out of range"
    vc = payload.get("vc")
    if not isinstance(vc, Mapping):
        return "vc is missing"
    types = vc.get("type")
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        return "vc.type is not a list of strings"
    if HEALTH_CARD_TYPE not in types:
        return f"vc.type does not include {HEALTH_CARD_TYPE}"
    subject = vc.get("credentialSubject")
    if not isinstance(subject, Mapping):
        return "vc.credentialSubject is missing"
    if not isinstance(subject.get("fhirVersion"), str):
        return "vc.credentialSubject.fhirVersion is missing"
    bundle = subject.get("fhirBundle")
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        return "vc.credentialSubject.fhirBundle is not a FHIR Bundle"
    return None


def _check_issuer_url(issuer: str) -> None:
    # Verifiers fetch f"{iss}/.well-known/jwks.json" and compare iss as a string, so the spec wants
    # an https URL with no trailing slash; anything else makes cards nobody can check.
    if not isinstance(issuer, str) or not re.fullmatch(r"https://[^\s/?#]+(/[^\s?#]*)?", issuer):
        raise ValueError(f"issuer must be an https URL, got {issuer!r}")
    if issuer.endswith("/"):
        raise ValueError("issuer must not end with '/'")


def sign_health_card_payload(
    payload: Mapping[str, Any],
    private_jwk: Mapping[str, Any],
    *,
    max_chars: int | None = QR_MAX_JWS_CHARS,
) -> str:
    """Sign a complete SMART Health Card payload as a compact JWS that fits one QR code.

    Most callers want `sign_health_card`, which builds the payload. Raises `ValueError` for a
    payload that is not a health card, `InvalidKey` for a bad key and `CardTooLarge` when the JWS
    exceeds ``max_chars`` (`QR_MAX_JWS_CHARS` by default): a card is never split across several QR
    codes (the spec deprecates that), so the caller must ask for fewer items instead. A card that
    travels only as a file (in a SMART Health Link) passes ``max_chars=None``.
    """
    problem = _payload_problem(payload)
    if problem:
        raise ValueError(problem)
    _check_issuer_url(payload["iss"])
    key = _private_key_from_jwk(private_jwk)
    header = {"alg": _ALG, "zip": "DEF", "kid": jwk_thumbprint(private_jwk)}
    signing_input = _b64url_encode(_minify(header)) + "." + _b64url_encode(_deflate(_minify(payload)))
    r, s = decode_dss_signature(key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256())))
    # JWS wants the raw 64-byte r||s (RFC 7518 §3.4), not the DER that cryptography produces.
    signature = r.to_bytes(_CURVE_BYTES, "big") + s.to_bytes(_CURVE_BYTES, "big")
    jws = signing_input + "." + _b64url_encode(signature)
    if max_chars is not None and len(jws) > max_chars:
        raise CardTooLarge(len(jws), max_chars)
    return jws


def sign_health_card(
    fhir_bundle: Mapping[str, Any],
    issuer: str,
    private_jwk: Mapping[str, Any],
    issued_at: datetime,
    *,
    extra_types: Sequence[str] = (),
    max_chars: int | None = QR_MAX_JWS_CHARS,
) -> str:
    """Sign a FHIR Bundle as a SMART Health Card JWS (errors as for `sign_health_card_payload`).

    ``issuer`` is the https URL whose ``/.well-known/jwks.json`` lists the key; ``issued_at``
    becomes ``nbf`` and must be timezone-aware. ``extra_types`` adds ``vc.type`` entries such as
    ``https://smarthealth.cards#immunization``.
    """
    if issued_at.tzinfo is None or issued_at.utcoffset() is None:
        raise ValueError("issued_at must be timezone-aware")
    if isinstance(extra_types, str):
        raise TypeError("extra_types is a sequence of strings, not one string")
    payload = {
        "iss": issuer,
        # Whole seconds: the fraction buys nothing and costs characters in the QR.
        "nbf": int(issued_at.timestamp()),
        "vc": {
            "type": [HEALTH_CARD_TYPE, *(t for t in extra_types if t != HEALTH_CARD_TYPE)],
            "credentialSubject": {"fhirVersion": FHIR_VERSION, "fhirBundle": fhir_bundle},
        },
    }
    return sign_health_card_payload(payload, private_jwk, max_chars=max_chars)


# --- verification ---------------------------------------------------------------------------------


class _TrustedKey(NamedTuple):
    issuer: str
    kid: str
    public_key: ec.EllipticCurvePublicKey


def _usable_keys(issuer: str, jwks: Iterable[Any]) -> Iterable[_TrustedKey]:
    for jwk in jwks:
        try:
            public_key = _public_key_from_jwk(jwk)
            thumbprint = jwk_thumbprint(jwk)
        except InvalidKey:
            # Issuers' key sets may hold keys for other purposes or curves; those just never match.
            continue
        if jwk.get("alg", _ALG) != _ALG or jwk.get("use", "sig") != "sig":
            continue
        # The spec fixes kid as the thumbprint; a key claiming another kid could be substituted for
        # a different key in a card's header, so it is not usable.
        if jwk.get("kid", thumbprint) != thumbprint:
            continue
        yield _TrustedKey(issuer, thumbprint, public_key)


def _decode_payload(compressed: bytes) -> dict[str, Any] | None:
    raw = _inflate(compressed)
    return None if raw is None else _json_object(raw)


def _claimed_issuer(compressed: bytes) -> str | None:
    payload = _decode_payload(compressed)
    iss = payload.get("iss") if payload is not None else None
    return iss if isinstance(iss, str) else None


def _signature_ok(key: ec.EllipticCurvePublicKey, signing_input: bytes, signature: bytes) -> bool:
    r = int.from_bytes(signature[:_CURVE_BYTES], "big")
    s = int.from_bytes(signature[_CURVE_BYTES:], "big")
    try:
        key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_health_card(
    jws: str,
    trusted_issuers: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    now: datetime | None = None,
    leeway: timedelta = DEFAULT_CLOCK_LEEWAY,
) -> VerificationResult:
    """Check a SMART Health Card JWS against trusted issuers' public keys.

    ``trusted_issuers`` maps each issuer URL (compared exactly with the card's ``iss``) to its
    public JWKs, i.e. the ``keys`` of its ``/.well-known/jwks.json``. ``now`` (timezone-aware) is
    the moment to judge ``nbf`` and ``exp`` at; pass the app clock's value, since only when it is
    omitted is the system clock read. ``leeway`` forgives that much clock difference either way.

    Never raises for bad input: whatever ``jws`` is, the result says whether it is valid and, if
    not, why. Revocation lists (``rid``) and x5c certificate chains are not checked.
    """
    moment = datetime.now(UTC) if now is None else now
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return _verify(jws, trusted_issuers, moment.timestamp(), leeway.total_seconds())


def _verify(
    jws: object,
    trusted_issuers: Mapping[str, Sequence[Mapping[str, Any]]],
    now: float,
    leeway: float,
) -> VerificationResult:
    invalid = VerificationResult
    if not isinstance(jws, str) or len(jws) > _MAX_JWS_CHARS:
        return invalid(False, Reason.MALFORMED)
    parts = jws.split(".")
    if len(parts) != 3:
        return invalid(False, Reason.MALFORMED)
    header_b64, payload_b64, signature_b64 = parts
    try:
        header = _json_object(_b64url_decode(header_b64))
        compressed = _b64url_decode(payload_b64)
        # May be empty here, so that an alg=none token (no signature) is reported as such.
        signature = _b64url_decode(signature_b64)
    except ValueError:
        return invalid(False, Reason.MALFORMED)
    if header is None or not compressed:
        return invalid(False, Reason.MALFORMED)
    kid = header.get("kid") if isinstance(header.get("kid"), str) else None
    # Only ES256, so a token cannot choose "none" or an HMAC keyed with our public key.
    if header.get("alg") != _ALG:
        return invalid(False, Reason.UNSUPPORTED_ALGORITHM, kid=kid)
    # "crit" names extensions a verifier must understand (RFC 7515 §4.1.11); we understand none.
    if not kid or header.get("zip") != "DEF" or "crit" in header:
        return invalid(False, Reason.MALFORMED, kid=kid)
    # A DER-encoded signature is 70 to 72 bytes; JWS ES256 is exactly r||s.
    if len(signature) != 2 * _CURVE_BYTES:
        return invalid(False, Reason.BAD_SIGNATURE, issuer=_claimed_issuer(compressed), kid=kid)

    candidates = [
        key
        for issuer, jwks in trusted_issuers.items()
        for key in _usable_keys(issuer, jwks)
        if key.kid == kid
    ]
    if not candidates:
        claimed = _claimed_issuer(compressed)
        if claimed is not None and claimed not in trusted_issuers:
            return invalid(False, Reason.UNKNOWN_ISSUER, issuer=claimed, kid=kid)
        return invalid(False, Reason.UNKNOWN_KEY, issuer=claimed, kid=kid)

    # Apart from the bounded peeks for messages, the payload is inflated only once it is signed.
    signing_input = f"{header_b64}.{payload_b64}".encode("ascii")
    signed_for = {key.issuer for key in candidates if _signature_ok(key.public_key, signing_input, signature)}
    if not signed_for:
        return invalid(False, Reason.BAD_SIGNATURE, issuer=_claimed_issuer(compressed), kid=kid)

    payload = _decode_payload(compressed)
    iss = payload.get("iss") if payload is not None else None
    if payload is None or not isinstance(iss, str):
        return invalid(False, Reason.BAD_PAYLOAD, kid=kid)
    if iss not in trusted_issuers:
        return invalid(False, Reason.UNKNOWN_ISSUER, issuer=iss, kid=kid)
    # Signed by a key trusted for some other issuer: that issuer cannot speak for this one.
    if iss not in signed_for:
        return invalid(False, Reason.UNKNOWN_KEY, issuer=iss, kid=kid)
    if _payload_problem(payload):
        return invalid(False, Reason.BAD_PAYLOAD, issuer=iss, kid=kid)
    if payload["nbf"] > now + leeway:
        return invalid(False, Reason.NOT_YET_VALID, issuer=iss, kid=kid)
    if payload.get("exp") is not None and payload["exp"] <= now - leeway:
        return invalid(False, Reason.EXPIRED, issuer=iss, kid=kid)
    return VerificationResult(True, None, issuer=iss, kid=kid, payload=payload)


# --- QR code --------------------------------------------------------------------------------------


def jws_to_qr_numeric(jws: str) -> str:
    """The QR text for a JWS: ``shc:/`` then each character as two digits (its code minus 45)."""
    if not isinstance(jws, str):
        raise TypeError("jws must be a string")
    digits = []
    for char in jws:
        code = ord(char)
        if not _QR_FIRST_CHAR <= code <= _QR_LAST_CHAR:
            raise ValueError(f"{char!r} cannot appear in a JWS")
        digits.append(f"{code - _QR_FIRST_CHAR:02d}")
    return QR_PREFIX + "".join(digits)


def qr_numeric_to_jws(text: str) -> str:
    """The JWS in a scanned ``shc:/`` QR text; raises `InvalidQrText` for anything else."""
    if not isinstance(text, str) or not text.startswith(QR_PREFIX):
        raise InvalidQrText(f"a health card QR starts with {QR_PREFIX!r}")
    digits = text[len(QR_PREFIX) :]
    if "/" in digits:
        raise InvalidQrText("multi-part health card QR codes (shc:/n/m/...) are not supported")
    if len(digits) > 2 * _MAX_JWS_CHARS:
        raise InvalidQrText("the QR text is too long")
    if not _DIGITS.fullmatch(digits) or len(digits) % 2:
        raise InvalidQrText("after shc:/ come pairs of digits")
    chars = []
    for i in range(0, len(digits), 2):
        value = int(digits[i : i + 2])
        if value > _QR_LAST_CHAR - _QR_FIRST_CHAR:
            raise InvalidQrText(f"{digits[i : i + 2]!r} does not encode a JWS character")
        chars.append(chr(value + _QR_FIRST_CHAR))
    return "".join(chars)


_CHUNK = re.compile(r"shc:/([0-9]{1,2})/([0-9]{1,2})/([0-9]+)")
# The deprecated multi-part form split a card over at most this many codes.
_MAX_CHUNKS = 10


def jws_from_qr_texts(texts: Iterable[str]) -> str:
    """The JWS in what a scanner read: one ``shc:/`` text, or every part of a deprecated multi-part card
    (``shc:/1/3/…``, ``shc:/2/3/…``, ``shc:/3/3/…``) in any order.

    More forgiving than `qr_numeric_to_jws`, as a verifier should be with what people paste: the prefix is
    read in any letter case (a scanner reading the code in alphanumeric mode may give ``SHC:/``) and blank
    lines are ignored. Raises `InvalidQrText` for anything else, a missing or repeated part included.
    """
    parts = []
    for text in texts:
        text = (text or "").strip()
        if not text:
            continue
        if text[: len(QR_PREFIX)].lower() == QR_PREFIX:
            text = QR_PREFIX + text[len(QR_PREFIX) :]
        parts.append(text)
    if not parts:
        raise InvalidQrText("there is no QR text")
    if len(parts) == 1 and "/" not in parts[0][len(QR_PREFIX) :]:
        return qr_numeric_to_jws(parts[0])
    chunks: dict[int, str] = {}
    total = None
    for part in parts:
        match = _CHUNK.fullmatch(part)
        if not match:
            raise InvalidQrText("each part of a multi-part card looks like shc:/1/3/ followed by digits")
        index, count = int(match.group(1)), int(match.group(2))
        if not 2 <= count <= _MAX_CHUNKS or not 1 <= index <= count:
            raise InvalidQrText("the part numbers are not possible")
        if total not in (None, count):
            raise InvalidQrText("the parts come from cards of different sizes")
        if index in chunks:
            raise InvalidQrText(f"part {index} is there twice")
        total = count
        chunks[index] = match.group(3)
    if len(chunks) != total:
        missing = sorted(set(range(1, (total or 0) + 1)) - set(chunks))
        raise InvalidQrText(f"part {missing[0]} of {total} is missing")
    return qr_numeric_to_jws(QR_PREFIX + "".join(chunks[i] for i in range(1, total + 1)))


def health_card_qr(jws: str, *, box_size: int = 1, border: int = 0) -> QRCode:
    """The QR code for a JWS: a byte segment ``shc:/`` and a numeric segment, error correction L.

    Raises `CardTooLarge` beyond `QR_MAX_JWS_CHARS` (which keeps the code at version 22 or below).
    """
    if isinstance(jws, str) and len(jws) > QR_MAX_JWS_CHARS:
        raise CardTooLarge(len(jws))
    numeric = jws_to_qr_numeric(jws)[len(QR_PREFIX) :]
    # Explicit segments: left to itself an encoder may pick one byte segment for everything, which
    # takes ~2.4 times the space of numeric mode and would push a full card past version 22. The spec
    # sizes cards for level L.
    code = QRCode(error_correction=ERROR_CORRECT_L, box_size=box_size, border=border)
    code.add_data(QRData(QR_PREFIX.encode("ascii"), mode=MODE_8BIT_BYTE, check_data=False))
    code.add_data(QRData(numeric.encode("ascii"), mode=MODE_NUMBER, check_data=False))
    code.make(fit=True)
    return code


def _check_size(scale: int, border: int) -> None:
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
        raise ValueError("scale is a whole number of pixels per module, at least 1")
    if isinstance(border, bool) or not isinstance(border, int) or border < 0:
        raise ValueError("border is a whole number of modules, at least 0")


def _dark_runs(modules: list[list[bool]]) -> str:
    """SVG path data for the dark modules, one rectangle per horizontal run, in module units."""
    parts = []
    for y, row in enumerate(modules):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return "".join(parts)


def health_card_qr_svg(
    jws: str,
    *,
    title: str = "SMART Health Card QR code",
    description: str | None = None,
    scale: int = 4,
    border: int = 4,
    responsive: bool = False,
    svg_id: str | None = None,
) -> str:
    """The card's QR code as an SVG document (also fine inline in HTML).

    ``title`` (and optional ``description``) give the image its accessible name; pass translated
    text. ``scale`` is user units per module and ``border`` the quiet zone in modules (4 is the QR
    standard). With ``responsive`` the SVG has only a viewBox, one unit per module, and CSS sets its
    size (``scale`` is then ignored). ``svg_id`` (unique on the page) also links title and
    description by ``aria-labelledby`` and ``aria-describedby`` for older screen readers.
    """
    _check_size(scale, border)
    if svg_id is not None and not _SVG_ID.fullmatch(svg_id):
        raise ValueError("svg_id must be a letter followed by letters, digits, '-' or '_'")
    modules = health_card_qr(jws, border=border).get_matrix()
    size = len(modules)
    # role="img": screen readers announce one image named by <title> instead of walking the paths.
    attributes = ['xmlns="http://www.w3.org/2000/svg"', 'class="shc-qr"', 'role="img"']
    if svg_id is not None:
        attributes.append(f'aria-labelledby="{svg_id}-title"')
        if description is not None:
            attributes.append(f'aria-describedby="{svg_id}-desc"')
    if not responsive:
        attributes.append(f'width="{size * scale}" height="{size * scale}"')
    attributes.append(f'viewBox="0 0 {size} {size}"')
    title_id = f' id="{svg_id}-title"' if svg_id is not None else ""
    desc_id = f' id="{svg_id}-desc"' if svg_id is not None else ""
    children = [f"<title{title_id}>{_xml_text(title)}</title>"]
    if description is not None:
        children.append(f"<desc{desc_id}>{_xml_text(description)}</desc>")
    # A white background: on a transparent one the code vanishes in dark mode.
    children.append(f'<path fill="#fff" d="M0 0h{size}v{size}h-{size}z"/>')
    children.append(f'<path fill="#000" d="{_dark_runs(modules)}"/>')
    return f"<svg {' '.join(attributes)}>{''.join(children)}</svg>"


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def health_card_qr_png(jws: str, *, scale: int = 8, border: int = 4) -> bytes:
    """The card's QR code as a black-on-white PNG; ``scale`` is pixels per module."""
    _check_size(scale, border)
    out = io.BytesIO()
    image = health_card_qr(jws, box_size=scale, border=border).make_image(
        fill_color="black", back_color="white"
    )
    image.save(out, kind="PNG")
    return out.getvalue()


# --- .smart-health-card file ----------------------------------------------------------------------


def health_card_file(jws: str | Sequence[str]) -> dict[str, list[str]]:
    """The ``.smart-health-card`` file object: ``{"verifiableCredential": [jws, ...]}``."""
    cards = [jws] if isinstance(jws, str) else list(jws)
    if not cards or not all(isinstance(c, str) and _JWS_SHAPE.fullmatch(c) for c in cards):
        raise ValueError("a health card file holds one or more compact JWS strings")
    return {"verifiableCredential": cards}


def health_card_file_bytes(jws: str | Sequence[str]) -> bytes:
    """The ``.smart-health-card`` file as UTF-8 JSON, to serve as `MEDIA_TYPE`."""
    return json.dumps(health_card_file(jws), separators=(",", ":")).encode("utf-8")


def parse_health_card_file(data: str | bytes) -> list[str]:
    """The (unverified) JWS strings in a ``.smart-health-card`` file, or `InvalidHealthCardFile`."""
    # surrogatepass: a lone surrogate becomes bytes the strict decode below rejects, not a crash.
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if len(raw) > _MAX_PAYLOAD_BYTES:
        raise InvalidHealthCardFile("the file is too large")
    document = _json_object(raw)
    cards = document.get("verifiableCredential") if document is not None else None
    if (
        not isinstance(cards, list)
        or not cards
        or not all(isinstance(c, str) and _JWS_SHAPE.fullmatch(c) for c in cards)
    ):
        raise InvalidHealthCardFile("not a .smart-health-card file")
    return cards
