"""Signed offline health cards: the organisation's signing keys, issuing a card from the young person's
PassportView, and checking a card someone shows you.

The card is a SMART Health Card: a small FHIR Bundle (the person, their vaccines, and allergies if they
choose) signed with the organisation's ES256 key and put in one QR code. It works with no signal; anyone
can check it against the public keys at /.well-known/jwks.json.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from passport import clinical_terms, clock, policy, schedule
from passport.exports import shc
from passport.extensions import db
from passport.models import Organisation, Passport, SigningKey, User
from passport.policy import Action, Output, Section, Selection
from passport.projection import PassportView, build_view
from passport.services import ServiceError, audit, transaction


def issuer_url() -> str:
    """The card's issuer: an https URL whose /.well-known/jwks.json lists the keys (SMART Health Cards).

    Fixed by configuration (SHC_ISSUER), never taken from the request, so a card verifies whatever host
    name the verify page was opened at (production refuses to start without it: config.py)."""
    return current_app.config["SHC_ISSUER"].rstrip("/")


def active_key(organisation_id: uuid.UUID) -> SigningKey | None:
    return db.session.scalar(
        select(SigningKey)
        .where(SigningKey.organisation_id == organisation_id, SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc())
    )


def organisation_keys(organisation: Organisation) -> list[SigningKey]:
    """Every key the organisation has had, newest first (only the newest unretired one signs)."""
    return list(
        db.session.scalars(
            select(SigningKey)
            .where(SigningKey.organisation_id == organisation.id)
            .order_by(SigningKey.created_at.desc())
        )
    )


def generate_key(organisation: Organisation) -> SigningKey:
    """A new signing key; the organisation's older keys are retired (still published, no longer used)."""
    now = clock.now()
    for key in db.session.scalars(
        select(SigningKey).where(
            SigningKey.organisation_id == organisation.id, SigningKey.retired_at.is_(None)
        )
    ):
        key.retired_at = now
    private, public = shc.generate_signing_key()
    key = SigningKey(
        organisation_id=organisation.id,
        kid=public["kid"],
        public_jwk=public,
        private_jwk=json.dumps(private),
        created_at=now,
    )
    db.session.add(key)
    return key


@transaction
def new_signing_key(organisation: Organisation) -> SigningKey:
    """An operator makes the organisation's first key, or rotates it: the new key signs from now on, and the
    old ones stay published so cards already made still check out."""
    key = generate_key(organisation)
    audit.record("signing_key_created", actor=None, organisation_id=organisation.id, kid=key.kid)
    return key


def published_keys() -> list[dict]:
    """Every key, retired ones too, so cards signed before a rotation still check out."""
    return [k.public_jwk for k in db.session.scalars(select(SigningKey).order_by(SigningKey.created_at))]


def card_bundle(view: PassportView) -> dict:
    """A minimal FHIR Bundle for one QR code: the person, their vaccines and (if chosen) allergies.

    Every vaccine goes in with its SNOMED CT vaccine product code only (SMART Health Cards accept SNOMED CT;
    their data-minimisation guidance leaves out the text beside a code, and the QR has 1195 characters to
    spend). An allergy keeps its text, with its SNOMED CT code when it is a listed term
    (passport/clinical_terms.py)."""
    about = view.about_me
    entries: list[dict] = [
        {
            "fullUrl": "resource:0",
            "resource": {
                "resourceType": "Patient",
                "name": [{"text": about.legal_name}],
                "birthDate": about.date_of_birth.isoformat(),
            },
        }
    ]
    for dose in view.immunisations.doses if view.immunisations else ():
        try:
            vaccine = schedule.get_vaccine(dose.vaccine_id)
        except KeyError:
            continue
        product = vaccine.code("product")
        vaccine_code: dict = (
            {"coding": [{"system": product.system, "code": product.code}]}
            if product is not None
            else {"text": vaccine.english_label}
        )
        resource = {
            "resourceType": "Immunization",
            "status": "completed",
            "vaccineCode": vaccine_code,
            "patient": {"reference": "resource:0"},
            "occurrenceDateTime": dose.given_on.isoformat(),
        }
        if dose.provenance.source != "nurse_verified":
            resource["primarySource"] = False
        entries.append({"fullUrl": f"resource:{len(entries)}", "resource": resource})
    for allergy in view.health.allergies if view.health else ():
        code: dict = {"text": allergy.substance}
        term = clinical_terms.match("allergy", allergy.substance)
        if term is not None and term.code is not None:
            code["coding"] = [{"system": term.system, "code": term.code}]
        entries.append(
            {
                "fullUrl": f"resource:{len(entries)}",
                "resource": {
                    "resourceType": "AllergyIntolerance",
                    "patient": {"reference": "resource:0"},
                    "code": code,
                },
            }
        )
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


@dataclass(frozen=True)
class IssuedCard:
    jws: str
    qr_text: str  # shc:/ followed by digits

    @property
    def file_bytes(self) -> bytes:
        """The same card as a .smart-health-card file."""
        return shc.health_card_file_bytes(self.jws)


def sign_view(view: PassportView, organisation_id: uuid.UUID, *, max_chars: int | None) -> str | None:
    """A signed card of what this view shows (the person, their vaccines, allergies if the view has them),
    or None when the organisation has no key or the view does not name the person. ``max_chars`` None for
    a card that travels as a file only (a SMART Health Link), where one QR's limit does not apply."""
    key = active_key(organisation_id)
    if key is None or view.about_me is None:
        return None
    return shc.sign_health_card(
        card_bundle(view),
        issuer_url(),
        json.loads(key.private_jwk),
        clock.now(),
        extra_types=("https://smarthealth.cards#immunization",),
        max_chars=max_chars,
    )


@transaction
def issue(young_person: User, passport: Passport, *, include_allergies: bool) -> IssuedCard:
    today = clock.today()
    if not policy.can(young_person, Action.ACT_AS_OWNER, passport, today):
        raise ServiceError(_l("You cannot do this"))
    key = active_key(passport.organisation_id)
    if key is None:
        raise ServiceError(_l("Offline cards are not set up for your area yet. Ask your nurse"))
    sections = {Section.ABOUT_ME, Section.IMMUNISATIONS} | (
        {Section.HEALTH_SUMMARY} if include_allergies else set()
    )
    view = build_view(young_person, passport, today, Output.FHIR, Selection(sections=frozenset(sections)))
    if not (view.immunisations and view.immunisations.doses):
        # A vaccine card with no vaccines would claim something it does not hold (issue #17).
        raise ServiceError(_l("No vaccines are recorded yet, so there is nothing to put on a vaccine card"))
    bundle = card_bundle(view)
    if not include_allergies:
        bundle["entry"] = [
            e for e in bundle["entry"] if e["resource"]["resourceType"] != "AllergyIntolerance"
        ]
    try:
        jws = shc.sign_health_card(
            bundle,
            issuer_url(),
            json.loads(key.private_jwk),
            clock.now(),
            extra_types=("https://smarthealth.cards#immunization",),
        )
    except shc.CardTooLarge as error:
        raise ServiceError(
            _l("Too much to fit in one QR code. Try again without your allergies"), field="include_allergies"
        ) from error
    audit.record("health_card_issued", actor=young_person, passport=passport)
    return IssuedCard(jws, shc.jws_to_qr_numeric(jws))


@dataclass(frozen=True)
class CardCheck:
    """One credential as the verify page reports it. ``number`` counts from 1 in the order given."""

    valid: bool
    reason: str | None
    organisation: str | None
    issued_at: datetime | None
    name: str | None
    doses: int
    number: int = 1


@dataclass(frozen=True)
class CardFileCheck:
    """Everything pasted or uploaded at once: a file may hold several credentials, each checked."""

    cards: tuple[CardCheck, ...]

    @property
    def valid(self) -> bool:
        return bool(self.cards) and all(card.valid for card in self.cards)

    @property
    def failed(self) -> tuple[CardCheck, ...]:
        return tuple(card for card in self.cards if not card.valid)


def _credentials(text: str) -> list[str] | None:
    """The JWS strings in what someone pasted: a .smart-health-card file (every credential in it), the
    text of one QR code or of every part of a multi-part one (shc:/ in any letter case, one a line), or a
    bare JWS. None when it is none of those."""
    if text.startswith("{"):
        try:
            return shc.parse_health_card_file(text.encode("utf-8", "surrogatepass"))
        except (shc.InvalidHealthCardFile, ValueError):
            return None
    if text[: len(shc.QR_PREFIX)].lower() == shc.QR_PREFIX:
        try:
            return [shc.jws_from_qr_texts(text.split())]
        except shc.InvalidQrText:
            return None
    return [text]


def _check_one(jws: str, number: int, trusted: dict) -> CardCheck:
    result = shc.verify_health_card(jws, trusted, now=clock.now())
    if not result.valid:
        return CardCheck(False, str(result.reason), None, None, None, 0, number)
    key = db.session.scalar(select(SigningKey).where(SigningKey.kid == result.kid))
    bundle = result.fhir_bundle or {}
    resources = [e.get("resource", {}) for e in bundle.get("entry", []) if isinstance(e, dict)]
    patient = next((r for r in resources if r.get("resourceType") == "Patient"), {})
    names = patient.get("name") or [{}]
    return CardCheck(
        True,
        None,
        key.organisation.name if key else None,
        result.issued_at,
        names[0].get("text") if isinstance(names[0], dict) else None,
        sum(1 for r in resources if r.get("resourceType") == "Immunization"),
        number,
    )


def check(text: str) -> CardFileCheck:
    """Check a pasted QR text, a JWS, or a .smart-health-card file's contents: every credential in it,
    against this service's issuer (SHC_ISSUER) and its published keys. Never raises."""
    credentials = _credentials((text or "").strip())
    if not credentials:
        return CardFileCheck((CardCheck(False, "malformed", None, None, None, 0),))
    trusted = {issuer_url(): published_keys()}
    return CardFileCheck(tuple(_check_one(jws, n, trusted) for n, jws in enumerate(credentials, 1)))
