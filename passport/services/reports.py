"""Designated-nurse reports: how the organisation is doing, by team and age band, with small numbers
hidden so nobody can be identified: a count from 1 to 4 is never shown (the page and the CSV say "fewer than
5 young people" instead), an average SDQ score needs at least 5 scores, and a group of 1 to 4 young people
shows no figures at all.

Measures (seeded from the Dorset KPIs and Leicestershire's immunisation and assessment rates): registered
with a GP; immunisations up to date; health assessments in time (in care); leaving pack handed over by 18
(for those 18 and over); mean SDQ (latest score each).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from passport import clock, policy, readiness
from passport.exports.csv_file import csv_bytes
from passport.extensions import db
from passport.immunisations import report_for
from passport.models import CareStatus, Passport, RegistrationService, User

SMALL_NUMBER = 5
MEASURES = ("gp", "immunised", "assessed_in_time", "pack_by_18")


def _small(number: int) -> bool:
    return 0 < number < SMALL_NUMBER


@dataclass(frozen=True)
class Cell:
    """A count out of a group. Suppressed when either number is 1 to 4."""

    count: int
    total: int

    @property
    def suppressed(self) -> bool:
        return _small(self.count) or _small(self.total)

    @property
    def group_too_small(self) -> bool:
        """The people this measure counts are 1 to 4, so even how many there are is hidden."""
        return _small(self.total)

    @property
    def percent(self) -> int | None:
        if self.suppressed or not self.total:
            return None
        return round(100 * self.count / self.total)


@dataclass(frozen=True)
class GroupFigures:
    label: str
    size: int
    cells: dict[str, Cell]
    mean_sdq: float | None  # None when fewer than 5 people have a score
    sdq_scores: int  # how many people have a score (shown only beside a mean, so only when 5 or more)

    @property
    def size_suppressed(self) -> bool:
        return _small(self.size)

    @property
    def shown(self) -> bool:
        """Whether the group has any figures to show: 5 or more young people."""
        return self.size >= SMALL_NUMBER


@dataclass(frozen=True)
class DueMonth:
    month: date
    count: int  # health assessments due that month (overdue ones count in the first month)

    @property
    def suppressed(self) -> bool:
        return _small(self.count)


@dataclass(frozen=True)
class Report:
    overall: GroupFigures
    by_team: list[GroupFigures]
    by_age_band: list[GroupFigures]
    reviews_due_by_month: list[DueMonth]  # the next 12 months

    @property
    def due_in_year(self) -> int:
        return sum(m.count for m in self.reviews_due_by_month)

    @property
    def due_months_shown(self) -> bool:
        """Whether any month has a count to show (5 or more). When none has, only the year's total may be
        shown: with some months shown, the total would give away the hidden ones."""
        return any(m.count >= SMALL_NUMBER for m in self.reviews_due_by_month)

    @property
    def most_due_in_a_month(self) -> int:
        return max((m.count for m in self.reviews_due_by_month if not m.suppressed), default=0)


def _age_band(age: int) -> str:
    return "under_16" if age < 16 else ("16_to_17" if age < 18 else "18_and_over")


@dataclass
class _Facts:
    gp: bool
    immunised: bool
    in_care: bool
    assessed_in_time: bool
    adult: bool
    pack_by_18: bool
    sdq: int | None
    review_due_on: date | None


def _facts(passport: Passport, today: date) -> _Facts:
    age = clock.age_on(passport.date_of_birth, today)
    live_regs = [r for r in passport.registrations if r.archived_at is None and r.ended_on is None]
    records = passport.immunisation_records or "not_checked"
    immunised = (
        records != "not_checked"
        and report_for(
            passport.date_of_birth,
            [d for d in passport.immunisations if d.archived_at is None],
            today,
            passport.sex_registered_at_birth,
            records,
        ).up_to_date
    )
    review = readiness.review_due(passport, today)
    pack = passport.leaving_pack
    eighteenth = clock.birthday(passport.date_of_birth, policy.ADULT_AGE)
    return _Facts(
        gp=any(r.service == RegistrationService.GP for r in live_regs),
        immunised=immunised,
        in_care=passport.care_status == CareStatus.IN_CARE,
        assessed_in_time=review is not None and review.due_on is not None and not review.overdue,
        adult=age >= policy.ADULT_AGE,
        pack_by_18=bool(pack and pack.handed_over_on and pack.handed_over_on <= eighteenth),
        sdq=passport.sdq_scores[0].total if passport.sdq_scores else None,
        review_due_on=review.due_on if review else None,
    )


def _group(label: str, facts: list[_Facts]) -> GroupFigures:
    in_care = [f for f in facts if f.in_care]
    adults = [f for f in facts if f.adult]
    scores = [f.sdq for f in facts if f.sdq is not None]
    return GroupFigures(
        label=label,
        size=len(facts),
        cells={
            "gp": Cell(sum(f.gp for f in facts), len(facts)),
            "immunised": Cell(sum(f.immunised for f in facts), len(facts)),
            "assessed_in_time": Cell(sum(f.assessed_in_time for f in in_care), len(in_care)),
            "pack_by_18": Cell(sum(f.pack_by_18 for f in adults), len(adults)),
        },
        mean_sdq=round(sum(scores) / len(scores), 1) if len(scores) >= SMALL_NUMBER else None,
        sdq_scores=len(scores),
    )


def _month(day: date) -> date:
    return day.replace(day=1)


def organisation_report(viewer: User, today: date) -> Report:
    """The organisation's figures. Who is counted is the policy's answer (Action.INCLUDE_IN_REPORTS): every
    young person whose passport the organisation holds, except those 18 and over who have not chosen to keep
    their nurse; the report page says so."""
    passports = db.session.scalars(
        select(Passport)
        .where(policy.visible_passports(viewer, policy.Action.INCLUDE_IN_REPORTS, today))
        .options(
            selectinload(Passport.registrations),
            selectinload(Passport.immunisations),
            selectinload(Passport.assessments),
            selectinload(Passport.sdq_scores),
            selectinload(Passport.leaving_pack),
            selectinload(Passport.team),
        )
    ).all()
    facts = {p.id: _facts(p, today) for p in passports}
    by_team: dict[str, list[_Facts]] = defaultdict(list)
    by_band: dict[str, list[_Facts]] = defaultdict(list)
    for passport in passports:
        by_team[passport.team.name if passport.team else ""].append(facts[passport.id])
        by_band[_age_band(clock.age_on(passport.date_of_birth, today))].append(facts[passport.id])
    months = [_month(today)]
    while len(months) < 12:
        last = months[-1]
        months.append(date(last.year + (last.month == 12), last.month % 12 + 1, 1))
    due_counts = defaultdict(int)
    for fact in facts.values():
        if fact.review_due_on is not None:
            due_counts[max(_month(fact.review_due_on), months[0])] += 1  # overdue counts in this month
    return Report(
        overall=_group("", list(facts.values())),
        by_team=[_group(name, rows) for name, rows in sorted(by_team.items())],
        by_age_band=[_group(band, by_band[band]) for band in ("under_16", "16_to_17", "18_and_over")],
        reviews_due_by_month=[DueMonth(month, due_counts.get(month, 0)) for month in months],
    )


def report_csv(report: Report, label_for) -> bytes:
    """The report as CSV, with the same small-number suppression as the page, said in the same words in the
    reader's language ("fewer than 5 young people"). Each row says which breakdown it belongs to (everyone,
    team, age band) and its group, labelled by `label_for(breakdown, label)`: the young people without a team
    are their own row, "No team". Cells are written by exports.csv_file, so a team name that looks like a
    formula stays text."""
    few = gettext("fewer than 5 young people")

    def shown(cell: Cell) -> str:
        if cell.group_too_small:
            return few
        if cell.suppressed:
            return gettext("fewer than 5 of %(total)d young people", total=cell.total)
        return f"{cell.count}/{cell.total}"

    breakdowns = [
        ("everyone", [report.overall]),
        ("team", report.by_team),
        ("age band", report.by_age_band),
    ]
    rows = [
        [
            breakdown,
            label_for(breakdown, group.label),
            few if group.size_suppressed else group.size,
            *(shown(group.cells[m]) for m in MEASURES),
            gettext("Not enough scores yet") if group.mean_sdq is None else group.mean_sdq,
        ]
        for breakdown, groups in breakdowns
        for group in groups
    ]
    return csv_bytes(["breakdown", "group", "size", *MEASURES, "mean_sdq"], rows)
