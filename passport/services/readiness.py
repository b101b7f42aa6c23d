"""Ready to leave care? One function answers it from the passport's own data, for every list that shows it.

Each gap is named in plain words. The order of GAPS is the order they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from passport import clock, policy
from passport.immunisations import report_for
from passport.models import ContactRole, Passport, RegistrationService
from passport.services import leaving_pack


@dataclass(frozen=True)
class Gap:
    id: str
    words: object  # a lazy, translatable sentence


GAPS = {
    "not_claimed": _l("Has not set up their passport account"),
    "no_gp": _l("Not registered with a GP"),
    "no_nhs_number": _l("No NHS number recorded"),
    "no_dentist": _l("Not registered with a dentist"),
    "vaccines_not_checked": _l("Vaccine records not checked"),
    "vaccines_not_reviewed": _l("Catch-up vaccines not talked through"),
    "no_personal_adviser": _l("No personal adviser in their contacts"),
    "no_emergency_contact": _l("No emergency contact"),
    "leaving_pack_not_given": _l("Leaving pack not handed over"),
}


@dataclass(frozen=True)
class Readiness:
    gaps: tuple[Gap, ...]
    days_left: int  # to the 18th birthday or the planned leaving date, whichever is sooner
    leaving_on: date

    @property
    def ready(self) -> bool:
        return not self.gaps


def _live(rows):
    return [r for r in rows if r.archived_at is None]


def readiness(passport: Passport, today: date, doses=None) -> Readiness:
    """What stands between this young person and leaving care well. Needs the passport's registrations,
    NHS numbers, immunisations, contacts and leaving pack loaded (callers eager-load them). A list that
    shows many young people passes their live `doses` as plain rows instead (services/caseload.py): about
    30 each, they were most of the time of a caseload page as ORM objects."""
    found: list[str] = []
    age = clock.age_on(passport.date_of_birth, today)
    if age >= policy.INVITE_MIN_AGE and passport.young_person_id is None:
        found.append("not_claimed")
    services = {r.service for r in _live(passport.registrations) if r.ended_on is None}
    if RegistrationService.GP not in services:
        found.append("no_gp")
    if passport.current_nhs_number is None:
        found.append("no_nhs_number")
    if RegistrationService.DENTIST not in services:
        found.append("no_dentist")
    records = passport.immunisation_records or "not_checked"
    if records == "not_checked":
        found.append("vaccines_not_checked")
    else:
        report = report_for(
            passport.date_of_birth,
            _live(passport.immunisations) if doses is None else doses,
            today,
            passport.sex_registered_at_birth,
            records,
        )
        reviewed = "immunisations_reviewed" in (
            (passport.leaving_pack.ticked or {}) if passport.leaving_pack else {}
        )
        if report.to_catch_up and not reviewed:
            found.append("vaccines_not_reviewed")
    contact_roles = {c.role for c in _live(passport.contacts) if c.is_current(today)}
    if age >= policy.INVITE_MIN_AGE and ContactRole.PERSONAL_ADVISER not in contact_roles:
        found.append("no_personal_adviser")
    if ContactRole.EMERGENCY_CONTACT not in contact_roles:
        found.append("no_emergency_contact")
    pack = passport.leaving_pack
    if leaving_pack.is_due(passport, today) and not (pack and pack.handed_over_on):
        found.append("leaving_pack_not_given")
    leaving_on = leaving_pack.due_date(passport)
    return Readiness(
        gaps=tuple(Gap(gap_id, GAPS[gap_id]) for gap_id in GAPS if gap_id in found),
        days_left=(leaving_on - today).days,
        leaving_on=leaving_on,
    )
