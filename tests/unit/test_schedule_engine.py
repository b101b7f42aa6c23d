"""The immunisation engine against the UK schedule and the UKHSA catch-up guidance.

Each case's id names the rule it checks and, in brackets, where the expected answer comes from. Every person
here is invented. The engine is pure, so these tests need no app, database or clock.
"""

from __future__ import annotations

import ast
import dataclasses
import itertools
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from passport.schedule import (
    Dose,
    data_version,
    dose_evidence,
    evaluate,
    explain,
    get_vaccine,
    message_ids,
    programmes,
    translatable_strings,
    vaccine_choices,
    validate,
    validate_doses,
)
from passport.schedule import engine as eng

DATA = Path(eng.__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def app_context():
    """Shadows the suite's autouse app-and-database fixture (tests/conftest.py): the engine is pure, and these
    tests must pass, fast, without an app or a database."""
    yield


# --- Invented histories ---------------------------------------------------------------------------------


def _on_birthday(born: date, years: int, months: int = 0, days: int = 0) -> date:
    return eng._resolve(born, ("A", years, months, days))


def _school_year(born: date, year_group: int, days: int = 30) -> date:
    return eng._school_year_start(born, year_group) + timedelta(days=days)


def uk_history(born: date, *, skip: tuple[str, ...] = (), sex_female: bool = True) -> list[Dose]:
    """A complete UK routine history for someone born 2006-2013 (5-in-1 era, MenC at 3 and 4 months,
    PCV 2+1), with named steps left out. ``hpv`` is given in Year 8, ``teen`` (Td/IPV and MenACWY) in
    Year 9."""
    steps = {
        "primary": [
            Dose("dtap_ipv_hib", born + timedelta(weeks=8), 1, "uk_gp"),
            Dose("dtap_ipv_hib", born + timedelta(weeks=12), 2, "uk_gp"),
            Dose("dtap_ipv_hib", born + timedelta(weeks=16), 3, "uk_gp"),
            Dose("menc", born + timedelta(weeks=12), 1, "uk_gp"),
            Dose("menc", born + timedelta(weeks=16), 2, "uk_gp"),
            Dose("pcv", born + timedelta(weeks=8), 1, "uk_gp"),
            Dose("pcv", born + timedelta(weeks=16), 2, "uk_gp"),
        ],
        "one_year": [
            Dose("hib_menc", _on_birthday(born, 1, days=7), 1, "uk_gp"),
            Dose("pcv", _on_birthday(born, 1, days=7), 3, "uk_gp"),
            Dose("mmr", _on_birthday(born, 1, days=7), 1, "uk_gp"),
        ],
        "preschool": [
            Dose("dtap_ipv", _on_birthday(born, 3, 4, 7), 1, "uk_gp"),
            Dose("mmr", _on_birthday(born, 3, 4, 7), 2, "uk_gp"),
        ],
        "hpv": [Dose("hpv", _school_year(born, 8), 1, "school")],
        "teen": [
            Dose("td_ipv", _school_year(born, 9), 1, "school"),
            Dose("menacwy", _school_year(born, 9), 1, "school"),
        ],
    }
    return [dose for name, doses in steps.items() if name not in skip for dose in doses]


def infant_2025(born: date, weeks: int = 16) -> list[Dose]:
    """The July 2025 infant schedule up to the given age: 6-in-1, MenB and rotavirus at 8 and 12 weeks,
    6-in-1 and PCV at 16 weeks."""
    doses = []
    for at, vaccines in (
        (8, ("dtap_ipv_hib_hepb", "menb", "rotavirus")),
        (12, ("dtap_ipv_hib_hepb", "menb", "rotavirus")),
        (16, ("dtap_ipv_hib_hepb", "pcv")),
    ):
        if at <= weeks:
            doses += [Dose(vaccine, born + timedelta(weeks=at), where="uk_gp") for vaccine in vaccines]
    return doses


BORN_2008 = date(2008, 6, 15)
FULL_2008 = uk_history(BORN_2008)
BORN_2009 = date(2009, 5, 15)
MISSING_TEEN_2009 = uk_history(BORN_2009, skip=("teen",))

BORN_2009_ABROAD = date(2009, 3, 10)
PARTIAL_FOREIGN_2009 = [
    Dose("dtp_hepb_hib", BORN_2009_ABROAD + timedelta(weeks=6), 1, "abroad", "imported"),
    Dose("dtp_hepb_hib", BORN_2009_ABROAD + timedelta(weeks=10), 2, "abroad", "imported"),
    Dose("dtp_hepb_hib", BORN_2009_ABROAD + timedelta(weeks=14), 3, "abroad", "imported"),
    Dose("opv", BORN_2009_ABROAD + timedelta(weeks=6), 1, "abroad", "imported"),
    Dose("opv", BORN_2009_ABROAD + timedelta(weeks=10), 2, "abroad", "imported"),
    Dose("opv", BORN_2009_ABROAD + timedelta(weeks=14), 3, "abroad", "imported"),
    # Measles at 9 months (before the first birthday: does not count), then MMR at 15 months.
    Dose("measles", date(2009, 12, 10), 1, "abroad", "imported"),
    Dose("mmr", date(2010, 6, 10), 2, "abroad", "imported"),
]

BORN_2001_APRIL = date(2001, 4, 10)  # 25th birthday: 10 April 2026
BORN_2025 = date(2025, 3, 10)


# --- The table ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    born: date
    doses: list[Dose]
    today: date
    programme: str
    status: str
    sex: str | None = None
    records: str = "documented"
    valid: int | None = None
    needed: int | None = None
    next_due: date | None = None
    msgid: str | None = None
    params: dict = field(default_factory=dict)
    rule: str | None = None
    vaccine: str | None = None


CASES = [
    # Fully immunised young person born 2008.
    Case(
        "dtp-polio-five-doses-lifelong-born-2008[Green Book ch.30]",
        BORN_2008,
        FULL_2008,
        date(2026, 1, 15),
        "dtp_polio",
        "complete",
        sex="female",
        valid=5,
        needed=5,
        msgid=eng.MSG_COMPLETE_LIFELONG,
        params={"count": 5},
        rule="dtp-polio-born-to-2024-06",
    ),
    Case(
        "mmr-two-doses-complete-born-2008[Green Book ch.21]",
        BORN_2008,
        FULL_2008,
        date(2026, 1, 15),
        "mmr",
        "complete",
        sex="female",
        valid=2,
        needed=2,
        msgid=eng.MSG_COMPLETE,
    ),
    Case(
        "menacwy-one-dose-in-year-9-complete-born-2008[Green Book ch.22]",
        BORN_2008,
        FULL_2008,
        date(2026, 1, 15),
        "menacwy",
        "complete",
        sex="female",
        valid=1,
        needed=1,
    ),
    Case(
        "hpv-one-dose-enough-since-september-2023-born-2008[UKHSA uncertain status, from 1 Sept 2023]",
        BORN_2008,
        FULL_2008,
        date(2026, 1, 15),
        "hpv",
        "complete",
        sex="female",
        valid=1,
        needed=1,
        rule="hpv-one-dose-from-2023-09",
    ),
    Case(
        "hib-booster-at-one-year-complete-born-2008[Green Book ch.16]",
        BORN_2008,
        FULL_2008,
        date(2026, 1, 15),
        "hib",
        "complete",
        sex="female",
        valid=4,
        needed=4,
    ),
    Case(
        "hepatitis-b-not-routine-for-born-before-august-2017[Green Book ch.18]",
        BORN_2008,
        FULL_2008,
        date(2026, 1, 15),
        "hepb",
        "not_eligible",
        sex="female",
        msgid=eng.MSG_NOT_ELIGIBLE_COHORT,
    ),
    # Born 2009, missing the teenage Td/IPV and MenACWY.
    Case(
        "teenage-td-ipv-missed-is-overdue-born-2009[Green Book ch.11, Year 9]",
        BORN_2009,
        MISSING_TEEN_2009,
        date(2026, 3, 1),
        "dtp_polio",
        "overdue",
        sex="male",
        valid=4,
        needed=5,
        next_due=date(2022, 9, 1),
        msgid=eng.MSG_OVERDUE_LAST,
        params={"had": 4, "total": 5},
        vaccine="td_ipv",
    ),
    Case(
        "teenage-menacwy-missed-is-overdue-born-2009[Green Book ch.22]",
        BORN_2009,
        MISSING_TEEN_2009,
        date(2026, 3, 1),
        "menacwy",
        "overdue",
        sex="male",
        valid=0,
        needed=1,
        msgid=eng.MSG_OVERDUE_SINGLE,
        vaccine="menacwy",
    ),
    # MMR rules.
    Case(
        "one-mmr-dose-only-second-dose-overdue[Green Book ch.21]",
        date(2010, 2, 1),
        [Dose("mmr", date(2011, 2, 10), 1)],
        date(2026, 2, 1),
        "mmr",
        "overdue",
        valid=1,
        needed=2,
        msgid=eng.MSG_OVERDUE_LAST,
        params={"had": 1, "total": 2},
    ),
    Case(
        "mmr-dose-before-first-birthday-does-not-count[Green Book ch.21]",
        date(2012, 3, 1),
        [Dose("mmr", date(2013, 2, 20), 1), Dose("mmr", date(2015, 7, 1), 2)],
        date(2026, 1, 1),
        "mmr",
        "overdue",
        valid=1,
        needed=2,
    ),
    Case(
        "mmr-second-dose-less-than-4-weeks-after-first-does-not-count[Green Book ch.21]",
        date(2012, 3, 1),
        [Dose("mmr", date(2013, 3, 10), 1), Dose("mmr", date(2013, 3, 24), 2)],
        date(2026, 1, 1),
        "mmr",
        "overdue",
        valid=1,
    ),
    # Two doses 4 weeks apart after the first birthday, but the second before 18 months and within 3 months
    # of the first: it counts, and a third dose is needed (this case expected "complete" before issue #17).
    Case(
        "mmr-two-doses-4-weeks-apart-but-second-early-needs-a-third[Green Book ch.21: mmr-early-second-dose]",
        date(2012, 3, 1),
        [Dose("mmr", date(2013, 3, 10), 1), Dose("mmr", date(2013, 4, 7), 2)],
        date(2026, 1, 1),
        "mmr",
        "overdue",
        valid=2,
        needed=3,
        msgid=eng.MSG_OVERDUE_LAST,
        params={"had": 2, "total": 3},
    ),
    Case(
        "mmr-two-doses-after-first-birthday-second-from-18-months-complete[Green Book ch.21]",
        date(2012, 3, 1),
        [Dose("mmr", date(2013, 3, 10), 1), Dose("mmr", date(2013, 9, 1), 2)],
        date(2026, 1, 1),
        "mmr",
        "complete",
        valid=2,
    ),
    Case(
        "measles-only-vaccine-abroad-leaves-mumps-uncovered[Green Book ch.21]",
        date(2010, 1, 1),
        [Dose("measles", date(2011, 2, 1), 1, "abroad"), Dose("measles", date(2012, 2, 1), 2, "abroad")],
        date(2026, 1, 1),
        "mmr",
        "overdue",
        valid=0,
    ),
    # A dose given too early does not count.
    Case(
        "six-in-one-before-6-weeks-old-does-not-count[Green Book ch.11, minimum age]",
        date(2025, 6, 1),
        [Dose("dtap_ipv_hib_hepb", date(2025, 6, 29), 1)],
        date(2025, 8, 20),
        "dtp_polio",
        "due",
        valid=0,
        next_due=date(2025, 7, 27),
        msgid=eng.MSG_DUE_SINGLE,
        rule="dtp-polio-born-from-2024-07",
    ),
    Case(
        "menacwy-dose-before-10th-birthday-does-not-count[DOMAIN.md; Green Book ch.22]",
        date(2012, 1, 1),
        [Dose("menacwy", date(2020, 1, 1), 1, "abroad")],
        date(2026, 1, 1),
        "menacwy",
        "due",
        valid=0,
        next_due=date(2025, 9, 1),
        msgid=eng.MSG_DUE_SINGLE,
    ),
    # Arrived aged 15 with no records.
    Case(
        "no-records-aged-15-assume-unimmunised-td-ipv[UKHSA uncertain status 2025]",
        date(2011, 2, 1),
        [],
        date(2026, 5, 1),
        "dtp_polio",
        "overdue",
        records="none",
        valid=0,
        needed=5,
        msgid=eng.MSG_OVERDUE_NO_RECORD,
        vaccine="td_ipv",
    ),
    Case(
        "no-records-aged-15-needs-two-mmr[UKHSA uncertain status 2025]",
        date(2011, 2, 1),
        [],
        date(2026, 5, 1),
        "mmr",
        "overdue",
        records="none",
        valid=0,
        needed=2,
    ),
    Case(
        "no-records-aged-12-menacwy-from-10th-birthday-not-year-9[UKHSA uncertain status 2025]",
        date(2014, 1, 10),
        [],
        date(2026, 5, 1),
        "menacwy",
        "due",
        records="none",
        next_due=date(2024, 1, 10),
        msgid=eng.MSG_DUE_SINGLE,
    ),
    Case(
        "documented-history-aged-12-menacwy-waits-for-year-9[Green Book ch.22]",
        date(2014, 1, 10),
        [],
        date(2026, 5, 1),
        "menacwy",
        "not_yet_due",
        next_due=date(2027, 9, 1),
        msgid=eng.MSG_FIRST_DUE_ON,
        params={"date": date(2027, 9, 1)},
    ),
    Case(
        "no-records-self-reported-doses-not-relied-on[UKHSA uncertain status 2025]",
        date(2011, 2, 1),
        [
            Dose("mmr", date(2012, 3, 1), 1, source="self_reported"),
            Dose("mmr", date(2015, 6, 1), 2, source="self_reported"),
        ],
        date(2026, 5, 1),
        "mmr",
        "overdue",
        records="none",
        valid=0,
    ),
    # Issue #16: a dose the young person adds counts once a nurse checks it. Before, these counted at once.
    Case(
        "documented-self-reported-doses-wait-for-a-nurse[issue #16: self-reported-dose-waits-for-check]",
        date(2011, 2, 1),
        [
            Dose("mmr", date(2012, 3, 1), 1, source="self_reported"),
            Dose("mmr", date(2015, 6, 1), 2, source="self_reported"),
        ],
        date(2026, 5, 1),
        "mmr",
        "unknown",
        valid=0,
        msgid=eng.MSG_ADDED_TO_CHECK,
        rule="self-reported-dose-waits-for-check",
    ),
    Case(
        "the-same-doses-checked-by-a-nurse-count[UKHSA uncertain status 2025: documented history]",
        date(2011, 2, 1),
        [Dose("mmr", date(2012, 3, 1), 1), Dose("mmr", date(2015, 6, 1), 2)],
        date(2026, 5, 1),
        "mmr",
        "complete",
        valid=2,
    ),
    Case(
        "records-not-checked-gives-unknown-not-overdue[DOMAIN.md: uncertain history]",
        BORN_2009,
        [],
        date(2026, 3, 1),
        "dtp_polio",
        "unknown",
        records="not_checked",
        msgid=eng.MSG_UNKNOWN_NOT_CHECKED,
    ),
    # Arrived aged 17 with a partial foreign record: resume, never restart.
    Case(
        "partial-foreign-record-td-ipv-resumes-at-dose-4[UKHSA uncertain status 2025: resume]",
        BORN_2009_ABROAD,
        PARTIAL_FOREIGN_2009,
        date(2026, 6, 1),
        "dtp_polio",
        "overdue",
        sex="male",
        valid=3,
        needed=5,
        msgid=eng.MSG_OVERDUE_NEXT,
        params={"had": 3, "total": 5},
        vaccine="td_ipv",
    ),
    Case(
        "partial-foreign-record-mmr-resumes-at-dose-2[UKHSA uncertain status 2025: resume]",
        BORN_2009_ABROAD,
        PARTIAL_FOREIGN_2009,
        date(2026, 6, 1),
        "mmr",
        "overdue",
        sex="male",
        valid=1,
        needed=2,
        params={"had": 1, "total": 2},
    ),
    # Three of the four whooping-cough doses, and too old for the fourth: the course is "not finished", not
    # simply "not offered" (issue #17).
    Case(
        "pertussis-not-given-from-10th-birthday-course-not-finished[UKHSA uncertain status 2025]",
        BORN_2009_ABROAD,
        PARTIAL_FOREIGN_2009,
        date(2026, 6, 1),
        "pertussis",
        "not_finished",
        sex="male",
        valid=3,
        needed=4,
        msgid=eng.MSG_NOT_FINISHED,
    ),
    # Polio: oral polio after April 2016 does not count.
    Case(
        "oral-polio-abroad-after-april-2016-not-counted[DOMAIN.md; Green Book ch.26]",
        date(2016, 1, 10),
        [
            Dose("dtp_hepb_hib", date(2016, 2, 21), 1, "abroad"),
            Dose("dtp_hepb_hib", date(2016, 3, 20), 2, "abroad"),
            Dose("dtp_hepb_hib", date(2016, 4, 17), 3, "abroad"),
            Dose("opv", date(2016, 5, 1), 1, "abroad"),
            Dose("opv", date(2016, 6, 1), 2, "abroad"),
            Dose("opv", date(2016, 7, 1), 3, "abroad"),
        ],
        date(2026, 1, 1),
        "dtp_polio",
        "overdue",
        valid=0,
        needed=5,
    ),
    Case(
        "oral-polio-before-2016-counts[Green Book ch.26]",
        date(2010, 1, 10),
        [
            Dose("dtp_hepb_hib", date(2010, 2, 21), 1, "abroad"),
            Dose("dtp_hepb_hib", date(2010, 3, 21), 2, "abroad"),
            Dose("dtp_hepb_hib", date(2010, 4, 18), 3, "abroad"),
            Dose("opv", date(2010, 2, 21), 1, "abroad"),
            Dose("opv", date(2010, 3, 21), 2, "abroad"),
            Dose("opv", date(2010, 4, 18), 3, "abroad"),
        ],
        date(2026, 1, 1),
        "dtp_polio",
        "overdue",
        valid=3,
        params={"had": 3, "total": 5},
    ),
    Case(
        "td-ipv-first-booster-5-years-after-primary-from-age-10[Green Book ch.30]",
        date(2008, 1, 1),
        [
            Dose("td_ipv", date(2024, 1, 1), 1),
            Dose("td_ipv", date(2024, 2, 1), 2),
            Dose("td_ipv", date(2024, 3, 1), 3),
        ],
        date(2026, 1, 1),
        "dtp_polio",
        "not_yet_due",
        valid=3,
        next_due=date(2029, 3, 1),
        msgid=eng.MSG_NEXT_FROM,
        params={"date": date(2029, 3, 1)},
    ),
    # MenACWY and HPV end at the 25th birthday.
    Case(
        "menacwy-still-offered-day-before-25th-birthday[Green Book ch.22]",
        BORN_2001_APRIL,
        [],
        date(2026, 4, 9),
        "menacwy",
        "overdue",
    ),
    Case(
        "menacwy-not-offered-on-25th-birthday[Green Book ch.22]",
        BORN_2001_APRIL,
        [],
        date(2026, 4, 10),
        "menacwy",
        "not_eligible",
        msgid=eng.MSG_NOT_ELIGIBLE_AGE_LIMIT,
        params={"age": 25},
    ),
    Case(
        "hpv-still-offered-day-before-25th-birthday[Green Book ch.18a]",
        BORN_2001_APRIL,
        [],
        date(2026, 4, 9),
        "hpv",
        "overdue",
        sex="female",
    ),
    Case(
        "hpv-not-offered-on-25th-birthday[Green Book ch.18a]",
        BORN_2001_APRIL,
        [],
        date(2026, 4, 10),
        "hpv",
        "not_eligible",
        sex="female",
        msgid=eng.MSG_NOT_ELIGIBLE_AGE_LIMIT,
        params={"age": 25},
    ),
    # HPV and sex registered at birth.
    Case(
        "hpv-boy-born-2005-not-eligible[Green Book ch.18a: boys born on or after 1 Sept 2006]",
        date(2005, 5, 5),
        [],
        date(2026, 1, 1),
        "hpv",
        "not_eligible",
        sex="male",
        msgid=eng.MSG_NOT_ELIGIBLE_SEX_COHORT,
        params={"date": date(2006, 9, 1)},
        rule="hpv-eligible-everyone-born-from-2006-09",
    ),
    Case(
        "hpv-boy-born-31-august-2006-not-eligible[Green Book ch.18a]",
        date(2006, 8, 31),
        [],
        date(2026, 1, 1),
        "hpv",
        "not_eligible",
        sex="male",
    ),
    Case(
        "hpv-boy-born-1-september-2006-eligible[Green Book ch.18a]",
        date(2006, 9, 1),
        [],
        date(2026, 1, 1),
        "hpv",
        "overdue",
        sex="male",
        next_due=date(2019, 9, 1),
    ),
    Case(
        "hpv-sex-not-recorded-born-2005-unknown-never-a-guess[DOMAIN.md: rules that trip engines]",
        date(2005, 5, 5),
        [],
        date(2026, 1, 1),
        "hpv",
        "unknown",
        sex=None,
        msgid=eng.MSG_UNKNOWN_SEX,
        rule="hpv-eligible-registered-female-born-from-1991-09",
    ),
    Case(
        "hpv-sex-not-recorded-born-2007-not-needed[Green Book ch.18a]",
        date(2007, 3, 3),
        [],
        date(2026, 1, 1),
        "hpv",
        "overdue",
        sex=None,
    ),
    Case(
        "hpv-sex-not-recorded-but-dose-given-complete[UKHSA uncertain status, from 1 Sept 2023]",
        date(2005, 5, 5),
        [Dose("hpv", date(2018, 1, 1), 1, "school")],
        date(2026, 1, 1),
        "hpv",
        "complete",
        sex=None,
    ),
    Case(
        "hpv-two-dose-rule-before-september-2023[Green Book ch.18a]",
        date(2008, 1, 1),
        [Dose("hpv", date(2020, 10, 1), 1, "school")],
        date(2022, 1, 1),
        "hpv",
        "due",
        sex="female",
        valid=1,
        needed=2,
        next_due=date(2021, 4, 1),
        rule="hpv-two-doses-2014-to-2023",
    ),
    # MMR to MMRV, and babies.
    Case(
        "baby-born-2025-gets-mmrv-at-one-year[UKHSA MMRV letter Oct 2025, Table 1]",
        BORN_2025,
        infant_2025(BORN_2025),
        date(2026, 3, 20),
        "mmr",
        "due",
        next_due=date(2026, 3, 10),
        vaccine="mmrv",
        rule="mmr-born-from-2025",
    ),
    Case(
        "baby-born-2025-chickenpox-first-dose-at-one-year[UKHSA MMRV letter Oct 2025, Table 1]",
        BORN_2025,
        infant_2025(BORN_2025),
        date(2026, 3, 20),
        "varicella",
        "due",
        vaccine="mmrv",
    ),
    Case(
        "baby-born-2025-second-mmrv-at-18-months[UKHSA MMRV letter Oct 2025, Table 1]",
        BORN_2025,
        [*infant_2025(BORN_2025), Dose("mmrv", date(2026, 3, 12))],
        date(2026, 5, 1),
        "mmr",
        "not_yet_due",
        valid=1,
        next_due=date(2026, 9, 10),
        msgid=eng.MSG_NEXT_DUE_ON,
    ),
    Case(
        "born-march-2024-mmrv-replaces-mmr-at-3-years-4-months[UKHSA MMRV letter Oct 2025, Table 1]",
        date(2024, 3, 10),
        [Dose("mmr", date(2025, 3, 15), 1)],
        date(2026, 6, 1),
        "mmr",
        "not_yet_due",
        next_due=date(2027, 7, 10),
        vaccine="mmrv",
        rule="mmr-born-2022-09-to-2024-06",
    ),
    Case(
        "born-2019-not-in-chickenpox-programme[UKHSA MMRV letter Oct 2025, Table 1]",
        date(2019, 6, 1),
        [],
        date(2026, 6, 1),
        "varicella",
        "not_eligible",
        msgid=eng.MSG_NOT_ELIGIBLE_COHORT,
    ),
    Case(
        "born-2021-selective-chickenpox-catch-up-from-november-2026[UKHSA MMRV letter Oct 2025]",
        date(2021, 5, 1),
        [],
        date(2026, 6, 1),
        "varicella",
        "not_yet_due",
        next_due=date(2026, 11, 1),
        msgid=eng.MSG_FIRST_DUE_ON,
    ),
    Case(
        "born-2021-selective-chickenpox-catch-up-offered-if-no-chickenpox[UKHSA MMRV letter Oct 2025]",
        date(2021, 5, 1),
        [],
        date(2027, 1, 1),
        "varicella",
        "due",
        msgid=eng.MSG_DUE_IF_NO_CHICKENPOX,
    ),
    Case(
        "born-2021-selective-chickenpox-catch-up-ends-march-2028[UKHSA MMRV letter Oct 2025]",
        date(2021, 5, 1),
        [],
        date(2028, 4, 1),
        "varicella",
        "not_eligible",
        msgid=eng.MSG_NOT_ELIGIBLE_OFFER_ENDED,
    ),
    Case(
        "born-july-2024-new-18-month-six-in-one-dose[UKHSA Annexe A, April 2025]",
        date(2024, 8, 1),
        infant_2025(date(2024, 8, 1)),
        date(2026, 1, 15),
        "dtp_polio",
        "not_yet_due",
        valid=3,
        needed=6,
        next_due=date(2026, 2, 1),
        rule="dtp-polio-born-from-2024-07",
    ),
    Case(
        "born-march-2024-hib-menc-booster-at-one-year-overdue[Green Book ch.16; Annexe A]",
        date(2024, 3, 1),
        [d for d in infant_2025(date(2024, 3, 1)) if d.vaccine_id == "dtap_ipv_hib_hepb"],
        date(2025, 6, 1),
        "hib",
        "overdue",
        valid=3,
        needed=4,
        vaccine="hib_menc",
    ),
    Case(
        "born-july-2024-no-hib-menc-in-infancy[UKHSA Annexe A, April 2025]",
        date(2024, 8, 1),
        infant_2025(date(2024, 8, 1)),
        date(2026, 1, 15),
        "menc",
        "not_eligible",
        msgid=eng.MSG_NOT_ELIGIBLE_COHORT,
    ),
    Case(
        "rotavirus-never-started-after-15-weeks[Green Book ch.27b]",
        date(2025, 1, 1),
        [],
        date(2025, 5, 1),
        "rotavirus",
        "not_eligible",
        msgid=eng.MSG_TOO_LATE_TO_START,
    ),
    Case(
        "pcv-late-starter-needs-one-dose-after-first-birthday[UKHSA uncertain status 2025, 1 to 2 years]",
        date(2024, 5, 1),
        [],
        date(2025, 8, 1),
        "pcv",
        "overdue",
        needed=1,
        msgid=eng.MSG_OVERDUE_SINGLE,
    ),
    Case(
        "menb-late-starter-needs-two-doses-after-first-birthday[UKHSA uncertain status 2025, 1 to 2 years]",
        date(2024, 5, 1),
        [],
        date(2025, 8, 1),
        "menb",
        "overdue",
        needed=2,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_programme_status(case: Case):
    report = evaluate(case.born, case.doses, case.today, sex_at_birth=case.sex, records_status=case.records)
    status = report.programme(case.programme)
    assert status.status == case.status, explain(status.explanation_msgid, status.explanation_params)
    if case.valid is not None:
        assert status.valid_doses == case.valid
    if case.needed is not None:
        assert status.doses_needed == case.needed
    if case.next_due is not None:
        assert status.next_due_date == case.next_due
    if case.msgid is not None:
        assert status.explanation_msgid == case.msgid
    if case.params:
        assert status.explanation_params == case.params
    if case.rule is not None:
        assert status.rule_id == case.rule
    if case.vaccine is not None:
        assert status.recommended_vaccine_id == case.vaccine
    # Every result names its rule and its source, and explains itself in one sentence.
    assert status.rule_id and status.source.title
    sentence = explain(status.explanation_msgid, status.explanation_params)
    assert sentence.endswith(".") and sentence.count(". ") == 0


def test_the_table_is_big_enough_and_cites_a_source_in_every_case():
    assert len(CASES) >= 30
    assert all(re.search(r"\[[^\]]+\]$", case.id) for case in CASES)
    assert len({case.id for case in CASES}) == len(CASES)


# --- The Green Book table (issue #17) --------------------------------------------------------------------
# Each case is written from the rule it cites (the rule's id in schedule.yaml `rules`, or a programme rule
# id), with its dates worked out by hand, not read back from the engine. Every upper and lower age limit is
# tried the day before and the day it applies. Births are chosen so the arithmetic is easy to check:
#   born 2025-01-06: 6 weeks 2025-02-17, 8w 03-03, 12w 03-31, 15w 04-21, 16w 04-28, 24w 06-23
#   born 2012-03-01: 1st birthday 2013-03-01, 18 months 2013-09-01, 3y4m 2015-07-01
#   born 2010-01-10 (school cohort 2009/10): Y9 starts 2023-09-01, Y10 2024-09-01, 3rd birthday 2013-01-10


@dataclass(frozen=True)
class RuleCase(Case):
    cites: str = ""  # the rule the expected answer comes from (an id in schedule.yaml)


BORN_ROTA = date(2025, 1, 6)
BORN_MMR = date(2012, 3, 1)
BORN_ABROAD_2010 = date(2010, 1, 10)
PRIMARY_ABROAD_2010 = [
    Dose("dtp_hepb_hib", date(2010, 2, 21), 1, "abroad"),
    Dose("dtp_hepb_hib", date(2010, 3, 21), 2, "abroad"),
    Dose("dtp_hepb_hib", date(2010, 4, 18), 3, "abroad"),
    Dose("ipv", date(2010, 2, 21), 1, "abroad"),
    Dose("ipv", date(2010, 3, 21), 2, "abroad"),
    Dose("ipv", date(2010, 4, 18), 3, "abroad"),
]
BORN_INFANT_2025 = date(2025, 6, 2)  # 8 weeks: 2025-07-28
BORN_HIB = date(2008, 6, 15)  # 1st birthday 2009-06-15, 13 months 2009-07-15, 10th birthday 2018-06-15
HIB_PRIMARY = [
    Dose("dtap_ipv_hib", date(2008, 8, 10), 1),
    Dose("dtap_ipv_hib", date(2008, 9, 7), 2),
    Dose("dtap_ipv_hib", date(2008, 10, 5), 3),
]
BORN_PCV = date(2018, 5, 10)  # 8w 2018-07-05, 16w 2018-08-30, 1st birthday 2019-05-10, 2nd 2020-05-10
BORN_TEN = date(2016, 3, 1)  # 10th birthday 2026-03-01
PRIMARY_2016 = [
    Dose("dtap_ipv_hib", date(2016, 4, 26), 1),
    Dose("dtap_ipv_hib", date(2016, 5, 24), 2),
    Dose("dtap_ipv_hib", date(2016, 6, 21), 3),
]

GREEN_BOOK_CASES = [
    # ---- Rotavirus: first dose before 15 weeks, second before 24 weeks; an unfinished course is closed ----
    RuleCase(
        "rotavirus-no-dose-day-before-15-weeks-still-offered",
        BORN_ROTA,
        [],
        date(2025, 4, 20),
        "rotavirus",
        "overdue",
        msgid=eng.MSG_OVERDUE_SINGLE,
        cites="rotavirus-age-limits",
    ),
    RuleCase(
        "rotavirus-no-dose-at-15-weeks-too-late-to-start",
        BORN_ROTA,
        [],
        date(2025, 4, 21),
        "rotavirus",
        "not_eligible",
        msgid=eng.MSG_TOO_LATE_TO_START,
        cites="rotavirus-age-limits",
    ),
    RuleCase(
        "rotavirus-one-dose-day-before-24-weeks-second-still-due",
        BORN_ROTA,
        [Dose("rotavirus", date(2025, 3, 3), 1)],
        date(2025, 6, 22),
        "rotavirus",
        "overdue",
        valid=1,
        needed=2,
        msgid=eng.MSG_OVERDUE_LAST,
        params={"had": 1, "total": 2},
        cites="rotavirus-age-limits",
    ),
    RuleCase(
        "rotavirus-one-dose-at-24-weeks-not-finished-never-complete",
        BORN_ROTA,
        [Dose("rotavirus", date(2025, 3, 3), 1)],
        date(2025, 6, 23),
        "rotavirus",
        "not_finished",
        valid=1,
        needed=2,
        msgid=eng.MSG_NOT_FINISHED,
        cites="course-not-finished",
    ),
    RuleCase(
        "rotavirus-second-dose-day-before-24-weeks-counts",
        BORN_ROTA,
        [Dose("rotavirus", date(2025, 3, 3), 1), Dose("rotavirus", date(2025, 6, 22), 2)],
        date(2025, 7, 1),
        "rotavirus",
        "complete",
        valid=2,
        cites="rotavirus-age-limits",
    ),
    RuleCase(
        "rotavirus-second-dose-at-24-weeks-does-not-count",
        BORN_ROTA,
        [Dose("rotavirus", date(2025, 3, 3), 1), Dose("rotavirus", date(2025, 6, 23), 2)],
        date(2025, 7, 1),
        "rotavirus",
        "not_finished",
        valid=1,
        msgid=eng.MSG_NOT_FINISHED,
        cites="rotavirus-age-limits",
    ),
    RuleCase(
        "rotavirus-late-first-dose-is-dose-1-not-dose-2",
        BORN_ROTA,
        [Dose("rotavirus", date(2025, 4, 28), 1)],
        date(2025, 5, 5),
        "rotavirus",
        "not_yet_due",
        valid=1,
        needed=2,
        next_due=date(2025, 5, 26),
        msgid=eng.MSG_NEXT_FROM,
        params={"date": date(2025, 5, 26)},
        cites="rotavirus-late-first-dose",
    ),
    RuleCase(
        "rotavirus-late-first-dose-second-cannot-fit-before-24-weeks",
        BORN_ROTA,
        [Dose("rotavirus", date(2025, 6, 2), 1)],
        date(2025, 6, 10),
        "rotavirus",
        "not_finished",
        valid=1,
        msgid=eng.MSG_NOT_FINISHED,
        cites="course-not-finished",
    ),
    RuleCase(
        "rotavirus-dose-before-6-weeks-does-not-count",
        BORN_ROTA,
        [Dose("rotavirus", date(2025, 2, 10), 1)],
        date(2025, 3, 5),
        "rotavirus",
        "due",
        valid=0,
        msgid=eng.MSG_DUE_SINGLE,
        cites="primary-from-six-weeks",
    ),
    # ---- MMR: from the first birthday; an early second dose needs a third ----
    RuleCase(
        "mmr-day-before-first-birthday-does-not-count",
        BORN_MMR,
        [Dose("mmr", date(2013, 2, 28), 1), Dose("mmr", date(2014, 3, 1), 2)],
        date(2026, 1, 1),
        "mmr",
        "overdue",
        valid=1,
        needed=2,
        msgid=eng.MSG_OVERDUE_LAST,
        params={"had": 1, "total": 2},
        cites="mmr-from-first-birthday",
    ),
    RuleCase(
        "mmr-on-first-birthday-counts",
        BORN_MMR,
        [Dose("mmr", date(2013, 3, 1), 1), Dose("mmr", date(2015, 7, 1), 2)],
        date(2026, 1, 1),
        "mmr",
        "complete",
        valid=2,
        cites="mmr-from-first-birthday",
    ),
    RuleCase(
        "mmr-second-dose-on-the-day-of-18-months-counts",
        BORN_MMR,
        [Dose("mmr", date(2013, 8, 1), 1), Dose("mmr", date(2013, 9, 1), 2)],
        date(2026, 1, 1),
        "mmr",
        "complete",
        valid=2,
        cites="mmr-early-second-dose",
    ),
    RuleCase(
        "mmr-second-dose-day-before-18-months-and-within-3-months-needs-a-third",
        BORN_MMR,
        [Dose("mmr", date(2013, 8, 1), 1), Dose("mmr", date(2013, 8, 31), 2)],
        date(2026, 1, 1),
        "mmr",
        "overdue",
        valid=2,
        needed=3,
        msgid=eng.MSG_OVERDUE_LAST,
        params={"had": 2, "total": 3},
        cites="mmr-early-second-dose",
    ),
    RuleCase(
        "mmr-second-dose-exactly-3-months-after-the-first-counts",
        BORN_MMR,
        [Dose("mmr", date(2013, 3, 10), 1), Dose("mmr", date(2013, 6, 10), 2)],
        date(2026, 1, 1),
        "mmr",
        "complete",
        valid=2,
        cites="mmr-early-second-dose",
    ),
    RuleCase(
        "mmr-second-dose-a-day-under-3-months-needs-a-third",
        BORN_MMR,
        [Dose("mmr", date(2013, 3, 10), 1), Dose("mmr", date(2013, 6, 9), 2)],
        date(2026, 1, 1),
        "mmr",
        "overdue",
        valid=2,
        needed=3,
        cites="mmr-early-second-dose",
    ),
    RuleCase(
        "mmr-early-second-dose-then-pre-school-dose-complete",
        BORN_MMR,
        [
            Dose("mmr", date(2013, 3, 10), 1),
            Dose("mmr", date(2013, 4, 7), 2),
            Dose("mmr", date(2015, 7, 1), 3),
        ],
        date(2026, 1, 1),
        "mmr",
        "complete",
        valid=3,
        needed=3,
        cites="mmr-early-second-dose",
    ),
    RuleCase(
        "mmr-early-second-dose-third-not-due-until-pre-school",
        BORN_MMR,
        [Dose("mmr", date(2013, 3, 10), 1), Dose("mmr", date(2013, 4, 7), 2)],
        date(2014, 1, 1),
        "mmr",
        "not_yet_due",
        valid=2,
        needed=3,
        next_due=date(2015, 7, 1),
        cites="mmr-early-second-dose",
    ),
    RuleCase(
        "mmr-27-days-apart-no-allowance-for-a-live-vaccine",
        BORN_MMR,
        [Dose("mmr", date(2013, 3, 10), 1), Dose("mmr", date(2013, 4, 6), 2)],
        date(2026, 1, 1),
        "mmr",
        "overdue",
        valid=1,
        cites="mmr-from-first-birthday",
    ),
    # ---- A primary course a few days short still counts (the allowance), more does not ----
    RuleCase(
        "six-in-one-interval-3-days-short-counts",
        BORN_INFANT_2025,
        [
            Dose("dtap_ipv_hib_hepb", date(2025, 7, 28), 1),
            Dose("dtap_ipv_hib_hepb", date(2025, 8, 22), 2),
            Dose("dtap_ipv_hib_hepb", date(2025, 9, 19), 3),
        ],
        date(2025, 10, 1),
        "dtp_polio",
        "not_yet_due",
        valid=3,
        needed=6,
        next_due=date(2026, 12, 2),
        cites="short-interval-allowance",
    ),
    RuleCase(
        "six-in-one-interval-4-days-short-counts",
        BORN_INFANT_2025,
        [
            Dose("dtap_ipv_hib_hepb", date(2025, 7, 28), 1),
            Dose("dtap_ipv_hib_hepb", date(2025, 8, 21), 2),
            Dose("dtap_ipv_hib_hepb", date(2025, 9, 18), 3),
        ],
        date(2025, 10, 1),
        "hib",
        "not_yet_due",
        valid=3,
        cites="short-interval-allowance",
    ),
    RuleCase(
        "six-in-one-interval-5-days-short-does-not-count",
        BORN_INFANT_2025,
        [
            Dose("dtap_ipv_hib_hepb", date(2025, 7, 28), 1),
            Dose("dtap_ipv_hib_hepb", date(2025, 8, 20), 2),
            Dose("dtap_ipv_hib_hepb", date(2025, 9, 17), 3),
        ],
        date(2025, 10, 1),
        "dtp_polio",
        "not_yet_due",
        valid=2,
        next_due=date(2025, 10, 15),
        msgid=eng.MSG_NEXT_FROM,
        params={"date": date(2025, 10, 15)},
        cites="primary-four-weeks-apart",
    ),
    RuleCase(
        "six-in-one-interval-5-days-short-hepatitis-b-too",
        BORN_INFANT_2025,
        [
            Dose("dtap_ipv_hib_hepb", date(2025, 7, 28), 1),
            Dose("dtap_ipv_hib_hepb", date(2025, 8, 20), 2),
        ],
        # Dose 2 was due at 12 weeks (25 August) and late from 16 weeks (22 September).
        date(2025, 10, 1),
        "hepb",
        "overdue",
        valid=1,
        needed=4,
        cites="primary-four-weeks-apart",
    ),
    # ---- Doses given abroad map onto the UK schedule; a booster too early is an extra dose ----
    RuleCase(
        "booster-at-18-months-abroad-is-not-the-pre-school-booster",
        BORN_ABROAD_2010,
        [*PRIMARY_ABROAD_2010, Dose("dtp", date(2011, 7, 10), 4, "abroad")],
        date(2026, 1, 1),
        "dtp_polio",
        "overdue",
        valid=4,
        needed=6,
        msgid=eng.MSG_OVERDUE_NEXT,
        params={"had": 4, "total": 6},
        vaccine="td_ipv",
        cites="preschool-booster-from-3-years",
    ),
    RuleCase(
        "booster-at-18-months-then-at-5-years-abroad-teenage-booster-still-needed",
        BORN_ABROAD_2010,
        [
            *PRIMARY_ABROAD_2010,
            Dose("dtp", date(2011, 7, 10), 4, "abroad"),
            Dose("td", date(2015, 1, 10), 5, "abroad"),
            Dose("ipv", date(2015, 1, 10), 4, "abroad"),
        ],
        date(2026, 1, 1),
        "dtp_polio",
        "overdue",
        valid=5,
        needed=6,
        msgid=eng.MSG_OVERDUE_LAST,
        params={"had": 5, "total": 6},
        cites="transfer-onto-uk-schedule",
    ),
    RuleCase(
        "second-booster-under-5-years-after-the-first-is-an-extra-dose",
        BORN_ABROAD_2010,
        [
            *PRIMARY_ABROAD_2010,
            Dose("dtap_ipv", date(2014, 1, 10), 4, "abroad"),
            Dose("td_ipv", date(2017, 1, 10), 5, "abroad"),
        ],
        date(2026, 1, 1),
        "dtp_polio",
        "overdue",
        valid=5,
        needed=6,
        next_due=date(2023, 9, 1),
        vaccine="td_ipv",
        cites="boosters-five-years-apart",
    ),
    RuleCase(
        "second-booster-exactly-5-years-after-the-first-counts",
        BORN_ABROAD_2010,
        [
            *PRIMARY_ABROAD_2010,
            Dose("dtap_ipv", date(2014, 1, 10), 4, "abroad"),
            Dose("td_ipv", date(2019, 1, 10), 5, "abroad"),
        ],
        date(2026, 1, 1),
        "dtp_polio",
        "complete",
        valid=5,
        msgid=eng.MSG_COMPLETE_LIFELONG,
        params={"count": 5},
        cites="boosters-five-years-apart",
    ),
    RuleCase(
        "second-booster-a-day-under-5-years-is-an-extra-dose",
        BORN_ABROAD_2010,
        [
            *PRIMARY_ABROAD_2010,
            Dose("dtap_ipv", date(2014, 1, 10), 4, "abroad"),
            Dose("td_ipv", date(2019, 1, 9), 5, "abroad"),
        ],
        date(2026, 1, 1),
        "dtp_polio",
        "overdue",
        valid=5,
        needed=6,
        cites="boosters-five-years-apart",
    ),
    RuleCase(
        "pre-school-booster-day-before-3rd-birthday-is-an-extra-dose",
        BORN_ABROAD_2010,
        [*PRIMARY_ABROAD_2010, Dose("dtap_ipv", date(2013, 1, 9), 4, "abroad")],
        date(2013, 6, 1),
        "dtp_polio",
        "not_yet_due",
        valid=4,
        next_due=date(2014, 1, 9),
        msgid=eng.MSG_NEXT_FROM,
        params={"date": date(2014, 1, 9)},
        cites="preschool-booster-from-3-years",
    ),
    RuleCase(
        "pre-school-booster-on-3rd-birthday-counts",
        BORN_ABROAD_2010,
        [*PRIMARY_ABROAD_2010, Dose("dtap_ipv", date(2013, 1, 10), 4, "abroad")],
        date(2013, 6, 1),
        "dtp_polio",
        "not_yet_due",
        valid=4,
        needed=5,
        next_due=date(2023, 9, 1),
        msgid=eng.MSG_NEXT_DUE_ON,
        params={"date": date(2023, 9, 1)},
        cites="preschool-booster-from-3-years",
    ),
    RuleCase(
        "oral-polio-on-31-march-2016-counts",
        date(2015, 12, 20),
        [
            *(
                Dose("dtp_hepb_hib", day, n, "abroad")
                for n, day in enumerate((date(2016, 1, 31), date(2016, 2, 28), date(2016, 3, 31)), start=1)
            ),
            *(
                Dose("opv", day, n, "abroad")
                for n, day in enumerate((date(2016, 1, 31), date(2016, 2, 28), date(2016, 3, 31)), start=1)
            ),
        ],
        date(2016, 6, 1),
        "dtp_polio",
        "not_yet_due",
        valid=3,
        cites="opv-from-april-2016-not-counted",
    ),
    RuleCase(
        "oral-polio-on-1-april-2016-does-not-count",
        date(2015, 12, 20),
        [
            *(
                Dose("dtp_hepb_hib", day, n, "abroad")
                for n, day in enumerate((date(2016, 1, 31), date(2016, 2, 28), date(2016, 4, 1)), start=1)
            ),
            *(
                Dose("opv", day, n, "abroad")
                for n, day in enumerate((date(2016, 1, 31), date(2016, 2, 28), date(2016, 4, 1)), start=1)
            ),
        ],
        date(2016, 6, 1),
        "dtp_polio",
        "overdue",
        valid=2,
        needed=5,
        msgid=eng.MSG_OVERDUE_NEXT,
        params={"had": 2, "total": 5},
        cites="opv-from-april-2016-not-counted",
    ),
    RuleCase(
        "td-ipv-from-10th-birthday-day-before-is-the-4-in-1",
        BORN_TEN,
        PRIMARY_2016,
        date(2026, 2, 28),
        "dtp_polio",
        "overdue",
        valid=3,
        vaccine="dtap_ipv",
        cites="five-doses-in-all",
    ),
    RuleCase(
        "td-ipv-from-10th-birthday-on-the-day",
        BORN_TEN,
        PRIMARY_2016,
        date(2026, 3, 1),
        "dtp_polio",
        "overdue",
        valid=3,
        vaccine="td_ipv",
        cites="five-doses-in-all",
    ),
    RuleCase(
        "18-month-dose-not-filled-by-an-extra-infant-dose-at-11-months",
        date(2024, 8, 1),
        [*infant_2025(date(2024, 8, 1)), Dose("dtap_ipv_hib_hepb", date(2025, 7, 1), 4, "abroad")],
        date(2026, 1, 15),
        "dtp_polio",
        "not_yet_due",
        valid=4,
        needed=7,
        next_due=date(2026, 2, 1),
        cites="eighteen-month-dose-from-one-year",
    ),
    # ---- Hib: a dose over one year; not given from the 10th birthday ----
    RuleCase(
        "hib-fourth-infant-dose-at-11-months-is-not-the-booster",
        BORN_HIB,
        [*HIB_PRIMARY, Dose("dtap_ipv_hib", date(2009, 5, 15), 4, "abroad")],
        date(2009, 8, 1),
        "hib",
        "overdue",
        valid=4,
        needed=5,
        vaccine="hib_menc",
        cites="hib-dose-over-one-year",
    ),
    RuleCase(
        "hib-booster-day-before-first-birthday-is-an-extra-dose",
        BORN_HIB,
        [*HIB_PRIMARY, Dose("hib_menc", date(2009, 6, 14), 1)],
        date(2009, 8, 1),
        "hib",
        "overdue",
        valid=4,
        needed=5,
        cites="hib-dose-over-one-year",
    ),
    RuleCase(
        "hib-booster-on-first-birthday-counts",
        BORN_HIB,
        [*HIB_PRIMARY, Dose("hib_menc", date(2009, 6, 15), 1)],
        date(2009, 8, 1),
        "hib",
        "complete",
        valid=4,
        cites="hib-dose-over-one-year",
    ),
    RuleCase(
        "hib-two-infant-doses-day-before-10th-birthday-booster-still-offered",
        BORN_HIB,
        HIB_PRIMARY[:2],
        date(2018, 6, 14),
        "hib",
        "overdue",
        valid=2,
        needed=3,
        msgid=eng.MSG_OVERDUE_LAST,
        params={"had": 2, "total": 3},
        cites="infant-vaccines-under-10",
    ),
    RuleCase(
        "hib-two-infant-doses-on-10th-birthday-not-finished",
        BORN_HIB,
        HIB_PRIMARY[:2],
        date(2018, 6, 15),
        "hib",
        "not_finished",
        valid=2,
        msgid=eng.MSG_NOT_FINISHED,
        cites="course-not-finished",
    ),
    RuleCase(
        "hib-no-doses-on-10th-birthday-not-offered",
        BORN_HIB,
        [],
        date(2018, 6, 15),
        "hib",
        "not_eligible",
        msgid=eng.MSG_NOT_ELIGIBLE_YOUNG_CHILDREN,
        cites="infant-vaccines-under-10",
    ),
    RuleCase(
        "menc-one-infant-dose-on-10th-birthday-not-finished",
        BORN_HIB,
        [Dose("menc", date(2008, 9, 7), 1)],
        date(2018, 6, 15),
        "menc",
        "not_finished",
        valid=1,
        cites="infant-vaccines-under-10",
    ),
    # ---- Whooping cough and hepatitis B: not from the 10th birthday ----
    RuleCase(
        "pertussis-no-pre-school-booster-day-before-10th-birthday",
        BORN_TEN,
        PRIMARY_2016,
        date(2026, 2, 28),
        "pertussis",
        "overdue",
        valid=3,
        needed=4,
        msgid=eng.MSG_OVERDUE_LAST,
        params={"had": 3, "total": 4},
        vaccine="dtap_ipv",
        cites="infant-vaccines-under-10",
    ),
    RuleCase(
        "pertussis-no-pre-school-booster-on-10th-birthday-not-finished",
        BORN_TEN,
        PRIMARY_2016,
        date(2026, 3, 1),
        "pertussis",
        "not_finished",
        valid=3,
        needed=4,
        cites="course-not-finished",
    ),
    RuleCase(
        "hepatitis-b-two-doses-day-before-10th-birthday",
        date(2018, 1, 15),
        [Dose("dtap_ipv_hib_hepb", date(2018, 3, 12), 1), Dose("dtap_ipv_hib_hepb", date(2018, 4, 9), 2)],
        date(2028, 1, 14),
        "hepb",
        "overdue",
        valid=2,
        needed=3,
        cites="infant-vaccines-under-10",
    ),
    RuleCase(
        "hepatitis-b-two-doses-on-10th-birthday-not-finished",
        date(2018, 1, 15),
        [Dose("dtap_ipv_hib_hepb", date(2018, 3, 12), 1), Dose("dtap_ipv_hib_hepb", date(2018, 4, 9), 2)],
        date(2028, 1, 15),
        "hepb",
        "not_finished",
        valid=2,
        cites="course-not-finished",
    ),
    # ---- PCV and MenB: boosters from the first birthday; not from the 2nd birthday ----
    RuleCase(
        "pcv-two-infant-doses-day-before-2nd-birthday-booster-still-offered",
        BORN_PCV,
        [Dose("pcv", date(2018, 7, 5), 1), Dose("pcv", date(2018, 8, 30), 2)],
        date(2020, 5, 9),
        "pcv",
        "overdue",
        valid=2,
        needed=3,
        cites="infant-vaccines-under-2",
    ),
    RuleCase(
        "pcv-two-infant-doses-on-2nd-birthday-not-finished",
        BORN_PCV,
        [Dose("pcv", date(2018, 7, 5), 1), Dose("pcv", date(2018, 8, 30), 2)],
        date(2020, 5, 10),
        "pcv",
        "not_finished",
        valid=2,
        needed=3,
        cites="course-not-finished",
    ),
    RuleCase(
        "pcv-none-day-before-2nd-birthday-one-dose-needed",
        BORN_PCV,
        [],
        date(2020, 5, 9),
        "pcv",
        "overdue",
        needed=1,
        msgid=eng.MSG_OVERDUE_SINGLE,
        cites="infant-vaccines-under-2",
    ),
    RuleCase(
        "pcv-none-on-2nd-birthday-not-offered",
        BORN_PCV,
        [],
        date(2020, 5, 10),
        "pcv",
        "not_eligible",
        msgid=eng.MSG_NOT_ELIGIBLE_YOUNG_CHILDREN,
        cites="infant-vaccines-under-2",
    ),
    RuleCase(
        "pcv-extra-infant-dose-at-11-months-is-not-the-booster",
        BORN_PCV,
        [
            Dose("pcv", date(2018, 7, 5), 1),
            Dose("pcv", date(2018, 8, 30), 2),
            Dose("pcv", date(2019, 4, 10), 3, "abroad"),
        ],
        date(2019, 7, 1),
        "pcv",
        "overdue",
        valid=3,
        needed=4,
        cites="boosters-from-first-birthday",
    ),
    RuleCase(
        "menb-late-starter-second-dose-8-weeks-later",
        BORN_PCV,
        [Dose("menb", date(2019, 7, 10), 1)],
        date(2019, 8, 1),
        "menb",
        "not_yet_due",
        valid=1,
        needed=2,
        next_due=date(2019, 9, 4),
        msgid=eng.MSG_NEXT_FROM,
        params={"date": date(2019, 9, 4)},
        cites="menb-intervals",
    ),
    RuleCase(
        "menb-late-starter-doses-4-weeks-apart-count",
        BORN_PCV,
        [Dose("menb", date(2019, 7, 10), 1), Dose("menb", date(2019, 8, 7), 2)],
        date(2019, 9, 1),
        "menb",
        "complete",
        valid=2,
        cites="menb-intervals",
    ),
    RuleCase(
        "menb-one-infant-dose-on-2nd-birthday-not-finished",
        BORN_PCV,
        [Dose("menb", date(2018, 7, 5), 1)],
        date(2020, 5, 10),
        "menb",
        "not_finished",
        valid=1,
        cites="course-not-finished",
    ),
    # ---- MenACWY from the 10th birthday; HPV from the 9th ----
    RuleCase(
        "menacwy-day-before-10th-birthday-does-not-count",
        date(2012, 1, 1),
        [Dose("menacwy", date(2021, 12, 31), 1, "abroad")],
        date(2026, 1, 1),
        "menacwy",
        "due",
        valid=0,
        cites="menacwy-from-10-to-25",
    ),
    RuleCase(
        "menacwy-on-10th-birthday-counts",
        date(2012, 1, 1),
        [Dose("menacwy", date(2022, 1, 1), 1, "abroad")],
        date(2026, 1, 1),
        "menacwy",
        "complete",
        valid=1,
        cites="menacwy-from-10-to-25",
    ),
    RuleCase(
        "hpv-day-before-9th-birthday-does-not-count",
        date(2010, 5, 5),
        [Dose("hpv", date(2019, 5, 4), 1, "abroad")],
        date(2026, 1, 1),
        "hpv",
        "overdue",
        sex="female",
        valid=0,
        msgid=eng.MSG_OVERDUE_SINGLE,
        cites="hpv-from-9-to-25",
    ),
    RuleCase(
        "hpv-on-9th-birthday-counts",
        date(2010, 5, 5),
        [Dose("hpv", date(2019, 5, 5), 1, "abroad")],
        date(2026, 1, 1),
        "hpv",
        "complete",
        sex="female",
        valid=1,
        cites="hpv-from-9-to-25",
    ),
    # ---- A dose the young person added waits for a nurse ----
    RuleCase(
        "self-reported-teenage-booster-keeps-the-vaccine-to-check",
        BORN_2009,
        [*MISSING_TEEN_2009, Dose("td_ipv", date(2024, 1, 10), 1, source="self_reported")],
        date(2026, 3, 1),
        "dtp_polio",
        "unknown",
        sex="male",
        valid=4,
        msgid=eng.MSG_ADDED_TO_CHECK,
        cites="self-reported-dose-waits-for-check",
    ),
    RuleCase(
        "the-same-teenage-booster-checked-by-a-nurse-counts",
        BORN_2009,
        [*MISSING_TEEN_2009, Dose("td_ipv", date(2024, 1, 10), 1)],
        date(2026, 3, 1),
        "dtp_polio",
        "complete",
        sex="male",
        valid=5,
        cites="self-reported-dose-waits-for-check",
    ),
    RuleCase(
        "self-reported-extra-dose-on-a-finished-course-changes-nothing",
        BORN_2008,
        [*FULL_2008, Dose("mmr", date(2020, 1, 1), 3, source="self_reported")],
        date(2026, 1, 15),
        "mmr",
        "complete",
        sex="female",
        valid=2,
        cites="self-reported-dose-waits-for-check",
    ),
    RuleCase(
        "no-reliable-history-self-reported-dose-never-counts",
        BORN_2009,
        [Dose("td_ipv", date(2024, 1, 10), 1, source="self_reported")],
        date(2026, 3, 1),
        "dtp_polio",
        "overdue",
        records="none",
        valid=0,
        msgid=eng.MSG_OVERDUE_NO_RECORD,
        cites="assume-unimmunised",
    ),
    # ---- Resume, never restart ----
    RuleCase(
        "two-primary-doses-long-ago-resume-at-dose-3",
        BORN_ABROAD_2010,
        PRIMARY_ABROAD_2010[:2] + PRIMARY_ABROAD_2010[3:5],
        date(2026, 1, 1),
        "dtp_polio",
        "overdue",
        valid=2,
        needed=5,
        msgid=eng.MSG_OVERDUE_NEXT,
        params={"had": 2, "total": 5},
        vaccine="td_ipv",
        cites="resume-never-restart",
    ),
]


@pytest.mark.parametrize("case", GREEN_BOOK_CASES, ids=[case.id for case in GREEN_BOOK_CASES])
def test_green_book_rule(case: RuleCase):
    test_programme_status(case)


def test_the_green_book_table_has_60_cases_each_citing_a_recorded_rule():
    data = _yaml("schedule.yaml")
    known = {rule["id"] for rule in data["rules"]}
    for programme in data["programmes"]:
        if programme.get("oral_polio_rule"):
            known.add(programme["oral_polio_rule"]["id"])
    assert len(GREEN_BOOK_CASES) >= 60
    assert len({case.id for case in GREEN_BOOK_CASES}) == len(GREEN_BOOK_CASES)
    for case in GREEN_BOOK_CASES:
        assert case.cites in known, case.id
    # Every rule that changes an answer is tried by at least one case.
    answer_changing = {
        "primary-from-six-weeks",
        "primary-four-weeks-apart",
        "short-interval-allowance",
        "preschool-booster-from-3-years",
        "boosters-five-years-apart",
        "eighteen-month-dose-from-one-year",
        "hib-dose-over-one-year",
        "boosters-from-first-birthday",
        "infant-vaccines-under-2",
        "infant-vaccines-under-10",
        "mmr-from-first-birthday",
        "mmr-early-second-dose",
        "rotavirus-age-limits",
        "rotavirus-late-first-dose",
        "menb-intervals",
        "menacwy-from-10-to-25",
        "hpv-from-9-to-25",
        "course-not-finished",
        "self-reported-dose-waits-for-check",
    }
    assert answer_changing <= {case.cites for case in GREEN_BOOK_CASES}


def test_a_29_february_birthday_falls_on_1_march_in_other_years():
    """[schedule.yaml convention: English legal practice, 1 March] MenACWY is offered until the 25th birthday,
    which for someone born on 29 February 2004 is 1 March 2029."""
    born = date(2004, 2, 29)
    assert evaluate(born, [], date(2029, 2, 28)).programme("menacwy").status == "overdue"
    assert evaluate(born, [], date(2029, 3, 1)).programme("menacwy").status == "not_eligible"


# --- Summaries and catch-up plans -------------------------------------------------------------------------


def _visit_vaccines(report) -> list[set[str]]:
    return [{v.vaccine_id for v in visit.vaccines} for visit in report.catch_up_plan]


def test_fully_immunised_born_2008_is_up_to_date_with_no_plan():
    report = evaluate(BORN_2008, FULL_2008, date(2026, 1, 15), sex_at_birth="female")
    assert report.up_to_date
    assert report.to_catch_up == 0
    assert report.catch_up_plan == ()
    assert report.summary_msgid == eng.MSG_SUMMARY_UP_TO_DATE
    assert report.data_version == data_version()


def test_born_2009_missing_teenage_doses_has_two_to_catch_up_in_one_visit():
    report = evaluate(BORN_2009, MISSING_TEEN_2009, date(2026, 3, 1), sex_at_birth="male")
    assert report.to_catch_up == 2
    assert not report.up_to_date
    assert report.summary_plural_msgid == eng.MSG_SUMMARY_CATCH_UP_PLURAL
    assert explain(report.summary_plural_msgid, report.summary_params) == "2 vaccines to catch up"
    assert _visit_vaccines(report) == [{"td_ipv", "menacwy"}]
    assert report.catch_up_plan[0].earliest_date == date(2026, 3, 1)
    assert report.catch_up_plan[0].explanation_msgid == eng.MSG_VISIT_FIRST


def test_arrived_aged_15_with_no_records_gets_the_ukhsa_10_and_over_plan():
    """[UKHSA uncertain status 2025; DOMAIN.md] Td/IPV x 3, MMR x 2, MenACWY, HPV; then two Td/IPV boosters
    to reach five doses."""
    today = date(2026, 5, 1)
    report = evaluate(date(2011, 2, 1), [], today, records_status="none")
    reference = yaml.safe_load((DATA / "schedule.yaml").read_text())["catch_up"]["reference_visits"][0]
    assert _visit_vaccines(report)[:3] == [set(visit) for visit in reference["visits"]]
    dates = [visit.earliest_date for visit in report.catch_up_plan]
    assert dates[:3] == [today, today + timedelta(days=28), today + timedelta(days=56)]
    assert _visit_vaccines(report)[3:] == [{"td_ipv"}, {"td_ipv"}]
    assert dates[3] >= eng._resolve(dates[2], ("A", 5, 0, 0))
    td_doses = [
        v.dose_numbers for visit in report.catch_up_plan for v in visit.vaccines if v.vaccine_id == "td_ipv"
    ]
    assert td_doses == [(1,), (2,), (3,), (4,), (5,)]
    assert report.to_catch_up == 4
    assert all(visit.rule_id == "ukhsa-uncertain-or-incomplete-2025" for visit in report.catch_up_plan)


def test_arrived_aged_17_with_partial_foreign_record_resumes_never_restarts():
    """[UKHSA uncertain status 2025] Three DTP/polio doses and one MMR on record: the plan starts at Td/IPV
    dose 4 and MMR dose 2."""
    today = date(2026, 6, 1)
    report = evaluate(BORN_2009_ABROAD, PARTIAL_FOREIGN_2009, today, sex_at_birth="male")
    first = {v.vaccine_id: v for v in report.catch_up_plan[0].vaccines}
    assert set(first) == {"td_ipv", "mmr", "menacwy", "hpv"}
    assert first["td_ipv"].dose_numbers == (4,)
    assert first["mmr"].dose_numbers == (2,)
    assert _visit_vaccines(report)[1:] == [{"td_ipv"}]
    assert report.catch_up_plan[1].vaccines[0].dose_numbers == (5,)


def test_a_course_in_progress_stays_in_the_plan_and_waiting_can_save_a_visit():
    """[UKHSA uncertain status 2025: fewest visits] Td/IPV dose 1 was 14 days ago: waiting two weeks to give
    everything together saves a visit."""
    today = date(2026, 3, 1)
    report = evaluate(date(2010, 1, 1), [Dose("td_ipv", date(2026, 2, 15), 1)], today, sex_at_birth="female")
    assert report.programme("dtp_polio").status == "not_yet_due"
    assert report.catch_up_plan[0].earliest_date == date(2026, 3, 15)
    assert _visit_vaccines(report)[:2] == [{"td_ipv", "mmr", "menacwy", "hpv"}, {"td_ipv", "mmr"}]
    assert len(report.catch_up_plan) == 4  # two visits now, two boosters later


def test_baby_born_2025_one_mmrv_serves_mmr_and_chickenpox():
    report = evaluate(BORN_2025, infant_2025(BORN_2025), date(2026, 4, 20))
    assert report.programme("mmr").status == "overdue"
    first = report.catch_up_plan[0]
    mmrv = next(v for v in first.vaccines if v.vaccine_id == "mmrv")
    assert set(mmrv.programme_ids) == {"mmr", "varicella"}
    assert "mmr" not in {v.vaccine_id for v in first.vaccines}


PLAN_SCENARIOS = [
    pytest.param(date(2011, 2, 1), [], date(2026, 5, 1), "none", id="no-records-aged-15"),
    pytest.param(date(2014, 1, 10), [], date(2026, 5, 1), "none", id="no-records-aged-12"),
    pytest.param(date(2020, 6, 1), [], date(2026, 5, 1), "none", id="no-records-aged-5"),
    pytest.param(date(2025, 1, 1), [], date(2025, 8, 1), "none", id="no-records-aged-7-months"),
    pytest.param(date(2024, 3, 1), [], date(2025, 6, 1), "none", id="no-records-aged-15-months"),
    pytest.param(
        BORN_2009_ABROAD, PARTIAL_FOREIGN_2009, date(2026, 6, 1), "documented", id="partial-foreign"
    ),
    pytest.param(
        date(2010, 1, 1),
        [Dose("td_ipv", date(2026, 2, 15))],
        date(2026, 3, 1),
        "documented",
        id="in-progress",
    ),
]


@pytest.mark.parametrize(("born", "doses", "today", "records"), PLAN_SCENARIOS)
def test_catch_up_visits_are_at_least_28_days_apart(born, doses, today, records):
    """[UKHSA uncertain status 2025: leave a 4-week gap between visits]"""
    plan = evaluate(born, doses, today, sex_at_birth="female", records_status=records).catch_up_plan
    assert plan, "expected a catch-up plan"
    assert plan[0].earliest_date >= today
    for before, after in itertools.pairwise(plan):
        assert (after.earliest_date - before.earliest_date).days >= 28
    assert [visit.number for visit in plan] == list(range(1, len(plan) + 1))
    for visit in plan:
        # Each programme appears at most once per visit, and a combined vaccine is never given twice.
        programmes_here = [pid for v in visit.vaccines for pid in v.programme_ids]
        assert len(programmes_here) == len(set(programmes_here))
        assert explain(visit.explanation_msgid, visit.explanation_params)


@pytest.mark.parametrize(("born", "doses", "today", "records"), PLAN_SCENARIOS)
def test_a_report_without_the_plan_says_the_same_about_every_programme(born, doses, today, records):
    """A staff list asks for the report without the catch-up plan (it only counts what is missing): every
    status, count and summary must be what the full report says."""
    full = evaluate(born, doses, today, sex_at_birth="female", records_status=records)
    counted = evaluate(born, doses, today, sex_at_birth="female", records_status=records, with_plan=False)
    assert full.catch_up_plan and counted.catch_up_plan == ()
    assert dataclasses.replace(full, catch_up_plan=()) == counted


def test_records_not_checked_makes_no_plan_and_asks_to_check():
    """[DOMAIN.md: uncertain or incomplete history] Before anyone has looked at the records, "overdue" and a
    catch-up plan would be guesses."""
    report = evaluate(
        date(2010, 1, 1), [Dose("td_ipv", date(2026, 2, 15))], date(2026, 3, 1), records_status="not_checked"
    )
    assert report.catch_up_plan == ()
    assert report.to_catch_up == 0 and report.to_check >= 2
    assert report.summary_plural_msgid == eng.MSG_SUMMARY_CHECK_PLURAL


def test_no_records_under_10_uses_the_six_in_one_not_td_ipv():
    """[UKHSA uncertain status 2025: second up to 10th birthday] 6-in-1 x 3 and MMR x 2."""
    report = evaluate(date(2020, 6, 1), [], date(2026, 5, 1), records_status="none")
    first_three = _visit_vaccines(report)[:3]
    assert all("dtap_ipv_hib_hepb" in visit for visit in first_three)
    assert all("td_ipv" not in visit for visit in first_three)
    assert "mmr" in first_three[0] and "mmr" in first_three[1]


# --- Evidence for the nurse -----------------------------------------------------------------------------


def test_evidence_explains_each_dose_counted_or_not():
    rows = dose_evidence(
        date(2016, 1, 10),
        [
            Dose("dtp_hepb_hib", date(2016, 2, 21), 1, "abroad"),
            Dose("opv", date(2016, 5, 1), 1, "abroad"),
            Dose("measles", date(2016, 10, 1), 1, "abroad"),
            Dose("no_such_vaccine", date(2017, 1, 1)),
            Dose("mmr", date(2030, 1, 1)),
            Dose("bcg", date(2016, 1, 20), 1, "abroad"),
        ],
        date(2026, 1, 1),
    )
    by_key = {(row.dose_index, row.programme_id): row for row in rows}
    dtp = by_key[(0, "dtp_polio")]
    assert dtp.counted and dtp.antigens_counted == ("tetanus", "diphtheria")
    assert dtp.explanation_msgid == eng.EV_COUNTED_PARTLY
    opv = by_key[(1, "dtp_polio")]
    assert not opv.counted
    assert opv.explanation_msgid == eng.EV_OPV_AFTER_SWITCH
    assert opv.rule_id == "opv-from-april-2016-not-counted"
    measles = by_key[(2, "mmr")]
    assert not measles.counted and measles.explanation_msgid == eng.EV_TOO_YOUNG
    assert measles.explanation_params == {"date": date(2017, 1, 10)}
    assert by_key[(3, None)].explanation_msgid == eng.EV_UNKNOWN_VACCINE
    assert by_key[(4, None)].explanation_msgid == eng.EV_IMPOSSIBLE_DATE
    assert by_key[(5, None)].explanation_msgid == eng.EV_NOT_ROUTINE
    for row in rows:
        assert explain(row.explanation_msgid, row.explanation_params)


def test_evidence_says_which_dose_each_counted_as_and_why_not():
    """[issue #17 item 2] The nurse sees which dose of the course each counted as, and the rule for any dose
    that counted differently: a few days short, an extra booster abroad, an early MMR, one waiting for a
    check."""
    rows = dose_evidence(
        BORN_ABROAD_2010,
        [
            *PRIMARY_ABROAD_2010,
            Dose("dtp", date(2011, 7, 10), 4, "abroad"),  # index 6: a booster at 18 months
            Dose("mmr", date(2011, 1, 20), 1, "abroad"),  # index 7
            Dose("mmr", date(2011, 2, 20), 2, "abroad"),  # index 8: early second dose
            Dose("menacwy", date(2024, 1, 1), 1, source="self_reported"),  # index 9
        ],
        date(2026, 1, 1),
    )
    by_key = {(row.dose_index, row.programme_id): row for row in rows}
    assert by_key[(0, "dtp_polio")].counted_as == 1
    assert by_key[(0, "dtp_polio")].explanation_msgid == eng.EV_COUNTED_PARTLY  # no polio in DTP/HepB/Hib
    assert by_key[(5, "dtp_polio")].counted_as == 3
    booster = by_key[(6, "dtp_polio")]
    assert booster.counted and booster.counted_as is None
    assert booster.explanation_msgid == eng.EV_COUNTED_EXTRA_EARLY
    assert booster.explanation_params == {"date": date(2013, 1, 10)}
    assert booster.rule_id == "preschool-booster-from-3-years" and booster.source.id == "ukhsa_uncertain_2025"
    assert by_key[(7, "mmr")].counted_as == 1
    early = by_key[(8, "mmr")]
    assert early.counted and early.explanation_msgid == eng.EV_COUNTED_NEEDS_ANOTHER
    assert early.rule_id == "mmr-early-second-dose"
    waiting = by_key[(9, None)]
    assert not waiting.counted and waiting.explanation_msgid == eng.EV_WAITING_FOR_CHECK
    for row in rows:
        assert explain(row.explanation_msgid, row.explanation_params).endswith(".")


def test_evidence_names_the_allowance_for_a_short_interval():
    rows = dose_evidence(
        BORN_INFANT_2025,
        [Dose("dtap_ipv_hib_hepb", date(2025, 7, 28), 1), Dose("dtap_ipv_hib_hepb", date(2025, 8, 22), 2)],
        date(2025, 10, 1),
    )
    second = next(row for row in rows if row.dose_index == 1 and row.programme_id == "dtp_polio")
    assert second.counted and second.counted_as == 2
    assert second.explanation_msgid == eng.EV_COUNTED_GRACE
    assert second.explanation_params == {"number": 2, "short": 3, "grace": 4}
    assert second.rule_id == "short-interval-allowance"
    assert explain(second.explanation_msgid, second.explanation_params) == (
        "Counted as dose 2: given 3 days before the minimum interval was up, within the 4 days allowed."
    )


def test_evidence_for_a_rotavirus_dose_after_24_weeks():
    rows = dose_evidence(
        BORN_ROTA,
        [Dose("rotavirus", date(2025, 3, 3)), Dose("rotavirus", date(2025, 6, 23))],
        date(2025, 7, 1),
    )
    late = next(row for row in rows if row.dose_index == 1)
    assert not late.counted and late.explanation_msgid == eng.EV_TOO_LATE_FOR_DOSE
    assert late.explanation_params == {"date": date(2025, 6, 23)} and late.rule_id == "rotavirus-age-limits"


@pytest.mark.parametrize("case", CASES + GREEN_BOOK_CASES, ids=[c.id for c in CASES + GREEN_BOOK_CASES])
def test_every_status_carries_a_clinical_reason_for_the_nurse(case: Case):
    report = evaluate(case.born, case.doses, case.today, sex_at_birth=case.sex, records_status=case.records)
    known = set(message_ids())
    for status in report.programmes:
        assert status.clinical_msgid in known
        assert set(PLACEHOLDER.findall(status.clinical_msgid)) == set(status.clinical_params)
        assert explain(status.clinical_msgid, status.clinical_params).endswith(".")
        if status.status == "not_finished":
            assert 0 < status.valid_doses < status.doses_needed


def test_no_unfinished_course_is_ever_complete():
    """[issue #17, Done when] Walk every day of a rotavirus course with one dose: never complete."""
    for offset in range(0, 200, 3):
        today = date(2025, 3, 3) + timedelta(days=offset)
        status = evaluate(BORN_ROTA, [Dose("rotavirus", date(2025, 3, 3))], today).programme("rotavirus")
        assert status.status != "complete", today


def test_evidence_for_a_full_history_counts_everything():
    rows = dose_evidence(BORN_2008, FULL_2008, date(2026, 1, 15), sex_at_birth="female")
    assert rows and all(row.counted for row in rows)
    assert {row.dose_index for row in rows} == set(range(len(FULL_2008)))


# --- Validation -----------------------------------------------------------------------------------------

BORN = date(2010, 5, 1)
TODAY = date(2026, 1, 1)


@pytest.mark.parametrize(
    ("doses", "expected"),
    [
        pytest.param(
            [Dose("mmr", date(2010, 4, 1), 1)],
            [("doses[0].given_on", eng.V_BEFORE_BIRTH)],
            id="dose-dated-before-birth",
        ),
        pytest.param(
            [Dose("mmr", date(2026, 1, 2), 1)],
            [("doses[0].given_on", eng.V_IN_FUTURE)],
            id="dose-dated-in-the-future",
        ),
        pytest.param(
            [Dose("made_up_vaccine", date(2012, 1, 1))],
            [("doses[0].vaccine_id", eng.V_UNKNOWN_VACCINE)],
            id="unknown-vaccine",
        ),
        pytest.param(
            [Dose("mmr", date(2011, 6, 1), 2), Dose("mmr", date(2014, 1, 1), 1)],
            [("doses[1].dose_number", eng.V_DOSE_NUMBER_ORDER)],
            id="dose-numbers-out-of-order",
        ),
        pytest.param(
            [Dose("mmr", date(2011, 6, 1), 1), Dose("mmr", date(2014, 1, 1), 1)],
            [("doses[1].dose_number", eng.V_DOSE_NUMBER_REPEATED)],
            id="dose-number-repeated",
        ),
        pytest.param(
            [Dose("mmr", date(2011, 6, 1), 0)],
            [("doses[0].dose_number", eng.V_DOSE_NUMBER_RANGE)],
            id="dose-number-out-of-range",
        ),
        pytest.param(
            [Dose("mmr", date(2011, 6, 1)), Dose("mmr", date(2011, 6, 1))],
            [("doses[1].given_on", eng.V_SAME_DAY_TWICE)],
            id="same-vaccine-twice-on-one-day",
        ),
        pytest.param(
            [Dose("mmr", date(2011, 6, 1), where="mars", source="rumour")],
            [("doses[0].where", eng.V_WHERE), ("doses[0].source", eng.V_SOURCE)],
            id="unknown-place-and-source",
        ),
        pytest.param(
            [Dose("dtap_ipv_hib", date(2010, 7, 1), 1), Dose("td_ipv", date(2024, 9, 1), 1)],
            [],
            id="numbering-per-vaccine-is-fine",
        ),
        pytest.param(FULL_2008, [], id="a-full-history-is-clean"),
    ],
)
def test_validate_doses(doses, expected):
    problems = validate_doses(BORN if doses is not FULL_2008 else BORN_2008, doses, TODAY)
    assert [(problem.field, problem.msgid) for problem in problems] == expected
    for problem in problems:
        assert explain(problem.msgid, problem.params)


def test_validate_person_details():
    problems = validate(date(2027, 1, 1), [], TODAY, sex_at_birth="x", records_status="maybe")
    assert [problem.field for problem in problems] == ["date_of_birth", "sex_at_birth", "records_status"]
    assert validate(BORN, [], TODAY, sex_at_birth=None) == []


def test_order_problem_says_which_dose_is_late():
    problems = validate_doses(
        BORN, [Dose("mmr", date(2011, 6, 1), 2), Dose("mmr", date(2014, 1, 1), 1)], TODAY
    )
    assert explain(problems[0].msgid, problems[0].params) == (
        "Dose 1 is dated after dose 2, so check the dates and dose numbers."
    )


def test_evaluate_skips_bad_doses_rather_than_failing():
    doses = [Dose("mmr", date(2009, 1, 1)), Dose("nope", date(2012, 1, 1)), Dose("mmr", date(2027, 1, 1))]
    report = evaluate(BORN, doses, TODAY)
    assert report.programme("mmr").valid_doses == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"today": date(2009, 1, 1)}, id="today-before-birth"),
        pytest.param({"sex_at_birth": "unknown"}, id="bad-sex"),
        pytest.param({"records_status": "lost"}, id="bad-records-status"),
    ],
)
def test_evaluate_rejects_impossible_arguments(kwargs):
    arguments = {"date_of_birth": BORN, "doses": [], "today": TODAY, **kwargs}
    with pytest.raises(ValueError):
        evaluate(**arguments)


# --- Data files -----------------------------------------------------------------------------------------


def _yaml(name: str) -> dict:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def test_every_schedule_entry_names_a_known_source():
    data = _yaml("schedule.yaml")
    sources = data["sources"]
    for source in sources.values():
        assert source["title"] and "url" in source
    entries = [data["catch_up"], *data["catch_up"]["reference_visits"]]
    for programme in data["programmes"]:
        entries.append(programme)
        entries += programme["rules"]
        entries += programme.get("eligible") or []
        if programme.get("oral_polio_rule"):
            entries.append(programme["oral_polio_rule"])
    for entry in entries:
        assert entry.get("source") in sources, entry.get("id")


def test_every_vaccine_and_code_names_a_known_source():
    data = _yaml("vaccines.yaml")
    sources = data["sources"]
    for vaccine in data["vaccines"]:
        assert vaccine["source"] in sources, vaccine["id"]
        for code in vaccine["codes"]:
            assert code["source"] in sources
            assert isinstance(code["verified"], bool)
    for antigen in data["antigens"]:
        if antigen["disease_code"]:
            assert antigen["disease_code"]["source"] in sources


# SNOMED CT codes DOMAIN.md gives without a [check] mark; anything else in the file must say verified: false.
DOMAIN_UNFLAGGED_CODES = {
    "761841000",
    "871874000",
    "38598009",
    "432636005",
    "433733003",
    "866186002",  # procedures
    "33493111000001108",
    "39779611000001104",
    "20517811000001104",
    "17188711000001105",  # products
    "34925111000001104",
    "13968211000001108",
    "45480711000001107",
    "45525711000001102",
    "14189004",
    "36989005",
    "36653000",
    "38907003",
    "240532009",
    "23511006",
    "76902006",  # diseases
    "397430003",
    "398102009",
    "27836007",
    "709410003",
    "66071002",
}
DOMAIN_CHECK_CODES = {"7374311000001101"}  # Revaxis [check]


def test_unverified_snomed_codes_are_flagged():
    """Codes from DOMAIN.md are verified only where DOMAIN.md gives them without a [check] mark."""
    data = _yaml("vaccines.yaml")
    codes = [code for vaccine in data["vaccines"] for code in vaccine["codes"]]
    codes += [antigen["disease_code"] for antigen in data["antigens"] if antigen["disease_code"]]
    for code in codes:
        if code["source"] == "domain_codes" and code["verified"]:
            assert code["code"] in DOMAIN_UNFLAGGED_CODES, code
    flagged = {code["code"] for code in codes if not code["verified"]}
    assert flagged >= DOMAIN_CHECK_CODES
    # The engine exposes the flag too.
    revaxis = next(code for code in get_vaccine("td_ipv").codes if code.code == "7374311000001101")
    assert revaxis.verified is False and revaxis.source.title


_VERHOEFF_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
_VERHOEFF_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]


def snomed_concept_id_is_well_formed(code: str) -> bool:
    """A SNOMED CT concept id: 6 to 18 digits, a partition of 00 (core) or 10 (extension) before the last
    digit, and a Verhoeff check digit. A mistyped or invented code almost always fails this."""
    if not re.fullmatch(r"[1-9]\d{5,17}", code) or code[-3:-1] not in ("00", "10"):
        return False
    check = 0
    for position, digit in enumerate(reversed(code)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[position % 8][int(digit)]]
    return check == 0


def test_snomed_check_digit_catches_a_typo():
    assert snomed_concept_id_is_well_formed("38598009")  # MMR vaccination (DOMAIN.md)
    assert not snomed_concept_id_is_well_formed("38598008")
    assert not snomed_concept_id_is_well_formed("38598019")


def test_every_vaccine_has_a_sourced_snomed_product_code():
    """[issue #17: every vaccine coded] Fails on any vaccine in the data without a verified SNOMED CT product
    code, and on any code without a recorded source or with a malformed id."""
    data = _yaml("vaccines.yaml")
    sources = data["sources"]
    for vaccine in data["vaccines"]:
        products = [code for code in vaccine["codes"] if code["kind"] == "product" and code["verified"]]
        assert products, f"{vaccine['id']} has no verified SNOMED CT vaccine product code"
        for code in vaccine["codes"]:
            assert code["source"] in sources, code
            assert sources[code["source"]]["title"], code
            assert code["label"], code
            assert snomed_concept_id_is_well_formed(code["code"]), code
        # What the exports use: the engine gives every vaccine a product code.
        assert get_vaccine(vaccine["id"]).code("product") is not None
    for antigen in data["antigens"]:
        if antigen["disease_code"]:
            assert antigen["disease_code"]["source"] in sources
            assert snomed_concept_id_is_well_formed(antigen["disease_code"]["code"])


def test_every_rule_that_changes_an_answer_is_recorded_with_its_words():
    """[issue #17 item 1] Each rule in schedule.yaml names a source and says what it means; a quote says where
    it was read; a rule that was not read is flagged unverified; every slot that changes an answer names
    one."""
    data = _yaml("schedule.yaml")
    rules = {rule["id"]: rule for rule in data["rules"]}
    for rule in rules.values():
        assert rule["source"] in data["sources"], rule["id"]
        assert rule["reading"].strip(), rule["id"]
        assert isinstance(rule["verified"], bool)
        if rule.get("quote"):
            assert rule["read_at"], rule["id"]
        else:
            assert rule["verified"] is False or rule["source"] == "issue_16_17", rule["id"]
            assert rule.get("note"), f"{rule['id']}: an unquoted rule says why in a note"
    for programme in data["programmes"]:
        for key in ("min_age_rule", "interval_rule", "grace_rule", "start_rule", "limit_rule"):
            if programme.get(key):
                assert programme[key] in rules
        for rule in programme["rules"]:
            for slot in rule["slots"]:
                if any(key in slot for key in ("min_age", "min_gap", "give_before", "repeat_if_early")):
                    assert slot.get("why") in rules, (programme["id"], slot)
    assert set(eng.schedule_rules()) == set(rules)


@pytest.mark.parametrize("programme_id", ["dtp_polio", "mmr", "pertussis", "hib", "pcv", "menc"])
def test_birth_cohorts_from_2001_have_exactly_one_rule(programme_id):
    """The schedule must cover today's care leavers (born 2001 onwards) and today's babies, with no gaps or
    overlaps between birth cohorts (PCV, MenC: from their start to today)."""
    programme = next(p for p in _yaml("schedule.yaml")["programmes"] if p["id"] == programme_id)
    starts = {"pcv": date(2006, 7, 4)}
    day = starts.get(programme_id, date(2001, 1, 1))
    last_day = date(2026, 12, 31) if programme_id != "menc" else date(2024, 6, 30)
    while day <= last_day:
        matching = [
            rule["id"]
            for rule in programme["rules"]
            if (rule.get("born_from") or date.min) <= day <= (rule.get("born_to") or date.max)
        ]
        assert len(matching) == 1, (day, matching)
        day += timedelta(days=7)


def test_loading_is_cached():
    assert eng._catalogue() is eng._catalogue()


# --- Translation ----------------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_msgid_uses_named_placeholders_only():
    for msgid in message_ids():
        assert PLACEHOLDER.sub("", msgid).count("%") == 0, msgid


def test_yaml_strings_are_listed_for_translation():
    strings = set(translatable_strings())
    for programme in programmes():
        assert programme.name_msgid in strings and programme.protects_against_msgid in strings
    for choice in vaccine_choices():
        assert choice.label_msgid in strings
        assert choice.group_label_msgid in message_ids()
    assert all(text.strip() == text and text and "%" not in text for text in strings)


@pytest.mark.parametrize("case", CASES[::4], ids=[case.id for case in CASES[::4]])
def test_every_result_msgid_is_known_and_its_params_fit(case: Case):
    report = evaluate(case.born, case.doses, case.today, sex_at_birth=case.sex, records_status=case.records)
    known = set(message_ids())
    items = [(s.explanation_msgid, s.explanation_params) for s in report.programmes]
    items += [(v.explanation_msgid, v.explanation_params) for v in report.catch_up_plan]
    items.append((report.summary_msgid, report.summary_params))
    for msgid, params in items:
        assert msgid in known
        assert set(PLACEHOLDER.findall(msgid)) == set(params)
    for status in report.programmes:
        assert status.name_msgid in translatable_strings()


def test_explain_formats_dates_and_uses_the_given_gettext():
    assert (
        explain(eng.MSG_NEXT_DUE_ON, {"date": date(2026, 3, 1)}) == "Your next dose is due on 1 March 2026."
    )
    rendered = explain(
        eng.MSG_NEXT_DUE_ON,
        {"date": date(2026, 3, 1)},
        gettext=lambda text: text.replace("Your next dose is due on", "Next:"),
        format_date=lambda value: value.isoformat(),
    )
    assert rendered == "Next: 2026-03-01."


# --- Purity and the public API ---------------------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
    }


def test_schedule_package_imports_no_flask_and_no_models():
    """The import contract: the schedule (and the clinical terms list) stay usable without the web app."""
    package = Path(eng.__file__).parent
    files = [*package.glob("*.py"), package.parent / "clinical_terms.py"]
    for path in files:
        for name in _imports(path):
            assert name.split(".")[0] not in {"flask", "flask_wtf", "sqlalchemy", "werkzeug", "jinja2"}, path
            assert not name.startswith(("passport.models", "passport.web", "passport.policy")), path
            assert name == "passport.schedule.engine" or not name.startswith("passport."), (path, name)


def test_engine_is_pure_and_never_reads_the_clock():
    source = Path(eng.__file__).read_text(encoding="utf-8")
    imported = {name.split(".")[0] for name in _imports(Path(eng.__file__))}
    assert imported <= {
        "__future__",
        "functools",
        "re",
        "collections",
        "dataclasses",
        "datetime",
        "pathlib",
        "typing",
        "yaml",
    }
    for call in ("date.today", "datetime.now", "datetime.today", "time.time", "utcnow"):
        assert call not in source


def test_same_inputs_same_answer():
    first = evaluate(BORN_2009_ABROAD, PARTIAL_FOREIGN_2009, date(2026, 6, 1), sex_at_birth="male")
    second = evaluate(BORN_2009_ABROAD, PARTIAL_FOREIGN_2009, date(2026, 6, 1), sex_at_birth="male")
    assert first == second


def test_vaccine_choices_for_a_form():
    choices = vaccine_choices()
    groups = [choice.group for choice in choices]
    assert groups == sorted(groups, key=["uk_current", "uk_past", "abroad"].index)
    assert {"td_ipv", "mmr", "opv", "dtp_hepb_hib"} <= {choice.value for choice in choices}
    assert get_vaccine("mmrv").antigens >= {"measles", "varicella"}
    with pytest.raises(KeyError):
        get_vaccine("nope")


def test_programmes_list():
    ids = [programme.id for programme in programmes()]
    assert ids[:4] == ["dtp_polio", "mmr", "menacwy", "hpv"]
    assert len(ids) == len(set(ids))
