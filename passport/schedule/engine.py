"""Immunisation status engine: the UK routine schedule (England) by birth cohort, and catch-up plans.

A pure module: standard library and PyYAML only, no Flask, no database, and it never reads the clock — `today`
is always an argument, so a page, a test and a nightly job all get the same answer for the same inputs. The
schedule and the vaccine catalogue are data (``data/schedule.yaml``, ``data/vaccines.yaml``), loaded once and
cached; every result names the rule and the source it applied.

Public API
----------
``evaluate(date_of_birth, doses, today, sex_at_birth=None, records_status="documented")``
``-> ImmunisationReport``
    Status of each programme (``complete``, ``due``, ``overdue``, ``not_yet_due``, ``unknown``,
    ``not_eligible``) and, for an uncertain or incomplete history, the UKHSA catch-up plan: resume, never
    restart; fewest visits; visits at least 28 days apart. A plan is made when something is overdue, a
    catch-up course is part way through, or there are no records; ``to_catch_up`` counts the vaccines to ask
    for now (one MMRV serves MMR and chickenpox), ``to_check`` the ``unknown`` programmes.

    - ``doses``: a sequence of :class:`Dose`. Doses with an unknown vaccine or an impossible date are left out
      (``validate`` reports them; ``dose_evidence`` says why they were not counted).
    - ``sex_at_birth``: ``"female"``, ``"male"``, ``"indeterminate"`` or ``None`` (not recorded). Only HPV for
      people born before 1 September 2006 needs it; when it is needed and missing the status is ``unknown``,
      never a guess.
    - ``records_status``: ``"documented"`` (a documented or reliable verbal history: what is not recorded was
      not given), ``"none"`` (no documented or reliable verbal history: assume unimmunised, ignore
      self-reported doses, plan a full catch-up for the person's age) or ``"not_checked"`` (records not looked
      at yet: anything that would be due or overdue is ``unknown`` instead, and no plan is made).

``validate(date_of_birth, doses, today, sex_at_birth=None, records_status="documented") -> list[Problem]``
``validate_doses(date_of_birth, doses, today) -> list[Problem]``
    Problems a form should show: ``Problem(field, msgid, params)`` with fields such as
    ``"doses[2].given_on"``. A dose before birth or in the future, an unknown vaccine, a dose number out of
    order or repeated, an unknown place or source.

``dose_evidence(date_of_birth, doses, today, sex_at_birth=None, records_status="documented")``
    ``-> tuple[DoseEvidence, ...]``: for the nurse, one row per dose and programme: counted or not, and why.

``vaccine_choices() -> tuple[VaccineChoice, ...]``: the catalogue for a form's select, grouped.
``get_vaccine(vaccine_id) -> Vaccine``, ``programmes() -> tuple[ProgrammeInfo, ...]``,
``data_version() -> str``.

``translatable_strings() -> tuple[str, ...]``: every plain-English string from the YAML files (programme
and vaccine names, "protects against"), for message extraction. ``message_ids() -> tuple[str, ...]``: every
msgid this module can return.

``explain(msgid, params, gettext=None, format_date=None) -> str``: renders a msgid with its params, formatting
dates first. The web layer passes its own ``gettext`` and ``format_date``.

Translation
-----------
Every sentence is a gettext msgid marked with ``N_()`` (a no-op, so extraction finds it) and uses only
``%(name)s`` placeholders. Results carry ``explanation_msgid`` and ``explanation_params`` (a dict whose values
are ``str``, ``int`` or ``datetime.date``); format the dates, then ``gettext(msgid) % params`` — which is
what ``explain`` does. The summary is plural-aware: ``ngettext(summary_msgid, summary_plural_msgid, num)``.

How doses are counted
---------------------
By date and rule, not by the dose number typed in: a dose counts toward a programme for each of the
programme's antigens its vaccine contains, if it was given at or after the minimum age and at least the
minimum interval after the last counted dose. The programme has as many doses as its worst-covered antigen.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import yaml

__all__ = [
    "N_",
    "RECORDS_STATUSES",
    "SEXES",
    "SOURCE_OPTIONS",
    "STATUSES",
    "WHERE_OPTIONS",
    "CatchUpVisit",
    "Dose",
    "DoseEvidence",
    "ImmunisationReport",
    "PlannedVaccine",
    "Problem",
    "ProgrammeInfo",
    "ProgrammeStatus",
    "ScheduleRule",
    "SnomedCode",
    "Source",
    "Vaccine",
    "VaccineChoice",
    "data_version",
    "dose_evidence",
    "evaluate",
    "explain",
    "get_vaccine",
    "message_ids",
    "programmes",
    "schedule_rules",
    "target_diseases",
    "translatable_strings",
    "vaccine_choices",
    "validate",
    "validate_doses",
]


def N_(message: str) -> str:  # the conventional name gettext extraction (pybabel) looks for
    """Mark a string for translation without translating it: the web layer translates at display time."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular and plural pair as one entry with plural forms (extracted with `-k N_plural:1,2`), so
    `ngettext(singular, plural, num)` finds it. Two separate N_() strings would be two plain entries that
    ngettext never looks up, and every language would show the English."""
    return singular, plural


# --- Vocabularies ---------------------------------------------------------------------------------------

COMPLETE = "complete"
DUE = "due"
OVERDUE = "overdue"
NOT_YET_DUE = "not_yet_due"
UNKNOWN = "unknown"
NOT_ELIGIBLE = "not_eligible"
# A course that was started but can no longer be finished (an upper age limit passed): no more doses are
# given, and it is never shown as complete.
NOT_FINISHED = "not_finished"
STATUSES = (COMPLETE, DUE, OVERDUE, NOT_YET_DUE, UNKNOWN, NOT_ELIGIBLE, NOT_FINISHED)

WHERE_OPTIONS = ("uk_gp", "school", "abroad", "unknown")
SOURCE_OPTIONS = ("nurse_verified", "self_reported", "imported")
RECORDS_STATUSES = ("documented", "none", "not_checked")
SEXES = ("female", "male", "indeterminate")

# Highest dose number a form may enter: six is the most any schedule here asks for; ten leaves room for
# foreign records with extra campaign doses.
MAX_DOSE_NUMBER = 10

# --- Messages (one plain sentence each; reading age about 9) ---------------------------------------------
# MSG_ sentences are for the young person; CL_ sentences give the clinical reason, for the nurse;
# EV_ sentences say why one recorded dose counted or not (the nurse's evidence list).

MSG_COMPLETE = N_("You have had all the doses you need.")
MSG_COMPLETE_LIFELONG = N_("You have had %(count)s doses, which should protect you for life.")
MSG_COMPLETE_HAD_ANYWAY = N_("You have had this vaccine.")
MSG_DUE_NEXT = N_("Your next dose is due now.")
MSG_DUE_SINGLE = N_("This vaccine is due now.")
MSG_DUE_IF_NO_CHICKENPOX = N_("This vaccine is offered now to children who have not had chickenpox.")
MSG_OVERDUE_NEXT = N_(
    "You have had %(had)s of the %(total)s doses you need, so ask your GP for the next one."
)
MSG_OVERDUE_LAST = N_(
    "You have had %(had)s of the %(total)s doses you need, so ask your GP for the last one."
)
MSG_OVERDUE_SINGLE = N_("You still need this vaccine, so ask your GP for it.")
MSG_OVERDUE_NO_RECORD = N_("There is no record of this vaccine, so you should have it to be safe.")
MSG_FIRST_DUE_ON = N_("You will be offered this vaccine from %(date)s.")
MSG_NEXT_DUE_ON = N_("Your next dose is due on %(date)s.")
MSG_NEXT_FROM = N_("Your next dose can be given from %(date)s.")
MSG_NOT_ELIGIBLE_AGE_LIMIT = N_(
    "The NHS offers this vaccine until you turn %(age)s, so it is not offered now."
)
MSG_NOT_ELIGIBLE_YOUNG_CHILDREN = N_(
    "This vaccine is for babies and young children, so you do not need it now."
)
MSG_NOT_ELIGIBLE_BABIES = N_("This vaccine is only for young babies, so you do not need it now.")
MSG_NOT_ELIGIBLE_OFFER_ENDED = N_("The offer of this vaccine for your age group has ended.")
MSG_NOT_ELIGIBLE_COHORT = N_("This vaccine was not part of the NHS plan for people born when you were.")
MSG_NOT_ELIGIBLE_SEX_COHORT = N_(
    "For people born before %(date)s, the NHS offered this vaccine only to people registered female at birth."
)
MSG_TOO_LATE_TO_START = N_("It is too late to start this vaccine, so it is not offered now.")
MSG_NOT_FINISHED = N_("You are too old to finish this course now, so you do not need any more doses.")
MSG_ADDED_TO_CHECK = N_("You added a dose of this vaccine, and it counts once your nurse has checked it.")
MSG_UNKNOWN_SEX = N_(
    "This depends on the sex you were registered with at birth, so please ask your nurse to check."
)
MSG_UNKNOWN_NOT_CHECKED = N_("We do not have your vaccine records yet, so please ask your GP to check.")

MSG_SUMMARY_UP_TO_DATE = N_("You're up to date with your vaccines.")
MSG_SUMMARY_CATCH_UP, MSG_SUMMARY_CATCH_UP_PLURAL = N_plural(
    "%(num)s vaccine to catch up", "%(num)s vaccines to catch up"
)
MSG_SUMMARY_CHECK, MSG_SUMMARY_CHECK_PLURAL = N_plural(
    "%(num)s vaccine to check", "%(num)s vaccines to check"
)

MSG_VISIT_FIRST = N_("Book this visit as soon as you can.")
MSG_VISIT_LATER = N_("Book this visit for %(date)s or later.")

CL_COMPLETE = N_("Complete: %(valid)s valid doses counted, %(needed)s needed.")
CL_COMPLETE_OUTSIDE = N_(
    "Not in the routine programme for this person, but %(valid)s valid doses are recorded."
)
CL_DUE = N_("Due now: dose %(number)s of %(needed)s (%(valid)s valid so far).")
CL_OVERDUE = N_("Overdue since %(date)s: dose %(number)s of %(needed)s (%(valid)s valid so far).")
CL_NOT_YET_DUE = N_("Next: dose %(number)s of %(needed)s, due %(date)s (%(valid)s valid so far).")
CL_NOT_YET_DUE_INTERVAL = N_(
    "Next: dose %(number)s of %(needed)s, from %(date)s when the minimum interval has passed "
    "(%(valid)s valid so far)."
)
CL_AGED_OUT = N_("Not offered from %(date)s (upper age limit); no valid doses recorded.")
CL_OFFER_ENDED = N_("The offer ended on %(date)s; no valid doses recorded.")
CL_NOT_FINISHED = N_(
    "Course not finished: %(valid)s of %(needed)s valid doses, and no more can be given from %(date)s."
)
CL_TOO_LATE_TO_START = N_("Not started before %(date)s, the latest age to start: the course is not given.")
CL_NOT_IN_COHORT = N_("Not in the routine programme for this birth cohort.")
CL_NOT_ELIGIBLE_SEX = N_("Not offered: born before %(date)s and not registered female at birth.")
CL_UNKNOWN_SEX = N_("Eligibility depends on the sex registered at birth, which is not recorded.")
CL_NOT_CHECKED = N_(
    "Records not checked yet: dose %(number)s of %(needed)s (%(valid)s valid so far) would be due, so check "
    "the records first."
)
CL_PENDING_SELF_REPORT = N_(
    "Depends on a dose the young person added that no nurse has checked: treated as not given until checked."
)

EV_COUNTED = N_("Counted.")
EV_COUNTED_AS = N_("Counted as dose %(number)s.")
EV_COUNTED_GRACE = N_(
    "Counted as dose %(number)s: given %(short)s days before the minimum interval was up, within the "
    "%(grace)s days allowed."
)
EV_COUNTED_LATE_START = N_(
    "Counted as dose %(number)s, but given on or after %(date)s, later than this course should start."
)
EV_COUNTED_EXTRA = N_("Counted, but it was an extra dose.")
EV_COUNTED_EXTRA_EARLY = N_(
    "Counted as an extra dose, not as the next booster: that counts only from %(date)s."
)
EV_COUNTED_NEEDS_ANOTHER = N_(
    "Counted, but given before 18 months and within 3 months of the dose before, so one more dose is needed."
)
EV_COUNTED_PARTLY = N_("Counted for some of these diseases, but not all of them.")
EV_TOO_YOUNG = N_("Given too young to count: it counts only from %(date)s.")
EV_TOO_SOON = N_("Given less than %(days)s days after the last dose, so it does not count.")
EV_TOO_LATE_FOR_DOSE = N_(
    "Given on or after %(date)s, when this dose can no longer be given, so it does not count."
)
EV_COURSE_CLOSED = N_("Not counted: the course had already closed unfinished.")
EV_OPV_AFTER_SWITCH = N_("Oral polio drops given from %(date)s do not count for polio.")
EV_NOT_RELIABLE = N_("Not counted: it is self-reported and the history is marked as not reliable.")
EV_WAITING_FOR_CHECK = N_("Added by the young person: it counts once a nurse checks it.")
EV_UNKNOWN_VACCINE = N_("Not counted: this vaccine is not in the list.")
EV_IMPOSSIBLE_DATE = N_("Not counted: the date is before birth or in the future.")
EV_NOT_ROUTINE = N_("Recorded, but it is not part of the routine plan checked here.")
EV_NOT_IN_PROGRAMME = N_("Not counted: this vaccine is not part of the plan for this person.")

V_DOB_IN_FUTURE = N_("Date of birth must be today or in the past.")
V_UNKNOWN_VACCINE = N_("Select a vaccine from the list.")
V_BEFORE_BIRTH = N_("The date given must be on or after the date of birth.")
V_IN_FUTURE = N_("The date given must be today or in the past.")
V_DOSE_NUMBER_RANGE = N_("Dose number must be between 1 and %(max)s.")
V_DOSE_NUMBER_ORDER = N_(
    "Dose %(number)s is dated after dose %(previous)s, so check the dates and dose numbers."
)
V_DOSE_NUMBER_REPEATED = N_("Dose %(number)s of this vaccine is recorded twice.")
V_SAME_DAY_TWICE = N_("This vaccine is already recorded on the same day.")
V_WHERE = N_("Select where the dose was given.")
V_SOURCE = N_("Select where this record came from.")
V_SEX = N_("Select the sex registered at birth, or leave it blank.")
V_RECORDS_STATUS = N_("Select what records there are.")

GROUP_UK_CURRENT = N_("Vaccines used in the UK now")
GROUP_UK_PAST = N_("Older UK vaccines")
GROUP_ABROAD = N_("Vaccines often given in other countries")
_GROUP_LABELS = {"uk_current": GROUP_UK_CURRENT, "uk_past": GROUP_UK_PAST, "abroad": GROUP_ABROAD}

_AGED_OUT_MESSAGES = {
    "age_limit": MSG_NOT_ELIGIBLE_AGE_LIMIT,
    "young_children": MSG_NOT_ELIGIBLE_YOUNG_CHILDREN,
    "babies": MSG_NOT_ELIGIBLE_BABIES,
    "offer_ended": MSG_NOT_ELIGIBLE_OFFER_ENDED,
}
_DUE_MESSAGES = {"not_had_chickenpox": MSG_DUE_IF_NO_CHICKENPOX}

_LATE = (DUE, OVERDUE)

# Rule id for problems found before any schedule rule applies (the record itself is wrong).
RECORD_CHECK_RULE = "record-check"
# Rule id for a dose the young person added: it waits for a nurse's check (schedule.yaml records the rule).
SELF_REPORT_RULE = "self-reported-dose-waits-for-check"


# --- Public data types ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dose:
    """One dose as recorded. ``dose_number`` is what the record says; counting uses dates and rules."""

    vaccine_id: str
    given_on: date
    dose_number: int | None = None
    where: str = "unknown"
    source: str = "nurse_verified"
    route_note: str | None = None


class Problem(NamedTuple):
    """A validation problem: the form field, a msgid and its params."""

    field: str
    msgid: str
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Source:
    """Where a rule or a code comes from. ``url`` is None for a document without a public address."""

    id: str
    title: str
    url: str | None


@dataclass(frozen=True, slots=True)
class ScheduleRule:
    """A rule from the Green Book or UKHSA guidance that changes an answer, as schedule.yaml records it.

    ``quote`` holds the words as read in the source (``read_at`` says where), or is None when the file states
    the rule in its own words (``reading``). ``verified`` False: worked out or recalled, not read."""

    id: str
    source: Source
    reading: str
    quote: str | None
    read_at: str | None
    verified: bool


@dataclass(frozen=True, slots=True)
class SnomedCode:
    """A SNOMED CT code with its source. ``verified`` False: seen only in secondary sources ([check])."""

    kind: str  # "procedure", "product", "brand" or "disease"
    code: str
    label: str
    verified: bool
    source: Source
    dose: int | None = None
    # The code system: SNOMED CT unless the data says otherwise (a dm+d code is SNOMED CT UK Drug Extension).
    system: str = "http://snomed.info/sct"


@dataclass(frozen=True, slots=True)
class Vaccine:
    """A catalogue entry. ``name`` and ``protects_against`` are msgids."""

    id: str
    name: str  # plain words first (a msgid): "5-in-1 vaccine"
    clinical_name: str | None  # the clinical abbreviation, the same in every language: "DTaP/IPV/Hib"
    protects_against: str
    antigens: frozenset[str]
    group: str
    route: str
    live: bool
    oral_polio: bool
    codes: tuple[SnomedCode, ...]
    source: Source
    programme_ids: tuple[str, ...]

    @property
    def english_label(self) -> str:
        """The name in English with its clinical name after it: "5-in-1 vaccine (DTaP/IPV/Hib)"."""
        return f"{self.name} ({self.clinical_name})" if self.clinical_name else self.name

    def code(self, kind: str, dose_number: int | None = None) -> SnomedCode | None:
        """The verified code of this kind ("product", "procedure"); the dose-specific one if there is one."""
        fallback = None
        for code in self.codes:
            if code.kind != kind or not code.verified:
                continue
            if code.dose is None:
                fallback = fallback or code
            elif code.dose == dose_number:
                return code
        return fallback


@dataclass(frozen=True, slots=True)
class VaccineChoice:
    """One option for a form's vaccine select."""

    value: str
    label_msgid: str
    group: str
    group_label_msgid: str


@dataclass(frozen=True, slots=True)
class ProgrammeInfo:
    """A programme's names, for pages that list programmes without evaluating anyone."""

    id: str
    name_msgid: str
    protects_against_msgid: str
    source: Source


# Not frozen, unlike the other result types: a frozen dataclass costs about four times as much to build and
# evaluate() builds one per programme per person (the 10,000-in-a-second budget). Treat it as read-only.
@dataclass(slots=True)
class ProgrammeStatus:
    """The status of one programme for one person, with the rule and source applied.

    ``next_due_date`` is when the next dose is or was due: in the future for ``not_yet_due``, today or in the
    past for ``due`` and ``overdue``; None when no dose is needed."""

    programme_id: str
    name_msgid: str
    protects_against_msgid: str
    status: str
    valid_doses: int
    doses_needed: int
    next_due_date: date | None
    explanation_msgid: str
    explanation_params: dict[str, Any]
    rule_id: str
    source: Source
    recommended_vaccine_id: str | None
    relies_on_self_report: bool
    # The same status in a clinician's words, for the nurse: which dose, since when, which limit.
    clinical_msgid: str
    clinical_params: dict[str, Any]

    @property
    def doses_remaining(self) -> int:
        return max(self.doses_needed - self.valid_doses, 0)


@dataclass(frozen=True, slots=True)
class PlannedVaccine:
    """One injection (or drops) at a catch-up visit: the programmes it serves and each one's dose number."""

    vaccine_id: str
    name_msgid: str
    programme_ids: tuple[str, ...]
    dose_numbers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CatchUpVisit:
    """A catch-up visit: the earliest date it can be, and what to give."""

    number: int
    earliest_date: date
    vaccines: tuple[PlannedVaccine, ...]
    explanation_msgid: str
    explanation_params: dict[str, Any]
    rule_id: str
    source: Source


@dataclass(frozen=True, slots=True)
class DoseEvidence:
    """Whether one recorded dose counted toward one programme, and why. ``programme_id`` is None when the
    dose could not be counted for anything (bad record) or its vaccine is outside the routine programmes."""

    dose_index: int
    vaccine_id: str
    given_on: date
    programme_id: str | None
    counted: bool
    antigens_counted: tuple[str, ...]
    explanation_msgid: str
    explanation_params: dict[str, Any]
    rule_id: str
    source: Source | None
    # Which dose of the programme's course it filled (1, 2, ...); None for an extra dose or one not counted.
    counted_as: int | None = None


@dataclass(frozen=True, slots=True)
class ImmunisationReport:
    """Everything ``evaluate`` found for one person on one day."""

    date_of_birth: date
    today: date
    records_status: str
    programmes: tuple[ProgrammeStatus, ...]
    catch_up_plan: tuple[CatchUpVisit, ...]
    to_catch_up: int
    to_check: int
    up_to_date: bool
    summary_msgid: str
    summary_plural_msgid: str | None
    summary_params: dict[str, Any]
    data_version: str

    def programme(self, programme_id: str) -> ProgrammeStatus:
        for status in self.programmes:
            if status.programme_id == programme_id:
                return status
        raise KeyError(programme_id)


# --- Dates and ages -------------------------------------------------------------------------------------

# An age or date in the data: ("A", years, months, days) from a date, ("Y", n) the start of school Year n,
# ("D", date) a fixed date.
_AgeSpec = tuple
_AGE_RE = re.compile(r"^(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)w)?(?:(\d+)d)?$")
_SCHOOL_YEAR_RE = re.compile(r"^Y(\d{1,2})$")


def _parse_age(value: Any, where: str) -> _AgeSpec:
    if isinstance(value, date):
        return ("D", value)
    text = str(value)
    school = _SCHOOL_YEAR_RE.match(text)
    if school:
        return ("Y", int(school.group(1)))
    match = _AGE_RE.match(text)
    if not text or not match:
        raise ValueError(f"{where}: cannot read age {value!r}")
    years, months, weeks, days = (int(part) if part else 0 for part in match.groups())
    return ("A", years, months, weeks * 7 + days)


def _add_calendar(base: date, years: int, months: int) -> date:
    month_index = base.month - 1 + months
    year = base.year + years + month_index // 12
    month = month_index % 12 + 1
    try:
        return base.replace(year=year, month=month)
    except ValueError:
        # The day does not exist in that month (29 February, 31st): roll forward to the 1st of the next
        # month, as English law does for a 29 February birthday.
        return date(year + month // 12, month % 12 + 1, 1)


def _school_year_start(dob: date, year_group: int) -> date:
    # English school years run 1 September to 31 August; a child starts Reception in the September after
    # their 4th birthday, so Year n starts in September of (academic year of birth) + 5 + n.
    cohort_year = dob.year if dob.month >= 9 else dob.year - 1
    return date(cohort_year + 5 + year_group, 9, 1)


def _resolve(base: date, spec: _AgeSpec) -> date:
    kind = spec[0]
    if kind == "A":
        moved = _add_calendar(base, spec[1], spec[2]) if spec[1] or spec[2] else base
        return moved + timedelta(days=spec[3]) if spec[3] else moved
    if kind == "Y":
        return _school_year_start(base, spec[1])
    return spec[1]


class _Ages(dict):
    """One person's ages as dates, worked out on first use. Per person rather than a global cache: a
    global LRU keyed on (date of birth, age) thrashes when thousands of people are evaluated in a row."""

    __slots__ = ("dob",)

    def __init__(self, dob: date):
        super().__init__()
        self.dob = dob

    def __missing__(self, spec: _AgeSpec) -> date:
        value = self[spec] = _resolve(self.dob, spec)
        return value


_TEN_YEARS = ("A", 10, 0, 0)


def _years(spec: _AgeSpec) -> int | None:
    """Whole years of a plain age spec (for '%(age)s' messages), or None."""
    if spec[0] == "A" and not spec[2] and not spec[3]:
        return spec[1]
    return None


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _format_date_en(value: date) -> str:
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def explain(
    msgid: str,
    params: Mapping[str, Any] | None = None,
    *,
    gettext: Callable[[str], str] | None = None,
    format_date: Callable[[date], str] | None = None,
) -> str:
    """Render a msgid: translate it (if ``gettext`` is given), format date params, then substitute.

    Dates are formatted before substitution so a translation never sees an ISO date; the default format is
    GOV.UK style English ("1 March 2026")."""
    text = gettext(msgid) if gettext is not None else msgid
    if not params:
        return text
    formatter = format_date or _format_date_en
    values = {key: formatter(value) if isinstance(value, date) else value for key, value in params.items()}
    return text % values


# --- Compiled data --------------------------------------------------------------------------------------


class _Slot:
    __slots__ = (
        "catch_up_from",
        "drop_after",
        "due",
        "gap",
        "gap_from_10",
        "give_before",
        "min_age",
        "min_gap",
        "min_gap_from_10",
        "only_if_no_dose_before",
        "overdue",
        "plain",
        "repeat_if_early",
        "sets_earliest",
        "vaccine",
        "why",
    )

    def __init__(
        self, raw: Mapping[str, Any], where: str, vaccines: Mapping[str, Any], rules: Mapping[str, Any]
    ):
        known = set(self.__slots__)
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"{where}: unknown slot keys {sorted(unknown)}")
        if "due" not in raw or "vaccine" not in raw:
            raise ValueError(f"{where}: a slot needs 'due' and 'vaccine'")
        if raw["vaccine"] not in vaccines:
            raise ValueError(f"{where}: unknown vaccine {raw['vaccine']!r}")

        def age(key: str) -> _AgeSpec | None:
            return _parse_age(raw[key], f"{where}.{key}") if raw.get(key) is not None else None

        self.due = age("due")
        self.overdue = age("overdue")
        self.min_age = age("min_age")
        self.gap = age("gap")
        self.gap_from_10 = age("gap_from_10")
        self.min_gap = age("min_gap")
        self.min_gap_from_10 = age("min_gap_from_10")
        self.drop_after = age("drop_after")
        self.give_before = age("give_before")
        self.only_if_no_dose_before = age("only_if_no_dose_before")
        self.catch_up_from = age("catch_up_from")
        self.vaccine = raw["vaccine"]
        for key in ("gap", "gap_from_10", "min_gap", "min_gap_from_10"):
            spec = getattr(self, key)
            if spec is not None and spec[0] != "A":
                raise ValueError(f"{where}.{key}: a gap must be a length of time")
        early = raw.get("repeat_if_early")
        self.repeat_if_early = (
            (_parse_age(early["before"], f"{where}.repeat_if_early"), _parse_age(early["within"], where))
            if early
            else None
        )
        # Whether a dose can be too early for this slot (then it is an extra dose): checked once per dose.
        self.sets_earliest = any(
            spec is not None for spec in (self.min_age, self.min_gap, self.min_gap_from_10)
        )
        # A slot any valid dose fills as it comes (most infant doses): _fill skips every check below for it.
        self.plain = not self.sets_earliest and all(
            spec is None
            for spec in (self.drop_after, self.only_if_no_dose_before, self.give_before, self.repeat_if_early)
        )
        # The rule that makes this slot's ages and gaps matter; required whenever the slot changes an answer.
        self.why = raw.get("why")
        changes_answers = any(
            raw.get(key) is not None for key in ("min_age", "min_gap", "give_before", "repeat_if_early")
        )
        if changes_answers and self.why is None:
            raise ValueError(
                f"{where}: a slot with min_age, min_gap, give_before or repeat_if_early needs 'why'"
            )
        if self.why is not None and self.why not in rules:
            raise ValueError(f"{where}: unknown rule {self.why!r} in 'why'")


class _Rule:
    __slots__ = (
        "aged_out",
        "born_from",
        "born_to",
        "due_message",
        "eligible_until",
        "evaluated_from",
        "first_dose_before",
        "id",
        "limit",
        "slots",
        "source",
    )

    def __init__(self, raw: Mapping[str, Any], where: str, sources, vaccines, rules):
        self.id = _required_str(raw, "id", where)
        where = f"{where}[{self.id}]"
        self.source = _source(raw, sources, where)
        self.born_from = _optional_date(raw, "born_from", where)
        self.born_to = _optional_date(raw, "born_to", where)
        self.evaluated_from = _optional_date(raw, "evaluated_from", where)
        self.first_dose_before = (
            _parse_age(raw["first_dose_before"], where) if raw.get("first_dose_before") else None
        )
        self.eligible_until = _parse_age(raw["eligible_until"], where) if raw.get("eligible_until") else None
        self.aged_out = raw.get("aged_out")
        self.due_message = _DUE_MESSAGES[raw["due_message"]] if raw.get("due_message") else None
        slots = raw.get("slots") or []
        if not slots:
            raise ValueError(f"{where}: a rule needs at least one slot")
        self.slots = tuple(
            _Slot(slot, f"{where}.slots[{i}]", vaccines, rules) for i, slot in enumerate(slots)
        )


class _Eligible:
    __slots__ = ("born_from", "born_to", "id", "sexes", "source")

    def __init__(self, raw: Mapping[str, Any], where: str, sources):
        self.id = _required_str(raw, "id", where)
        self.source = _source(raw, sources, f"{where}[{self.id}]")
        self.born_from = _optional_date(raw, "born_from", where)
        self.born_to = _optional_date(raw, "born_to", where)
        self.sexes = tuple(raw["sexes"]) if raw.get("sexes") else None


class _Programme:
    __slots__ = (
        "aged_out",
        "antigens",
        "complete_if_any_dose",
        "eligible",
        "eligible_until",
        "grace_days",
        "grace_rule",
        "id",
        "interval_rule",
        "lifelong_doses",
        "limit_rule",
        "min_age",
        "min_age_rule",
        "min_interval_days",
        "name",
        "not_offered_rule_id",
        "opv_cutoff",
        "opv_rule_id",
        "opv_source",
        "protects_against",
        "rules",
        "source",
        "start_before",
        "start_rule",
        "vaccine_by_age",
    )


class _Catalogue:
    __slots__ = (
        "antigen_codes",
        "catch_up_gap",
        "catch_up_reference",
        "catch_up_rule_id",
        "catch_up_source",
        "data_version",
        "programme_index",
        "programmes",
        "rules",
        "strings",
        "vaccines",
    )


def _required_str(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{where}: '{key}' must be a non-empty string")
    return value


def _optional_date(raw: Mapping[str, Any], key: str, where: str) -> date | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, date):
        raise ValueError(f"{where}: '{key}' must be a date (YYYY-MM-DD)")
    return value


def _source(raw: Mapping[str, Any], sources: Mapping[str, Source], where: str) -> Source:
    key = raw.get("source")
    if key not in sources:
        raise ValueError(f"{where}: every entry needs a known 'source' (got {key!r})")
    return sources[key]


def _read_sources(raw: Mapping[str, Any]) -> dict[str, Source]:
    return {key: Source(key, value["title"], value.get("url")) for key, value in raw.items()}


def _read_rules(
    raw_rules: Sequence[Mapping[str, Any]], sources: Mapping[str, Source]
) -> dict[str, ScheduleRule]:
    rules: dict[str, ScheduleRule] = {}
    for raw in raw_rules:
        rid = _required_str(raw, "id", "rules")
        if rid in rules:
            raise ValueError(f"rules: duplicate id {rid!r}")
        quote = raw.get("quote")
        if quote is not None and not raw.get("read_at"):
            raise ValueError(f"rules[{rid}]: a quote needs 'read_at' (where the words were read)")
        if not isinstance(raw.get("verified"), bool):
            raise ValueError(f"rules[{rid}]: 'verified' must be true or false")
        rules[rid] = ScheduleRule(
            id=rid,
            source=_source(raw, sources, f"rules[{rid}]"),
            reading=_required_str(raw, "reading", f"rules[{rid}]"),
            quote=quote,
            read_at=raw.get("read_at"),
            verified=raw["verified"],
        )
    return rules


def _rule_ref(raw: Mapping[str, Any], key: str, rules: Mapping[str, ScheduleRule], where: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if value not in rules:
        raise ValueError(f"{where}: unknown rule {value!r} in {key!r}")
    return value


_DATA_DIR = Path(__file__).resolve().parent / "data"


def _load_yaml(name: str) -> dict[str, Any]:
    with (_DATA_DIR / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@functools.cache
def _catalogue() -> _Catalogue:
    """Load and check both data files once per process; a data error fails loudly on first use."""
    return _compile(_load_yaml("schedule.yaml"), _load_yaml("vaccines.yaml"))


_CODE_KINDS = ("procedure", "product", "brand")


def _compile(schedule: Mapping[str, Any], catalogue: Mapping[str, Any]) -> _Catalogue:
    strings: list[str] = []
    vaccine_sources = _read_sources(catalogue["sources"])
    antigen_codes: dict[str, SnomedCode | None] = {}
    for raw in catalogue["antigens"]:
        code = raw.get("disease_code")
        antigen_codes[raw["id"]] = (
            SnomedCode(
                "disease",
                str(code["code"]),
                code["label"],
                bool(code["verified"]),
                _source(code, vaccine_sources, f"antigens[{raw['id']}]"),
            )
            if code
            else None
        )

    raw_vaccines: dict[str, Mapping[str, Any]] = {}
    for raw in catalogue["vaccines"]:
        vid = _required_str(raw, "id", "vaccines")
        if vid in raw_vaccines:
            raise ValueError(f"vaccines: duplicate id {vid!r}")
        unknown_antigens = set(raw["antigens"]) - set(antigen_codes)
        if unknown_antigens:
            raise ValueError(f"vaccines[{vid}]: unknown antigens {sorted(unknown_antigens)}")
        if raw.get("group") not in _GROUP_LABELS:
            raise ValueError(f"vaccines[{vid}]: unknown group {raw.get('group')!r}")
        raw_vaccines[vid] = raw

    schedule_sources = _read_sources(schedule["sources"])
    rules = _read_rules(schedule.get("rules") or (), schedule_sources)
    programmes_list: list[_Programme] = []
    for raw in schedule["programmes"]:
        prog = _Programme()
        prog.id = _required_str(raw, "id", "programmes")
        where = f"programmes[{prog.id}]"
        prog.name = _required_str(raw, "name", where)
        prog.protects_against = _required_str(raw, "protects_against", where)
        strings += [prog.name, prog.protects_against]
        prog.source = _source(raw, schedule_sources, where)
        prog.not_offered_rule_id = f"{prog.id}-not-offered"
        prog.antigens = tuple(raw["antigens"])
        if set(prog.antigens) - set(antigen_codes):
            raise ValueError(f"{where}: unknown antigens")
        prog.min_age = _parse_age(raw.get("min_age") or "0d", where)
        prog.min_age_rule = _rule_ref(raw, "min_age_rule", rules, where)
        prog.min_interval_days = int(raw.get("min_interval_days", 28))
        prog.interval_rule = _rule_ref(raw, "interval_rule", rules, where)
        prog.grace_days = int(raw.get("interval_grace_days", 0))
        prog.grace_rule = _rule_ref(raw, "grace_rule", rules, where)
        if prog.grace_days and prog.grace_rule is None:
            raise ValueError(f"{where}: interval_grace_days needs a grace_rule")
        prog.eligible_until = _parse_age(raw["eligible_until"], where) if raw.get("eligible_until") else None
        prog.limit_rule = _rule_ref(raw, "limit_rule", rules, where)
        prog.aged_out = raw.get("aged_out", "age_limit")
        prog.start_before = _parse_age(raw["start_before"], where) if raw.get("start_before") else None
        prog.start_rule = _rule_ref(raw, "start_rule", rules, where)
        prog.lifelong_doses = raw.get("lifelong_doses")
        prog.complete_if_any_dose = bool(raw.get("complete_if_any_dose", False))
        opv = raw.get("oral_polio_rule")
        if opv:
            prog.opv_cutoff = _optional_date(opv, "not_counted_from", where)
            prog.opv_rule_id = _required_str(opv, "id", where)
            prog.opv_source = _source(opv, schedule_sources, f"{where}.oral_polio_rule")
        else:
            prog.opv_cutoff, prog.opv_rule_id, prog.opv_source = None, None, None
        prog.vaccine_by_age = tuple(
            (_parse_age(item["from"], where), item["vaccine"]) for item in raw.get("vaccine_by_age") or ()
        )
        for _, vid in prog.vaccine_by_age:
            if vid not in raw_vaccines:
                raise ValueError(f"{where}: unknown vaccine {vid!r}")
        prog.eligible = (
            tuple(_Eligible(item, f"{where}.eligible", schedule_sources) for item in raw["eligible"])
            if raw.get("eligible")
            else None
        )
        prog.rules = tuple(
            _Rule(item, f"{where}.rules", schedule_sources, raw_vaccines, rules) for item in raw["rules"]
        )
        if prog.aged_out not in _AGED_OUT_MESSAGES:
            raise ValueError(f"{where}: unknown aged_out {prog.aged_out!r}")
        for rule in prog.rules:
            # A rule's own age limit (a catch-up offer with an end date) overrides the programme's.
            rule.limit = rule.eligible_until or prog.eligible_until
            rule.aged_out = rule.aged_out or prog.aged_out
            if rule.aged_out not in _AGED_OUT_MESSAGES:
                raise ValueError(f"{where}: unknown aged_out {rule.aged_out!r}")
        programmes_list.append(prog)

    antigen_owner: dict[str, str] = {}
    for prog in programmes_list:
        for antigen in prog.antigens:
            if antigen in antigen_owner:
                # Evidence and counting assume each antigen belongs to one programme.
                raise ValueError(f"antigen {antigen!r} is in {antigen_owner[antigen]} and {prog.id}")
            antigen_owner[antigen] = prog.id

    vaccines: dict[str, Vaccine] = {}
    for vid, raw in raw_vaccines.items():
        codes = []
        for item in raw.get("codes") or ():
            if item.get("kind") not in _CODE_KINDS:
                raise ValueError(f"vaccines[{vid}].codes: unknown kind {item.get('kind')!r}")
            codes.append(
                SnomedCode(
                    item["kind"],
                    str(item["code"]),
                    item["label"],
                    bool(item["verified"]),
                    _source(item, vaccine_sources, f"vaccines[{vid}].codes"),
                    item.get("dose"),
                    item.get("system", "http://snomed.info/sct"),
                )
            )
        antigens = frozenset(raw["antigens"])
        owners = tuple(prog.id for prog in programmes_list if antigens & set(prog.antigens))
        vaccines[vid] = Vaccine(
            id=vid,
            name=_required_str(raw, "name", f"vaccines[{vid}]"),
            clinical_name=raw.get("clinical_name"),
            protects_against=_required_str(raw, "protects_against", f"vaccines[{vid}]"),
            antigens=antigens,
            group=raw["group"],
            route=raw["route"],
            live=bool(raw["live"]),
            oral_polio=bool(raw.get("oral_polio", False)),
            codes=tuple(codes),
            source=_source(raw, vaccine_sources, f"vaccines[{vid}]"),
            programme_ids=owners,
        )
        strings += [vaccines[vid].name, vaccines[vid].protects_against]

    catch_up = schedule["catch_up"]
    cat = _Catalogue()
    cat.data_version = str(schedule["data_version"])
    cat.programmes = tuple(programmes_list)
    cat.programme_index = {prog.id: prog for prog in programmes_list}
    cat.vaccines = vaccines
    cat.antigen_codes = antigen_codes
    cat.rules = rules
    cat.catch_up_rule_id = _required_str(catch_up, "id", "catch_up")
    cat.catch_up_source = _source(catch_up, schedule_sources, "catch_up")
    cat.catch_up_gap = int(catch_up["min_days_between_visits"])
    cat.catch_up_reference = tuple(catch_up.get("reference_visits") or ())
    cat.strings = tuple(dict.fromkeys(strings))
    if SELF_REPORT_RULE not in rules:
        raise ValueError(f"rules: the self-report rule {SELF_REPORT_RULE!r} must be recorded")
    return cat


# --- Evaluation -----------------------------------------------------------------------------------------

# A usable dose for counting: (given_on, index in the input, self_reported, oral_polio).
_Entry = tuple


class _Person:
    __slots__ = (
        "ages",
        "all_by_antigen",
        "by_antigen",
        "dob",
        "excluded",
        "pending",
        "records",
        "sex",
        "today",
    )

    def with_pending(self) -> _Person:
        """The same person with the doses they added themselves counted as if checked."""
        other = _Person()
        other.ages, other.dob, other.today, other.records, other.sex = (
            self.ages,
            self.dob,
            self.today,
            self.records,
            self.sex,
        )
        other.by_antigen = other.all_by_antigen = self.all_by_antigen
        other.excluded, other.pending = self.excluded, {}
        return other


def _prepare(cat: _Catalogue, dob: date, doses: Sequence[Dose], today: date, records: str, sex) -> _Person:
    person = _Person()
    person.dob, person.today, person.records, person.sex = dob, today, records, sex
    person.ages = _Ages(dob)
    excluded: dict[int, tuple[str, str, Source | None]] = {}
    usable = []
    pending: dict[int, frozenset[str]] = {}
    for index, dose in enumerate(doses):
        vaccine = cat.vaccines.get(dose.vaccine_id)
        if vaccine is None:
            excluded[index] = (EV_UNKNOWN_VACCINE, RECORD_CHECK_RULE, None)
            continue
        given = dose.given_on
        if given < dob or given > today:
            excluded[index] = (EV_IMPOSSIBLE_DATE, RECORD_CHECK_RULE, None)
            continue
        self_reported = dose.source == "self_reported"
        if self_reported:
            if records == "none":
                # No documented or reliable verbal history: UKHSA says assume unimmunised.
                excluded[index] = (EV_NOT_RELIABLE, cat.catch_up_rule_id, cat.catch_up_source)
                continue
            # A dose the young person added counts once a nurse has checked it (SELF_REPORT_RULE): until then
            # it is kept apart, so it cannot clear "overdue", and the programme shows as "to check".
            pending[index] = vaccine.antigens
        usable.append((given, index, self_reported, vaccine))
    usable.sort()  # by date, then input order (indexes are unique, so the vaccines are never compared)
    by_antigen: dict[str, list[_Entry]] = {}
    all_by_antigen: dict[str, list[_Entry]] = {} if pending else by_antigen
    for given, index, self_reported, vaccine in usable:
        entry = (given, index, self_reported, vaccine.oral_polio)
        for antigen in vaccine.antigens:
            if pending:
                bucket = all_by_antigen.get(antigen)
                if bucket is None:
                    all_by_antigen[antigen] = bucket = []
                bucket.append(entry)
                if self_reported:
                    continue
            bucket = by_antigen.get(antigen)
            if bucket is None:
                by_antigen[antigen] = bucket = []
            bucket.append(entry)
    person.by_antigen = by_antigen
    person.all_by_antigen = all_by_antigen
    person.excluded = excluded
    person.pending = pending
    return person


class _Fill:
    """How one antigen's doses filled a rule's slots.

    ``valid`` counts every dose that counts (extra doses too); ``filled`` the dates of the doses that filled a
    slot; ``extra`` the doses that counted but left their slot to be filled again (an early MMR second dose);
    ``closed`` the date from which the course can no longer be finished, if that date has come."""

    __slots__ = (
        "closed",
        "closed_rule",
        "extra",
        "filled",
        "last",
        "outcomes",
        "remaining",
        "self_reported",
        "valid",
    )


# What happened to one dose in one programme: (counted, msgid, params, rule id or None for the programme's
# rule, the course dose it filled or None).
_DoseOutcome = tuple


def _slot_early_until(slot: _Slot, given: date, last: date | None, ages: _Ages) -> date | None:
    """The date from which a dose can fill this slot, when ``given`` is before it; else None."""
    if slot.min_age is not None:
        bound = ages[slot.min_age]
        if given < bound:
            return bound
    if last is not None:
        spec = slot.min_gap
        if slot.min_gap_from_10 is not None and last >= ages[_TEN_YEARS]:
            spec = slot.min_gap_from_10
        if spec is not None:
            bound = _resolve(last, spec)
            if given < bound:
                return bound
    return None


def _fill(prog: _Programme, slots: tuple[_Slot, ...], entries: list[_Entry], person: _Person, collect: bool):
    ages, today = person.ages, person.today
    min_age_date = ages[prog.min_age]
    min_gap = prog.min_interval_days
    shortest = min_gap - prog.grace_days
    opv_cutoff = prog.opv_cutoff
    outcomes: dict[int, _DoseOutcome] | None = {} if collect else None
    filled: list[date] = []
    valid = 0
    extra = 0
    last: date | None = None
    self_reported = False
    closed: date | None = None
    closed_rule: str | None = None
    count = len(slots)
    k = 0
    for given, index, reported, oral in entries:
        if oral and opv_cutoff is not None and given >= opv_cutoff:
            if collect:
                outcomes[index] = (False, EV_OPV_AFTER_SWITCH, {"date": opv_cutoff}, prog.opv_rule_id, None)
            continue
        if given < min_age_date:
            if collect:
                outcomes[index] = (False, EV_TOO_YOUNG, {"date": min_age_date}, prog.min_age_rule, None)
            continue
        if closed is not None:
            if collect:
                outcomes[index] = (False, EV_COURSE_CLOSED, {}, closed_rule, None)
            continue
        short = 0
        if last is not None:
            days = (given - last).days
            if days < min_gap:
                if days < shortest:
                    if collect:
                        outcomes[index] = (False, EV_TOO_SOON, {"days": min_gap}, prog.interval_rule, None)
                    continue
                short = min_gap - days  # a few days short, within the allowance (grace_rule)
        # Skip slots that no longer apply at the date of this dose (infant doses after the first birthday,
        # late-starter doses for someone who started on time).
        while k < count:
            slot = slots[k]
            if slot.plain:
                break
            if slot.drop_after is not None and given >= ages[slot.drop_after]:
                k += 1
                continue
            if (
                slot.only_if_no_dose_before is not None
                and filled
                and filled[0] < ages[slot.only_if_no_dose_before]
            ):
                k += 1
                continue
            break
        counted_as = None
        if k < count and slots[k].plain:
            filled.append(given)
            k += 1
            counted_as = len(filled) + extra
        elif k < count:
            slot = slots[k]
            if slot.give_before is not None and given >= ages[slot.give_before]:
                # Too old for this dose: the course closes unfinished (rotavirus after 24 weeks).
                closed, closed_rule = ages[slot.give_before], slot.why
                if collect:
                    outcomes[index] = (False, EV_TOO_LATE_FOR_DOSE, {"date": closed}, slot.why, None)
                continue
            early_until = _slot_early_until(slot, given, last, ages) if slot.sets_earliest else None
            if early_until is not None:
                # A valid dose, but too early to be this dose of the course (a booster given abroad before the
                # age or interval the UK schedule sets): it counts as an extra dose and the slot still waits.
                valid += 1
                last = given
                self_reported = self_reported or reported
                if collect:
                    outcomes[index] = (True, EV_COUNTED_EXTRA_EARLY, {"date": early_until}, slot.why, None)
                continue
            if slot.repeat_if_early is not None and last is not None:
                before, within = slot.repeat_if_early
                if given < ages[before] and given < _resolve(last, within):
                    # An early MMR second dose: it counts, and a further dose is still needed.
                    valid += 1
                    extra += 1
                    last = given
                    self_reported = self_reported or reported
                    if collect:
                        outcomes[index] = (True, EV_COUNTED_NEEDS_ANOTHER, {}, slot.why, None)
                    continue
            filled.append(given)
            k += 1
            counted_as = len(filled) + extra
        valid += 1
        last = given
        self_reported = self_reported or reported
        if collect:
            if counted_as is None:
                outcomes[index] = (True, EV_COUNTED_EXTRA, {}, None, None)
            elif short:
                params = {"number": counted_as, "short": short, "grace": prog.grace_days}
                outcomes[index] = (True, EV_COUNTED_GRACE, params, prog.grace_rule, counted_as)
            elif counted_as == 1 and prog.start_before is not None and given >= ages[prog.start_before]:
                params = {"number": 1, "date": ages[prog.start_before]}
                outcomes[index] = (True, EV_COUNTED_LATE_START, params, prog.start_rule, 1)
            else:
                outcomes[index] = (True, EV_COUNTED_AS, {"number": counted_as}, None, counted_as)

    remaining = []
    for j in range(k, count):
        slot = slots[j]
        if slot.drop_after is not None and today >= ages[slot.drop_after]:
            continue
        if slot.only_if_no_dose_before is not None:
            cutoff = ages[slot.only_if_no_dose_before]
            if (filled and filled[0] < cutoff) or today < cutoff:
                continue
        if closed is None and slot.give_before is not None and today >= ages[slot.give_before]:
            closed, closed_rule = ages[slot.give_before], slot.why
        remaining.append(j)
    result = _Fill()
    result.filled, result.valid, result.last, result.extra = filled, valid, last, extra
    result.remaining, result.outcomes, result.self_reported = remaining, outcomes, self_reported
    result.closed, result.closed_rule = closed, closed_rule
    return result


def _gap_after(prog: _Programme, slot: _Slot, previous: date, ages: _Ages) -> date:
    spec = slot.gap
    if slot.gap_from_10 is not None and previous >= ages[_TEN_YEARS]:
        spec = slot.gap_from_10
    if spec is None:
        return previous + timedelta(days=prog.min_interval_days)
    return _resolve(previous, spec)


def _slot_vaccine(prog: _Programme, slot: _Slot, ages: _Ages, on: date) -> str:
    vaccine = slot.vaccine
    for spec, replacement in prog.vaccine_by_age:
        if on >= ages[spec]:
            vaccine = replacement
    return vaccine


class _Next:
    """The next dose a programme needs: which slot, earliest date, late date, whether an interval sets it."""

    __slots__ = ("earliest", "interval_bound", "overdue", "slot_index")


def _next_dose(prog, rule, fill: _Fill, person: _Person, catch_up_ages: bool) -> _Next | None:
    """The next dose, or None when no remaining dose can be given in time (``fill.closed`` is then set if a
    dose the course needs can no longer be given)."""
    ages = person.ages
    prog_min = ages[prog.min_age]
    for j in fill.remaining:
        slot = rule.slots[j]
        due = ages[slot.due]
        if catch_up_ages and slot.catch_up_from is not None:
            due = min(due, ages[slot.catch_up_from])
        earliest = max(due, prog_min)
        if slot.min_age is not None:
            earliest = max(earliest, ages[slot.min_age])
        interval_bound = False
        if fill.last is not None:
            after_gap = _gap_after(prog, slot, fill.last, ages)
            if after_gap > earliest:
                earliest, interval_bound = after_gap, True
        if slot.drop_after is not None and earliest >= ages[slot.drop_after]:
            continue  # not needed by then (an infant dose replaced by the booster): the next slot decides
        if slot.give_before is not None and earliest >= ages[slot.give_before]:
            # The course needs this dose but it cannot be given in time (rotavirus dose 2 after 24 weeks).
            fill.closed, fill.closed_rule = ages[slot.give_before], slot.why
            return None
        result = _Next()
        result.slot_index = j
        result.earliest = earliest
        result.interval_bound = interval_bound
        result.overdue = ages[slot.overdue] if slot.overdue is not None else due + timedelta(days=28)
        return result
    return None


class _Result:
    """One programme's internal result: the public status plus what the plan needs."""

    __slots__ = ("fill", "next", "prog", "rule", "status")


def _eligibility(prog: _Programme, dob: date, sex: str | None):
    """('yes', group), ('no', group-or-None that excluded on sex) or ('unknown', group needing sex)."""
    if prog.eligible is None:
        return "yes", None
    sex_excluded = None
    needs_sex = None
    for group in prog.eligible:
        if group.born_from is not None and dob < group.born_from:
            continue
        if group.born_to is not None and dob > group.born_to:
            continue
        if group.sexes is None or sex in group.sexes:
            return "yes", group
        if sex in ("female", "male"):
            sex_excluded = group
        else:
            needs_sex = group
    if needs_sex is not None:
        return "unknown", needs_sex
    return "no", sex_excluded


def _select_rule(prog: _Programme, person: _Person) -> _Rule | None:
    dob, today, ages = person.dob, person.today, person.ages
    for rule in prog.rules:
        if rule.born_from is not None and dob < rule.born_from:
            continue
        if rule.born_to is not None and dob > rule.born_to:
            continue
        if rule.evaluated_from is not None and today < rule.evaluated_from:
            continue
        if rule.first_dose_before is not None:
            first = _first_valid(prog, person)
            if (first or today) >= ages[rule.first_dose_before]:
                continue
        return rule
    return None


def _first_valid(prog: _Programme, person: _Person) -> date | None:
    entries = person.by_antigen.get(prog.antigens[0]) or ()
    min_age_date = person.ages[prog.min_age]
    for given, _index, _reported, _oral in entries:
        if given >= min_age_date:
            return given
    return None


def _status(
    prog: _Programme,
    code: str,
    valid: int,
    needed: int,
    next_due: date | None,
    msgid: str,
    params: dict[str, Any],
    rule_id: str,
    source: Source,
    vaccine: str | None,
    self_reported: bool,
    clinical_msgid: str,
    clinical_params: dict[str, Any],
) -> ProgrammeStatus:
    # Positional on purpose: this runs 12 times per person.
    return ProgrammeStatus(
        prog.id,
        prog.name,
        prog.protects_against,
        code,
        valid,
        needed,
        next_due,
        msgid,
        params,
        rule_id,
        source,
        vaccine,
        self_reported,
        clinical_msgid,
        clinical_params,
    )


def _fill_programme(prog: _Programme, slots: tuple[_Slot, ...], person: _Person, collect: bool):
    """Fill the slots once per antigen: {antigen: _Fill}."""
    fills: dict[str, _Fill] = {}
    done: list[tuple[list[_Entry], _Fill]] = []
    by_antigen = person.by_antigen
    for antigen in prog.antigens:
        entries = by_antigen.get(antigen, _NO_ENTRIES)
        # Antigens given together (tetanus and diphtheria; A, W and Y) have the same doses: fill once.
        for seen, earlier in done:
            if seen == entries:
                fills[antigen] = earlier
                break
        else:
            fills[antigen] = fill = _fill(prog, slots, entries, person, collect)
            done.append((entries, fill))
    return fills


_NO_ENTRIES: list[_Entry] = []


class _Outcome(NamedTuple):
    """What evaluating one programme produced, for evaluate() and dose_evidence()."""

    status: ProgrammeStatus
    result: _Result | None  # set when a dose is needed (for the plan)
    fills: dict[str, _Fill]
    in_programme: bool  # False: no rule offers this programme to the person
    rule_id: str
    source: Source


_NO_PARAMS: dict[str, Any] = {}


def _evaluate_programme(prog: _Programme, person: _Person, collect: bool) -> _Outcome:
    today, ages = person.today, person.ages
    if prog.eligible is None:
        eligibility, group = "yes", None
    else:
        eligibility, group = _eligibility(prog, person.dob, person.sex)
    rule = _select_rule(prog, person) if eligibility != "no" else None
    if rule is None:
        return _not_offered(prog, person, eligibility, group, collect)
    rule_id, source = rule.id, rule.source
    limit = rule.limit
    limit_date = ages[limit] if limit is not None else None
    if (
        not collect
        and limit_date is not None
        and today >= limit_date
        and eligibility == "yes"
        and person.by_antigen.keys().isdisjoint(prog.antigens)
    ):
        # Fast path, the common case for most programmes: past the age limit with no doses at all.
        status = _aged_out(prog, rule, 0, 0, rule_id, source, False, limit_date)
        return _Outcome(status, None, {}, True, rule_id, source)

    fills = _fill_programme(prog, rule.slots, person, collect)
    # The antigen with fewest doses still to fill decides (the programme is as complete as its worst antigen).
    chosen = None
    candidates = []
    for fill in fills.values():
        if not fill.remaining:
            continue
        if chosen is None or len(fill.filled) < len(chosen.filled):
            chosen, candidates = fill, [fill]
        elif len(fill.filled) == len(chosen.filled) and fill not in candidates:
            candidates.append(fill)
    if chosen is None:
        valid, needed, reported = 99, 99, False
        for fill in fills.values():
            valid = min(valid, fill.valid)
            needed = min(needed, len(fill.filled) + fill.extra)
            reported = reported or fill.self_reported
        if prog.lifelong_doses is not None and valid >= prog.lifelong_doses:
            msgid, params = MSG_COMPLETE_LIFELONG, {"count": valid}
        else:
            msgid, params = MSG_COMPLETE, _NO_PARAMS
        status = _status(
            prog,
            COMPLETE,
            valid,
            needed,
            None,
            msgid,
            params,
            rule_id,
            source,
            None,
            reported,
            CL_COMPLETE,
            {"valid": valid, "needed": needed},
        )
        return _Outcome(status, None, fills, True, rule_id, source)

    valid = chosen.valid
    needed = valid + len(chosen.remaining)
    reported = chosen.self_reported
    if eligibility == "unknown":
        status = _status(
            prog,
            UNKNOWN,
            valid,
            needed,
            None,
            MSG_UNKNOWN_SEX,
            _NO_PARAMS,
            group.id,
            group.source,
            None,
            reported,
            CL_UNKNOWN_SEX,
            _NO_PARAMS,
        )
        return _Outcome(status, None, fills, True, group.id, group.source)
    if limit_date is not None and today >= limit_date:
        status = _aged_out(prog, rule, valid, needed, rule_id, source, reported, limit_date)
        return _Outcome(status, None, fills, True, rule_id, source)
    if chosen.closed is None and not chosen.filled and prog.start_before is not None:
        start_limit = ages[prog.start_before]
        if today >= start_limit:
            status = _too_late_to_start(prog, valid, needed, rule_id, source, reported, start_limit)
            return _Outcome(status, None, fills, True, rule_id, source)

    # Among antigens equally short, the one whose next dose is latest wins: an interval still running for
    # one antigen holds back the combined vaccine.
    catch_up_ages = person.records == "none"
    nxt = None
    for fill in candidates:
        candidate = _next_dose(prog, rule, fill, person, catch_up_ages)
        if candidate is not None and (nxt is None or candidate.earliest > nxt.earliest):
            chosen, nxt = fill, candidate
    closed = None
    for fill in candidates:
        if fill.closed is not None:
            closed = fill
            break
    if closed is not None:
        status = _not_finished(prog, closed, rule_id, source, reported)
        return _Outcome(status, None, fills, True, closed.closed_rule or rule_id, source)
    if nxt is None or (limit_date is not None and nxt.earliest >= limit_date):
        # The remaining doses can no longer be given in time (a course that would end after the age limit).
        status = _aged_out(prog, rule, valid, needed, rule_id, source, reported, limit_date)
        return _Outcome(status, None, fills, True, rule_id, source)

    had = chosen.valid
    number = had + 1
    total = had + len(chosen.remaining)
    single = total == 1
    earliest = nxt.earliest
    vaccine = _slot_vaccine(prog, rule.slots[nxt.slot_index], ages, earliest if earliest > today else today)
    clinical = {"number": number, "needed": total, "valid": had}
    if earliest > today:
        code, params = NOT_YET_DUE, {"date": earliest}
        if not chosen.filled:
            msgid = MSG_FIRST_DUE_ON
        else:
            msgid = MSG_NEXT_FROM if nxt.interval_bound else MSG_NEXT_DUE_ON
        clinical_msgid = CL_NOT_YET_DUE_INTERVAL if nxt.interval_bound else CL_NOT_YET_DUE
        clinical["date"] = earliest
    elif today >= nxt.overdue:
        code, params = OVERDUE, _NO_PARAMS
        if catch_up_ages and not chosen.filled:
            msgid = MSG_OVERDUE_NO_RECORD
        elif single or had == 0:
            msgid = MSG_OVERDUE_SINGLE
        else:
            msgid = MSG_OVERDUE_LAST if total - had == 1 else MSG_OVERDUE_NEXT
            params = {"had": had, "total": total}
        clinical_msgid = CL_OVERDUE
        clinical["date"] = nxt.overdue
    else:
        code, params = DUE, _NO_PARAMS
        if rule.due_message is not None:
            msgid = rule.due_message
        elif single or had == 0:
            msgid = MSG_DUE_SINGLE
        else:
            msgid = MSG_DUE_NEXT
        clinical_msgid = CL_DUE
    if code is not NOT_YET_DUE and person.records == "not_checked":
        # Nobody has looked at the records yet: "overdue" would be a guess.
        code, msgid, params, clinical_msgid = UNKNOWN, MSG_UNKNOWN_NOT_CHECKED, _NO_PARAMS, CL_NOT_CHECKED
        clinical.pop("date", None)
    status = _status(
        prog,
        code,
        valid,
        total,
        earliest,
        msgid,
        params,
        rule_id,
        source,
        vaccine,
        reported,
        clinical_msgid,
        clinical,
    )
    result = _Result()
    result.prog, result.rule, result.fill, result.next, result.status = prog, rule, chosen, nxt, code
    return _Outcome(status, result, fills, True, rule_id, source)


def _not_offered(prog: _Programme, person: _Person, eligibility: str, group, collect: bool) -> _Outcome:
    """No rule offers the programme to this person. Still count what they had: someone outside the HPV
    programme who had a dose anyway is protected, and the nurse's evidence list needs the counting."""
    rule_id = group.id if group is not None else prog.not_offered_rule_id
    if not collect and person.by_antigen.keys().isdisjoint(prog.antigens):
        fills, valid = {}, 0  # no doses to count: the common case
    else:
        fills = _fill_programme(prog, (), person, collect)
        valid = min(fill.valid for fill in fills.values())
    source = group.source if group is not None else prog.source
    if prog.complete_if_any_dose and valid:
        reported = any(fill.self_reported for fill in fills.values())
        msgid = MSG_COMPLETE_HAD_ANYWAY
        status = _status(
            prog,
            COMPLETE,
            valid,
            valid,
            None,
            msgid,
            _NO_PARAMS,
            rule_id,
            source,
            None,
            reported,
            CL_COMPLETE_OUTSIDE,
            {"valid": valid},
        )
        return _Outcome(status, None, fills, False, rule_id, source)
    msgid, params, clinical_msgid, clinical = (
        MSG_NOT_ELIGIBLE_COHORT,
        _NO_PARAMS,
        CL_NOT_IN_COHORT,
        _NO_PARAMS,
    )
    if eligibility == "no" and group is not None:
        # Excluded on sex registered at birth: say from which birth date everyone is offered it.
        everyone = next((g for g in prog.eligible if g.sexes is None and g.born_from), None)
        if everyone is not None:
            msgid, params = MSG_NOT_ELIGIBLE_SEX_COHORT, {"date": everyone.born_from}
            clinical_msgid, clinical = CL_NOT_ELIGIBLE_SEX, params
            rule_id, source = everyone.id, everyone.source
    status = _status(
        prog,
        NOT_ELIGIBLE,
        valid,
        0,
        None,
        msgid,
        params,
        rule_id,
        source,
        None,
        False,
        clinical_msgid,
        clinical,
    )
    return _Outcome(status, None, fills, False, rule_id, source)


def _aged_out(prog, rule, valid, needed, rule_id, source, reported, limit_date) -> ProgrammeStatus:
    """Past the programme's upper age limit (or a course that would end after it). A course that was started
    and not finished says so: it is never "complete" and never just "not offered"."""
    if valid and limit_date is not None:
        msgid, params = MSG_NOT_FINISHED, _NO_PARAMS
        clinical = {"valid": valid, "needed": needed, "date": limit_date}
        return _status(
            prog,
            NOT_FINISHED,
            valid,
            needed,
            None,
            msgid,
            params,
            rule_id,
            source,
            None,
            reported,
            CL_NOT_FINISHED,
            clinical,
        )
    reason = rule.aged_out
    msgid, params = _AGED_OUT_MESSAGES[reason], _NO_PARAMS
    clinical_msgid = CL_OFFER_ENDED if reason == "offer_ended" else CL_AGED_OUT
    if reason == "age_limit":
        years = _years(rule.limit) if rule.limit is not None else None
        if years is None:
            msgid, clinical_msgid = MSG_NOT_ELIGIBLE_OFFER_ENDED, CL_OFFER_ENDED
        else:
            params = {"age": years}
    clinical = {"date": limit_date} if limit_date is not None else _NO_PARAMS
    if limit_date is None:
        clinical_msgid = CL_NOT_IN_COHORT
    return _status(
        prog,
        NOT_ELIGIBLE,
        valid,
        needed,
        None,
        msgid,
        params,
        rule_id,
        source,
        None,
        reported,
        clinical_msgid,
        clinical,
    )


def _too_late_to_start(prog, valid, needed, rule_id, source, reported, start_limit) -> ProgrammeStatus:
    return _status(
        prog,
        NOT_ELIGIBLE,
        valid,
        needed,
        None,
        MSG_TOO_LATE_TO_START,
        _NO_PARAMS,
        rule_id,
        source,
        None,
        reported,
        CL_TOO_LATE_TO_START,
        {"date": start_limit},
    )


def _not_finished(prog, fill: _Fill, rule_id, source, reported) -> ProgrammeStatus:
    """A course that needed a dose by an age that has passed. With no dose at all, it was never started."""
    valid = fill.valid
    if not fill.filled:
        return _too_late_to_start(
            prog, valid, valid + len(fill.remaining), rule_id, source, reported, fill.closed
        )
    needed = valid + len(fill.remaining)
    clinical = {"valid": valid, "needed": needed, "date": fill.closed}
    return _status(
        prog,
        NOT_FINISHED,
        valid,
        needed,
        None,
        MSG_NOT_FINISHED,
        _NO_PARAMS,
        rule_id,
        source,
        None,
        reported,
        CL_NOT_FINISHED,
        clinical,
    )


def _waiting_for_check(status: ProgrammeStatus, cat: _Catalogue) -> ProgrammeStatus:
    """The status of a programme whose answer would change if a dose the young person added were counted."""
    rule = cat.rules[SELF_REPORT_RULE]
    return ProgrammeStatus(
        status.programme_id,
        status.name_msgid,
        status.protects_against_msgid,
        UNKNOWN,
        status.valid_doses,
        status.doses_needed,
        status.next_due_date,
        MSG_ADDED_TO_CHECK,
        _NO_PARAMS,
        SELF_REPORT_RULE,
        rule.source,
        status.recommended_vaccine_id,
        True,
        CL_PENDING_SELF_REPORT,
        _NO_PARAMS,
    )


# --- Catch-up plan --------------------------------------------------------------------------------------


class _Chain:
    """The remaining catch-up doses of one programme, consumed visit by visit."""

    __slots__ = ("earliest", "last", "number", "position", "prog", "rule", "slots")

    def copy(self) -> _Chain:
        other = _Chain()
        other.prog, other.rule, other.slots = self.prog, self.rule, self.slots
        other.position, other.last, other.number = self.position, self.last, self.number
        return other


def _chain_earliest(chain: _Chain, ages: _Ages, today: date) -> date | None:
    """Earliest date for the chain's next dose, or None when the chain is finished. Skips slots that could
    no longer be given in time; stops at slots that are not behind schedule (the routine schedule takes over
    from there) and at the programme's age limit."""
    prog = chain.prog
    limit = chain.rule.limit
    limit_date = ages[limit] if limit is not None else None
    while chain.position < len(chain.slots):
        slot = chain.rule.slots[chain.slots[chain.position]]
        earliest = max(today, ages[prog.min_age])
        if slot.min_age is not None:
            earliest = max(earliest, ages[slot.min_age])
        if chain.last is not None:
            earliest = max(earliest, _gap_after(prog, slot, chain.last, ages))
        routine = ages[slot.due]
        if slot.catch_up_from is not None:
            routine = min(routine, ages[slot.catch_up_from])
        if routine > earliest:
            return None
        if slot.drop_after is not None and earliest >= ages[slot.drop_after]:
            chain.position += 1
            continue
        if limit_date is not None and earliest >= limit_date:
            return None
        return earliest
    return None


def _plan_visits(chains: list[_Chain], ages: _Ages, today: date, gap: int, gather: int):
    """Greedy: each visit gives every dose that is ready. ``gather`` > 0 lets a visit wait up to that many
    days for doses that become ready soon, which can save a visit.

    Returns (visits, near_miss): near_miss says some dose became ready less than ``gap`` days after a visit
    it missed — only then can waiting (a non-zero ``gather``) change the plan."""
    active = []
    for original in chains:
        chain = original.copy()
        # A chain's earliest date changes only when it gets a dose, so it is worked out once per dose.
        chain.earliest = _chain_earliest(chain, ages, today)
        if chain.earliest is not None:
            active.append(chain)
    visits: list[tuple[date, list[tuple[_Chain, int, str]]]] = []
    lower = today
    near_miss = False
    window = timedelta(days=gap)
    wait = timedelta(days=gather)
    for _ in range(32):  # a plan never needs this many visits; the bound only guards against a data loop
        if not active:
            break
        first = max(lower, min(chain.earliest for chain in active))
        visit_date = first
        if gather:
            visit_date = max([first] + [c.earliest for c in active if c.earliest <= first + wait])
        given = []
        for chain in active:
            if chain.earliest > visit_date:
                near_miss = near_miss or chain.earliest < visit_date + window
                continue
            slot = chain.rule.slots[chain.slots[chain.position]]
            given.append((chain, chain.number, _slot_vaccine(chain.prog, slot, ages, visit_date)))
            chain.last = visit_date
            chain.position += 1
            chain.number += 1
            chain.earliest = _chain_earliest(chain, ages, today)
        visits.append((visit_date, given))
        active = [chain for chain in active if chain.earliest is not None]
        lower = visit_date + window
    return visits, near_miss


def _cover(cat: _Catalogue, vaccine_ids: list[str]) -> dict[str, str]:
    """Map each vaccine to the one given instead: a vaccine whose antigens another one at the same visit
    already has is not given separately (MMR inside MMRV)."""
    if len(vaccine_ids) == 1:
        return {vaccine_ids[0]: vaccine_ids[0]}
    chosen: dict[str, str] = {}
    ordered = sorted(dict.fromkeys(vaccine_ids), key=lambda vid: -len(cat.vaccines[vid].antigens))
    kept: list[str] = []
    for vid in ordered:
        antigens = cat.vaccines[vid].antigens
        cover = next((other for other in kept if antigens <= cat.vaccines[other].antigens), None)
        if cover is None:
            kept.append(vid)
            chosen[vid] = vid
        else:
            chosen[vid] = cover
    return chosen


def _build_plan(cat: _Catalogue, results: list[_Result], person: _Person) -> tuple[CatchUpVisit, ...]:
    today = person.today
    chains = []
    for result in results:
        chain = _Chain()
        chain.prog, chain.rule = result.prog, result.rule
        start = result.fill.remaining.index(result.next.slot_index)
        chain.slots = tuple(result.fill.remaining[start:])
        chain.position, chain.last, chain.number = 0, result.fill.last, result.fill.valid + 1
        chains.append(chain)
    visits, near_miss = _plan_visits(chains, person.ages, today, cat.catch_up_gap, 0)
    if near_miss:
        # Waiting a little for a dose that is nearly ready may save a whole visit: fewest visits wins, then
        # the earlier finish (UKHSA: fewest visits, shortest time).
        waited, _ = _plan_visits(chains, person.ages, today, cat.catch_up_gap, cat.catch_up_gap)
        if waited and (len(waited), waited[-1][0]) < (len(visits), visits[-1][0]):
            visits = waited
    plan = []
    for number, (visit_date, given) in enumerate(visits, start=1):
        chosen = _cover(cat, [vid for _, _, vid in given])
        grouped: dict[str, list[tuple[str, int]]] = {}
        for chain, dose_number, vid in given:
            grouped.setdefault(chosen[vid], []).append((chain.prog.id, dose_number))
        # zip(*items) turns [(programme, dose number), ...] into (programmes, dose numbers).
        vaccines = tuple(
            PlannedVaccine(vid, cat.vaccines[vid].name, *map(tuple, zip(*items, strict=True)))
            for vid, items in grouped.items()
        )
        if number == 1 and visit_date <= today:
            msgid, params = MSG_VISIT_FIRST, {}
        else:
            msgid, params = MSG_VISIT_LATER, {"date": visit_date}
        plan.append(
            CatchUpVisit(
                number, visit_date, vaccines, msgid, params, cat.catch_up_rule_id, cat.catch_up_source
            )
        )
    return tuple(plan)


# --- Public functions -----------------------------------------------------------------------------------


def _check_arguments(date_of_birth: date, today: date, sex_at_birth: str | None, records_status: str) -> None:
    if today < date_of_birth:
        raise ValueError("today is before the date of birth")
    if sex_at_birth is not None and sex_at_birth not in SEXES:
        raise ValueError(f"sex_at_birth must be one of {SEXES} or None")
    if records_status not in RECORDS_STATUSES:
        raise ValueError(f"records_status must be one of {RECORDS_STATUSES}")


def evaluate(
    date_of_birth: date,
    doses: Sequence[Dose],
    today: date,
    sex_at_birth: str | None = None,
    records_status: str = "documented",
    with_plan: bool = True,
) -> ImmunisationReport:
    """Status of every programme and, when something is late or there are no records, the catch-up plan.
    ``with_plan=False`` leaves the plan out (an empty ``catch_up_plan``) for a reader that only counts what
    is missing, such as a staff list's readiness: planning the visits was a seventh of its time.

    Raises ValueError for impossible arguments (today before birth, unknown sex or records status); bad
    doses are skipped, not fatal, so a page can always show something — ``validate`` explains them."""
    _check_arguments(date_of_birth, today, sex_at_birth, records_status)
    cat = _catalogue()
    person = _prepare(cat, date_of_birth, doses, today, records_status, sex_at_birth)
    pending_antigens: set[str] = set()
    for antigens in person.pending.values():
        pending_antigens |= antigens
    with_pending = person.with_pending() if pending_antigens else None
    statuses = []
    late = []
    plan_needed = records_status == "none"
    to_check = 0
    for prog in cat.programmes:
        status, result = _evaluate_programme(prog, person, collect=False)[:2]
        if with_pending is not None and not pending_antigens.isdisjoint(prog.antigens):
            # A dose the young person added: if counting it would change the answer, the programme waits for a
            # nurse's check ("to check"); the plan still carries what is missing without it.
            counted = _evaluate_programme(prog, with_pending, collect=False).status
            if counted.status != status.status or (
                status.status != COMPLETE and counted.valid_doses != status.valid_doses
            ):
                status = _waiting_for_check(status, cat)
        statuses.append(status)
        if status.status == UNKNOWN:
            to_check += 1
        if result is None:
            continue
        if result.status in _LATE:
            late.append(result)
            plan_needed = plan_needed or result.status == OVERDUE
        elif result.status == NOT_YET_DUE and result.next.interval_bound and today >= result.next.overdue:
            # Part way through a catch-up course, waiting out an interval: the rest of the course belongs
            # in the plan even though nothing is due today.
            late.append(result)
            plan_needed = True
    # Records not looked at yet: a plan would rest on a guess about what is missing.
    if records_status == "not_checked":
        plan_needed = False
    plan = _build_plan(cat, late, person) if with_plan and plan_needed and late else ()

    # "2 vaccines to catch up" counts injections to ask for, not programmes: one MMRV serves MMR and
    # chickenpox, one 6-in-1 serves four programmes.
    wanted = [
        result_status.recommended_vaccine_id for result_status in statuses if result_status.status in _LATE
    ]
    to_catch_up = len(wanted) if len(wanted) < 2 else len(set(_cover(cat, wanted).values()))
    up_to_date = to_catch_up == 0 and to_check == 0
    if up_to_date:
        summary, plural, params = MSG_SUMMARY_UP_TO_DATE, None, {}
    elif to_catch_up:
        summary, plural, params = MSG_SUMMARY_CATCH_UP, MSG_SUMMARY_CATCH_UP_PLURAL, {"num": to_catch_up}
    else:
        summary, plural, params = MSG_SUMMARY_CHECK, MSG_SUMMARY_CHECK_PLURAL, {"num": to_check}
    return ImmunisationReport(
        date_of_birth=date_of_birth,
        today=today,
        records_status=records_status,
        programmes=tuple(statuses),
        catch_up_plan=plan,
        to_catch_up=to_catch_up,
        to_check=to_check,
        up_to_date=up_to_date,
        summary_msgid=summary,
        summary_plural_msgid=plural,
        summary_params=params,
        data_version=cat.data_version,
    )


def dose_evidence(
    date_of_birth: date,
    doses: Sequence[Dose],
    today: date,
    sex_at_birth: str | None = None,
    records_status: str = "documented",
) -> tuple[DoseEvidence, ...]:
    """For the nurse: each dose against each programme its vaccine serves, counted or not, which dose of the
    course it counted as, and why (with the rule and its source)."""
    _check_arguments(date_of_birth, today, sex_at_birth, records_status)
    cat = _catalogue()
    person = _prepare(cat, date_of_birth, doses, today, records_status, sex_at_birth)
    per_programme = {}
    for prog in cat.programmes:
        per_programme[prog.id] = _evaluate_programme(prog, person, collect=True)

    rows: list[DoseEvidence] = []
    for index, dose in enumerate(doses):
        if index in person.excluded:
            msgid, rule_id, source = person.excluded[index]
            rows.append(
                DoseEvidence(
                    index, dose.vaccine_id, dose.given_on, None, False, (), msgid, {}, rule_id, source
                )
            )
            continue
        if index in person.pending:
            rule = cat.rules[SELF_REPORT_RULE]
            rows.append(
                DoseEvidence(
                    index,
                    dose.vaccine_id,
                    dose.given_on,
                    None,
                    False,
                    (),
                    EV_WAITING_FOR_CHECK,
                    {},
                    SELF_REPORT_RULE,
                    rule.source,
                )
            )
            continue
        vaccine = cat.vaccines[dose.vaccine_id]
        if not vaccine.programme_ids:
            rows.append(
                DoseEvidence(
                    index,
                    dose.vaccine_id,
                    dose.given_on,
                    None,
                    False,
                    (),
                    EV_NOT_ROUTINE,
                    {},
                    RECORD_CHECK_RULE,
                    vaccine.source,
                )
            )
            continue
        for pid in vaccine.programme_ids:
            prog = cat.programme_index[pid]
            outcome = per_programme[pid]
            rows.append(_evidence_row(cat, prog, vaccine, index, dose, outcome))
    return tuple(rows)


def _evidence_row(
    cat: _Catalogue, prog: _Programme, vaccine: Vaccine, index: int, dose: Dose, outcome: _Outcome
) -> DoseEvidence:
    counted: list[str] = []
    counted_result = None
    refused = None
    extra = True
    for antigen in prog.antigens:
        if antigen not in vaccine.antigens:
            continue
        result = outcome.fills[antigen].outcomes.get(index)
        if result is None:
            continue
        if result[0]:
            counted.append(antigen)
            extra = extra and result[1] == EV_COUNTED_EXTRA
            if counted_result is None or (result[4] is not None and counted_result[4] is None):
                counted_result = result
        elif refused is None:
            refused = result

    def row(is_counted: bool, msgid: str, params=None, rule_key=None, counted_as=None) -> DoseEvidence:
        antigens = tuple(counted) if is_counted else ()
        rule_id, source = outcome.rule_id, outcome.source
        if rule_key is not None:
            rule_id = rule_key
            if rule_key == prog.opv_rule_id:
                source = prog.opv_source
            elif rule_key in cat.rules:
                source = cat.rules[rule_key].source
        return DoseEvidence(
            index,
            dose.vaccine_id,
            dose.given_on,
            prog.id,
            is_counted,
            antigens,
            msgid,
            params or {},
            rule_id,
            source,
            counted_as,
        )

    if not outcome.in_programme:
        if counted and prog.complete_if_any_dose:
            return row(True, EV_COUNTED)
        if refused is None:
            return row(False, EV_NOT_IN_PROGRAMME)
    if counted:
        if len(counted) < len(prog.antigens) and counted_result[1] in (EV_COUNTED_AS, EV_COUNTED_EXTRA):
            # Only some of the programme's diseases (DTP with no polio): that is the thing to say. A dose with
            # a more particular reason (an extra booster, a short interval) says that instead.
            return row(True, EV_COUNTED_PARTLY, None, None, counted_result[4])
        if extra:
            return row(True, EV_COUNTED_EXTRA)
        _ok, msgid, params, rule_key, counted_as = counted_result
        return row(True, msgid, params, rule_key, counted_as)
    if refused is not None:
        _ok, msgid, params, rule_key, _as = refused
        return row(False, msgid, params, rule_key)
    return row(False, EV_NOT_IN_PROGRAMME)


def validate_doses(date_of_birth: date, doses: Sequence[Dose], today: date) -> list[Problem]:
    """Problems with the recorded doses, for the form to show next to each field."""
    cat = _catalogue()
    problems: list[Problem] = []
    numbered: dict[str, list[tuple[date, int, int]]] = {}
    seen_days: set[tuple[str, date]] = set()
    for index, dose in enumerate(doses):
        prefix = f"doses[{index}]"
        if dose.vaccine_id not in cat.vaccines:
            problems.append(Problem(f"{prefix}.vaccine_id", V_UNKNOWN_VACCINE, {}))
        date_ok = False
        if dose.given_on < date_of_birth:
            problems.append(Problem(f"{prefix}.given_on", V_BEFORE_BIRTH, {"date_of_birth": date_of_birth}))
        elif dose.given_on > today:
            problems.append(Problem(f"{prefix}.given_on", V_IN_FUTURE, {}))
        else:
            date_ok = True
        if date_ok:
            day = (dose.vaccine_id, dose.given_on)
            if day in seen_days:
                problems.append(Problem(f"{prefix}.given_on", V_SAME_DAY_TWICE, {}))
            seen_days.add(day)
        number_ok = True
        if dose.dose_number is not None and not 1 <= dose.dose_number <= MAX_DOSE_NUMBER:
            problems.append(Problem(f"{prefix}.dose_number", V_DOSE_NUMBER_RANGE, {"max": MAX_DOSE_NUMBER}))
            number_ok = False
        if date_ok and number_ok and dose.dose_number is not None:
            numbered.setdefault(dose.vaccine_id, []).append((dose.given_on, dose.dose_number, index))
        if dose.where not in WHERE_OPTIONS:
            problems.append(Problem(f"{prefix}.where", V_WHERE, {}))
        if dose.source not in SOURCE_OPTIONS:
            problems.append(Problem(f"{prefix}.source", V_SOURCE, {}))
    # Dose numbers of the same vaccine must rise with the date. Checked per vaccine, not per programme:
    # records number doses per product ("Td/IPV dose 1" after three 6-in-1 doses), and that is not an error.
    for entries in numbered.values():
        entries.sort()
        highest: tuple[int, int] | None = None  # (dose number, index) of the highest number so far
        for _given, number, index in entries:
            if highest is not None:
                if number == highest[0]:
                    problems.append(
                        Problem(f"doses[{index}].dose_number", V_DOSE_NUMBER_REPEATED, {"number": number})
                    )
                elif number < highest[0]:
                    # A lower number dated after a higher one: flag the later record, which is the one to fix
                    # or re-date.
                    problems.append(
                        Problem(
                            f"doses[{index}].dose_number",
                            V_DOSE_NUMBER_ORDER,
                            {"number": number, "previous": highest[0]},
                        )
                    )
            if highest is None or number > highest[0]:
                highest = (number, index)
    return problems


def validate(
    date_of_birth: date,
    doses: Sequence[Dose],
    today: date,
    sex_at_birth: str | None = None,
    records_status: str = "documented",
) -> list[Problem]:
    """All input problems: the person's details, then each dose."""
    problems: list[Problem] = []
    if date_of_birth > today:
        problems.append(Problem("date_of_birth", V_DOB_IN_FUTURE, {}))
    if sex_at_birth is not None and sex_at_birth not in SEXES:
        problems.append(Problem("sex_at_birth", V_SEX, {}))
    if records_status not in RECORDS_STATUSES:
        problems.append(Problem("records_status", V_RECORDS_STATUS, {}))
    return problems + validate_doses(date_of_birth, doses, today)


def vaccine_choices() -> tuple[VaccineChoice, ...]:
    """The catalogue for a select: UK vaccines now, older UK vaccines, then vaccines given abroad."""
    cat = _catalogue()
    order = list(_GROUP_LABELS)
    ranked = sorted(cat.vaccines.values(), key=lambda v: order.index(v.group))
    return tuple(VaccineChoice(v.id, v.name, v.group, _GROUP_LABELS[v.group]) for v in ranked)


def get_vaccine(vaccine_id: str) -> Vaccine:
    """A catalogue entry; KeyError if there is none."""
    return _catalogue().vaccines[vaccine_id]


def programmes() -> tuple[ProgrammeInfo, ...]:
    """Every programme, in display order."""
    return tuple(ProgrammeInfo(p.id, p.name, p.protects_against, p.source) for p in _catalogue().programmes)


def target_diseases(vaccine_id: str) -> tuple[SnomedCode, ...]:
    """The SNOMED CT disease codes of the diseases a vaccine protects against, once each (four
    meningococcal groups are one disease code); antigens with no sourced code are left out."""
    cat = _catalogue()
    vaccine = cat.vaccines[vaccine_id]
    seen: dict[str, SnomedCode] = {}
    for antigen in sorted(vaccine.antigens):
        code = cat.antigen_codes.get(antigen)
        if code is not None and code.verified and code.code not in seen:
            seen[code.code] = code
    return tuple(seen.values())


def schedule_rules() -> dict[str, ScheduleRule]:
    """Every Green Book or UKHSA rule the schedule data records, by id, with its quote or reading."""
    return dict(_catalogue().rules)


def data_version() -> str:
    """The version of the schedule data in use (its effective date)."""
    return _catalogue().data_version


def translatable_strings() -> tuple[str, ...]:
    """Every plain-English string from the YAML data, for message extraction."""
    return _catalogue().strings


def message_ids() -> tuple[str, ...]:
    """Every msgid this module defines (its N_() strings)."""
    return tuple(
        value
        for name, value in globals().items()
        if isinstance(value, str) and name.startswith(("MSG_", "CL_", "EV_", "V_", "GROUP_"))
    )
