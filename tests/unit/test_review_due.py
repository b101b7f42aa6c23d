"""When the next review health assessment is due: every 6 months under 5, every year from 5 (statutory
guidance), sooner if the nurse recorded a sooner date at the last assessment, never later."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from passport.models import AssessmentKind, CareStatus, HealthAssessment, Passport
from passport.readiness import review_due

TODAY = date(2026, 12, 2)


def passport(born: date, *assessments: HealthAssessment, care_status=CareStatus.IN_CARE) -> Passport:
    p = Passport(id=uuid.uuid4(), date_of_birth=born, care_status=care_status)
    p.assessments = list(assessments)
    p.sdq_scores = []
    return p


def assessment(on: date, kind=AssessmentKind.REVIEW, next_due_on=None) -> HealthAssessment:
    return HealthAssessment(kind=kind, assessed_on=on, next_due_on=next_due_on, archived_at=None)


@pytest.mark.parametrize(
    ("case", "born", "assessments", "due_on", "overdue"),
    [
        (
            "aged 3 at the last review: 6 months",
            date(2023, 6, 1),
            [assessment(date(2026, 9, 1))],
            date(2027, 3, 1),
            False,
        ),
        (
            "aged 4 at the last review, 6 months ago and a day: overdue",
            date(2022, 1, 1),
            [assessment(date(2026, 6, 1))],
            date(2026, 12, 1),
            True,
        ),
        (
            "aged 5 at the last review: a year",
            date(2021, 1, 1),
            [assessment(date(2026, 3, 1))],
            date(2027, 3, 1),
            False,
        ),
        (
            "aged 16: a year after the latest of several",
            date(2010, 5, 5),
            [assessment(date(2025, 1, 10), AssessmentKind.INITIAL), assessment(date(2026, 2, 10))],
            date(2027, 2, 10),
            False,
        ),
        (
            "the nurse asked for one sooner",
            date(2010, 5, 5),
            [assessment(date(2026, 10, 1), next_due_on=date(2027, 1, 15))],
            date(2027, 1, 15),
            False,
        ),
        (
            "a later date cannot put the statutory review off",
            date(2010, 5, 5),
            [assessment(date(2026, 10, 1), next_due_on=date(2028, 1, 1))],
            date(2027, 10, 1),
            False,
        ),
        (
            "two on the same day, whichever order they come in: the sooner next date wins",
            date(2010, 5, 5),
            [
                assessment(date(2026, 10, 1), next_due_on=date(2027, 2, 1)),
                assessment(date(2026, 10, 1), AssessmentKind.INITIAL, next_due_on=date(2027, 1, 10)),
                assessment(date(2026, 10, 1)),
            ],
            date(2027, 1, 10),
            False,
        ),
        (
            "a leaving-care summary is not a review",
            date(2009, 1, 1),
            [assessment(date(2025, 6, 1)), assessment(date(2026, 11, 1), AssessmentKind.LEAVING_CARE)],
            date(2026, 6, 1),
            True,
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_review_due(case, born, assessments, due_on, overdue):
    due = review_due(passport(born, *assessments), TODAY)
    assert (due.due_on, due.overdue) == (due_on, overdue)


def test_none_recorded_asks_for_the_initial_assessment():
    due = review_due(passport(date(2012, 1, 1)), TODAY)
    assert due.due_on is None and due.overdue


def test_no_reviews_once_they_have_left_care():
    assert review_due(passport(date(2008, 1, 1), care_status=CareStatus.LEFT_CARE), TODAY) is None
