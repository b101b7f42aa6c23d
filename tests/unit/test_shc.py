"""SMART Health Cards: the spec's own examples verify, forgeries do not, and our QR codes scan."""

from __future__ import annotations

import ast
import base64
import hashlib
import hmac
import io
import json
import random
import xml.etree.ElementTree as ET
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from qrcode.constants import ERROR_CORRECT_L
from qrcode.util import MODE_8BIT_BYTE, MODE_NUMBER

from passport.exports import shc

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "shc"
EXAMPLE_ISSUER = "https://spec.smarthealth.cards/examples/issuer"
OUR_ISSUER = "https://passport.example.org/shc"
# After the examples' nbf (2023-06-22) and before card 03's exp (2024-06-21).
EXAMPLE_NOW = datetime(2024, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
B64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
SVG_NS = "{http://www.w3.org/2000/svg}"

BUNDLE: dict[str, Any] = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [
        {
            "fullUrl": "resource:0",
            "resource": {
                "resourceType": "Patient",
                "name": [{"family": "Example", "given": ["Sam"]}],
                "birthDate": "2007-05-01",
            },
        },
        {
            "fullUrl": "resource:1",
            "resource": {
                "resourceType": "AllergyIntolerance",
                "patient": {"reference": "resource:0"},
                "code": {"text": "Penicillin"},
            },
        },
    ],
}


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8").strip()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def other_char(char: str) -> str:
    return "B" if char == "A" else "A"


def change_char(text: str, index: int) -> str:
    return text[:index] + other_char(text[index]) + text[index + 1 :]


def es256_jws(private_jwk: dict[str, Any], header: dict[str, Any], compressed: bytes) -> str:
    """A JWS signed outside the module under test, for payloads the module refuses to sign."""
    key = ec.derive_private_key(int.from_bytes(unb64(private_jwk["d"]), "big"), ec.SECP256R1())
    signing_input = b64(json.dumps(header).encode()) + "." + b64(compressed)
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return signing_input + "." + b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def parse_svg(svg: str) -> ET.Element:
    # Our own output, not untrusted input, so the stdlib parser is fine here.
    return ET.fromstring(svg)  # noqa: S314


def scan_png(png: bytes) -> list[zxingcpp.Barcode]:
    image = Image.open(io.BytesIO(png)).convert("L")
    return zxingcpp.read_barcodes(image)


@pytest.fixture(scope="module")
def example_jws() -> str:
    return fixture_text("example-00-d-jws.txt")


@pytest.fixture(scope="module")
def example_keys() -> list[dict[str, Any]]:
    return json.loads((FIXTURES / "issuer.jwks.public.json").read_text())["keys"]


@pytest.fixture(scope="module")
def trusted_examples(example_keys: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return {EXAMPLE_ISSUER: example_keys}


@pytest.fixture(scope="module")
def key_pair() -> tuple[dict[str, Any], dict[str, Any]]:
    return shc.generate_signing_key()


@pytest.fixture(scope="module")
def our_card(key_pair: tuple[dict[str, Any], dict[str, Any]]) -> str:
    return shc.sign_health_card(BUNDLE, OUR_ISSUER, key_pair[0], NOW)


@pytest.fixture(scope="module")
def trusted_ours(
    key_pair: tuple[dict[str, Any], dict[str, Any]],
) -> dict[str, list[dict[str, Any]]]:
    return {OUR_ISSUER: [key_pair[1]]}


def test_the_module_stays_free_of_the_web_and_database_layers() -> None:
    # Importing the package runs the app factory module, so sys.modules cannot tell; the source can.
    tree = ast.parse(Path(shc.__file__).read_text(encoding="utf-8"))
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        )
    }

    stdlib = {"__future__", "base64", "collections", "dataclasses", "datetime", "enum", "hashlib"}
    stdlib |= {"io", "json", "math", "re", "typing", "zlib"}
    assert imported <= stdlib | {"cryptography", "qrcode"}


# --- the specification's examples -----------------------------------------------------------------


def test_example_card_00_verifies(example_jws: str, trusted_examples: dict) -> None:
    result = shc.verify_health_card(example_jws, trusted_examples, now=EXAMPLE_NOW)

    assert result.valid
    assert result.reason is None
    assert result.issuer == EXAMPLE_ISSUER
    assert result.kid == "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s"
    assert result.payload == json.loads(fixture_text("example-00-c-jws-payload-minified.json"))
    assert result.fhir_bundle is not None
    assert result.fhir_bundle["entry"][0]["resource"]["name"][0]["family"] == "Anyperson"
    assert result.issued_at == datetime.fromtimestamp(1687450764.656, tz=UTC)


def test_example_card_00_without_now_checks_against_the_clock(
    example_jws: str, trusted_examples: dict
) -> None:
    # Card 00 has no exp, so it stays valid whenever the test runs.
    assert shc.verify_health_card(example_jws, trusted_examples).valid


def test_example_card_01_signed_by_the_second_key_verifies(trusted_examples: dict) -> None:
    result = shc.verify_health_card(fixture_text("example-01-d-jws.txt"), trusted_examples, now=EXAMPLE_NOW)

    assert result.valid
    assert result.kid == "EBKOr72QQDcTBUuVzAzkfBTGew0ZA16GuWty64nS-sw"


def test_example_card_03_is_judged_at_the_given_moment(trusted_examples: dict) -> None:
    card = fixture_text("example-03-d-jws.txt")

    # Valid before its exp: this also shows that a given `now` wins over the system clock (now past
    # exp).
    assert shc.verify_health_card(card, trusted_examples, now=EXAMPLE_NOW).valid
    expired = shc.verify_health_card(card, trusted_examples, now=datetime(2024, 7, 1, tzinfo=UTC))
    assert not expired.valid
    assert expired.reason == "expired"
    assert expired.payload is None


def test_example_keys_kid_is_their_rfc7638_thumbprint(example_keys: list[dict]) -> None:
    for key in example_keys:
        assert shc.jwk_thumbprint(key) == key["kid"]


def test_example_qr_numeric_value_decodes_to_exactly_the_example_jws(example_jws: str) -> None:
    numeric = fixture_text("example-00-f-qr-code-numeric-value-0.txt")

    assert shc.qr_numeric_to_jws(numeric) == example_jws
    assert shc.jws_to_qr_numeric(example_jws) == numeric


def test_example_file_round_trips(example_jws: str) -> None:
    example_file = (FIXTURES / "example-00-e-file.smart-health-card").read_bytes()

    assert shc.parse_health_card_file(example_file) == [example_jws]
    assert shc.health_card_file(example_jws) == json.loads(example_file)
    assert json.loads(shc.health_card_file_bytes([example_jws])) == json.loads(example_file)


def test_example_payload_deflated_and_signed_by_us_verifies(
    key_pair: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    minified = (FIXTURES / "example-00-c-jws-payload-minified.json").read_bytes().strip()
    payload = json.loads(minified)

    jws = shc.sign_health_card_payload(payload, key_pair[0])

    # Our minified JSON is byte-for-byte the spec's, and any raw-DEFLATE inflater reads our
    # compression.
    assert zlib.decompress(unb64(jws.split(".")[1]), wbits=-15) == minified
    result = shc.verify_health_card(jws, {EXAMPLE_ISSUER: [key_pair[1]]}, now=EXAMPLE_NOW)
    assert result.valid
    assert result.payload == payload


# --- forgeries and tampering ----------------------------------------------------------------------


@pytest.mark.parametrize("part", [0, 1, 2], ids=["header", "payload", "signature"])
def test_one_changed_character_in_any_part_is_rejected(
    example_jws: str, trusted_examples: dict, part: int
) -> None:
    parts = example_jws.split(".")
    parts[part] = change_char(parts[part], len(parts[part]) // 2)

    result = shc.verify_health_card(".".join(parts), trusted_examples, now=EXAMPLE_NOW)

    assert not result.valid
    assert result.payload is None
    if part > 0:
        assert result.reason == "bad_signature"


def test_every_single_character_change_is_rejected(example_jws: str, trusted_examples: dict) -> None:
    for index, char in enumerate(example_jws):
        if char == ".":
            continue
        tampered = change_char(example_jws, index)
        assert not shc.verify_health_card(tampered, trusted_examples, now=EXAMPLE_NOW).valid, index


def test_unused_bits_in_the_last_signature_character_are_not_ignored(
    example_jws: str, trusted_examples: dict
) -> None:
    # 64 bytes leave 2 spare bits in the last base64url character; a lax decoder maps both
    # spellings to the same signature and the "tampered" card verifies.
    last = example_jws[-1]
    sibling = B64URL_ALPHABET[B64URL_ALPHABET.index(last) ^ 1]
    assert unb64(example_jws.split(".")[2][:-1] + sibling) == unb64(example_jws.split(".")[2])

    result = shc.verify_health_card(example_jws[:-1] + sibling, trusted_examples, now=EXAMPLE_NOW)

    assert not result.valid
    assert result.reason == "malformed"


@pytest.mark.parametrize("keep_signature", [False, True], ids=["empty-signature", "kept-signature"])
def test_alg_none_forgery_is_rejected(example_jws: str, trusted_examples: dict, keep_signature: bool) -> None:
    _, payload, signature = example_jws.split(".")
    header = b64(json.dumps({"alg": "none", "zip": "DEF", "kid": "3Kfdg"}).encode())
    forged = f"{header}.{payload}.{signature if keep_signature else ''}"

    result = shc.verify_health_card(forged, trusted_examples, now=EXAMPLE_NOW)

    assert not result.valid
    assert result.reason == "unsupported_algorithm"


def test_hs256_forgery_keyed_with_the_public_key_is_rejected(
    example_jws: str, example_keys: list[dict], trusted_examples: dict
) -> None:
    key = example_keys[0]
    _, payload, _ = example_jws.split(".")
    header = b64(json.dumps({"alg": "HS256", "zip": "DEF", "kid": key["kid"]}).encode())
    secret = json.dumps(key).encode()
    mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()

    result = shc.verify_health_card(f"{header}.{payload}.{b64(mac)}", trusted_examples)

    assert not result.valid
    assert result.reason == "unsupported_algorithm"


def test_der_encoded_signature_is_rejected(example_jws: str, trusted_examples: dict) -> None:
    header, payload, signature = example_jws.split(".")
    raw = unb64(signature)
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    der = encode_dss_signature(r, s)

    result = shc.verify_health_card(f"{header}.{payload}.{b64(der)}", trusted_examples)

    assert not result.valid
    assert result.reason == "bad_signature"


def test_a_key_not_among_the_issuers_keys_is_rejected(
    key_pair: tuple[dict[str, Any], dict[str, Any]], trusted_examples: dict
) -> None:
    payload = json.loads(fixture_text("example-00-c-jws-payload-minified.json"))
    # Our key signs a card claiming to come from the example issuer.
    forged = shc.sign_health_card_payload(payload, key_pair[0])

    only_examples = shc.verify_health_card(forged, trusted_examples, now=EXAMPLE_NOW)
    assert not only_examples.valid
    assert only_examples.reason == "unknown_key"

    # Trusting our key for our own issuer must not let it speak for the example issuer.
    both = {**trusted_examples, OUR_ISSUER: [key_pair[1]]}
    cross = shc.verify_health_card(forged, both, now=EXAMPLE_NOW)
    assert not cross.valid
    assert cross.reason == "unknown_key"
    assert cross.issuer == EXAMPLE_ISSUER


def test_a_trusted_key_whose_kid_is_not_its_thumbprint_is_not_used(
    example_jws: str, example_keys: list[dict]
) -> None:
    relabelled = {**example_keys[0], "kid": "not-the-thumbprint"}

    result = shc.verify_health_card(example_jws, {EXAMPLE_ISSUER: [relabelled]})

    assert result.reason == "unknown_key"


def test_an_untrusted_issuer_is_reported_but_not_trusted(example_jws: str) -> None:
    result = shc.verify_health_card(example_jws, {OUR_ISSUER: []}, now=EXAMPLE_NOW)

    assert not result.valid
    assert result.reason == "unknown_issuer"
    assert result.issuer == EXAMPLE_ISSUER
    assert result.payload is None


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "ES256", "kid": "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s"},
        {"alg": "ES256", "zip": "DEF"},
        {"alg": "ES256", "zip": "DEF", "kid": "x", "crit": ["b64"], "b64": False},
    ],
    ids=["no-zip", "no-kid", "crit"],
)
def test_headers_outside_the_profile_are_malformed(
    example_jws: str, trusted_examples: dict, header: dict
) -> None:
    _, payload, signature = example_jws.split(".")
    token = f"{b64(json.dumps(header).encode())}.{payload}.{signature}"

    assert shc.verify_health_card(token, trusted_examples).reason == "malformed"


def test_duplicate_header_members_are_malformed(example_jws: str, trusted_examples: dict) -> None:
    _, payload, signature = example_jws.split(".")
    kid = "3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s"
    header = b'{"alg":"none","alg":"ES256","zip":"DEF","kid":"' + kid.encode() + b'"}'

    result = shc.verify_health_card(f"{b64(header)}.{payload}.{signature}", trusted_examples)

    assert result.reason == "malformed"


def test_signed_but_not_a_health_card_is_bad_payload(
    key_pair: tuple[dict[str, Any], dict[str, Any]], trusted_ours: dict
) -> None:
    header = {"alg": "ES256", "zip": "DEF", "kid": key_pair[1]["kid"]}
    payload = {"iss": OUR_ISSUER, "nbf": 1, "vc": {"type": ["https://example.org#other"]}}
    compressed = zlib.compress(json.dumps(payload).encode(), wbits=-15)

    result = shc.verify_health_card(es256_jws(key_pair[0], header, compressed), trusted_ours)

    assert result.reason == "bad_payload"


def test_a_signed_deflate_bomb_is_bounded(
    key_pair: tuple[dict[str, Any], dict[str, Any]], trusted_ours: dict
) -> None:
    header = {"alg": "ES256", "zip": "DEF", "kid": key_pair[1]["kid"]}
    bomb = zlib.compress(b'{"iss":"' + b"a" * 50_000_000 + b'"}', level=9, wbits=-15)

    result = shc.verify_health_card(es256_jws(key_pair[0], header, bomb), trusted_ours)

    assert result.reason == "bad_payload"


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        42,
        b"eyJ.eyJ.abc",
        ["a", "b", "c"],
        "",
        "..",
        "a.b",
        "a.b.c.d",
        "é.é.é",
        "eyJhbGciOiJFUzI1NiJ9.\x00.AA",
        "x" * 1_000_000,
        "shc:/5676290952432060346029243740446031222959532654603460292540772804336028702864716745",
    ],
)
def test_garbage_gives_a_result_not_an_exception(garbage: Any, trusted_examples: dict) -> None:
    result = shc.verify_health_card(garbage, trusted_examples)

    assert not result.valid
    assert result.reason is not None


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(
        st.text(),
        st.lists(st.text(alphabet=B64URL_ALPHABET, max_size=120), min_size=3, max_size=3).map(".".join),
    )
)
def test_fuzzed_input_never_raises(text: str, trusted_examples: dict) -> None:
    assert not shc.verify_health_card(text, trusted_examples).valid


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_fuzzed_payload_under_a_valid_header_never_raises(
    data: st.DataObject, example_jws: str, trusted_examples: dict
) -> None:
    header, _, signature = example_jws.split(".")
    raw = data.draw(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
    compressed = data.draw(st.sampled_from([raw, zlib.compress(raw, wbits=-15)]))

    result = shc.verify_health_card(f"{header}.{b64(compressed) or 'AA'}.{signature}", trusted_examples)

    assert not result.valid


# --- signing --------------------------------------------------------------------------------------


def test_generated_key_kid_is_the_rfc7638_thumbprint(
    key_pair: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    private_jwk, public_jwk = key_pair
    canonical = json.dumps(
        {"crv": "P-256", "kty": "EC", "x": public_jwk["x"], "y": public_jwk["y"]},
        separators=(",", ":"),
    )

    assert public_jwk["kid"] == b64(hashlib.sha256(canonical.encode()).digest())
    assert shc.jwk_thumbprint(public_jwk) == public_jwk["kid"] == private_jwk["kid"]
    assert {public_jwk[m] for m in ("use", "alg", "crv", "kty")} == {"sig", "ES256", "P-256", "EC"}
    assert "d" not in public_jwk
    assert len(unb64(private_jwk["d"])) == 32


def test_sign_then_verify_round_trips(
    our_card: str, key_pair: tuple[dict[str, Any], dict[str, Any]], trusted_ours: dict
) -> None:
    header = json.loads(unb64(our_card.split(".")[0]))
    result = shc.verify_health_card(our_card, trusted_ours, now=NOW)

    assert header == {"alg": "ES256", "zip": "DEF", "kid": key_pair[1]["kid"]}
    assert len(unb64(our_card.split(".")[2])) == 64
    assert len(our_card) <= shc.QR_MAX_JWS_CHARS
    assert result.valid
    assert result.issuer == OUR_ISSUER
    assert result.fhir_bundle == BUNDLE
    assert result.issued_at == NOW
    assert result.payload is not None
    assert result.payload["vc"]["type"] == [shc.HEALTH_CARD_TYPE]
    assert result.payload["vc"]["credentialSubject"]["fhirVersion"] == "4.0.1"


def test_a_card_signed_in_the_future_is_not_yet_valid(
    key_pair: tuple[dict[str, Any], dict[str, Any]], trusted_ours: dict
) -> None:
    card = shc.sign_health_card(BUNDLE, OUR_ISSUER, key_pair[0], NOW + timedelta(hours=1))

    early = shc.verify_health_card(card, trusted_ours, now=NOW)
    assert not early.valid
    assert early.reason == "not_yet_valid"
    assert shc.verify_health_card(card, trusted_ours, now=NOW + timedelta(hours=1)).valid
    # A phone a couple of minutes slow still accepts a card made just now.
    slow_phone = NOW + timedelta(minutes=58)
    assert shc.verify_health_card(card, trusted_ours, now=slow_phone).valid
    strict = shc.verify_health_card(card, trusted_ours, now=slow_phone, leeway=timedelta(0))
    assert strict.reason == "not_yet_valid"


def test_verification_needs_a_timezone_aware_now(our_card: str, trusted_ours: dict) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        shc.verify_health_card(our_card, trusted_ours, now=datetime(2026, 3, 1))


def test_a_card_too_large_for_one_qr_raises_card_too_large(
    key_pair: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    # Random text barely compresses, so 1,500 characters of it cannot fit in 1,195.
    noise = b64(random.Random(0).randbytes(1_200))
    bundle = {**BUNDLE, "entry": [*BUNDLE["entry"], {"resource": {"note": noise}}]}

    with pytest.raises(shc.CardTooLarge) as caught:
        shc.sign_health_card(bundle, OUR_ISSUER, key_pair[0], NOW)

    assert caught.value.length > shc.QR_MAX_JWS_CHARS
    assert caught.value.limit == 1195
    assert str(caught.value.length) in str(caught.value)


@pytest.mark.parametrize(
    "issuer",
    ["http://passport.example.org", "https://passport.example.org/", "passport.example.org", ""],
)
def test_issuer_must_be_an_https_url_without_trailing_slash(
    key_pair: tuple[dict[str, Any], dict[str, Any]], issuer: str
) -> None:
    with pytest.raises(ValueError, match="issuer"):
        shc.sign_health_card(BUNDLE, issuer, key_pair[0], NOW)


def test_issued_at_must_be_timezone_aware(key_pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        shc.sign_health_card(BUNDLE, OUR_ISSUER, key_pair[0], datetime(2026, 3, 1))


def test_only_a_fhir_bundle_is_signed(key_pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    with pytest.raises(ValueError, match="Bundle"):
        shc.sign_health_card({"resourceType": "Patient"}, OUR_ISSUER, key_pair[0], NOW)


def test_extra_types_are_added_after_the_health_card_type(
    key_pair: tuple[dict[str, Any], dict[str, Any]], trusted_ours: dict
) -> None:
    immunization = "https://smarthealth.cards#immunization"
    card = shc.sign_health_card(BUNDLE, OUR_ISSUER, key_pair[0], NOW, extra_types=[immunization])

    payload = shc.verify_health_card(card, trusted_ours, now=NOW).payload
    assert payload is not None
    assert payload["vc"]["type"] == [shc.HEALTH_CARD_TYPE, immunization]


def test_non_latin_text_is_sent_as_utf8_not_escapes(
    key_pair: tuple[dict[str, Any], dict[str, Any]], trusted_ours: dict
) -> None:
    name = "ሰላም"  # Tigrinya: three characters, nine UTF-8 bytes, eighteen as \\u escapes
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"n": name}}]}
    card = shc.sign_health_card(bundle, OUR_ISSUER, key_pair[0], NOW)

    assert name.encode() in zlib.decompress(unb64(card.split(".")[1]), wbits=-15)
    assert shc.verify_health_card(card, trusted_ours, now=NOW).fhir_bundle == bundle


# --- keys: storage, rotation, publication ---------------------------------------------------------


def test_private_key_round_trips_through_pem_and_json(
    key_pair: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    private_jwk = key_pair[0]
    pem = shc.private_jwk_to_pem(private_jwk)
    encrypted = shc.private_jwk_to_pem(private_jwk, password=b"correct horse")

    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert shc.private_jwk_from_pem(pem) == private_jwk
    assert shc.load_private_jwk(pem.decode()) == private_jwk
    assert shc.load_private_jwk(encrypted, password=b"correct horse") == private_jwk
    assert shc.load_private_jwk(json.dumps(private_jwk)) == private_jwk
    assert shc.load_private_jwk({k: v for k, v in private_jwk.items() if k != "kid"}) == private_jwk
    with pytest.raises(shc.InvalidKey):
        shc.load_private_jwk(encrypted)


def test_a_key_whose_private_value_does_not_match_is_refused(
    key_pair: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    other_private, _ = shc.generate_signing_key()
    mismatched = {**key_pair[0], "d": other_private["d"]}

    with pytest.raises(shc.InvalidKey, match="does not match"):
        shc.load_private_jwk(mismatched)
    with pytest.raises(shc.InvalidKey):
        shc.sign_health_card(BUNDLE, OUR_ISSUER, mismatched, NOW)
    with pytest.raises(shc.InvalidKey, match="thumbprint"):
        shc.load_private_jwk({**key_pair[0], "kid": "chosen-by-hand"})


@pytest.mark.parametrize(
    "data",
    [
        "not a key",
        b"\xff\xfe",
        "[1, 2]",
        '{"kty": "RSA", "n": "AQAB", "e": "AQAB"}',
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    ],
)
def test_things_that_are_not_keys_are_refused(data: str | bytes) -> None:
    with pytest.raises(shc.InvalidKey):
        shc.load_private_jwk(data)


def test_a_p384_pem_is_refused() -> None:
    pem = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )

    with pytest.raises(shc.InvalidKey, match="P-256"):
        shc.private_jwk_from_pem(pem)


def test_jwks_document_publishes_only_public_members(
    key_pair: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    previous_private, previous_public = shc.generate_signing_key()

    document = shc.jwks_document([key_pair[0], previous_public, previous_private])

    assert document == {"keys": [key_pair[1], previous_public]}
    assert all(set(key) == {"kty", "crv", "x", "y", "kid", "use", "alg"} for key in document["keys"])
    assert json.loads(json.dumps(document)) == document


def test_a_card_signed_before_rotation_verifies_against_the_published_keys(
    our_card: str, key_pair: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    _, new_public = shc.generate_signing_key()
    published = shc.jwks_document([new_public, key_pair[1]])

    assert shc.verify_health_card(our_card, {OUR_ISSUER: published["keys"]}, now=NOW).valid


# --- QR codes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "5676290952",
        "shc:/567629095",
        "shc:/5678",
        "shc:/56ab",
        "shc:/",
        "shc:/１２",
        "SHC:/5676",
        "shc:/1/3/5676290952",
    ],
    ids=["no-prefix", "odd", "pair-over-77", "letters", "empty", "fullwidth", "upper", "chunked"],
)
def test_invalid_qr_text_is_refused(text: str) -> None:
    with pytest.raises(shc.InvalidQrText):
        shc.qr_numeric_to_jws(text)


def test_deprecated_multi_part_example_is_refused() -> None:
    with pytest.raises(shc.InvalidQrText, match="multi-part"):
        shc.qr_numeric_to_jws(fixture_text("example-02-f-qr-code-numeric-value-0.txt"))


def test_characters_outside_a_jws_have_no_qr_digits() -> None:
    with pytest.raises(ValueError):
        shc.jws_to_qr_numeric("abc def")


def test_qr_uses_a_byte_and_a_numeric_segment_at_level_l(example_jws: str) -> None:
    qr = shc.health_card_qr(example_jws)

    assert qr.error_correction == ERROR_CORRECT_L
    assert [segment.mode for segment in qr.data_list] == [MODE_8BIT_BYTE, MODE_NUMBER]
    # The spec's reference image of this card is version 18 (97 modules with a 4-module border).
    assert qr.version == 18


@pytest.mark.parametrize("card", ["example", "ours"])
def test_our_qr_png_scans_back_to_exactly_the_shc_text(card: str, example_jws: str, our_card: str) -> None:
    jws = example_jws if card == "example" else our_card

    barcodes = scan_png(shc.health_card_qr_png(jws, scale=4))

    assert [b.text for b in barcodes] == [shc.jws_to_qr_numeric(jws)]
    assert barcodes[0].format == zxingcpp.BarcodeFormat.QRCode
    assert barcodes[0].ec_level == "L"
    assert shc.qr_numeric_to_jws(barcodes[0].text) == jws
    if card == "example":
        assert barcodes[0].text == fixture_text("example-00-f-qr-code-numeric-value-0.txt")


def test_the_longest_card_fits_version_22_and_scans() -> None:
    rng = random.Random(1)
    longest = ".".join("".join(rng.choices(B64URL_ALPHABET, k=n)) for n in (70, 1037, 86))
    assert len(longest) == shc.QR_MAX_JWS_CHARS

    qr = shc.health_card_qr(longest)

    assert qr.version <= 22
    barcodes = scan_png(shc.health_card_qr_png(longest, scale=3))
    assert [b.text for b in barcodes] == [shc.jws_to_qr_numeric(longest)]
    with pytest.raises(shc.CardTooLarge):
        shc.health_card_qr_svg(longest + "A")
    with pytest.raises(shc.CardTooLarge):
        shc.health_card_qr_png(longest + "A")


def test_qr_svg_is_named_for_assistive_technology(example_jws: str) -> None:
    svg = shc.health_card_qr_svg(
        example_jws,
        title="Sam's health card <QR> & more",
        description="Scan to read",
        svg_id="card-qr",
    )
    root = parse_svg(svg)

    assert root.tag == f"{SVG_NS}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "card-qr-title"
    assert root.get("aria-describedby") == "card-qr-desc"
    assert root[0].tag == f"{SVG_NS}title"
    assert root[0].text == "Sam's health card <QR> & more"
    assert root[0].get("id") == "card-qr-title"
    assert root[1].text == "Scan to read"
    assert root[1].get("id") == "card-qr-desc"


def test_qr_svg_size_is_controllable(example_jws: str) -> None:
    modules = 89 + 2 * 4  # version 18 plus the quiet zone
    fixed = parse_svg(shc.health_card_qr_svg(example_jws, scale=3))
    responsive = parse_svg(shc.health_card_qr_svg(example_jws, responsive=True))
    borderless = parse_svg(shc.health_card_qr_svg(example_jws, scale=1, border=0))

    assert (fixed.get("width"), fixed.get("height")) == (str(3 * modules),) * 2
    assert responsive.get("width") is None
    assert responsive.get("viewBox") == f"0 0 {modules} {modules}"
    assert responsive.get("role") == "img"
    assert responsive[0].tag == f"{SVG_NS}title"
    assert borderless.get("width") == "89"
    with pytest.raises(ValueError):
        shc.health_card_qr_svg(example_jws, scale=0)
    with pytest.raises(ValueError):
        shc.health_card_qr_svg(example_jws, svg_id='x" onload="alert(1)')


def test_png_size_follows_scale(example_jws: str) -> None:
    image = Image.open(io.BytesIO(shc.health_card_qr_png(example_jws, scale=2, border=4)))

    assert image.size == (2 * 97, 2 * 97)


# --- .smart-health-card files ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"{}",
        b'{"verifiableCredential": []}',
        b'{"verifiableCredential": ["a.b"]}',
        b"\xff",
        "\ud800",
    ],
)
def test_a_file_that_is_not_a_health_card_file_is_refused(data: str | bytes) -> None:
    with pytest.raises(shc.InvalidHealthCardFile):
        shc.parse_health_card_file(data)


def test_health_card_file_refuses_non_jws() -> None:
    with pytest.raises(ValueError):
        shc.health_card_file([])
    with pytest.raises(ValueError):
        shc.health_card_file("not a jws")


# --- what a verifier accepts from people ---------------------------------------------------------------


def test_the_three_part_example_reads_in_any_order_and_verifies(trusted_examples: dict) -> None:
    parts = [fixture_text(f"example-02-f-qr-code-numeric-value-{n}.txt") for n in (2, 0, 1)]
    jws = shc.jws_from_qr_texts(parts)
    assert len(jws) == 3285
    assert shc.verify_health_card(jws, trusted_examples, now=EXAMPLE_NOW).valid


def test_a_missing_or_repeated_part_is_refused() -> None:
    parts = [fixture_text(f"example-02-f-qr-code-numeric-value-{n}.txt") for n in (0, 1)]
    with pytest.raises(shc.InvalidQrText, match="part 3 of 3 is missing"):
        shc.jws_from_qr_texts(parts)
    with pytest.raises(shc.InvalidQrText, match="twice"):
        shc.jws_from_qr_texts([parts[0], parts[0], parts[1]])


def test_the_prefix_is_read_in_any_case(example_jws: str) -> None:
    numeric = fixture_text("example-00-f-qr-code-numeric-value-0.txt")
    assert shc.jws_from_qr_texts(["SHC:/" + numeric[5:]]) == example_jws
    assert shc.jws_from_qr_texts(["", "  Shc:/" + numeric[5:] + "\n"]) == example_jws
