"""The listed health conditions, allergies and medicines: every code has its published source."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from passport import clinical_terms
from tests.unit.test_schedule_engine import snomed_concept_id_is_well_formed

DATA = Path(clinical_terms.__file__).resolve().parent / "data" / "clinical_terms.yaml"


@pytest.fixture(autouse=True)
def app_context():
    """Pure data: no app or database needed."""
    yield


def test_every_code_names_a_known_published_source_and_is_well_formed():
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    for term in raw["terms"]:
        if term.get("code") is None:
            assert term.get("note"), term["id"]
            continue
        assert term["source"] in raw["sources"], term["id"]
        assert raw["sources"][term["source"]]["url"].startswith("https://"), term["id"]
        assert term["display"], term["id"]
        assert snomed_concept_id_is_well_formed(term["code"]), term["id"]


def test_the_list_covers_what_looked_after_young_people_commonly_have():
    """[issue #17 item 4] asthma, eczema, ADHD, epilepsy, diabetes, common drug and food allergies; inhalers,
    methylphenidate, emollients."""
    names = {kind: {t.name.casefold() for t in clinical_terms.terms(kind)} for kind in clinical_terms.KINDS}
    for expected in (
        "asthma",
        "eczema (atopic dermatitis)",
        "epilepsy",
        "type 1 diabetes",
        "type 2 diabetes",
    ):
        assert expected in names["condition"]
    assert any("adhd" in name for name in names["condition"])
    for expected in ("penicillin", "amoxicillin", "peanuts", "eggs", "cow's milk"):
        assert expected in names["allergy"]
    assert any("inhaler" in name for name in names["medication"])
    assert "methylphenidate" in names["medication"]
    assert any("emollient" in name for name in names["medication"])
    coded = [t for kind in ("condition", "allergy") for t in clinical_terms.terms(kind) if t.code]
    assert len(coded) >= 25


@pytest.mark.parametrize(
    ("kind", "text", "code"),
    [
        ("condition", "Asthma", "195967001"),
        ("condition", "  asthma ", "195967001"),
        ("allergy", "PEANUTS", "91935009"),
        ("allergy", "peanut butter", None),
        ("medication", "Methylphenidate", None),
        ("condition", "", None),
    ],
)
def test_matching_is_by_the_listed_name_only(kind, text, code):
    term = clinical_terms.match(kind, text)
    assert (term.code if term else None) == code
