"""The short list of health conditions, allergies and medicines offered on the add forms, with their codes.

A pure module (standard library and PyYAML): the data is ``passport/data/clinical_terms.yaml``, where each
code has the published source it was read in. An item whose text is one of these terms (its English name,
which the forms store whatever language the person chose it in) is coded in FHIR and the signed card; any
other text is sent as text only. Nothing here guesses: a term with no sourced code has ``code`` None.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

KINDS = ("condition", "allergy", "medication")
SNOMED = "http://snomed.info/sct"


@dataclass(frozen=True, slots=True)
class Term:
    id: str
    kind: str
    name: str  # plain English, a msgid: what the passport keeps as the item's text
    code: str | None
    display: str | None
    source_title: str | None
    category: str | None = None  # allergies: FHIR AllergyIntolerance.category
    system: str = SNOMED


_DATA = Path(__file__).resolve().parent / "data" / "clinical_terms.yaml"


@functools.cache
def _load() -> tuple[Term, ...]:
    raw = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    sources = raw["sources"]
    terms = []
    seen: set[str] = set()
    for item in raw["terms"]:
        if item["id"] in seen or item["kind"] not in KINDS:
            raise ValueError(f"clinical_terms: bad or repeated term {item['id']!r}")
        seen.add(item["id"])
        code = item.get("code")
        if code is not None and item.get("source") not in sources:
            raise ValueError(f"clinical_terms[{item['id']}]: a code needs a known source")
        if code is None and not item.get("note"):
            raise ValueError(f"clinical_terms[{item['id']}]: an uncoded term says why in a note")
        terms.append(
            Term(
                id=item["id"],
                kind=item["kind"],
                name=item["name"],
                code=str(code) if code is not None else None,
                display=item.get("display"),
                source_title=sources[item["source"]]["title"] if code is not None else None,
                category=item.get("category"),
            )
        )
    return tuple(terms)


def terms(kind: str) -> tuple[Term, ...]:
    """The terms of one kind, in the order the form offers them."""
    return tuple(term for term in _load() if term.kind == kind)


@functools.cache
def _by_name() -> dict[tuple[str, str], Term]:
    return {(term.kind, term.name.casefold()): term for term in _load()}


def match(kind: str, text: str | None) -> Term | None:
    """The term whose English name this text is (ignoring case and outer spaces), or None."""
    if not text:
        return None
    return _by_name().get((kind, text.strip().casefold()))


def translatable_strings() -> tuple[str, ...]:
    return tuple(term.name for term in _load())
