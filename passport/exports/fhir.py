"""A passport as a FHIR R4 document Bundle in the shape of the International Patient Summary (IPS).

`build_bundle` turns one `PassportView` (built with ``Output.FHIR``) into a Bundle of type ``document``:
a Composition first (LOINC 60591-5), then the Patient, the authoring Organization and every resource the
Composition's sections point at. `bundle_json` serialises it.

What goes in is exactly what the view holds, nothing read from the models: a section the view hides is
None there and its resources are not made here, and a labelled item the young person has not shared is
simply not in the view's lists. Birth history appears only when the view carries it (the projection has
already applied the birth parent's FHIR consent and the young person's choice).

No Flask, no database, no clock and no logging: a pure function of its arguments, so the same view and
``produced_at`` give the same bytes, and no health data can reach a log line from here.

Choices worth knowing (each explained where it is made):

* The resources follow the base R4 specification with UK Core conventions (NHS number and ODS code
  systems, the UK Core vaccination procedure extension). No ``meta.profile`` is claimed: nothing here runs
  an IPS or UK Core profile validator, and a false conformance claim is worse than none.
* Coded values use only codes from the project's sources (the vaccine catalogue and the clinical terms
  list, each code with its source recorded beside it) or from FHIR's own code systems; everything else is
  text. A code is never guessed. Every resource has an id, the UUID of its fullUrl.
* The text in resources and narratives is English whatever language the young person reads the app in:
  the document is for clinicians in England, and the codes it sits beside are displayed in English.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from passport import clinical_terms, schedule
from passport.models import BIRTH_FIELDS, AllergySeverity, BirthPart, ContactRole, Source

if TYPE_CHECKING:
    from passport.projection import (
        AboutMe,
        BirthHistoryView,
        Contacts,
        HealthSummary,
        Immunisations,
        ItemView,
        PassportView,
        Registrations,
    )

__all__ = [
    "FHIR_VERSION",
    "MEDIA_TYPE",
    "NHS_NUMBER_SYSTEM",
    "ODS_SYSTEM",
    "SECTION_ALLERGIES",
    "SECTION_IMMUNIZATIONS",
    "SECTION_MEDICATIONS",
    "SECTION_PROBLEMS",
    "build_bundle",
    "bundle_json",
]

Resource = dict[str, Any]

FHIR_VERSION = "4.0.1"
MEDIA_TYPE = "application/fhir+json"

# Systems.
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
IPS_ABSENT_UNKNOWN = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips"
LIST_EMPTY_REASON = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
IMMUNIZATION_ORIGIN = "http://terminology.hl7.org/CodeSystem/immunization-origin"
CONTACT_ROLE_V2 = "http://terminology.hl7.org/CodeSystem/v2-0131"
# Extensions.
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
INTERPRETER_REQUIRED = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
UKCORE_VACCINATION_PROCEDURE = (
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-VaccinationProcedure"
)

XHTML = "http://www.w3.org/1999/xhtml"

# The IPS Composition type and its sections (DOMAIN.md, "Interoperability").
SUMMARY_TYPE = {"system": LOINC, "code": "60591-5", "display": "Patient summary Document"}
SECTION_MEDICATIONS = {"system": LOINC, "code": "10160-0", "display": "History of Medication use Narrative"}
SECTION_ALLERGIES = {
    "system": LOINC,
    "code": "48765-2",
    "display": "Allergies and adverse reactions Document",
}
SECTION_PROBLEMS = {"system": LOINC, "code": "11450-4", "display": "Problem list - Reported"}
SECTION_IMMUNIZATIONS = {"system": LOINC, "code": "11369-6", "display": "History of Immunization Narrative"}
# In FHIR's document-section value set (the C-CDA family history section).
SECTION_FAMILY_HISTORY = {
    "system": LOINC,
    "code": "10157-6",
    "display": "History of family member diseases Narrative",
}

# ---- English words for coded values --------------------------------------------------------------------
# passport/labels.py holds the translated words for the pages; it needs Flask-Babel and follows the
# reader's language. A clinical document stays in English, so the few words it needs are here.

SOURCE_TEXT = {
    Source.NURSE_VERIFIED: "checked by a nurse",
    Source.SELF_REPORTED: "told to us by the young person",
    Source.IMPORTED: "imported from a health record",
    Source.PHOTO_CHECKED: "checked by a nurse against a photo of the young person's card",
}
SEVERITY_TEXT = {
    AllergySeverity.MILD: "mild",
    AllergySeverity.MODERATE: "moderate",
    AllergySeverity.SEVERE: "severe",
    AllergySeverity.UNKNOWN: "severity not known",
}
CONTACT_ROLE_TEXT = {
    ContactRole.PERSONAL_ADVISER: "Personal adviser",
    ContactRole.LEAVING_CARE_TEAM: "Leaving care team",
    ContactRole.SOCIAL_WORKER: "Social worker",
    ContactRole.NURSE: "Nurse",
    ContactRole.CAMHS: "Children's mental health service (CAMHS)",
    ContactRole.ADULT_MENTAL_HEALTH: "Adult mental health service",
    ContactRole.PAEDIATRICS: "Children's hospital doctor (paediatrics)",
    ContactRole.ADULT_SERVICES: "Adult health services",
    ContactRole.SEXUAL_HEALTH: "Sexual health clinic",
    ContactRole.HELPLINE: "Helpline",
    ContactRole.EMERGENCY_CONTACT: "Emergency contact",
    ContactRole.OTHER: "Other contact",
}
WHERE_GIVEN_TEXT = {
    "uk_gp": "At a GP surgery in the UK",
    "school": "At school",
    "abroad": "In another country",
}
IMMUNISATION_RECORDS_TEXT = {
    "documented": "The nurse has checked the vaccination record: complete as far as is known.",
    "none": "There is no reliable vaccination record: a full catch-up is planned.",
    "not_checked": "The vaccination record has not been checked by a nurse yet.",
}
DELIVERY_TEXT = {
    "vaginal": "Vaginal birth",
    "assisted": "Assisted birth (forceps or ventouse)",
    "caesarean": "Caesarean section",
    "not_known": "Not known",
}
BIRTH_FIELD_TEXT = {
    "place_of_birth": "Place of birth",
    "birth_weight_grams": "Birth weight",
    "gestation_weeks": "Gestation",
    "delivery": "Delivery",
    "condition_at_birth": "Condition at birth",
    "neonatal_care": "Care as a newborn",
    "feeding": "Feeding",
    "health_in_pregnancy": "Health in pregnancy",
    "substance_exposure": "Exposure to alcohol or drugs in pregnancy",
    "early_development": "Early development",
    "notes": "Notes",
    "family_health_history": "Family health history",
}
BIRTH_PART_TITLE = {
    BirthPart.BIRTH_DETAILS: "Birth history",
    BirthPart.FAMILY_HEALTH: "Family health history",
}

# Criticality is the potential for a serious reaction. The passport records how bad the reaction was;
# a severe one means a high risk next time, a mild or moderate one a low risk.
CRITICALITY = {
    AllergySeverity.SEVERE: "high",
    AllergySeverity.MODERATE: "low",
    AllergySeverity.MILD: "low",
    AllergySeverity.UNKNOWN: "unable-to-assess",
}
# Languages are typed as free text ("Dari, English"); each one becomes its own communication entry.
_LANGUAGE_SEPARATORS = re.compile(r"[,;/\n]+")


# ---- small builders ------------------------------------------------------------------------------------


def _date(value: date) -> str:
    return value.isoformat()


def _instant(value: datetime) -> str:
    # The models hand back aware UTC datetimes; a naive one can only have come from the same convention.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def _concept(text: str, *codings: Mapping[str, str]) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text}
    if codings:
        concept["coding"] = [dict(c) for c in codings]
    return concept


def _term_concept(kind: str, text: str) -> dict[str, Any]:
    """A condition, allergy or medicine: coded when its text is a listed term with a sourced code
    (passport/clinical_terms.py), otherwise the text alone."""
    term = clinical_terms.match(kind, text)
    if term is None or term.code is None:
        return _concept(text)
    return _concept(text, {"system": term.system, "code": term.code, "display": term.display or term.name})


def _coded(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _ref(full_url: str) -> dict[str, str]:
    return {"reference": full_url}


def _period(start: date | None, end: date | None) -> dict[str, str] | None:
    period = {}
    if start:
        period["start"] = _date(start)
    if end:
        period["end"] = _date(end)
    return period or None


def _narrative(*blocks: str) -> dict[str, str]:
    """A generated narrative. Every block is already escaped XHTML (see `_p` and `_list`)."""
    return {"status": "generated", "div": f'<div xmlns="{XHTML}">{"".join(blocks)}</div>'}


def _p(text: str) -> str:
    return f"<p>{html.escape(text, quote=False)}</p>"


def _list(lines: Iterable[str]) -> str:
    items = "".join(f"<li>{html.escape(line, quote=False)}</li>" for line in lines)
    return f"<ul>{items}</ul>" if items else ""


def _joined(*parts: str | None, sep: str = "; ") -> str:
    return sep.join(p for p in parts if p)


def _nurse_verified(item: ItemView) -> bool:
    return item.provenance.source == Source.NURSE_VERIFIED


def _said_by_young_person(item: ItemView) -> bool:
    return item.provenance.source == Source.SELF_REPORTED


def _source_text(item: ItemView) -> str:
    return SOURCE_TEXT.get(Source(item.provenance.source), str(item.provenance.source))


# ---- the document --------------------------------------------------------------------------------------


def with_id(resource: Resource, full_url: str) -> Resource:
    """The resource with its logical id (the UUID of its urn:uuid fullUrl) straight after resourceType.

    UK Core and IPS validators expect every resource in a document to carry an id; taking it from the
    fullUrl keeps the two in step, so a reference by either resolves to the same entry."""
    resource_id = full_url.removeprefix("urn:uuid:")
    return {"resourceType": resource["resourceType"], "id": resource_id} | {
        key: value for key, value in resource.items() if key not in ("resourceType", "id")
    }


@dataclass
class _Document:
    """Collects entries and mints their fullUrls.

    A fullUrl is a name-based UUID from the document's own namespace: the same view and moment give the
    same document (stable tests, repeatable downloads), documents made at different moments share no
    fullUrl, and no database id appears in one. Items are matched across documents by `identifier`.
    """

    namespace: uuid.UUID
    identifier_system_base: str
    entries: list[Resource] = field(default_factory=list)

    def full_url(self, key: str) -> str:
        return f"urn:uuid:{uuid.uuid5(self.namespace, key)}"

    def add(self, key: str, resource: Resource) -> str:
        full_url = self.full_url(key)
        self.entries.append({"fullUrl": full_url, "resource": with_id(resource, full_url)})
        return full_url

    def identifier(self, kind: str, value: uuid.UUID | str) -> dict[str, str]:
        return {"system": f"{self.identifier_system_base}/{kind}", "value": str(value)}


@dataclass
class _Section:
    title: str
    code: dict[str, Any]
    text: dict[str, str]
    entries: list[str] = field(default_factory=list)
    empty_reason: tuple[str, str] | None = None  # (code, display) in list-empty-reason

    def as_fhir(self) -> Resource:
        section: Resource = {"title": self.title, "code": self.code, "text": self.text}
        if self.entries:
            section["entry"] = [_ref(url) for url in self.entries]
        elif self.empty_reason:
            # cmp-2: only an empty section may say why it is empty.
            section["emptyReason"] = _coded(LIST_EMPTY_REASON, *self.empty_reason)
        return section


# A required IPS section that this viewer may not see: say it was withheld, which is true of every
# passport seen this way and so says nothing about what the passport holds.
_WITHHELD = ("withheld", "Information Withheld")
_WITHHELD_TEXT = "Not included in this summary."
_UNAVAILABLE = ("unavailable", "Unavailable")


def build_bundle(
    view: PassportView,
    *,
    produced_at: datetime,
    organisation_name: str,
    identifier_system_base: str,
) -> Resource:
    """The passport as this view shows it, as a FHIR R4 document Bundle shaped like an IPS.

    ``view`` should come from ``projection.build_view(..., output=Output.FHIR)``: that is what keeps
    birth history to what the birth parent consented to for FHIR. ``produced_at`` (timezone-aware) dates
    the document; ``organisation_name`` is the organisation issuing it (the Composition's author and
    custodian); ``identifier_system_base`` is the app's own URI under which item identifiers are minted
    (e.g. ``https://passport.example.org/fhir/Id``), so a receiver can recognise the same item in two
    documents.
    """
    if produced_at.tzinfo is None:
        raise ValueError("produced_at must be timezone-aware")
    if not view.visibility.sections:
        # A viewer the policy refuses gets a view with nothing in it: that is no document to hand out,
        # not even one holding only a name.
        raise ValueError("the view shows nothing of this passport")
    base = identifier_system_base.rstrip("/")
    if not base:
        raise ValueError("identifier_system_base must not be empty")
    produced = _instant(produced_at)
    document_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{base}/document/{view.passport_id}/{produced}")
    doc = _Document(namespace=document_id, identifier_system_base=base)

    author = doc.add("Organization/author", {"resourceType": "Organization", "name": organisation_name})
    gp = _gp_organisation(doc, view.registrations)
    patient = doc.add("Patient", _patient(doc, view, gp))

    sections: list[_Section] = [
        _medications_section(doc, view.health, patient),
        _allergies_section(doc, view.health, patient),
        _problems_section(doc, view.health, patient),
    ]
    if view.immunisations is not None:
        sections.append(_immunisations_section(doc, view.immunisations, patient))
    if view.birth_history is not None:
        sections.extend(_birth_sections(view.birth_history))
    if view.contacts is not None and view.contacts.now:
        sections.append(_contacts_section(doc, view.contacts, patient))

    composition: Resource = {
        "resourceType": "Composition",
        "language": "en-GB",
        "status": "final",
        "type": {"coding": [dict(SUMMARY_TYPE)], "text": "Patient summary"},
        "subject": _ref(patient),
        "date": produced,
        "author": [_ref(author)],
        "title": "Health passport: patient summary",
        "custodian": _ref(author),
        "section": [s.as_fhir() for s in sections],
    }
    # The Composition leads a document Bundle (bdl-11).
    composition_url = doc.full_url("Composition")
    doc.entries.insert(0, {"fullUrl": composition_url, "resource": with_id(composition, composition_url)})
    return {
        "resourceType": "Bundle",
        "identifier": doc.identifier("document", document_id),
        "type": "document",
        "timestamp": produced,
        "entry": doc.entries,
    }


def bundle_json(bundle: Mapping[str, Any]) -> bytes:
    """The Bundle as UTF-8 JSON.

    Keys stay in the order they were built, not sorted: every resource starts with ``resourceType``,
    which streaming FHIR parsers read first. The building order is fixed, so the same Bundle is always
    the same bytes.
    """
    # ensure_ascii=False keeps names in Arabic or Tigrinya readable in the file.
    return json.dumps(bundle, ensure_ascii=False, indent=2, allow_nan=False).encode("utf-8")


# ---- Patient and organisations -------------------------------------------------------------------------


def _patient(doc: _Document, view: PassportView, gp: str | None) -> Resource:
    patient: Resource = {"resourceType": "Patient"}
    about = view.about_me
    identifiers = [doc.identifier("passport", view.passport_id)]
    if about is not None:
        identifiers[:0] = _nhs_number_identifiers(about)
    patient["identifier"] = identifiers
    if about is None:
        # The viewer may not see About me: the name the passport goes by is all there is.
        patient["name"] = [{"text": view.name}]
    else:
        _about_me(patient, about)
    if gp:
        patient["generalPractitioner"] = [_ref(gp)]
    return patient


def _about_me(patient: Resource, about: AboutMe) -> None:
    # Names are kept whole, as `text`: splitting "given" from "family" guesses wrong for many of the names
    # young people arriving from Afghanistan, Eritrea or Sudan carry (patronymics, single names).
    # Legal name as "usual" and the preferred name as "nickname" follow NHS PDS.
    names = [{"use": "usual", "text": about.legal_name}]
    if about.preferred_name and about.preferred_name != about.legal_name:
        names.append({"use": "nickname", "text": about.preferred_name})
    patient["name"] = names
    patient["birthDate"] = _date(about.date_of_birth)
    languages = [part.strip() for part in _LANGUAGE_SEPARATORS.split(about.languages or "") if part.strip()]
    if languages:
        patient["communication"] = [{"language": {"text": language}} for language in languages]
    if about.interpreter_needed:
        patient["extension"] = [{"url": INTERPRETER_REQUIRED, "valueBoolean": True}]


def _nhs_number_identifiers(about: AboutMe) -> list[dict[str, Any]]:
    """The current NHS number as the official identifier, and every earlier one marked old.

    Numbers are re-issued on adoption, so a receiver matching an old record needs the old numbers too.
    The history is newest first; an old number stopped being current when the next one was recorded.
    """
    identifiers: list[dict[str, Any]] = []
    newer: datetime | None = None
    for entry in about.nhs_number_history:
        if entry.current:
            identifiers.append({"use": "official", "system": NHS_NUMBER_SYSTEM, "value": entry.number})
        else:
            period = {"start": _instant(entry.recorded_at)}
            if newer is not None and newer >= entry.recorded_at:
                period["end"] = _instant(newer)
            identifiers.append(
                {"use": "old", "system": NHS_NUMBER_SYSTEM, "value": entry.number, "period": period}
            )
        newer = entry.recorded_at
    # The current number first: the one a receiver should match on.
    identifiers.sort(key=lambda i: i["use"] != "official")
    return identifiers


def _gp_organisation(doc: _Document, registrations: Registrations | None) -> str | None:
    gp = registrations.gp if registrations is not None else None
    if gp is None:
        return None
    organisation: Resource = {"resourceType": "Organization"}
    identifiers = [doc.identifier("registration", gp.id)]
    if gp.ods_code:
        identifiers.insert(0, {"system": ODS_SYSTEM, "value": gp.ods_code})
    organisation["identifier"] = identifiers
    organisation["name"] = gp.name
    if gp.phone:
        organisation["telecom"] = [{"system": "phone", "value": gp.phone, "use": "work"}]
    if gp.address or gp.postcode:
        address: dict[str, str] = {"use": "work"}
        if gp.address:
            address["text"] = _joined(gp.address, gp.postcode, sep=", ")
        if gp.postcode:
            address["postalCode"] = gp.postcode
        organisation["address"] = [address]
    return doc.add(f"Organization/gp/{gp.id}", organisation)


# ---- health summary: medications, allergies, problems --------------------------------------------------


def _withheld(title: str, code: Mapping[str, str]) -> _Section:
    return _Section(title, {"coding": [dict(code)]}, _narrative(_p(_WITHHELD_TEXT)), empty_reason=_WITHHELD)


def _no_information_entry(doc: _Document, key: str, resource: Resource) -> str:
    """The IPS way to fill a required section with nothing in it: one resource saying there is no
    information (not that there is nothing: a young person may simply not have told us yet)."""
    return doc.add(f"{key}/no-information", resource)


def _medications_section(doc: _Document, health: HealthSummary | None, patient: str) -> _Section:
    title = "Medicines"
    if health is None:
        return _withheld(title, SECTION_MEDICATIONS)
    section = _Section(title, {"coding": [dict(SECTION_MEDICATIONS)]}, {})
    lines = []
    for item in health.medications:
        section.entries.append(
            doc.add(f"MedicationStatement/{item.id}", _medication(doc, item, health, patient))
        )
        lines.append(
            _joined(
                item.name,
                item.dose,
                item.how_often,
                f"since {_date(item.started_on)}" if item.started_on else None,
                f"stopped {_date(item.stopped_on)}" if item.stopped_on else None,
                _source_text(item),
            )
        )
    if not section.entries:
        section.entries.append(
            _no_information_entry(
                doc,
                "MedicationStatement",
                {
                    "resourceType": "MedicationStatement",
                    "status": "unknown",
                    "medicationCodeableConcept": _concept(
                        "No information about medicines",
                        {
                            "system": IPS_ABSENT_UNKNOWN,
                            "code": "no-medication-info",
                            "display": "No information about medications",
                        },
                    ),
                    "subject": _ref(patient),
                    "_effectiveDateTime": _absent("not-applicable"),
                },
            )
        )
        lines.append("No medicines recorded.")
    section.text = _narrative(_list(lines))
    return section


def _absent(reason: str) -> dict[str, Any]:
    """A primitive's extension saying why it has no value (IPS requires some elements we may not know)."""
    return {"extension": [{"url": DATA_ABSENT_REASON, "valueCode": reason}]}


def _medication(doc: _Document, item: ItemView, health: HealthSummary, patient: str) -> Resource:
    stopped = item.stopped_on is not None and item.stopped_on < health.today
    statement: Resource = {
        "resourceType": "MedicationStatement",
        "identifier": [doc.identifier("medication", item.id)],
        "status": "completed" if stopped else "active",
        "medicationCodeableConcept": _term_concept("medication", item.name),
        "subject": _ref(patient),
    }
    period = _period(item.started_on, item.stopped_on)
    if period:
        statement["effectivePeriod"] = period
    else:
        # IPS makes effective[x] mandatory; when nobody recorded a start date, say it is unknown.
        statement["_effectiveDateTime"] = _absent("unknown")
    statement["dateAsserted"] = _instant(item.provenance.recorded_at)
    if _said_by_young_person(item):
        statement["informationSource"] = _ref(patient)
    dosage = _joined(item.dose, item.how_often, sep=", ")
    if dosage:
        statement["dosage"] = [{"text": dosage}]
    return statement


def _allergies_section(doc: _Document, health: HealthSummary | None, patient: str) -> _Section:
    title = "Allergies"
    if health is None:
        return _withheld(title, SECTION_ALLERGIES)
    section = _Section(title, {"coding": [dict(SECTION_ALLERGIES)]}, {})
    lines = []
    for item in health.allergies:
        section.entries.append(doc.add(f"AllergyIntolerance/{item.id}", _allergy(doc, item, patient)))
        severity = SEVERITY_TEXT.get(AllergySeverity(item.severity or AllergySeverity.UNKNOWN))
        lines.append(_joined(item.substance, item.reaction, severity, _source_text(item)))
    if not section.entries:
        section.entries.append(
            _no_information_entry(
                doc,
                "AllergyIntolerance",
                {
                    "resourceType": "AllergyIntolerance",
                    # ait-1 asks for a clinical status whenever the record is not entered-in-error.
                    "clinicalStatus": _coded(ALLERGY_CLINICAL, "active", "Active"),
                    "code": _concept(
                        "No information about allergies",
                        {
                            "system": IPS_ABSENT_UNKNOWN,
                            "code": "no-allergy-info",
                            "display": "No information about allergies",
                        },
                    ),
                    "patient": _ref(patient),
                },
            )
        )
        lines.append("No allergies recorded.")
    section.text = _narrative(_list(lines))
    return section


def _verification(item: ItemView, system: str) -> dict[str, Any]:
    # Only a nurse's check confirms an item. What the young person told us, or what came in from another
    # record without a nurse looking at it, is unconfirmed: still shown, still worth acting on.
    if _nurse_verified(item):
        return _coded(system, "confirmed", "Confirmed")
    return _coded(system, "unconfirmed", "Unconfirmed")


def _allergy(doc: _Document, item: ItemView, patient: str) -> Resource:
    severity = AllergySeverity(item.severity or AllergySeverity.UNKNOWN)
    allergy: Resource = {
        "resourceType": "AllergyIntolerance",
        "identifier": [doc.identifier("allergy", item.id)],
        "clinicalStatus": _coded(ALLERGY_CLINICAL, "active", "Active"),
        "verificationStatus": _verification(item, ALLERGY_VERIFICATION),
        "criticality": CRITICALITY[severity],
        "code": _term_concept("allergy", item.substance),
        "patient": _ref(patient),
        "recordedDate": _instant(item.provenance.recorded_at),
    }
    term = clinical_terms.match("allergy", item.substance)
    if term is not None and term.category:
        allergy["category"] = [term.category]
    if _said_by_young_person(item):
        allergy["asserter"] = _ref(patient)
    if item.reaction:
        reaction: Resource = {"manifestation": [{"text": item.reaction}]}
        if severity is not AllergySeverity.UNKNOWN:
            # The passport's severity is how bad the reaction was: FHIR's reaction.severity says exactly that.
            reaction["severity"] = severity.value
        allergy["reaction"] = [reaction]
    return allergy


def _problems_section(doc: _Document, health: HealthSummary | None, patient: str) -> _Section:
    title = "Health conditions"
    if health is None:
        return _withheld(title, SECTION_PROBLEMS)
    section = _Section(title, {"coding": [dict(SECTION_PROBLEMS)]}, {})
    lines = []
    for item in health.conditions:
        section.entries.append(doc.add(f"Condition/{item.id}", _condition(doc, item, patient)))
        lines.append(
            _joined(
                item.name,
                f"since {_date(item.since)}" if item.since else None,
                item.notes,
                _source_text(item),
            )
        )
    if not section.entries:
        section.entries.append(
            _no_information_entry(
                doc,
                "Condition",
                {
                    "resourceType": "Condition",
                    "code": _concept(
                        "No information about health conditions",
                        {
                            "system": IPS_ABSENT_UNKNOWN,
                            "code": "no-problem-info",
                            "display": "No information about current problems",
                        },
                    ),
                    "subject": _ref(patient),
                },
            )
        )
        lines.append("No health conditions recorded.")
    section.text = _narrative(_list(lines))
    return section


def _condition(doc: _Document, item: ItemView, patient: str) -> Resource:
    condition: Resource = {
        "resourceType": "Condition",
        "identifier": [doc.identifier("condition", item.id)],
        # The passport lists conditions the young person has now; it has no "resolved" state.
        "clinicalStatus": _coded(CONDITION_CLINICAL, "active", "Active"),
        "verificationStatus": _verification(item, CONDITION_VERIFICATION),
        "category": [_coded(CONDITION_CATEGORY, "problem-list-item", "Problem List Item")],
        "code": _term_concept("condition", item.name),
        "subject": _ref(patient),
        "recordedDate": _instant(item.provenance.recorded_at),
    }
    if item.since:
        condition["onsetDateTime"] = _date(item.since)
    if _said_by_young_person(item):
        condition["asserter"] = _ref(patient)
    if item.notes:
        condition["note"] = [{"text": item.notes}]
    return condition


# ---- immunisations -------------------------------------------------------------------------------------


def _immunisations_section(doc: _Document, immunisations: Immunisations, patient: str) -> _Section:
    section = _Section("Vaccines", {"coding": [dict(SECTION_IMMUNIZATIONS)]}, {})
    lines = []
    for dose in immunisations.doses:
        resource, name = _immunization(doc, dose, patient)
        section.entries.append(doc.add(f"Immunization/{dose.id}", resource))
        lines.append(
            _joined(
                f"{name}, {_date(dose.given_on)}",
                f"dose {dose.dose_number}" if dose.dose_number else None,
                WHERE_GIVEN_TEXT.get(dose.where_given or ""),
                _source_text(dose),
            )
        )
    blocks = [
        _p(IMMUNISATION_RECORDS_TEXT.get(immunisations.records, IMMUNISATION_RECORDS_TEXT["not_checked"]))
    ]
    if lines:
        blocks.append(_list(lines))
    else:
        blocks.append(_p("No vaccines recorded."))
        # Immunizations is not a required IPS section, so an empty one just says why, with no entry.
        section.empty_reason = _UNAVAILABLE
    section.text = _narrative(*blocks)
    return section


def _immunization(doc: _Document, dose: ItemView, patient: str) -> tuple[Resource, str]:
    try:
        vaccine: schedule.Vaccine | None = schedule.get_vaccine(dose.vaccine_id)
    except KeyError:
        vaccine = None
    name = vaccine.english_label if vaccine is not None else str(dose.vaccine_id)
    # vaccineCode carries the SNOMED CT vaccine product (what was given; IPS binds vaccineCode to vaccine
    # products), the UK Core extension the vaccination procedure. Brand (dm+d AMP) codes are never sent: a
    # dose does not record which brand was given. A procedure code that is per dose (MMRV first or second) is
    # sent only when the dose number is recorded; codes the catalogue has not verified are never sent.
    product = vaccine.code("product") if vaccine is not None else None
    procedure = vaccine.code("procedure", dose.dose_number) if vaccine is not None else None
    immunization: Resource = {"resourceType": "Immunization"}
    if procedure:
        immunization["extension"] = [
            {"url": UKCORE_VACCINATION_PROCEDURE, "valueCodeableConcept": _coded_concept(procedure)}
        ]
    vaccine_code = _concept(name, *(_coding(product),) if product else ())
    immunization.update(
        {
            "identifier": [doc.identifier("immunisation", dose.id)],
            "status": "completed",
            "vaccineCode": vaccine_code,
            "patient": _ref(patient),
            "occurrenceDateTime": _date(dose.given_on),
            "recorded": _instant(dose.provenance.recorded_at),
            # Nurse-verified means a nurse saw the record it came from. Anything else is a report
            # (the young person's memory, another record), which FHIR calls a secondary source.
            "primarySource": _nurse_verified(dose),
        }
    )
    source = Source(dose.provenance.source)
    if source is Source.SELF_REPORTED:
        immunization["reportOrigin"] = _coded(IMMUNIZATION_ORIGIN, "recall", "Parent/Guardian/Patient Recall")
    elif source in (Source.IMPORTED, Source.PHOTO_CHECKED):
        immunization["reportOrigin"] = _coded(IMMUNIZATION_ORIGIN, "record", "Written Record")
    where = WHERE_GIVEN_TEXT.get(dose.where_given or "")
    if where:
        # A Location resource would need an address we do not have; the display is what is known.
        immunization["location"] = {"display": where}
    if dose.batch:
        immunization["lotNumber"] = dose.batch
    if dose.dose_number:
        # R4 makes doseNumber required in protocolApplied, so the diseases go in only with a dose number.
        protocol: Resource = {"doseNumberPositiveInt": dose.dose_number}
        diseases = schedule.target_diseases(dose.vaccine_id) if vaccine is not None else ()
        if diseases:
            protocol = {"targetDisease": [_coded_concept(code) for code in diseases]} | protocol
        immunization["protocolApplied"] = [protocol]
    return immunization, name


def _coding(code: schedule.SnomedCode) -> dict[str, str]:
    return {"system": code.system, "code": code.code, "display": code.label}


def _coded_concept(code: schedule.SnomedCode) -> dict[str, Any]:
    return {"coding": [_coding(code)]}


# ---- birth history -------------------------------------------------------------------------------------


def _birth_value(name: str, value: Any) -> str:
    if name == "birth_weight_grams":
        return f"{value:,} grams"
    if name == "gestation_weeks":
        return f"{value} weeks"
    if name == "delivery":
        return DELIVERY_TEXT.get(str(value), str(value))
    return str(value)


def _birth_sections(birth: BirthHistoryView) -> list[_Section]:
    """A text-only section for each part of the birth history this view carries and that says something.

    Text, not coded Observations: the record is the nurse's summary of a birth parent's forms, and only
    the parts a consent covers are in the view at all.
    """
    sections = []
    for part in BirthPart:
        if part not in birth.parts:
            continue
        lines = [
            f"{BIRTH_FIELD_TEXT.get(name, name)}: {_birth_value(name, birth.values[name])}"
            for name in BIRTH_FIELDS[part]
            if birth.values.get(name) not in (None, "")
        ]
        if not lines:
            continue
        title = BIRTH_PART_TITLE[part]
        # No LOINC section code for a person's own birth history is in our sources, so it is text only.
        code = (
            {"coding": [dict(SECTION_FAMILY_HISTORY)]} if part is BirthPart.FAMILY_HEALTH else {"text": title}
        )
        sections.append(_Section(title, code, _narrative(_list(lines))))
    return sections


# ---- contacts ------------------------------------------------------------------------------------------


def _contacts_section(doc: _Document, contacts: Contacts, patient: str) -> _Section:
    """Who to contact now: a RelatedPerson each (the resource that carries a person's name, telecom and
    relationship to the patient), gathered in one CareTeam with their roles and organisations."""
    participants = []
    organisations: dict[str, str] = {}
    lines = []
    for contact in contacts.now:
        role_text = CONTACT_ROLE_TEXT.get(ContactRole(contact.role), str(contact.role))
        person: Resource = {
            "resourceType": "RelatedPerson",
            "identifier": [doc.identifier("contact", contact.id)],
            "active": True,
            "patient": _ref(patient),
            "relationship": [_contact_relationship(contact, role_text)],
            "name": [{"text": contact.name}],
        }
        telecom = []
        if contact.phone:
            telecom.append({"system": "phone", "value": contact.phone})
        if contact.email:
            telecom.append({"system": "email", "value": contact.email})
        if telecom:
            person["telecom"] = telecom
        period = _period(contact.from_on, contact.until_on)
        if period:
            person["period"] = period
        member = doc.add(f"RelatedPerson/{contact.id}", person)
        participant: Resource = {"role": [{"text": role_text}], "member": _ref(member)}
        if contact.organisation:
            if contact.organisation not in organisations:
                organisations[contact.organisation] = doc.add(
                    f"Organization/contact/{contact.organisation}",
                    {"resourceType": "Organization", "name": contact.organisation},
                )
            participant["onBehalfOf"] = _ref(organisations[contact.organisation])
        if period:
            participant["period"] = period
        participants.append(participant)
        lines.append(_joined(role_text, contact.name, contact.organisation, contact.phone, contact.email))
    team = doc.add(
        "CareTeam/contacts",
        {
            "resourceType": "CareTeam",
            "status": "active",
            "name": "Who to contact",
            "subject": _ref(patient),
            "participant": participants,
        },
    )
    # Not an IPS section: no LOINC code for it is in our sources, so it is named in text.
    return _Section("Who to contact", {"text": "Who to contact"}, _narrative(_list(lines)), [team])


def _contact_relationship(contact: ItemView, role_text: str) -> dict[str, Any]:
    if ContactRole(contact.role) is ContactRole.EMERGENCY_CONTACT:
        return _concept(role_text, {"system": CONTACT_ROLE_V2, "code": "C", "display": "Emergency Contact"})
    return _concept(role_text)
