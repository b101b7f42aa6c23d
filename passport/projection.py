"""PassportView: one passport as one viewer may see it, on one day.

Every output (page, PDF, share page, QR card, FHIR, data export) renders from a PassportView, never from the
models, so a section the policy hides is absent from every format at once. Sections the viewer may not see
are None here: a template cannot show what it never receives.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from passport import clock, policy
from passport.models import Passport, User
from passport.policy import Section


@dataclass(frozen=True)
class NhsNumberEntry:
    number: str
    reason: str | None
    current: bool


@dataclass(frozen=True)
class AboutMe:
    legal_name: str
    preferred_name: str | None
    pronouns: str | None
    date_of_birth: date
    age: int
    nhs_number: str | None
    nhs_number_history: tuple[NhsNumberEntry, ...]
    languages: str | None
    interpreter_needed: bool
    communication_needs: str | None


@dataclass(frozen=True)
class Ownership:
    """Who owns the passport today, and what changes at 18."""

    claimed: bool
    age: int
    is_adult: bool
    sixteenth_birthday: date
    eighteenth_birthday: date
    handover_notice_due: bool
    nurse_access_after_18: bool
    adviser_access_after_18: bool


@dataclass(frozen=True)
class PassportView:
    passport_id: uuid.UUID
    name: str
    sections: frozenset[Section]
    ownership: Ownership
    about_me: AboutMe | None

    def shows(self, section: Section) -> bool:
        return section in self.sections


def build_view(viewer: User, passport: Passport, today: date | None = None) -> PassportView:
    today = today or clock.today()
    sections = policy.visible_sections(viewer, passport, today)
    age = clock.age_on(passport.date_of_birth, today)
    ownership = Ownership(
        claimed=passport.young_person_id is not None,
        age=age,
        is_adult=age >= policy.ADULT_AGE,
        sixteenth_birthday=clock.birthday(passport.date_of_birth, policy.INVITE_MIN_AGE),
        eighteenth_birthday=clock.birthday(passport.date_of_birth, policy.ADULT_AGE),
        handover_notice_due=policy.handover_notice_due(passport, today),
        nurse_access_after_18=passport.nurse_access_after_18,
        adviser_access_after_18=passport.adviser_access_after_18,
    )
    about_me = None
    if Section.ABOUT_ME in sections:
        about_me = AboutMe(
            legal_name=passport.legal_name,
            preferred_name=passport.preferred_name,
            pronouns=passport.pronouns,
            date_of_birth=passport.date_of_birth,
            age=age,
            nhs_number=passport.current_nhs_number,
            nhs_number_history=tuple(
                NhsNumberEntry(r.number, r.reason, r.superseded_at is None) for r in passport.nhs_numbers
            ),
            languages=passport.languages,
            interpreter_needed=passport.interpreter_needed,
            communication_needs=passport.communication_needs,
        )
    return PassportView(
        passport_id=passport.id,
        name=passport.name_to_use,
        sections=sections,
        ownership=ownership,
        about_me=about_me,
    )
