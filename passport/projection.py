"""PassportView: one passport as one viewer may see it, on one day.

Every output (page, PDF, share page, QR card, FHIR, data export) renders from a PassportView, never from the
models, so a section the policy hides is absent from every format at once. A section the viewer may not see
is None here, and a labelled item the viewer may not see is simply not in its list: a template cannot show
what it never receives.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from passport import clock, policy, schedule
from passport.extensions import db
from passport.immunisations import report_for
from passport.models import (
    BIRTH_FIELDS,
    BirthPart,
    CorrectionRequest,
    CorrectionStatus,
    Passport,
    RegistrationService,
    Role,
    Sensitivity,
    Source,
    User,
)
from passport.policy import Output, Section, Visibility
from passport.services.items import ITEM_KINDS


@dataclass(frozen=True)
class Person:
    """Who recorded or changed something, as the viewer should read it."""

    name: str
    role: str
    is_viewer: bool


# Outputs read by someone other than the person who made them: a clinician opening a share link, a GP
# reading the PDF. They speak about the young person ("Added by the young person"), never to the reader as if
# the reader had done it ("Added by you").
READ_BY_SOMEONE_ELSE = frozenset({Output.SHARE_LINK, Output.PDF, Output.FHIR})


def _person(user: User | None, reader: User | None) -> Person | None:
    """`reader` is who will read the output, or None when that is someone else (see READ_BY_SOMEONE_ELSE)."""
    if user is None:
        return None
    return Person(user.display_name, str(user.role), reader is not None and user.id == reader.id)


@dataclass(frozen=True)
class Provenance:
    source: Source
    recorded_by: Person | None
    recorded_at: datetime
    updated_by: Person | None
    updated_at: datetime
    verified_by: Person | None
    verified_at: datetime | None

    @property
    def changed_since_recorded(self) -> bool:
        return (self.updated_at - self.recorded_at).total_seconds() > 1


@dataclass(frozen=True)
class ItemView:
    kind: str
    id: uuid.UUID
    version: int
    values: Mapping[str, Any]
    sensitivity: Sensitivity | None
    provenance: Provenance
    can_edit: bool
    can_ask_for_correction: bool
    correction_pending: bool

    def __getattr__(self, name: str):
        try:
            return self.values[name]
        except KeyError as error:
            raise AttributeError(name) from error


@dataclass(frozen=True)
class NhsNumberEntry:
    number: str
    reason: str | None
    recorded_at: datetime
    current: bool


@dataclass(frozen=True)
class AboutMe:
    legal_name: str
    preferred_name: str | None
    pronouns: str | None
    date_of_birth: date
    age: int
    nhs_number: str | None
    nhs_number_history: tuple[NhsNumberEntry, ...]
    languages: str | None
    interpreter_needed: bool
    communication_needs: str | None
    care_status: str
    date_left_care: date | None
    updated_by: Person | None
    updated_at: datetime | None
    version: int
    can_edit: bool
    correction_pending: bool


@dataclass(frozen=True)
class Registrations:
    items: tuple[ItemView, ...]

    def current(self, service: RegistrationService) -> ItemView | None:
        return next((i for i in self.items if i.service == service and not i.ended_on), None)

    @property
    def gp(self) -> ItemView | None:
        return self.current(RegistrationService.GP)

    @property
    def has_gp(self) -> bool:
        return self.gp is not None


@dataclass(frozen=True)
class HealthSummary:
    conditions: tuple[ItemView, ...]
    allergies: tuple[ItemView, ...]
    medications: tuple[ItemView, ...]
    assessments: tuple[ItemView, ...]
    today: date

    @property
    def current_medications(self) -> tuple[ItemView, ...]:
        return tuple(m for m in self.medications if not m.stopped_on or m.stopped_on >= self.today)

    @property
    def is_empty(self) -> bool:
        return not (self.conditions or self.allergies or self.medications or self.assessments)


@dataclass(frozen=True)
class Immunisations:
    doses: tuple[ItemView, ...]
    report: schedule.ImmunisationReport
    records: str  # documented, none or not_checked: see Passport.immunisation_records
    # For the nurse: each dose, and whether and why it counted toward each programme.
    evidence: tuple[schedule.DoseEvidence, ...]


@dataclass(frozen=True)
class BirthHistoryView:
    """Only the fields of the parts this viewer may see, in this output. The rest are not here at all."""

    parts: frozenset[BirthPart]
    values: Mapping[str, Any]
    updated_at: datetime | None
    updated_by: Person | None
    version: int

    def __getattr__(self, name: str):
        try:
            return self.values[name]
        except KeyError as error:
            raise AttributeError(name) from error

    @property
    def is_empty(self) -> bool:
        return not any(value not in (None, "") for value in self.values.values())


@dataclass(frozen=True)
class ConsentView:
    """A birth-parent consent as the curating nurse sees it (never shown to anyone else)."""

    id: uuid.UUID
    given_by: str
    given_by_name: str | None
    given_on: date
    covers: tuple[str, ...]
    young_person_may_see: bool
    may_include_in_pdf: bool
    may_include_in_share_links: bool
    may_include_in_fhir: bool
    evidence: str
    recorded_by: Person | None
    recorded_at: datetime
    withdrawn_on: date | None
    withdrawal_reason: str | None
    withdrawal_recorded_by: Person | None

    @property
    def active(self) -> bool:
        return self.withdrawn_on is None


@dataclass(frozen=True)
class BirthHistoryStatus:
    """What the young person is told about their birth history, and what the nurse is told about who can
    see it. Identical for "no record" and "a record without consent", so neither reveals the other."""

    consented_parts: frozenset[BirthPart]  # what an active consent opens to the young person
    pdf_allowed: bool  # a consent lets it go into their PDF / FHIR download
    share_allowed: bool  # a consent lets it go into links they share
    opened: bool
    in_pdf: bool
    in_share_links: bool

    @property
    def offered(self) -> bool:
        return bool(self.consented_parts)


@dataclass(frozen=True)
class PlanAction:
    id: uuid.UUID
    what: str
    owner: str
    due_on: date
    status: str
    not_done_reason: str | None
    done_on: date | None
    overdue: bool
    can_mark: bool  # this viewer may mark it done or not done
    agreed_at_kind: str | None = None  # the health assessment it was agreed at, if any
    agreed_at_date: date | None = None
    version: int = 0  # the row's version, for the "done" button (services/versions.py)


@dataclass(frozen=True)
class Contacts:
    now: tuple[ItemView, ...]
    later: tuple[ItemView, ...]
    past: tuple[ItemView, ...]


@dataclass(frozen=True)
class Ownership:
    """Who owns the passport today, and what changes at 18."""

    claimed: bool
    age: int
    is_adult: bool
    sixteenth_birthday: date
    eighteenth_birthday: date
    handover_notice_due: bool
    nurse_access_after_18: bool
    adviser_access_after_18: bool


@dataclass(frozen=True)
class PassportView:
    passport_id: uuid.UUID
    name: str
    viewer_role: Role
    # False when someone other than the viewer reads this output (READ_BY_SOMEONE_ELSE).
    read_by_viewer: bool
    visibility: Visibility
    ownership: Ownership
    about_me: AboutMe | None
    registrations: Registrations | None
    health: HealthSummary | None
    immunisations: Immunisations | None
    contacts: Contacts | None
    health_plan: tuple[PlanAction, ...] | None = None
    birth_history: BirthHistoryView | None = None
    # Only for the young person (their prompt and choices) and the curating nurse (who can see it).
    birth_status: BirthHistoryStatus | None = None
    consents: tuple[ConsentView, ...] = ()

    def shows(self, section: Section) -> bool:
        return self.visibility.shows(section)

    @property
    def viewer_is_owner(self) -> bool:
        """Speak to the reader as the young person ("Added by you") only when they are the one reading."""
        return self.read_by_viewer and self.viewer_role is Role.YOUNG_PERSON


def _open_correction_ids(passport: Passport) -> set[uuid.UUID]:
    return set(
        db.session.scalars(
            select(CorrectionRequest.item_id).where(
                CorrectionRequest.passport_id == passport.id,
                CorrectionRequest.status == CorrectionStatus.OPEN,
            )
        )
    )


class _Builder:
    def __init__(
        self, viewer: User, passport: Passport, today: date, visibility: Visibility, reader: User | None
    ):
        self.viewer = viewer
        self.reader = reader
        self.passport = passport
        self.today = today
        self.visibility = visibility
        self.pending = _open_correction_ids(passport) if visibility.sections else set()
        # Everyone who recorded, changed or checked an item, by id; see _load_people.
        self.people: dict[uuid.UUID, User] = {viewer.id: viewer}
        self.persons: dict[uuid.UUID, Person] = {}

    def items(self, kind_name: str, rows) -> tuple[ItemView, ...]:
        kind = ITEM_KINDS[kind_name]
        out = []
        self._load_people(rows)
        for row in rows:
            if row.archived_at is not None or not self.visibility.shows_item(row.sensitivity):
                continue
            out.append(self.item(kind_name, kind.fields, row))
        return tuple(out)

    def _load_people(self, rows) -> None:
        """Load the people behind these items that are not known yet, in one query: usually the nurse, once
        per page (the viewer is known from the start). Reading each item's recorded_by / updated_by /
        verified_by relationship instead would ask the session three times per item."""
        missing = {
            person_id
            for row in rows
            for person_id in (row.recorded_by_id, row.updated_by_id, row.verified_by_id)
            if person_id is not None and person_id not in self.people
        }
        if missing:
            found = db.session.scalars(select(User).where(User.id.in_(missing)))
            self.people.update((user.id, user) for user in found)

    def person(self, person_id: uuid.UUID | None) -> Person | None:
        if person_id is None:
            return None
        if person_id not in self.persons:
            self.persons[person_id] = _person(self.people.get(person_id), self.reader)
        return self.persons[person_id]

    def item(self, kind_name: str, fields, row) -> ItemView:
        viewer, passport, today = self.viewer, self.passport, self.today
        return ItemView(
            kind=kind_name,
            id=row.id,
            version=row.version,
            values={name: getattr(row, name) for name in fields},
            sensitivity=row.sensitivity,
            provenance=Provenance(
                source=Source(row.source),
                recorded_by=self.person(row.recorded_by_id),
                recorded_at=row.recorded_at,
                updated_by=self.person(row.updated_by_id),
                updated_at=row.updated_at,
                verified_by=self.person(row.verified_by_id),
                verified_at=row.verified_at,
            ),
            can_edit=bool(policy.decide_edit_item(viewer, passport, row, today)),
            can_ask_for_correction=bool(policy.decide_request_correction(viewer, passport, row, today)),
            correction_pending=row.id in self.pending,
        )

    def about_me(self, age: int) -> AboutMe:
        passport, viewer, today = self.passport, self.viewer, self.today
        return AboutMe(
            legal_name=passport.legal_name,
            preferred_name=passport.preferred_name,
            pronouns=passport.pronouns,
            date_of_birth=passport.date_of_birth,
            age=age,
            nhs_number=passport.current_nhs_number,
            nhs_number_history=tuple(
                NhsNumberEntry(r.number, r.reason, r.recorded_at, r.superseded_at is None)
                for r in passport.nhs_numbers
            ),
            languages=passport.languages,
            interpreter_needed=passport.interpreter_needed,
            communication_needs=passport.communication_needs,
            care_status=str(passport.care_status),
            date_left_care=passport.date_left_care,
            updated_by=_person(passport.about_me_updated_by, self.reader),
            updated_at=passport.about_me_updated_at,
            version=passport.version,
            can_edit=policy.can(viewer, policy.Action.CURATE_PASSPORT, passport, today)
            or policy.can(viewer, policy.Action.ACT_AS_OWNER, passport, today),
            correction_pending=passport.id in self.pending,
        )

    def immunisations(self) -> Immunisations:
        passport = self.passport
        doses = self.items("immunisation", passport.immunisations)
        records = passport.immunisation_records or "not_checked"
        report = report_for(
            passport.date_of_birth, doses, self.today, passport.sex_registered_at_birth, records
        )
        evidence = ()
        if Role(self.viewer.role) is Role.NURSE:
            evidence = schedule.dose_evidence(
                passport.date_of_birth,
                [_engine_dose(d) for d in doses],
                self.today,
                sex_at_birth=passport.sex_registered_at_birth,
                records_status=records,
            )
        return Immunisations(doses=doses, report=report, records=records, evidence=evidence)

    def contacts(self) -> Contacts:
        rows = self.items("contact", self.passport.contacts)
        today = self.today
        return Contacts(
            now=tuple(c for c in rows if _contact_current(c, today)),
            later=tuple(c for c in rows if c.from_on and c.from_on > today),
            past=tuple(c for c in rows if c.until_on and c.until_on < today),
        )


def _engine_dose(dose: ItemView) -> schedule.Dose:
    return schedule.Dose(
        dose.vaccine_id,
        dose.given_on,
        dose.dose_number,
        dose.where_given or "unknown",
        str(dose.provenance.source),
    )


def _contact_current(contact: ItemView, today: date) -> bool:
    return (contact.from_on is None or contact.from_on <= today) and (
        contact.until_on is None or today <= contact.until_on
    )


def _birth_history(
    passport: Passport, parts: frozenset[BirthPart], reader: User | None
) -> BirthHistoryView | None:
    if not parts:  # most viewers: no need to load the record at all
        return None
    record = passport.birth_history
    if record is None:
        return None
    return BirthHistoryView(
        parts=parts,
        values={name: getattr(record, name) for part in parts for name in BIRTH_FIELDS[part]},
        updated_at=record.updated_at,
        updated_by=_person(record.updated_by, reader),
        version=record.version,
    )


def _health_plan(viewer: User, passport: Passport, today: date) -> tuple[PlanAction, ...]:
    from passport.services.health_plans import may_mark

    # The assessments actions were agreed at, from the passport's own list (one query at most), not one
    # lazy load per action.
    agreed_at = (
        {a.id: a for a in passport.assessments}
        if any(a.assessment_id for a in passport.health_actions)
        else {}
    )
    return tuple(
        PlanAction(
            id=a.id,
            what=a.what,
            owner=str(a.owner),
            due_on=a.due_on,
            status=str(a.status),
            not_done_reason=a.not_done_reason,
            done_on=a.done_on,
            overdue=a.status == "agreed" and a.due_on < today,
            can_mark=may_mark(viewer, passport, a, today),
            agreed_at_kind=str(agreed_at[a.assessment_id].kind) if a.assessment_id in agreed_at else None,
            agreed_at_date=agreed_at[a.assessment_id].assessed_on if a.assessment_id in agreed_at else None,
            version=a.version,
        )
        for a in passport.health_actions
    )


def _consents(passport: Passport, viewer: User) -> tuple[ConsentView, ...]:
    return tuple(
        ConsentView(
            id=c.id,
            given_by=str(c.given_by),
            given_by_name=c.given_by_name,
            given_on=c.given_on,
            covers=tuple(c.covers or ()),
            young_person_may_see=c.young_person_may_see,
            may_include_in_pdf=c.may_include_in_pdf,
            may_include_in_share_links=c.may_include_in_share_links,
            may_include_in_fhir=c.may_include_in_fhir,
            evidence=c.evidence,
            recorded_by=_person(c.recorded_by, viewer),
            recorded_at=c.recorded_at,
            withdrawn_on=c.withdrawn_on,
            withdrawal_reason=c.withdrawal_reason,
            withdrawal_recorded_by=_person(c.withdrawal_recorded_by, viewer),
        )
        for c in passport.birth_parent_consents
    )


def build_view(
    viewer: User,
    passport: Passport,
    today: date | None = None,
    output: Output = Output.PAGE,
    selection: policy.Selection | None = None,
) -> PassportView:
    # The signed-in user itself rather than Flask-Login's proxy for it: the projection reads the viewer a
    # few hundred times.
    viewer = viewer._get_current_object() if hasattr(viewer, "_get_current_object") else viewer
    # Every item asks the same few policy questions about this viewer and passport; answer each once.
    with policy.decisions_remembered():
        return _build_view(viewer, passport, today or clock.today(), output, selection)


def _build_view(
    viewer: User, passport: Passport, today: date, output: Output, selection: policy.Selection | None
) -> PassportView:
    visibility = policy.visibility(viewer, passport, today, output, selection)
    reader = None if output in READ_BY_SOMEONE_ELSE else viewer
    builder = _Builder(viewer, passport, today, visibility, reader)
    age = clock.age_on(passport.date_of_birth, today)
    shows = visibility.shows
    return PassportView(
        passport_id=passport.id,
        name=passport.name_to_use,
        viewer_role=Role(viewer.role),
        read_by_viewer=reader is not None,
        visibility=visibility,
        ownership=Ownership(
            claimed=passport.young_person_id is not None,
            age=age,
            is_adult=age >= policy.ADULT_AGE,
            sixteenth_birthday=clock.birthday(passport.date_of_birth, policy.INVITE_MIN_AGE),
            eighteenth_birthday=clock.birthday(passport.date_of_birth, policy.ADULT_AGE),
            handover_notice_due=policy.handover_notice_due(passport, today),
            nurse_access_after_18=passport.nurse_access_after_18,
            adviser_access_after_18=passport.adviser_access_after_18,
        ),
        about_me=builder.about_me(age) if shows(Section.ABOUT_ME) else None,
        registrations=(
            Registrations(builder.items("registration", passport.registrations))
            if shows(Section.REGISTRATIONS)
            else None
        ),
        health=(
            HealthSummary(
                conditions=builder.items("condition", passport.conditions),
                allergies=builder.items("allergy", passport.allergies),
                medications=builder.items("medication", passport.medications),
                assessments=builder.items("assessment", passport.assessments),
                today=today,
            )
            if shows(Section.HEALTH_SUMMARY)
            else None
        ),
        immunisations=builder.immunisations() if shows(Section.IMMUNISATIONS) else None,
        contacts=builder.contacts() if shows(Section.CONTACTS) else None,
        health_plan=_health_plan(viewer, passport, today) if shows(Section.HEALTH_PLAN) else None,
        birth_history=_birth_history(passport, visibility.birth_parts, reader),
        birth_status=_birth_status(viewer, passport, today, output),
        consents=_consents(passport, viewer) if output is Output.CURATION and visibility.birth_parts else (),
    )


def _birth_status(viewer: User, passport: Passport, today: date, output: Output) -> BirthHistoryStatus | None:
    role = Role(viewer.role)
    owner = role is Role.YOUNG_PERSON and policy.can(viewer, policy.Action.ACT_AS_OWNER, passport, today)
    curator = role is Role.NURSE and policy.can(viewer, policy.Action.CURATE_PASSPORT, passport, today)
    if not (owner or curator) or output not in (Output.PAGE, Output.CURATION):
        return None
    return BirthHistoryStatus(
        consented_parts=policy.consented_birth_parts(passport),
        pdf_allowed=bool(policy.consented_birth_parts(passport, Output.PDF)),
        share_allowed=bool(policy.consented_birth_parts(passport, Output.SHARE_LINK)),
        opened=passport.birth_history_opened_at is not None,
        in_pdf=passport.birth_history_in_pdf,
        in_share_links=passport.birth_history_in_share_links,
    )
