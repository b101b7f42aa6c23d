"""The FHIR export: an IPS-shaped document Bundle built from the PassportView, checked with fhir.resources.

fhir.resources 8 ships R4B (not R4) models; for every resource this Bundle uses (Composition, Patient,
Organization, Immunization, AllergyIntolerance, Condition, MedicationStatement, RelatedPerson, CareTeam)
R4B is the same as R4, so parsing with R4B checks the R4 shape: element names, types, cardinalities and
no unknown elements. It does not check code values or FHIRPath invariants, so the tests below assert the
codes that matter themselves.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from xml.etree import ElementTree

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from passport import clock, schedule
from passport.exports import fhir
from passport.extensions import db
from passport.models import BirthHistory, NhsNumberRecord, Sensitivity
from passport.policy import Output, Section, Selection
from passport.projection import build_view
from tests import factories

PRODUCED_AT = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
SYSTEM_BASE = "https://passport.example.org/fhir/Id"
MENTAL_HEALTH_MARKER = "MARKER-LOW-MOOD-4K9"
BIRTH_MARKERS = {
    "place_of_birth": "MARKER-BIRTHPLACE-4K9",
    "neonatal_care": "MARKER-NEONATAL-4K9",
    "family_health_history": "MARKER-FAMILY-4K9",
}


def bundle_for(viewer, passport, *, selection: Selection | None = None) -> dict:
    view = build_view(viewer, passport, clock.today(), output=Output.FHIR, selection=selection)
    return fhir.build_bundle(
        view,
        produced_at=PRODUCED_AT,
        organisation_name="Northbridge Test Health",
        identifier_system_base=SYSTEM_BASE,
    )


def validate(bundle: dict) -> Bundle:
    """Every entry parses as its own R4B resource, and the Bundle parses as a whole."""
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return Bundle.model_validate(bundle)


def resources(bundle: dict, resource_type: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type]


def one(bundle: dict, resource_type: str) -> dict:
    found = resources(bundle, resource_type)
    assert len(found) == 1, f"{len(found)} {resource_type}"
    return found[0]


def sections(bundle: dict) -> dict[str, dict]:
    """The Composition's sections by LOINC code (or by title when they have none)."""
    composition = bundle["entry"][0]["resource"]
    out = {}
    for section in composition["section"]:
        codings = section["code"].get("coding") or []
        out[codings[0]["code"] if codings else section["title"]] = section
    return out


def entries_of(bundle: dict, section: dict) -> list[dict]:
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    return [by_url[ref["reference"]] for ref in section.get("entry", [])]


def codes(concept: dict) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in concept.get("coding", [])}


def add_gp(world, **values):
    return factories.create_item(
        "registration",
        passport=world.passport,
        by=world.nurse,
        service="gp",
        name="Riverside Medical Centre",
        ods_code="K81003",
        phone="0300 000 0100",
        **values,
    )


def add_mmr(world, *, by, dose_number=1, **values):
    return factories.create_item(
        "immunisation",
        passport=world.passport,
        by=by,
        vaccine_id="mmr",
        given_on=world.passport.date_of_birth + timedelta(days=400 * dose_number),
        dose_number=dose_number,
        **values,
    )


def add_low_mood(world):
    return factories.create_item(
        "condition",
        passport=world.passport,
        by=world.nurse,
        name=MENTAL_HEALTH_MARKER,
        sensitivity="mental_health",
    )


@pytest.fixture
def full_passport(world):
    """The world's passport with something in every section."""
    passport = world.passport
    passport.preferred_name = "Robbie"
    passport.languages = "Dari, English"
    passport.interpreter_needed = True
    db.session.commit()
    add_gp(world, address="1 River Road, Northbridge", postcode="NB1 2AB")
    factories.create_item(
        "registration", passport=passport, by=world.nurse, service="dentist", name="Smile Dental"
    )
    add_mmr(world, by=world.young_person, where_given="abroad", batch="LOT-A1")
    add_mmr(world, by=world.nurse, dose_number=2, where_given="uk_gp", batch="LOT-B2")
    factories.create_item(
        "allergy", passport=passport, by=world.young_person, substance="Peanuts", severity="severe"
    )
    factories.create_item(
        "medication",
        passport=passport,
        by=world.nurse,
        name="Salbutamol inhaler",
        dose="2 puffs",
        how_often="when needed",
        started_on=date(2024, 1, 10),
    )
    factories.create_item(
        "medication",
        passport=passport,
        by=world.young_person,
        name="Amoxicillin",
        started_on=date(2025, 1, 1),
        stopped_on=date(2025, 1, 8),
    )
    factories.create_item(
        "condition", passport=passport, by=world.nurse, name="Asthma", since=date(2015, 6, 1)
    )
    today = clock.today()
    factories.create_item(
        "contact",
        passport=passport,
        by=world.nurse,
        role="personal_adviser",
        name="Sam Adviser",
        organisation="Northbridge Leaving Care Team",
        phone="0300 000 0001",
        email="sam.adviser@example.org",
        from_on=today - timedelta(days=30),
    )
    factories.create_item(
        "contact",
        passport=passport,
        by=world.nurse,
        role="social_worker",
        name="Former Worker",
        phone="0300 000 0002",
        until_on=today - timedelta(days=1),
    )
    return passport


class TestShape:
    def test_every_entry_parses_as_r4_and_the_composition_comes_first(self, world, full_passport):
        bundle = bundle_for(world.young_person, full_passport)

        parsed = validate(bundle)

        assert parsed.type == "document"
        assert bundle["timestamp"] == "2026-03-02T10:30:00+00:00"
        assert bundle["identifier"]["system"] == f"{SYSTEM_BASE}/document"
        composition = bundle["entry"][0]["resource"]
        assert composition["resourceType"] == "Composition"
        assert composition["status"] == "final"
        assert codes(composition["type"]) == {("http://loinc.org", "60591-5")}
        assert composition["date"] == bundle["timestamp"]
        assert composition["title"]
        author = entries_by_url(bundle)[composition["author"][0]["reference"]]
        assert author["resourceType"] == "Organization" and author["name"] == "Northbridge Test Health"
        assert entries_by_url(bundle)[composition["subject"]["reference"]]["resourceType"] == "Patient"

    def test_every_full_url_is_a_unique_uuid_urn_and_every_reference_resolves(self, world, full_passport):
        bundle = bundle_for(world.young_person, full_passport)

        urls = [e["fullUrl"] for e in bundle["entry"]]
        assert len(urls) == len(set(urls))
        assert all(url.startswith("urn:uuid:") and len(url) == len("urn:uuid:") + 36 for url in urls)
        references = list(all_references(bundle))
        assert references
        assert set(references) <= set(urls)
        # Everything in the document can be reached from the Composition (no orphan entries).
        assert reachable(bundle) == set(urls)

    def test_every_resource_has_an_id_matching_its_full_url(self, world, full_passport):
        bundle = bundle_for(world.young_person, full_passport)

        for entry in bundle["entry"]:
            resource = entry["resource"]
            assert list(resource)[:2] == ["resourceType", "id"]
            assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"

    def test_sections_carry_the_ips_codes(self, world, full_passport):
        bundle = bundle_for(world.young_person, full_passport)

        found = sections(bundle)

        assert {"10160-0", "48765-2", "11450-4", "11369-6"} <= set(found)
        assert [r["resourceType"] for r in entries_of(bundle, found["10160-0"])] == [
            "MedicationStatement"
        ] * 2
        assert [r["resourceType"] for r in entries_of(bundle, found["48765-2"])] == ["AllergyIntolerance"] * 2
        assert {r["resourceType"] for r in entries_of(bundle, found["11450-4"])} == {"Condition"}
        assert [r["resourceType"] for r in entries_of(bundle, found["11369-6"])] == ["Immunization"] * 2
        for section in found.values():
            div = ElementTree.fromstring(section["text"]["div"])  # noqa: S314 - our own output, in a test
            assert div.tag == "{http://www.w3.org/1999/xhtml}div"

    def test_the_same_view_and_moment_give_the_same_bytes(self, world, full_passport):
        first = fhir.bundle_json(bundle_for(world.young_person, full_passport))
        second = fhir.bundle_json(bundle_for(world.young_person, full_passport))

        assert first == second
        parsed = json.loads(first.decode("utf-8"))
        assert next(iter(parsed)) == "resourceType"
        assert all(next(iter(e["resource"])) == "resourceType" for e in parsed["entry"])

    def test_bundle_json_is_utf8_and_keeps_other_scripts_readable(self, world):
        world.passport.preferred_name = "روبین"
        db.session.commit()

        data = fhir.bundle_json(bundle_for(world.young_person, world.passport))

        assert "روبین".encode() in data
        validate(json.loads(data))

    def test_a_viewer_refused_by_the_policy_gets_no_document(self, world):
        view = build_view(world.other_admin, world.passport, clock.today(), output=Output.FHIR)
        with pytest.raises(ValueError, match="shows nothing"):
            fhir.build_bundle(
                view,
                produced_at=PRODUCED_AT,
                organisation_name="Southvale Test Health",
                identifier_system_base=SYSTEM_BASE,
            )

    def test_produced_at_must_be_timezone_aware(self, world):
        view = build_view(world.young_person, world.passport, clock.today(), output=Output.FHIR)
        with pytest.raises(ValueError, match="timezone-aware"):
            fhir.build_bundle(
                view,
                produced_at=datetime(2026, 3, 2, 10, 30),  # naive on purpose
                organisation_name="Northbridge Test Health",
                identifier_system_base=SYSTEM_BASE,
            )


class TestPatient:
    def test_names_birth_date_languages_and_interpreter(self, world, full_passport):
        patient = one(bundle_for(world.young_person, full_passport), "Patient")

        assert patient["name"] == [
            {"use": "usual", "text": "Robin Fairweather"},
            {"use": "nickname", "text": "Robbie"},
        ]
        assert patient["birthDate"] == full_passport.date_of_birth.isoformat()
        assert patient["communication"] == [{"language": {"text": "Dari"}}, {"language": {"text": "English"}}]
        assert patient["extension"] == [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired",
                "valueBoolean": True,
            }
        ]

    def test_nhs_number_is_the_official_identifier_and_old_numbers_are_kept_as_old(self, world):
        old = world.passport.nhs_numbers[0]
        replaced_at = old.recorded_at + timedelta(days=10)
        old.superseded_at = replaced_at
        db.session.add(
            NhsNumberRecord(
                passport_id=world.passport.id, number="9434765919", reason="adoption", recorded_at=replaced_at
            )
        )
        db.session.commit()
        db.session.expire_all()

        bundle = bundle_for(world.young_person, world.passport)
        validate(bundle)
        identifiers = one(bundle, "Patient")["identifier"]

        nhs = [i for i in identifiers if i["system"] == "https://fhir.nhs.uk/Id/nhs-number"]
        assert nhs[0] == {
            "use": "official",
            "system": "https://fhir.nhs.uk/Id/nhs-number",
            "value": "9434765919",
        }
        assert nhs[1]["use"] == "old"
        assert nhs[1]["value"] == "9990000018"
        assert nhs[1]["period"]["end"] == replaced_at.astimezone(UTC).isoformat(timespec="seconds")
        assert len(nhs) == 2

    def test_gp_is_an_organisation_with_its_ods_code(self, world, full_passport):
        bundle = bundle_for(world.young_person, full_passport)
        patient = one(bundle, "Patient")

        gp = entries_by_url(bundle)[patient["generalPractitioner"][0]["reference"]]

        assert gp["resourceType"] == "Organization"
        assert {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "K81003"} in gp[
            "identifier"
        ]
        assert gp["name"] == "Riverside Medical Centre"
        assert gp["telecom"] == [{"system": "phone", "value": "0300 000 0100", "use": "work"}]
        assert gp["address"][0]["postalCode"] == "NB1 2AB"
        # Only the GP goes in: the dentist is not a general practitioner.
        assert "Smile Dental" not in json.dumps(bundle)

    def test_no_gp_means_no_general_practitioner(self, world):
        bundle = bundle_for(world.young_person, world.passport)

        assert "generalPractitioner" not in one(bundle, "Patient")
        assert "ods-organization-code" not in json.dumps(bundle)

    def test_without_about_me_the_patient_has_only_the_name_the_passport_goes_by(self, world):
        world.passport.preferred_name = "Robbie"
        db.session.commit()
        no_about_me = Selection(sections=frozenset({Section.IMMUNISATIONS}))

        bundle = bundle_for(world.young_person, world.passport, selection=no_about_me)
        validate(bundle)
        patient = one(bundle, "Patient")

        assert patient["name"] == [{"text": "Robbie"}]
        assert "birthDate" not in patient
        assert [i["system"] for i in patient["identifier"]] == [f"{SYSTEM_BASE}/passport"]
        assert "9990000018" not in json.dumps(bundle)


class TestImmunisations:
    def test_a_self_reported_dose_is_not_a_primary_source(self, world, full_passport):
        bundle = bundle_for(world.young_person, full_passport)

        by_lot = {i["lotNumber"]: i for i in resources(bundle, "Immunization")}

        told = by_lot["LOT-A1"]
        assert told["primarySource"] is False
        assert told["reportOrigin"]["coding"][0]["code"] == "recall"
        assert told["location"] == {"display": "In another country"}
        checked = by_lot["LOT-B2"]
        assert checked["primarySource"] is True
        assert "reportOrigin" not in checked

    def test_mmr_carries_its_snomed_procedure_code_and_the_vaccine_name(self, world, full_passport):
        bundle = bundle_for(world.young_person, full_passport)

        dose = next(i for i in resources(bundle, "Immunization") if i["lotNumber"] == "LOT-A1")

        assert dose["status"] == "completed"
        assert dose["vaccineCode"]["text"] == "MMR vaccine"
        # The vaccine product (IPS, SNOMED CT); the procedure goes in UK Core's extension.
        assert codes(dose["vaccineCode"]) == {("http://snomed.info/sct", "871831003")}
        assert dose["extension"] == [
            {
                "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-VaccinationProcedure",
                "valueCodeableConcept": {
                    "coding": [
                        {"system": "http://snomed.info/sct", "code": "38598009", "display": "MMR vaccination"}
                    ]
                },
            }
        ]
        assert dose["occurrenceDateTime"] == (full_passport.date_of_birth + timedelta(days=400)).isoformat()
        assert dose["protocolApplied"][0]["doseNumberPositiveInt"] == 1
        diseases = {code for d in dose["protocolApplied"][0]["targetDisease"] for code in codes(d)}
        assert diseases == {
            ("http://snomed.info/sct", "14189004"),
            ("http://snomed.info/sct", "36989005"),
            ("http://snomed.info/sct", "36653000"),
        }

    def test_a_per_dose_code_is_not_guessed_when_the_dose_number_is_unknown(self, world):
        factories.create_item(
            "immunisation",
            passport=world.passport,
            by=world.nurse,
            vaccine_id="mmrv",
            given_on=world.passport.date_of_birth + timedelta(days=400),
        )

        bundle = bundle_for(world.young_person, world.passport)
        validate(bundle)
        dose = one(bundle, "Immunization")

        assert dose["vaccineCode"]["text"] == "MMRV vaccine"
        assert codes(dose["vaccineCode"]) == {("http://snomed.info/sct", "871908002")}
        assert "extension" not in dose
        assert "protocolApplied" not in dose

    def test_no_brand_code_is_claimed(self, world, full_passport):
        data = json.dumps(bundle_for(world.young_person, full_passport))

        # Priorix and M-M-RVAXPRO: a dose does not record the brand, so neither is claimed.
        assert "34925111000001104" not in data
        assert "13968211000001108" not in data

    def test_every_vaccine_in_the_catalogue_goes_out_with_its_snomed_product_code(self, world):
        """[issue #17, Done when] 100 % of vaccines in FHIR carry a SNOMED CT product code."""
        born = world.passport.date_of_birth
        for offset, choice in enumerate(schedule.vaccine_choices()):
            factories.create_item(
                "immunisation",
                passport=world.passport,
                by=world.nurse,
                vaccine_id=choice.value,
                given_on=born + timedelta(days=60 + 30 * offset),
            )

        bundle = bundle_for(world.young_person, world.passport)
        validate(bundle)
        doses = resources(bundle, "Immunization")

        assert len(doses) == len(schedule.vaccine_choices())
        for dose in doses:
            products = [c for c in dose["vaccineCode"]["coding"] if c["system"] == "http://snomed.info/sct"]
            assert len(products) == 1 and products[0]["display"], dose["vaccineCode"]
            assert dose["vaccineCode"]["text"]

    def test_vaccines_hidden_from_the_viewer_leave_no_section(self, world, full_passport):
        full_passport.shared_with_adviser = ["health_summary"]
        db.session.commit()

        bundle = bundle_for(world.adviser, full_passport)
        validate(bundle)

        assert "11369-6" not in sections(bundle)
        assert resources(bundle, "Immunization") == []


class TestUkCoreAndIpsRules:
    """[issue #17] The rules of UK Core and the IPS that apply to what this document holds, checked here
    because fhir.resources checks shapes, not codes: coded vaccines, allergy statuses, section codes."""

    def test_every_vaccine_is_coded_as_a_vaccine_product_and_its_procedure_where_known(
        self, world, full_passport
    ):
        catalogue_products = {
            code.code
            for choice in schedule.vaccine_choices()
            for code in schedule.get_vaccine(choice.value).codes
            if code.kind == "product" and code.verified
        }
        for dose in resources(bundle_for(world.young_person, full_passport), "Immunization"):
            snomed = [c for c in dose["vaccineCode"]["coding"] if c["system"] == "http://snomed.info/sct"]
            assert [c["code"] for c in snomed] and {c["code"] for c in snomed} <= catalogue_products
            for extension in dose.get("extension", []):
                assert extension["url"] == fhir.UKCORE_VACCINATION_PROCEDURE
                assert extension["valueCodeableConcept"]["coding"][0]["system"] == "http://snomed.info/sct"

    def test_every_allergy_has_a_clinical_and_a_verification_status(self, world, full_passport):
        allergies = resources(bundle_for(world.young_person, full_passport), "AllergyIntolerance")
        assert len(allergies) == 2
        for allergy in allergies:
            assert codes(allergy["clinicalStatus"]) == {(fhir.ALLERGY_CLINICAL, "active")}
            assert codes(allergy["verificationStatus"]) <= {
                (fhir.ALLERGY_VERIFICATION, "confirmed"),
                (fhir.ALLERGY_VERIFICATION, "unconfirmed"),
            }
            assert allergy["verificationStatus"]["coding"]

    def test_required_ips_sections_and_their_loinc_codes(self, world, full_passport):
        found = sections(bundle_for(world.young_person, full_passport))
        assert {"10160-0", "48765-2", "11450-4"} <= set(found)  # required by the IPS
        assert "11369-6" in found  # immunisations: must support

    def test_listed_conditions_and_allergies_carry_their_snomed_codes_and_the_rest_stay_text(
        self, world, full_passport
    ):
        bundle = bundle_for(world.young_person, full_passport)

        conditions = {c["code"]["text"]: c for c in resources(bundle, "Condition")}
        assert codes(conditions["Asthma"]["code"]) == {("http://snomed.info/sct", "195967001")}
        allergies = {a["code"]["text"]: a for a in resources(bundle, "AllergyIntolerance")}
        assert codes(allergies["Peanuts"]["code"]) == {("http://snomed.info/sct", "91935009")}
        assert allergies["Peanuts"]["category"] == ["food"]
        assert codes(allergies["Penicillin"]["code"]) == {("http://snomed.info/sct", "91936005")}
        # A medicine with no sourced code is sent as text only, never with a guessed code.
        medicines = {
            m["medicationCodeableConcept"]["text"]: m for m in resources(bundle, "MedicationStatement")
        }
        assert "coding" not in medicines["Salbutamol inhaler"]["medicationCodeableConcept"]


class TestHealthSummary:
    def test_allergy_criticality_verification_and_reaction(self, world, full_passport):
        bundle = bundle_for(world.young_person, full_passport)

        allergies = {a["code"]["text"]: a for a in resources(bundle, "AllergyIntolerance")}

        checked = allergies["Penicillin"]  # the world's allergy: moderate, checked by the nurse
        assert checked["criticality"] == "low"
        assert checked["verificationStatus"]["coding"][0]["code"] == "confirmed"
        assert checked["reaction"] == [{"manifestation": [{"text": "Rash"}], "severity": "moderate"}]
        told = allergies["Peanuts"]
        assert told["criticality"] == "high"
        assert told["verificationStatus"]["coding"][0]["code"] == "unconfirmed"
        assert told["asserter"]["reference"] == patient_url(bundle)
        assert "reaction" not in told

    @pytest.mark.parametrize(
        ("severity", "criticality"),
        [("mild", "low"), ("moderate", "low"), ("severe", "high"), ("unknown", "unable-to-assess")],
    )
    def test_criticality_follows_severity(self, world, severity, criticality):
        world.allergy.severity = severity
        db.session.commit()

        allergy = one(bundle_for(world.young_person, world.passport), "AllergyIntolerance")

        assert allergy["criticality"] == criticality

    def test_conditions(self, world, full_passport):
        bundle = bundle_for(world.young_person, full_passport)

        conditions = {c["code"]["text"]: c for c in resources(bundle, "Condition")}

        asthma = conditions["Asthma"]
        assert asthma["onsetDateTime"] == "2015-06-01"
        assert asthma["verificationStatus"]["coding"][0]["code"] == "confirmed"
        assert asthma["clinicalStatus"]["coding"][0]["code"] == "active"
        hay_fever = conditions["Hay fever"]  # the world's self-reported condition
        assert hay_fever["verificationStatus"]["coding"][0]["code"] == "unconfirmed"
        assert "onsetDateTime" not in hay_fever

    def test_medications(self, world, full_passport):
        bundle = bundle_for(world.young_person, full_passport)

        medicines = {
            m["medicationCodeableConcept"]["text"]: m for m in resources(bundle, "MedicationStatement")
        }

        inhaler = medicines["Salbutamol inhaler"]
        assert inhaler["status"] == "active"
        assert inhaler["dosage"] == [{"text": "2 puffs, when needed"}]
        assert inhaler["effectivePeriod"] == {"start": "2024-01-10"}
        course = medicines["Amoxicillin"]
        assert course["status"] == "completed"
        assert course["effectivePeriod"] == {"start": "2025-01-01", "end": "2025-01-08"}
        assert course["informationSource"]["reference"] == patient_url(bundle)

    def test_an_empty_health_summary_uses_the_ips_no_information_entries(self, world):
        world.allergy.archived_at = clock.now()
        world.own_condition.archived_at = clock.now()
        db.session.commit()

        bundle = bundle_for(world.young_person, world.passport)
        validate(bundle)
        found = sections(bundle)

        absent = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips"
        (problem,) = entries_of(bundle, found["11450-4"])
        assert problem["resourceType"] == "Condition"
        assert codes(problem["code"]) == {(absent, "no-problem-info")}
        (allergy,) = entries_of(bundle, found["48765-2"])
        assert codes(allergy["code"]) == {(absent, "no-allergy-info")}
        (medicine,) = entries_of(bundle, found["10160-0"])
        assert codes(medicine["medicationCodeableConcept"]) == {(absent, "no-medication-info")}
        for section in (found["11450-4"], found["48765-2"], found["10160-0"]):
            assert "emptyReason" not in section


class TestWhatTheViewerMayNotSee:
    def test_the_adviser_with_nothing_shared_gets_no_health_data(self, world, full_passport):
        add_low_mood(world)

        bundle = bundle_for(world.adviser, full_passport)
        validate(bundle)
        data = json.dumps(bundle)

        for resource_type in ("Condition", "AllergyIntolerance", "MedicationStatement", "Immunization"):
            assert resources(bundle, resource_type) == []
        for marker in (MENTAL_HEALTH_MARKER, "Asthma", "Peanuts", "Penicillin", "Salbutamol", "LOT-A1"):
            assert marker not in data
        found = sections(bundle)
        # The three sections IPS requires are there, saying only that they were withheld.
        for code in ("10160-0", "48765-2", "11450-4"):
            assert "entry" not in found[code]
            assert found[code]["emptyReason"]["coding"][0]["code"] == "withheld"
        assert "11369-6" not in found
        # What the adviser does see is still there: who the young person is, their GP and contacts.
        assert one(bundle, "Patient")["identifier"][0]["value"] == "9990000018"
        assert "K81003" in data
        assert "Sam Adviser" in data

    def test_a_mental_health_condition_not_shared_is_absent_even_with_the_summary_shared(
        self, world, full_passport
    ):
        add_low_mood(world)
        full_passport.shared_with_adviser = ["health_summary"]
        db.session.commit()

        bundle = bundle_for(world.adviser, full_passport)
        validate(bundle)

        assert {c["code"]["text"] for c in resources(bundle, "Condition")} == {"Asthma", "Hay fever"}
        assert MENTAL_HEALTH_MARKER not in json.dumps(bundle)

    def test_the_young_persons_labelled_condition_goes_in_only_when_they_pick_it(self, world, full_passport):
        add_low_mood(world)
        picked = Selection(labels=frozenset({Sensitivity.MENTAL_HEALTH}))

        left_out = bundle_for(world.young_person, full_passport)
        included = bundle_for(world.young_person, full_passport, selection=picked)

        assert MENTAL_HEALTH_MARKER not in json.dumps(left_out)
        assert MENTAL_HEALTH_MARKER in {c["code"]["text"] for c in resources(included, "Condition")}

    def test_sections_the_young_person_leaves_out_are_withheld_or_absent(self, world, full_passport):
        only_vaccines = Selection(sections=frozenset({Section.ABOUT_ME, Section.IMMUNISATIONS}))

        bundle = bundle_for(world.young_person, full_passport, selection=only_vaccines)
        validate(bundle)
        found = sections(bundle)

        assert len(resources(bundle, "Immunization")) == 2
        for code in ("10160-0", "48765-2", "11450-4"):
            assert found[code]["emptyReason"]["coding"][0]["code"] == "withheld"
        for resource_type in ("Condition", "AllergyIntolerance", "MedicationStatement", "CareTeam"):
            assert resources(bundle, resource_type) == []
        assert "generalPractitioner" not in one(bundle, "Patient")
        assert "Who to contact" not in found


class TestContacts:
    def test_current_contacts_are_related_people_in_a_care_team(self, world, full_passport):
        bundle = bundle_for(world.young_person, full_passport)
        by_url = entries_by_url(bundle)

        team = one(bundle, "CareTeam")
        (participant,) = team["participant"]
        person = by_url[participant["member"]["reference"]]

        assert person["resourceType"] == "RelatedPerson"
        assert person["name"] == [{"text": "Sam Adviser"}]
        assert person["telecom"] == [
            {"system": "phone", "value": "0300 000 0001"},
            {"system": "email", "value": "sam.adviser@example.org"},
        ]
        assert person["relationship"] == [{"text": "Personal adviser"}]
        assert participant["role"] == [{"text": "Personal adviser"}]
        assert by_url[participant["onBehalfOf"]["reference"]]["name"] == "Northbridge Leaving Care Team"
        # A contact whose dates have passed is not someone to call now.
        assert "Former Worker" not in json.dumps(bundle)


BIRTH = Selection(birth_history=True)


class TestBirthHistory:
    @pytest.fixture
    def birth_record(self, world):
        record = BirthHistory(
            passport_id=world.passport.id,
            birth_weight_grams=2963,
            gestation_weeks=38,
            delivery="caesarean",
            updated_by_id=world.nurse.id,
            **BIRTH_MARKERS,
        )
        db.session.add(record)
        db.session.commit()
        return record

    def choose(self, passport, *, opened=True, in_pdf=True):
        passport.birth_history_opened_at = clock.now() if opened else None
        passport.birth_history_in_pdf = in_pdf
        db.session.commit()

    def test_with_consent_for_fhir_and_the_young_persons_choice_it_is_included(self, world, birth_record):
        factories.create_consent(passport=world.passport, by=world.nurse, fhir=True)
        self.choose(world.passport)

        bundle = bundle_for(world.young_person, world.passport, selection=BIRTH)
        validate(bundle)
        found = sections(bundle)

        birth = found["Birth history"]["text"]["div"]
        assert "MARKER-BIRTHPLACE-4K9" in birth
        assert "MARKER-NEONATAL-4K9" in birth
        assert "2,963 grams" in birth
        assert "Caesarean section" in birth
        family = found["10157-6"]["text"]["div"]
        assert "MARKER-FAMILY-4K9" in family

    def test_only_the_parts_the_consent_covers(self, world, birth_record):
        factories.create_consent(
            passport=world.passport, by=world.nurse, fhir=True, covers=("family_health",)
        )
        self.choose(world.passport)

        data = json.dumps(bundle_for(world.young_person, world.passport, selection=BIRTH))

        assert "MARKER-FAMILY-4K9" in data
        assert "MARKER-BIRTHPLACE-4K9" not in data
        assert "2,963" not in data

    @pytest.mark.parametrize(
        ("consent", "opened", "in_pdf"),
        [
            (None, True, True),  # no consent the young person may see (only the world's closed one)
            ({"fhir": False, "pdf": True, "share_links": True}, True, True),  # consent not for FHIR
            ({"fhir": True}, False, True),  # the young person has not opened it
            ({"fhir": True}, True, False),  # they chose to keep it out of downloads
        ],
    )
    def test_without_consent_or_choice_nothing_about_birth_appears(
        self, world, birth_record, consent, opened, in_pdf
    ):
        if consent is not None:
            factories.create_consent(passport=world.passport, by=world.nurse, **consent)
        self.choose(world.passport, opened=opened, in_pdf=in_pdf)

        bundle = bundle_for(world.young_person, world.passport, selection=BIRTH)
        validate(bundle)

        assert_no_birth_history(bundle)

    def test_not_picked_for_this_download_it_is_left_out(self, world, birth_record):
        factories.create_consent(passport=world.passport, by=world.nurse, fhir=True)
        self.choose(world.passport)

        assert_no_birth_history(bundle_for(world.young_person, world.passport))

    def test_a_withdrawn_consent_takes_it_out(self, world, birth_record):
        consent = factories.create_consent(passport=world.passport, by=world.nurse, fhir=True)
        self.choose(world.passport)
        consent.withdrawn_on = clock.today()
        db.session.commit()

        assert_no_birth_history(bundle_for(world.young_person, world.passport, selection=BIRTH))

    @pytest.mark.parametrize("viewer", ["nurse", "adviser"])
    def test_staff_never_get_it_in_fhir(self, world, birth_record, viewer):
        factories.create_consent(passport=world.passport, by=world.nurse, fhir=True)
        self.choose(world.passport)

        assert_no_birth_history(bundle_for(getattr(world, viewer), world.passport, selection=BIRTH))


def assert_no_birth_history(bundle: dict) -> None:
    data = json.dumps(bundle)
    for marker in BIRTH_MARKERS.values():
        assert marker not in data
    assert "2,963" not in data
    assert "2963 grams" not in data  # a bare "2963" could appear by chance inside a urn:uuid
    assert "Caesarean" not in data
    assert "birth history" not in data.lower()
    assert "10157-6" not in data


# ---- helpers over the Bundle's references ---------------------------------------------------------------


def entries_by_url(bundle: dict) -> dict[str, dict]:
    return {e["fullUrl"]: e["resource"] for e in bundle["entry"]}


def patient_url(bundle: dict) -> str:
    return next(e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")


def all_references(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference":
                yield item
            else:
                yield from all_references(item)
    elif isinstance(value, list):
        for item in value:
            yield from all_references(item)


def reachable(bundle: dict) -> set[str]:
    by_url = entries_by_url(bundle)
    first = bundle["entry"][0]["fullUrl"]
    seen, todo = {first}, [first]
    while todo:
        for reference in all_references(by_url[todo.pop()]):
            if reference not in seen:
                seen.add(reference)
                todo.append(reference)
    return seen
