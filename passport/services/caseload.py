"""The lists staff work from: a nurse's caseload (searchable, filterable, paginated) and an adviser's
young people ordered by urgency. Each selects through the policy's SQL form (`policy.visible_passports`) and
each row is built by the projection (`projection.build_rows`), so nothing reaches a list that the young
person's own page would refuse."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func, or_, select

from passport import policy
from passport.extensions import db
from passport.models import NhsNumberRecord, Passport, Team, User
from passport.projection import PassportRow, build_rows
from passport.validation import normalise_nhs_number

PAGE_SIZE = 25
AGE_BANDS = ("under_16", "16_to_17", "18_and_over")
SORTS = ("leaving_soonest", "name")


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
class CaseloadPage:
    rows: list[PassportRow]
    total: int
    page: int
    pages: int
    query: CaseloadQuery = field(default_factory=CaseloadQuery)


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
        # Found from the number's index, not by a subquery per young person in the caseload (as EXISTS was).
        return Passport.id.in_(select(NhsNumberRecord.passport_id).where(NhsNumberRecord.number == digits))
    born = _as_date(text)
    if born:
        return Passport.date_of_birth == born
    like = f"%{text.lower()}%"
    return or_(func.lower(Passport.legal_name).like(like), func.lower(Passport.preferred_name).like(like))


def _age_band(band: str, today: date):
    sixteen_ago = policy.born_on_or_before_for_age(16, today)
    eighteen_ago = policy.born_on_or_before_for_age(policy.ADULT_AGE, today)
    if band == "under_16":
        return Passport.date_of_birth > sixteen_ago
    if band == "16_to_17":
        return and_(Passport.date_of_birth <= sixteen_ago, Passport.date_of_birth > eighteen_ago)
    if band == "18_and_over":
        return Passport.date_of_birth <= eighteen_ago
    return None


def nurse_caseload(nurse: User, today: date, query: CaseloadQuery | None = None) -> CaseloadPage:
    """The young people a nurse is assigned to or whose passport their team holds."""
    query = query or CaseloadQuery()
    conditions = [policy.visible_passports(nurse, policy.Action.VIEW_PASSPORT, today)]
    if query.text.strip():
        conditions.append(_search(query.text))
    band = _age_band(query.age_band, today)
    if band is not None:
        conditions.append(band)
    if query.care_status:
        conditions.append(Passport.care_status == query.care_status)
    turned_18 = case(
        (Passport.date_of_birth <= policy.born_on_or_before_for_age(policy.ADULT_AGE, today), 1), else_=0
    )
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
        passports = db.session.scalars(statement).all()
        rows = [
            r
            for r in build_rows(nurse, passports, today)
            if (not query.pack_due or r.readiness.pack_due)
            and (not query.readiness or (r.readiness.ready == (query.readiness == "ready")))
        ]
        total = len(rows)
        rows = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    else:
        # The page and how many match in one statement (a window count): one round trip less per page.
        found = db.session.execute(
            statement.add_columns(func.count().over()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        ).all()
        passports = [passport for passport, _total in found]
        if found:
            total = found[0][1]
        elif page == 1:
            total = 0
        else:  # a page past the end (an old link): say how many there are now
            total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
        rows = build_rows(nurse, passports, today)
    return CaseloadPage(rows=rows, total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)), query=query)


def adviser_caseload(adviser: User, today: date) -> list[PassportRow]:
    """The young people whose readiness the adviser may check (from 16 to 25), most urgent first: gaps
    before ready, then the fewest days to leaving care."""
    passports = db.session.scalars(
        select(Passport).where(policy.visible_passports(adviser, policy.Action.VIEW_READINESS, today))
    ).all()
    rows = build_rows(adviser, passports, today)
    return sorted(rows, key=lambda r: (r.readiness.ready, r.readiness.days_left, r.name))


def organisation_teams(staff: User) -> list[Team]:
    return list(
        db.session.scalars(
            select(Team).where(Team.organisation_id == staff.organisation_id).order_by(Team.name)
        )
    )
