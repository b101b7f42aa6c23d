"""The lists staff work from: a nurse's caseload (searchable, filterable, paginated) and an adviser's
young people ordered by urgency. Each row says the next thing to do."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, or_, select, union
from sqlalchemy.orm import selectinload

from passport import clock, policy
from passport.extensions import db
from passport.models import (
    AccessGrant,
    Assignment,
    AssignmentRole,
    Contact,
    CorrectionRequest,
    CorrectionStatus,
    HealthAssessment,
    ImmunisationDose,
    NhsNumberRecord,
    Passport,
    Registration,
    Team,
    User,
)
from passport.services import assessments, leaving_pack
from passport.services.readiness import Readiness, readiness
from passport.validation import normalise_nhs_number

PAGE_SIZE = 25
AGE_BANDS = ("under_16", "16_to_17", "18_and_over")
SORTS = ("leaving_soonest", "name")

# Everything readiness and the next step read, loaded in a constant number of queries for a page of rows.
# The big collections load only the columns those read: a page holds over a thousand of these rows, and
# turning each one's ids and timestamps into Python objects was most of the page's time.
ROW_LOADS = (
    selectinload(Passport.registrations).load_only(
        Registration.service, Registration.ended_on, Registration.archived_at
    ),
    selectinload(Passport.nhs_numbers),
    # Not the immunisations: _rows reads them as plain rows (_live_doses).
    selectinload(Passport.contacts).load_only(
        Contact.role, Contact.from_on, Contact.until_on, Contact.archived_at
    ),
    selectinload(Passport.assessments).load_only(
        HealthAssessment.kind,
        HealthAssessment.assessed_on,
        HealthAssessment.next_due_on,  # review_due reads a sooner date the nurse recorded
        HealthAssessment.archived_at,
    ),
    selectinload(Passport.sdq_scores),
    selectinload(Passport.leaving_pack),
    selectinload(Passport.birth_parent_consents),
    selectinload(Passport.assignments),
    selectinload(Passport.access_grants),
    selectinload(Passport.health_actions),
)


@dataclass(frozen=True)
class CaseloadQuery:
    text: str = ""
    age_band: str = ""
    care_status: str = ""
    readiness: str = ""  # "ready" or "gaps"
    pack_due: bool = False
    sort: str = "leaving_soonest"
    page: int = 1


@dataclass(frozen=True)
class CaseloadRow:
    passport_id: uuid.UUID
    name: str
    legal_name: str
    date_of_birth: date
    age: int
    days_to_18: int
    claimed: bool
    care_status: str
    readiness: Readiness
    review: assessments.ReviewDue | None
    pack_due: bool
    open_corrections: int
    shared_with_me: bool
    next_step: object  # a lazy, translatable sentence


@dataclass(frozen=True)
class CaseloadPage:
    rows: list[CaseloadRow]
    total: int
    page: int
    pages: int
    query: CaseloadQuery = field(default_factory=CaseloadQuery)


def care_team_filter(staff: User, role: AssignmentRole):
    """Passports this member of staff looks after: assigned to them or held by their team, in their own
    organisation; and, for a nurse, those a current out-of-area grant lets them see.

    Written as `passport.id IN (a UNION of small, indexed lookups)` so both databases start from the few
    hundred passports that match, in any organisation size: an OR of correlated EXISTS made SQLite and
    PostgreSQL read every passport in the organisation (or, with the grants, in the database) and test each
    (bench/RESULTS.md has the plans)."""
    assigned = select(Assignment.passport_id).where(
        Assignment.staff_id == staff.id,
        Assignment.role == role,
        Assignment.ended_at.is_(None),
    )
    arms = [
        select(Passport.id).where(
            Passport.organisation_id == staff.organisation_id, Passport.id.in_(assigned)
        )
    ]
    if staff.team_id:
        arms.append(
            select(Passport.id).where(
                Passport.organisation_id == staff.organisation_id, Passport.team_id == staff.team_id
            )
        )
    if role == AssignmentRole.NURSE:
        today = clock.today()
        arms.append(
            select(AccessGrant.passport_id).where(
                AccessGrant.grantee_id == staff.id,
                AccessGrant.revoked_at.is_(None),
                AccessGrant.starts_on <= today,
                AccessGrant.ends_on >= today,
            )
        )
    return Passport.id.in_(union(*arms))


def care_team_passport_ids(staff: User):
    """A subquery of the passports this member of staff is assigned to or their team holds."""
    role = AssignmentRole.ADVISER if staff.role == "adviser" else AssignmentRole.NURSE
    return select(Passport.id).where(care_team_filter(staff, role)).scalar_subquery()


_DATE_PATTERNS = (
    (re.compile(r"^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$"), (3, 2, 1)),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), (1, 2, 3)),
)


def _as_date(text: str) -> date | None:
    for pattern, (y, m, d) in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return date(int(match.group(y)), int(match.group(m)), int(match.group(d)))
            except ValueError:
                return None
    return None


def _search(text: str):
    """Search by NHS number (any the passport has held), date of birth, or part of a name."""
    text = text.strip()
    digits = normalise_nhs_number(text)
    if len(digits) == 10 and digits.isdigit():
        return exists().where(NhsNumberRecord.passport_id == Passport.id, NhsNumberRecord.number == digits)
    born = _as_date(text)
    if born:
        return Passport.date_of_birth == born
    like = f"%{text.lower()}%"
    return or_(func.lower(Passport.legal_name).like(like), func.lower(Passport.preferred_name).like(like))


def _age_band(band: str, today: date):
    sixteen_ago = clock.birthday(today, -16)
    eighteen_ago = clock.birthday(today, -18)
    if band == "under_16":
        return Passport.date_of_birth > sixteen_ago
    if band == "16_to_17":
        return and_(Passport.date_of_birth <= sixteen_ago, Passport.date_of_birth > eighteen_ago)
    if band == "18_and_over":
        return Passport.date_of_birth <= eighteen_ago
    return None


def _next_step(passport: Passport, row_readiness: Readiness, review, pack_due: bool, corrections: int, today):
    age = clock.age_on(passport.date_of_birth, today)
    if corrections:
        return _l("Answer a correction request")
    if passport.young_person_id is None and age >= policy.INVITE_MIN_AGE:
        return _l("Invite them to their passport")
    if review is not None and review.due_on is None:
        return _l("Record the initial health assessment")
    if review is not None and review.overdue:
        return _l("Review health assessment is overdue")
    if pack_due:
        return _l("Prepare and hand over the leaving pack")
    if row_readiness.gaps:
        return row_readiness.gaps[0].words
    if passport.young_person_id is None:
        return _l("Keep the passport up to date until they are 16")
    return _l("Nothing urgent")


def _open_corrections(ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(CorrectionRequest.passport_id, func.count())
        .where(CorrectionRequest.passport_id.in_(ids), CorrectionRequest.status == CorrectionStatus.OPEN)
        .group_by(CorrectionRequest.passport_id)
    )
    return dict(rows.all())


def _live_doses(ids: list[uuid.UUID]) -> dict[uuid.UUID, list]:
    """The live doses of these passports, as plain rows with what the immunisation report reads: a row is
    several times cheaper to load than an ORM object, and a caseload page reads a thousand or more."""
    found: dict[uuid.UUID, list] = {passport_id: [] for passport_id in ids}
    if not ids:
        return found
    rows = db.session.execute(
        select(
            ImmunisationDose.passport_id,
            ImmunisationDose.vaccine_id,
            ImmunisationDose.given_on,
            ImmunisationDose.dose_number,
            ImmunisationDose.where_given,
            ImmunisationDose.source,
        )
        .where(ImmunisationDose.passport_id.in_(ids), ImmunisationDose.archived_at.is_(None))
        .order_by(ImmunisationDose.given_on)
    )
    for row in rows:
        found[row.passport_id].append(row)
    return found


def _rows(passports: list[Passport], staff: User, today: date) -> list[CaseloadRow]:
    corrections = _open_corrections([p.id for p in passports])
    doses = _live_doses([p.id for p in passports])
    rows = []
    for passport in passports:
        row_readiness = readiness(passport, today, doses=doses[passport.id])
        review = assessments.review_due(passport, today)
        pack_due = leaving_pack.is_due(passport, today)
        count = corrections.get(passport.id, 0)
        rows.append(
            CaseloadRow(
                passport_id=passport.id,
                name=passport.name_to_use,
                legal_name=passport.legal_name,
                date_of_birth=passport.date_of_birth,
                age=clock.age_on(passport.date_of_birth, today),
                days_to_18=(clock.birthday(passport.date_of_birth, policy.ADULT_AGE) - today).days,
                claimed=passport.young_person_id is not None,
                care_status=str(passport.care_status),
                readiness=row_readiness,
                review=review,
                pack_due=pack_due,
                open_corrections=count,
                shared_with_me=policy.decide(staff, policy.Action.VIEW_PASSPORT, passport, today).allowed,
                next_step=_next_step(passport, row_readiness, review, pack_due, count, today),
            )
        )
    return rows


def nurse_caseload(nurse: User, today: date, query: CaseloadQuery | None = None) -> CaseloadPage:
    """The young people a nurse is assigned to or whose passport their team holds."""
    query = query or CaseloadQuery()
    conditions = [care_team_filter(nurse, AssignmentRole.NURSE)]
    if query.text.strip():
        conditions.append(_search(query.text))
    band = _age_band(query.age_band, today)
    if band is not None:
        conditions.append(band)
    if query.care_status:
        conditions.append(Passport.care_status == query.care_status)
    turned_18 = case((Passport.date_of_birth <= clock.birthday(today, -policy.ADULT_AGE), 1), else_=0)
    order = (
        (Passport.legal_name, Passport.id)
        if query.sort == "name"
        # The fewest days to their 18th birthday first; those already 18 (seen with their agreement) after.
        else (turned_18, Passport.date_of_birth, Passport.legal_name, Passport.id)
    )
    statement = select(Passport).where(*conditions).order_by(*order)
    page = max(1, query.page)
    if query.readiness or query.pack_due:
        # These are worked out from the whole record, so filter in Python over the (bounded) caseload.
        passports = db.session.scalars(statement.options(*ROW_LOADS)).all()
        rows = [
            r
            for r in _rows(passports, nurse, today)
            if (not query.pack_due or r.pack_due)
            and (not query.readiness or (r.readiness.ready == (query.readiness == "ready")))
        ]
        total = len(rows)
        rows = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    else:
        total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
        passports = db.session.scalars(
            statement.options(*ROW_LOADS).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        ).all()
        rows = _rows(passports, nurse, today)
    return CaseloadPage(rows=rows, total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)), query=query)


def adviser_caseload(adviser: User, today: date) -> list[CaseloadRow]:
    """The adviser's young people whose passport they may still see, most urgent first: gaps before ready,
    then the fewest days to leaving care."""
    passports = db.session.scalars(
        select(Passport).where(care_team_filter(adviser, AssignmentRole.ADVISER)).options(*ROW_LOADS)
    ).all()
    visible = [p for p in passports if policy.decide(adviser, policy.Action.VIEW_READINESS, p, today)]
    rows = _rows(visible, adviser, today)
    return sorted(rows, key=lambda r: (r.readiness.ready, r.readiness.days_left, r.name))


def organisation_teams(staff: User) -> list[Team]:
    return list(
        db.session.scalars(
            select(Team).where(Team.organisation_id == staff.organisation_id).order_by(Team.name)
        )
    )
