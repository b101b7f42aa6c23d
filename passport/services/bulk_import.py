"""Bulk caseload import from a council's CSV export: checked row by row, then imported all or nothing.

The admin uploads a file and sees either every problem (naming the row as a spreadsheet numbers it, the
column and what is wrong) or a preview; only a clean file can be imported, in one transaction.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from passport import clock, policy
from passport.extensions import db
from passport.models import (
    Assignment,
    AssignmentRole,
    CareStatus,
    NhsNumberRecord,
    Passport,
    Role,
    Team,
    User,
)
from passport.policy import Action
from passport.services import ServiceError, audit, transaction
from passport.services.passports import date_of_birth_problem
from passport.validation import nhs_number_is_valid, normalise_nhs_number

COLUMNS = (
    "local_reference",
    "legal_name",
    "preferred_name",
    "date_of_birth",
    "nhs_number",
    "care_status",
    "team",
    "nurse_email",
    "adviser_email",
)
REQUIRED_COLUMNS = ("local_reference", "legal_name", "date_of_birth", "care_status")
MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024
CARE_STATUS_WORDS = {
    "in_care": CareStatus.IN_CARE,
    "in care": CareStatus.IN_CARE,
    "looked after": CareStatus.IN_CARE,
    "left_care": CareStatus.LEFT_CARE,
    "left care": CareStatus.LEFT_CARE,
    "care leaver": CareStatus.LEFT_CARE,
}


@dataclass(frozen=True)
class Problem:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    message: object


@dataclass(frozen=True)
class ImportRow:
    """One young person ready to import, as the preview shows them: the team and staff the file names are
    already matched to the organisation's own."""

    row: int
    local_reference: str
    legal_name: str
    preferred_name: str | None
    date_of_birth: date
    nhs_number: str | None
    care_status: CareStatus
    team_id: uuid.UUID | None
    team: str | None  # the team's name as the organisation spells it
    nurse_id: uuid.UUID | None
    adviser_id: uuid.UUID | None


@dataclass(frozen=True)
class Checked:
    rows: list[ImportRow]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)


def _parse_date(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def text_of(content: bytes | str) -> str:
    if isinstance(content, str):
        return content
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ServiceError(
            _l("The file must be a CSV saved as UTF-8. Save it again as 'CSV UTF-8' and upload it"),
            field="file",
        ) from error


def check(admin: User, content: bytes | str) -> Checked:
    """Every problem in the file, or the rows ready to import. Changes nothing."""
    text = text_of(content)
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return Checked([], [Problem(1, c, _l("This column is missing from the first row")) for c in missing])
    reader.fieldnames = header
    organisation_id = admin.organisation_id
    teams = {
        t.name.strip().lower(): t
        for t in db.session.scalars(select(Team).where(Team.organisation_id == organisation_id))
    }
    staff = {
        u.email: u
        for u in db.session.scalars(
            select(User).where(
                User.organisation_id == organisation_id, User.role != Role.YOUNG_PERSON, User.active
            )
        )
    }
    existing_refs = set(
        db.session.scalars(
            select(Passport.local_reference).where(
                Passport.organisation_id == organisation_id, Passport.local_reference.is_not(None)
            )
        )
    )
    today = clock.today()
    rows: list[ImportRow] = []
    problems: list[Problem] = []
    seen_refs: dict[str, int] = {}
    seen_nhs: dict[str, int] = {}
    for index, raw in enumerate(reader, start=2):
        if index - 1 > MAX_ROWS:
            problems.append(
                Problem(index, "", _l("The file has more than 5000 rows. Split it into smaller files"))
            )
            break
        values = {k: (v or "").strip() for k, v in raw.items() if k}
        if not any(values.values()):
            continue  # a blank line at the end of a spreadsheet export
        row_problems: list[Problem] = []

        def problem(column: str, message, row=index, bucket=row_problems) -> None:
            bucket.append(Problem(row, column, message))

        reference = values.get("local_reference", "")
        if not reference:
            problem("local_reference", _l("Enter the council's reference for this young person"))
        elif len(reference) > 40:
            problem("local_reference", _l("The reference must be 40 characters or fewer"))
        elif reference in existing_refs:
            problem("local_reference", _l("A passport with this reference already exists"))
        elif reference in seen_refs:
            problem("local_reference", _l("This reference is also on row %(row)s", row=seen_refs[reference]))
        else:
            seen_refs[reference] = index
        legal_name = values.get("legal_name", "")
        if not legal_name:
            problem("legal_name", _l("Enter the young person's full name"))
        elif len(legal_name) > 200:
            problem("legal_name", _l("The name must be 200 characters or fewer"))
        born = _parse_date(values.get("date_of_birth", ""))
        if born is None:
            problem("date_of_birth", _l("Enter the date of birth as YYYY-MM-DD or DD/MM/YYYY"))
        else:
            message = date_of_birth_problem(born, today)
            if message:
                problem("date_of_birth", message)
        nhs = values.get("nhs_number", "")
        if nhs:
            if not nhs_number_is_valid(nhs):
                problem("nhs_number", _l("This is not a valid NHS number"))
            elif normalise_nhs_number(nhs) in seen_nhs:
                problem(
                    "nhs_number",
                    _l("This NHS number is also on row %(row)s", row=seen_nhs[normalise_nhs_number(nhs)]),
                )
            else:
                seen_nhs[normalise_nhs_number(nhs)] = index
        status = CARE_STATUS_WORDS.get(values.get("care_status", "").lower())
        if status is None:
            problem("care_status", _l("Care status must be 'in care' or 'left care'"))
        team = None
        if values.get("team"):
            team = teams.get(values["team"].lower())
            if team is None:
                problem("team", _l("There is no team with this name in your organisation"))
        people: dict[str, uuid.UUID] = {}  # column: the member of staff it names
        for column, role in (("nurse_email", Role.NURSE), ("adviser_email", Role.ADVISER)):
            email = values.get(column, "").lower()
            if email:
                person = staff.get(email)
                if person is None or person.role != role:
                    problem(
                        column, _l("No active %(role)s with this email in your organisation", role=role.value)
                    )
                else:
                    people[column] = person.id
        problems.extend(row_problems)
        if not row_problems:
            rows.append(
                ImportRow(
                    row=index,
                    local_reference=reference,
                    legal_name=legal_name,
                    preferred_name=values.get("preferred_name") or None,
                    date_of_birth=born,
                    nhs_number=normalise_nhs_number(nhs) if nhs else None,
                    care_status=status,
                    team_id=team.id if team else None,
                    team=team.name if team else None,
                    nurse_id=people.get("nurse_email"),
                    adviser_id=people.get("adviser_email"),
                )
            )
    if not rows and not problems:
        problems.append(Problem(2, "", _l("The file has no rows to import")))
    return Checked(rows, problems)


@transaction
def import_all(admin: User, content: bytes | str) -> int:
    """Import every row, or none: the file is checked again here, in the same transaction."""
    if not policy.can(admin, Action.MANAGE_STAFF, None, clock.today()):
        raise ServiceError(_l("Only an organisation admin can import a caseload"))
    checked = check(admin, content)
    if not checked.ok:
        raise ServiceError(_l("The file has problems. Fix them and upload it again"), field="file")
    for row in checked.rows:
        passport = Passport(
            organisation_id=admin.organisation_id,
            team_id=row.team_id,
            legal_name=row.legal_name,
            preferred_name=row.preferred_name,
            date_of_birth=row.date_of_birth,
            care_status=row.care_status,
            local_reference=row.local_reference,
        )
        db.session.add(passport)
        db.session.flush()
        if row.nhs_number:
            db.session.add(
                NhsNumberRecord(passport_id=passport.id, number=row.nhs_number, reason="first_recorded")
            )
        for staff_id, role in (
            (row.nurse_id, AssignmentRole.NURSE),
            (row.adviser_id, AssignmentRole.ADVISER),
        ):
            if staff_id is not None:
                db.session.add(Assignment(passport_id=passport.id, staff_id=staff_id, role=role))
    audit.record("caseload_imported", actor=admin, rows=len(checked.rows))
    return len(checked.rows)


def organisation_passport_count(admin: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Passport)
        .where(policy.visible_passports(admin, policy.Action.MANAGE_ASSIGNMENTS, clock.today()))
    )
