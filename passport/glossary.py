"""The clinical words the young person's pages keep, and where each is explained in plain words.

The young person's pages are written for a reading age of about 9, and tests/i18n/test_reading_ease.py
measures every one of them. A few words have no plainer swap that still works at a GP's desk or on a form
from the NHS: "GP", "NHS number", a vaccine's clinical name. They stay, explained in plain words on the page
where the young person meets them, and the reading-ease test counts each as one easy word.

Keep the list short. A word belongs here only when the young person needs it to talk to a clinician, and only
with the page that explains it. Any other hard word is replaced on the page, not added here.
"""

from __future__ import annotations

from dataclasses import dataclass

from passport.schedule import engine


@dataclass(frozen=True, slots=True)
class Term:
    words: str  # as the page shows it: "NHS number"
    explained_on: str  # the page that explains it (a path the young person opens)
    explanation: str  # the plain English words shown there with it (part of a translated message)


TERMS: tuple[Term, ...] = (
    Term("GP", "/my-passport/gp-and-services", "GP (family doctor)"),
    Term("NHS number", "/my-passport/about-me", "Doctors use it to find your health records"),
    Term("CAMHS", "/my-passport/contacts", "Children's mental health service (CAMHS)"),
    Term("SENCO", "/my-passport/add/contact", "Special educational needs coordinator (SENCO)"),
    Term("MMR", "/my-passport/vaccines", "measles, mumps and rubella"),
    Term("HPV", "/my-passport/vaccines", "a virus that can cause some cancers"),
    Term("MenACWY", "/my-passport/vaccines", "4 types of germ (A, C, W and Y)"),
    Term("MenC", "/my-passport/vaccines", "a cause of meningitis"),
    Term("Hib", "/my-passport/vaccines", "causes of meningitis"),
)


def vaccine_terms() -> tuple[Term, ...]:
    """Each vaccine's clinical name ("DTaP/IPV/Hib"), shown second after its plain name ("5-in-1 vaccine")
    wherever it appears (engine.Vaccine.english_label)."""
    seen: dict[str, Term] = {}
    for choice in engine.vaccine_choices():
        vaccine = engine.get_vaccine(choice.value)
        if vaccine.clinical_name and vaccine.clinical_name not in seen:
            seen[vaccine.clinical_name] = Term(vaccine.clinical_name, "/my-passport/vaccines", vaccine.name)
    return tuple(seen.values())


def all_terms() -> tuple[Term, ...]:
    return TERMS + vaccine_terms()
