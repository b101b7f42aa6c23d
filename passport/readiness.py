"""Leaving care well: the rules that say, for one passport on one day, when the next health assessment is
due, what the leaving-pack checklist shows as done, when the pack is due, and what still stands between the
young person and leaving care (readiness).

Pure rules over a passport's loaded rows: no request, no writes, no policy decisions (the projection asks
the policy who may see them). The checklist is the one source: a readiness gap that has a checklist item is
closed exactly when that item is done, so the nurse's checklist, the readiness list and the adviser's view
always agree.

Sources: review health assessments at least every 6 months under 5 and every year from 5 (statutory
guidance, ../shared/DOMAIN.md); SDQ total difficulties bands 0–13, 14–16, 17–40; the leaving pack in the 6
months before the 18th birthday (or the planned leaving date); the checklist in data/leaving_pack.yaml.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Protocol

import yaml
from flask_babel import lazy_gettext as _l

from passport import clock, policy
from passport.immunisations import report_for
from passport.models import (
    AssessmentKind,
    CareStatus,
    ContactRole,
    LeavingPack,
    Passport,
    RegistrationService,
    contact_for_emergencies,
    contact_is_current,
)


class Records(Protocol):
    """The rows of one passport that these rules read. A `Passport` is one (its own collections, loaded
    when first read). A staff list of many young people passes `ListedRecords` instead: the same columns
    as plain rows, loaded one query per kind for the whole page (projection.build_rows), because as ORM
    objects they were most of a list's time (bench/RESULTS.md)."""

    registrations: Sequence  # .service, .ended_on, .archived_at
    contacts: Sequence  # .role, .emergency_contact, .from_on, .until_on, .archived_at
    assessments: Sequence  # .kind, .assessed_on, .next_due_on, .archived_at
    sdq_scores: Sequence  # .scored_on

    @property
    def current_nhs_number(self) -> str | None: ...


@dataclass(frozen=True)
class ListedRecords:
    """`Records` as plain rows, for a list (see Records)."""

    registrations: Sequence = ()
    contacts: Sequence = ()
    assessments: Sequence = ()
    sdq_scores: Sequence = ()
    current_nhs_number: str | None = None


# ---------------------------------------------------------------------------------------------------------
# Health assessments and SDQ

SDQ_BANDS = ((0, 13, "normal"), (14, 16, "borderline"), (17, 40, "concern"))
SDQ_INFORMANTS = ("carer", "young_person", "teacher")


def sdq_band(total: int) -> str:
    for low, high, band in SDQ_BANDS:
        if low <= total <= high:
            return band
    raise ValueError(total)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


@dataclass(frozen=True)
class ReviewDue:
    due_on: date | None  # None: no assessment recorded at all
    overdue: bool
    sdq_missing: bool  # a review is due and no SDQ from the last 12 months is recorded


def review_due(passport: Passport, today: date, records: Records | None = None) -> ReviewDue | None:
    """When the next review health assessment is due, for a young person in care; None once they have left.
    `records`: the passport's own unless a list passes its plain rows."""
    if passport.care_status != CareStatus.IN_CARE:
        return None
    records = passport if records is None else records
    done = [
        a
        for a in records.assessments
        if a.archived_at is None and a.kind in (AssessmentKind.INITIAL, AssessmentKind.REVIEW)
    ]
    if not done:
        return ReviewDue(None, True, False)
    last = max(a.assessed_on for a in done)
    # Statutory: every 6 months under 5, every year from 5. A sooner "next one due" the nurse recorded at
    # the last assessment wins (the soonest, if two were recorded that day); a later one cannot put the
    # statutory review off.
    months = 6 if clock.age_on(passport.date_of_birth, last) < 5 else 12
    due_on = add_months(last, months)
    sooner = [a.next_due_on for a in done if a.assessed_on == last and a.next_due_on is not None]
    if sooner and min(sooner) < due_on:
        due_on = min(sooner)
    recent_sdq = any(s.scored_on > add_months(today, -12) for s in records.sdq_scores)
    return ReviewDue(due_on, due_on < today, due_on <= add_months(today, 1) and not recent_sdq)


# ---------------------------------------------------------------------------------------------------------
# The leaving-pack checklist

# Due in the six months before the 18th birthday, or before the planned leaving date if that is sooner.
DUE_WINDOW = timedelta(days=183)


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    text: str  # plain English msgid, translated where shown
    automatic: str | None  # done when the passport's own data shows it (see _AUTOMATIC)
    only_if: str | None
    # Done by the data, or else ticked by hand ("registered with a dentist, or knows how to find one").
    or_ticked: bool = False


@dataclass(frozen=True)
class Checklist:
    version: str
    items: tuple[ChecklistItem, ...]


def _read(name: str) -> Checklist:
    raw = yaml.safe_load(resources.files("passport").joinpath(f"data/{name}").read_text("utf-8"))
    return Checklist(
        version=str(raw["version"]),
        items=tuple(
            ChecklistItem(
                i["id"], i["text"], i.get("automatic"), i.get("only_if"), bool(i.get("or_ticked", False))
            )
            for i in raw["items"]
        ),
    )


@functools.cache
def checklist() -> Checklist:
    """The checklist in use now."""
    return _read("leaving_pack.yaml")


@functools.cache
def checklist_version(version: str | None) -> Checklist:
    """The checklist a pack used. When the checklist changes, the old one is kept as
    data/leaving_pack_versions/<version>.yaml, so a pack handed over with it still shows what was handed
    over; an unknown version (or none) is the current one."""
    current = checklist()
    if version is None or version == current.version:
        return current
    try:
        return _read(f"leaving_pack_versions/{version}.yaml")
    except FileNotFoundError:
        return current


def checklist_for(pack: LeavingPack | None) -> Checklist:
    """A pack handed over keeps the checklist it was handed over with; one still being worked through uses
    the current checklist (ticks carry over by item id)."""
    if pack is not None and pack.handed_over_on is not None:
        return checklist_version(pack.checklist_version)
    return checklist()


def _kept_versions() -> list[str]:
    folder = resources.files("passport").joinpath("data/leaving_pack_versions")
    if not folder.is_dir():
        return []
    return sorted(f.name.removesuffix(".yaml") for f in folder.iterdir() if f.name.endswith(".yaml"))


def translatable_strings() -> tuple[str, ...]:
    """The texts of the current checklist and of every kept one (a handed-over pack still shows its own)."""
    texts = [item.text for item in checklist().items]
    for version in _kept_versions():
        texts += [item.text for item in checklist_version(version).items if item.text not in texts]
    return tuple(texts)


def _has_current_registration(records: Records, service: RegistrationService) -> bool:
    return any(
        r.archived_at is None and r.service == service and r.ended_on is None for r in records.registrations
    )


def _current_contacts(records: Records, today: date) -> list:
    return [c for c in records.contacts if c.archived_at is None and contact_is_current(c, today)]


def _current_contact_roles(records: Records, today: date) -> set[str]:
    return {c.role for c in _current_contacts(records, today)}


def has_emergency_contact(records: Records, today: date) -> bool:
    """Someone to call in an emergency: a current contact marked so, or whose type is emergency contact."""
    return any(contact_for_emergencies(c) for c in _current_contacts(records, today))


# Checklist items the passport's own data answers, so nobody ticks what the record already shows.
_AUTOMATIC = {
    "passport_claimed": lambda passport, records, today: passport.young_person_id is not None,
    "gp_registered": lambda passport, records, today: _has_current_registration(
        records, RegistrationService.GP
    ),
    "dentist_registered": lambda passport, records, today: _has_current_registration(
        records, RegistrationService.DENTIST
    ),
    "nhs_number_recorded": lambda passport, records, today: records.current_nhs_number is not None,
    "emergency_contact_recorded": lambda passport, records, today: has_emergency_contact(records, today),
}
_CONDITIONS = {
    "birth_history_offered": lambda passport: bool(policy.consented_birth_parts(passport)),
}


def due_date(passport: Passport) -> date:
    """The date the pack should be handed over by: the 18th birthday, or the planned leaving date."""
    eighteenth = clock.birthday(passport.date_of_birth, policy.ADULT_AGE)
    planned = passport.planned_leaving_date
    return min(eighteenth, planned) if planned else eighteenth


def is_due(passport: Passport, today: date) -> bool:
    """Due from six months before the due date until it is handed over."""
    pack = passport.leaving_pack
    if pack is not None and pack.handed_over_on is not None:
        return False
    return today >= due_date(passport) - DUE_WINDOW


@dataclass(frozen=True)
class ChecklistLine:
    item: ChecklistItem
    done: bool
    automatic: bool  # the passport's data answers it: nobody can tick or untick it
    # Done because the record shows it (for an item the data may answer or a tick may).
    shown_by_record: bool = False


@dataclass(frozen=True)
class PackState:
    lines: tuple[ChecklistLine, ...]
    due_on: date
    due_now: bool
    handed_over_on: date | None
    handed_over_how: str | None
    handed_over_by: str | None
    receipt_confirmed: bool
    version: int

    @property
    def done_count(self) -> int:
        return sum(line.done for line in self.lines)

    @property
    def complete(self) -> bool:
        return all(line.done for line in self.lines)

    def done(self, item_id: str) -> bool | None:
        """Whether this item is done; None when the checklist does not have it."""
        return next((line.done for line in self.lines if line.item.id == item_id), None)


def pack_state(passport: Passport, today: date, records: Records | None = None) -> PackState:
    """The leaving-pack checklist as it stands today. `records`: the passport's own unless a list passes
    its plain rows."""
    records = passport if records is None else records
    pack = passport.leaving_pack
    ticked = (pack.ticked or {}) if pack else {}
    lines = []
    for item in checklist_for(pack).items:
        # A kept older checklist may name a rule the code no longer has: show the item, ticked by hand.
        condition = _CONDITIONS.get(item.only_if) if item.only_if else None
        if condition is not None and not condition(passport):
            continue
        automatic = _AUTOMATIC.get(item.automatic) if item.automatic else None
        if automatic is None:
            lines.append(ChecklistLine(item, item.id in ticked, False))
            continue
        shown = bool(automatic(passport, records, today))
        if item.or_ticked:
            lines.append(ChecklistLine(item, shown or item.id in ticked, shown, shown_by_record=shown))
        else:
            lines.append(ChecklistLine(item, shown, True, shown_by_record=shown))
    return PackState(
        lines=tuple(lines),
        due_on=due_date(passport),
        due_now=is_due(passport, today),
        handed_over_on=pack.handed_over_on if pack else None,
        handed_over_how=pack.handed_over_how if pack else None,
        handed_over_by=pack.handed_over_by.display_name if pack and pack.handed_over_by else None,
        receipt_confirmed=bool(pack and pack.receipt_confirmed_at),
        version=pack.version if pack else 0,
    )


def tickable_item_ids() -> frozenset[str]:
    """Items of the current checklist a person may tick by hand."""
    return frozenset(item.id for item in checklist().items if not item.automatic or item.or_ticked)


# ---------------------------------------------------------------------------------------------------------
# Readiness to leave care


@dataclass(frozen=True)
class Gap:
    id: str
    words: object  # a lazy, translatable sentence


# In the order they are shown. Each gap that has a checklist item (CHECKLIST_ITEM_FOR_GAP) is closed when
# that item is done: the checklist is the one source.
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
CHECKLIST_ITEM_FOR_GAP = {
    "not_claimed": "passport_claimed",
    "no_gp": "gp_registered",
    "no_nhs_number": "nhs_number_confirmed",
    "no_dentist": "dentist",
    "vaccines_not_reviewed": "immunisations_reviewed",
    "no_emergency_contact": "emergency_contacts",
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


def readiness(
    passport: Passport,
    today: date,
    doses=None,
    pack: PackState | None = None,
    records: Records | None = None,
) -> Readiness:
    """What stands between this young person and leaving care well. Reads the passport's registrations,
    NHS numbers, immunisations, contacts and leaving pack. A list that shows many young people passes
    their `records` and live `doses` as plain rows instead (projection.build_rows): as ORM objects they
    were most of the time of a caseload page."""
    records = passport if records is None else records
    pack = pack or pack_state(passport, today, records)
    age = clock.age_on(passport.date_of_birth, today)
    found: set[str] = set()

    def missing(gap: str, *, default: bool) -> None:
        """A gap with a checklist item follows the item; without one (an older checklist), the data."""
        done = pack.done(CHECKLIST_ITEM_FOR_GAP[gap])
        if (not done) if done is not None else default:
            found.add(gap)

    if age >= policy.INVITE_MIN_AGE:
        missing("not_claimed", default=passport.young_person_id is None)
    missing("no_gp", default=not _has_current_registration(records, RegistrationService.GP))
    missing("no_nhs_number", default=records.current_nhs_number is None)
    missing("no_dentist", default=not _has_current_registration(records, RegistrationService.DENTIST))
    vaccine_records = passport.immunisation_records or "not_checked"
    if vaccine_records == "not_checked":
        found.add("vaccines_not_checked")
    else:
        report = report_for(
            passport.date_of_birth,
            _live(passport.immunisations) if doses is None else doses,
            today,
            passport.sex_registered_at_birth,
            vaccine_records,
            with_plan=False,  # only the count of what is missing is read here
        )
        if report.to_catch_up:
            missing("vaccines_not_reviewed", default=True)
    roles = _current_contact_roles(records, today)
    if age >= policy.INVITE_MIN_AGE and ContactRole.PERSONAL_ADVISER not in roles:
        found.add("no_personal_adviser")
    missing("no_emergency_contact", default=not has_emergency_contact(records, today))
    if pack.due_now:
        found.add("leaving_pack_not_given")
    return Readiness(
        gaps=tuple(Gap(gap_id, GAPS[gap_id]) for gap_id in GAPS if gap_id in found),
        days_left=(pack.due_on - today).days,
        leaving_on=pack.due_on,
    )
