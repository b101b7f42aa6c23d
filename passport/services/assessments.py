"""Statutory health assessments and SDQ scores: when the next review is due, and the SDQ bands.

Review health assessments are due at least every 6 months under 5 and at least every year from 5 (statutory
guidance, ../shared/DOMAIN.md). SDQ total difficulties 0–40: 0–13 normal, 14–16 borderline, 17–40 concern.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from passport import clock, policy
from passport.extensions import db
from passport.models import AssessmentKind, CareStatus, Passport, SdqScore, User
from passport.policy import Action
from passport.services import ServiceError, audit, transaction

SDQ_BANDS = ((0, 13, "normal"), (14, 16, "borderline"), (17, 40, "concern"))
SDQ_INFORMANTS = ("carer", "young_person", "teacher")


def sdq_band(total: int) -> str:
    for low, high, band in SDQ_BANDS:
        if low <= total <= high:
            return band
    raise ValueError(total)


def _add_months(day: date, months: int) -> date:
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


def review_due(passport: Passport, today: date) -> ReviewDue | None:
    """When the next review health assessment is due, for a young person in care; None once they have left."""
    if passport.care_status != CareStatus.IN_CARE:
        return None
    done = [
        a
        for a in passport.assessments
        if a.archived_at is None and a.kind in (AssessmentKind.INITIAL, AssessmentKind.REVIEW)
    ]
    if not done:
        return ReviewDue(None, True, False)
    latest = max(done, key=lambda a: a.assessed_on)
    last = latest.assessed_on
    # Statutory: every 6 months under 5, every year from 5. A sooner "next one due" the nurse recorded at
    # the last assessment wins; a later one cannot put the statutory review off.
    months = 6 if clock.age_on(passport.date_of_birth, last) < 5 else 12
    due_on = _add_months(last, months)
    if latest.next_due_on is not None and latest.next_due_on < due_on:
        due_on = latest.next_due_on
    recent_sdq = any(s.scored_on > _add_months(today, -12) for s in passport.sdq_scores)
    return ReviewDue(due_on, due_on < today, due_on <= _add_months(today, 1) and not recent_sdq)


@transaction
def record_sdq(nurse: User, passport: Passport, *, scored_on: date | None, total: int | None, informant: str):
    if not policy.can(nurse, Action.CURATE_PASSPORT, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))
    if scored_on is None:
        raise ServiceError(_l("Enter the date of the SDQ"), field="scored_on")
    if scored_on > clock.today() or scored_on < passport.date_of_birth:
        raise ServiceError(
            _l("The date must be after the date of birth and not in the future"), field="scored_on"
        )
    if total is None or not 0 <= total <= 40:
        raise ServiceError(_l("Enter a total score from 0 to 40"), field="total")
    if informant not in SDQ_INFORMANTS:
        raise ServiceError(_l("Choose who filled it in"), field="informant")
    score = SdqScore(
        passport_id=passport.id,
        scored_on=scored_on,
        total=total,
        informant=informant,
        recorded_by_id=nurse.id,
    )
    db.session.add(score)
    audit.record("sdq_recorded", actor=nurse, passport=passport)
    return score
