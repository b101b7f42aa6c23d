"""PassportView: one passport as one viewer may see it, on one day.

Every output (page, PDF, share page, QR card, FHIR, data export) renders from a PassportView, never from the
models, so a section the policy hides is absent from every format at once. A section the viewer may not see
is None here, and a labelled item the viewer may not see is simply not in its list: a template cannot show
what it never receives.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from passport import clock, plain_rows, policy, readiness, schedule
from passport.extensions import db
from passport.immunisations import dose_for_schedule, report_for
from passport.item_kinds import ITEM_KINDS
from passport.models import (
    BIRTH_FIELDS,
    AccessGrant,
    Appointment,
    Assignment,
    Attachment,
    BirthParentConsent,
    BirthPart,
    Contact,
    CorrectionRequest,
    CorrectionStatus,
    HealthAssessment,
    ImmunisationDose,
    LeavingPack,
    NhsNumberRecord,
    Passport,
    PrivateNote,
    Registration,
    RegistrationService,
    Role,
    SdqScore,
    Sensitivity,
    Source,
    User,
)
from passport.policy import Output, Section, Visibility


@dataclass(frozen=True)
class Person:
    """Who recorded or changed something, as the viewer should read it."""

    name: str
    role: str
    is_viewer: bool


# Outputs read by someone other than the person who made them: a clinician opening a share link, a GP
# reading the PDF. They speak about the young person ("Added by the young person"), never to the reader as if
# the reader had done it ("Added by you").
READ_BY_SOMEONE_ELSE = frozenset({Output.SHARE_LINK, Output.PDF, Output.FHIR, Output.SHARE_LINK_FHIR})


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
class SdqView:
    """A Strengths and Difficulties Questionnaire total, with its band (readiness.SDQ_BANDS)."""

    scored_on: date
    total: int
    informant: str
    band: str


@dataclass(frozen=True)
class HealthSummary:
    conditions: tuple[ItemView, ...]
    allergies: tuple[ItemView, ...]
    medications: tuple[ItemView, ...]
    assessments: tuple[ItemView, ...]
    today: date
    sdq_scores: tuple[SdqView, ...] = ()

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
class EhcpView:
    """An Education, Health and Care Plan, so one pathway covers looked-after young people with one."""

    has_ehcp: bool
    review_on: date | None


@dataclass(frozen=True)
class CorrectionView:
    """Something the young person asked their nurse to correct, naming the record it is about. `item` is
    that record as this viewer may see it: None for About me, or once the record has been removed."""

    id: uuid.UUID
    item_kind: str
    item: ItemView | None
    what_is_wrong: str
    status: str
    requested_at: datetime
    decided_by: Person | None
    decided_at: datetime | None
    decline_reason: str | None

    @property
    def open(self) -> bool:
        return self.status == CorrectionStatus.OPEN


@dataclass(frozen=True)
class GrantView:
    """An out-of-area grant, as the host area's nurse who holds it sees it."""

    scope: str
    starts_on: date
    ends_on: date


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
    # The young person's answers to "may your nurse / adviser still see your passport from 18?": True, False
    # or None while they have not answered (no answer: the nurse's access ends on the birthday).
    nurse_access_after_18: bool | None
    adviser_access_after_18: bool | None

    @property
    def after_18_question_open(self) -> bool:
        """They have not answered both questions yet, and the answer matters now: in the 30 days before the
        18th birthday, or since it."""
        unanswered = self.nurse_access_after_18 is None or self.adviser_access_after_18 is None
        return unanswered and (self.handover_notice_due or self.is_adult)


@dataclass(frozen=True)
class ReadinessView:
    """Ready to leave care? The gaps (what is missing, never its content), the dates that drive the work,
    and the leaving-pack checklist they come from."""

    gaps: tuple[readiness.Gap, ...]
    days_left: int  # to the 18th birthday or the planned leaving date, whichever is sooner
    leaving_on: date  # the date the leaving pack is due by
    review: readiness.ReviewDue | None  # the next review health assessment; None once they have left care
    pack: readiness.PackState
    pack_due: bool  # the pack is due now (in the 6 months before leaving_on) and not handed over

    @property
    def ready(self) -> bool:
        return not self.gaps


@dataclass(frozen=True)
class AttachmentView:
    """A photo or file, without its bytes (they are served through services/attachments.py)."""

    id: uuid.UUID
    item_kind: str | None
    item_id: uuid.UUID | None
    birth_part: str | None
    sensitivity: Sensitivity | None  # its item's label, or its own for papers in general
    description: str | None
    original_name: str
    content_type: str
    size_bytes: int
    width: int | None
    height: int | None
    pages: int | None
    added_by: Person | None
    added_at: datetime
    can_remove: bool
    # The picture itself as a data: URI, only in outputs read away from the app (a PDF, a shared page).
    inline: str | None = None

    @property
    def is_picture(self) -> bool:
        return self.content_type.startswith("image/")


@dataclass(frozen=True)
class NoteView:
    id: uuid.UUID
    title: str | None
    body: str
    shared_with_nurse: bool
    shared_with_adviser: bool
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class AppointmentView:
    id: uuid.UUID
    what: str
    place: str | None
    with_whom: str | None
    on_date: date
    at_time: Any  # datetime.time or None
    version: int

    def is_past(self, today: date) -> bool:
        return self.on_date < today


@dataclass(frozen=True)
class Look:
    """The young person's own colour theme and name for their passport (passport/themes.py)."""

    theme: str
    title: str | None


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
    readiness: ReadinessView | None = None
    health_plan: tuple[PlanAction, ...] | None = None
    ehcp: EhcpView | None = None
    # For the young person and the nurse who curates the passport: every correction asked for, newest first.
    corrections: tuple[CorrectionView, ...] = ()
    # The viewer's own out-of-area grant, when that is how they see the passport.
    grant: GrantView | None = None
    birth_history: BirthHistoryView | None = None
    # Only for the young person (their prompt and choices) and the curating nurse (who can see it).
    birth_status: BirthHistoryStatus | None = None
    consents: tuple[ConsentView, ...] = ()
    # Photos and files this viewer may see in this output (policy.shows_attachment).
    attachments: tuple[AttachmentView, ...] = ()
    # The young person's notes: all of them for the young person, the ones shared with them for staff.
    notes: tuple[NoteView, ...] = ()
    # The young person's own appointments, for the young person only, soonest first.
    appointments: tuple[AppointmentView, ...] = ()
    # Their theme and passport name: for the young person's own pages and downloads only, never staff's.
    look: Look | None = None

    def shows(self, section: Section) -> bool:
        return self.visibility.shows(section)

    def attachments_of(self, kind: str, item_id: uuid.UUID) -> tuple[AttachmentView, ...]:
        return tuple(a for a in self.attachments if a.item_kind == kind and a.item_id == item_id)

    @property
    def papers(self) -> tuple[AttachmentView, ...]:
        """Papers in general: not attached to an item or the birth history."""
        return tuple(a for a in self.attachments if a.item_kind is None and a.birth_part is None)

    @property
    def birth_attachments(self) -> tuple[AttachmentView, ...]:
        return tuple(a for a in self.attachments if a.birth_part is not None)

    def upcoming_appointments(self, today: date) -> tuple[AppointmentView, ...]:
        return tuple(a for a in self.appointments if not a.is_past(today))

    @property
    def open_corrections(self) -> tuple[CorrectionView, ...]:
        return tuple(c for c in self.corrections if c.open)

    def correction(self, correction_id: uuid.UUID) -> CorrectionView | None:
        return next((c for c in self.corrections if c.id == correction_id), None)

    def plan_action(self, action_id: uuid.UUID) -> PlanAction | None:
        return next((a for a in self.health_plan or () if a.id == action_id), None)

    def items(self) -> tuple[ItemView, ...]:
        """Every item this viewer may see, of every kind."""
        found: list[ItemView] = []
        if self.registrations:
            found += self.registrations.items
        if self.health:
            found += (*self.health.conditions, *self.health.allergies)
            found += (*self.health.medications, *self.health.assessments)
        if self.immunisations:
            found += self.immunisations.doses
        if self.contacts:
            found += (*self.contacts.now, *self.contacts.later, *self.contacts.past)
        return tuple(found)

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
        self,
        viewer: User,
        passport: Passport,
        today: date,
        visibility: Visibility,
        reader: User | None,
        pending: set[uuid.UUID] | None = None,
    ):
        self.viewer = viewer
        self.reader = reader
        self.passport = passport
        self.today = today
        self.visibility = visibility
        if pending is None:
            pending = _open_correction_ids(passport) if visibility.sections else set()
        self.pending = pending
        # Everyone who recorded, changed or checked an item, by id; see _load_people.
        self.people: dict[uuid.UUID, User] = {viewer.id: viewer}
        self.persons: dict[uuid.UUID, Person] = {}
        # (kind, id) → sensitivity of every item this viewer sees here: what their attachments follow.
        self.shown_items: dict[tuple[str, uuid.UUID], Sensitivity | None] = {}

    def items(self, kind_name: str, rows) -> tuple[ItemView, ...]:
        kind = ITEM_KINDS[kind_name]
        out = []
        self._load_people(rows)
        for row in rows:
            if row.archived_at is not None or not self.visibility.shows_item(row.sensitivity):
                continue
            self.shown_items[(kind_name, row.id)] = row.sensitivity
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

    def attachments(self, output: Output) -> tuple[AttachmentView, ...]:
        visibility = self.visibility
        if not visibility.attachments:
            return ()
        rows = db.session.scalars(
            select(Attachment).where(Attachment.passport_id == self.passport.id).order_by(Attachment.added_at)
        ).all()
        shown = []
        for row in rows:
            if row.birth_part is not None:
                visible = policy.shows_attachment(
                    visibility, section=None, sensitivity=None, birth_part=BirthPart(row.birth_part)
                )
                sensitivity = None
            elif row.item_kind is not None:
                key = (row.item_kind, row.item_id)
                sensitivity = self.shown_items.get(key)
                visible = key in self.shown_items and policy.shows_attachment(
                    visibility, section=ITEM_KINDS[row.item_kind].section, sensitivity=sensitivity
                )
            else:
                sensitivity = row.sensitivity
                visible = policy.shows_attachment(visibility, section=None, sensitivity=sensitivity)
            if visible:
                shown.append((row, sensitivity))
        self._load_people([_AddedBy(row.added_by_id) for row, _ in shown])
        inline = output in INLINE_PICTURE_OUTPUTS
        return tuple(
            AttachmentView(
                id=row.id,
                item_kind=row.item_kind,
                item_id=row.item_id,
                birth_part=row.birth_part,
                sensitivity=sensitivity,
                description=row.description,
                original_name=row.original_name,
                content_type=row.content_type,
                size_bytes=row.size_bytes,
                width=row.width,
                height=row.height,
                pages=row.pages,
                added_by=self.person(row.added_by_id),
                added_at=row.added_at,
                can_remove=bool(policy.decide_remove_attachment(self.viewer, self.passport, row, self.today)),
                inline=_inline_picture(row) if inline and row.is_picture else None,
            )
            for row, sensitivity in shown
        )

    def notes(self, output: Output) -> tuple[NoteView, ...]:
        if output not in (Output.PAGE, Output.DATA_EXPORT):
            return ()
        if output is Output.DATA_EXPORT and Role(self.viewer.role) is not Role.YOUNG_PERSON:
            return ()
        rows = db.session.scalars(
            select(PrivateNote)
            .where(PrivateNote.passport_id == self.passport.id)
            .order_by(PrivateNote.updated_at.desc())
        ).all()
        return tuple(
            NoteView(
                id=n.id,
                title=n.title,
                body=n.body,
                shared_with_nurse=n.shared_with_nurse,
                shared_with_adviser=n.shared_with_adviser,
                created_at=n.created_at,
                updated_at=n.updated_at,
                version=n.version,
            )
            for n in rows
            if policy.may_read_note(self.viewer, self.passport, n, self.today)
        )

    def appointments(self, output: Output) -> tuple[AppointmentView, ...]:
        owner = Role(self.viewer.role) is Role.YOUNG_PERSON and policy.can(
            self.viewer, policy.Action.ACT_AS_OWNER, self.passport, self.today
        )
        if not owner or output not in (Output.PAGE, Output.DATA_EXPORT):
            return ()
        rows = db.session.scalars(
            select(Appointment)
            .where(Appointment.passport_id == self.passport.id)
            .order_by(Appointment.on_date, Appointment.at_time)
        ).all()
        return tuple(
            AppointmentView(a.id, a.what, a.place, a.with_whom, a.on_date, a.at_time, a.version) for a in rows
        )

    def look(self, output: Output) -> Look | None:
        from passport import themes

        owner = Role(self.viewer.role) is Role.YOUNG_PERSON and policy.can(
            self.viewer, policy.Action.ACT_AS_OWNER, self.passport, self.today
        )
        if not owner or output not in LOOK_OUTPUTS:
            return None
        return Look(themes.theme_or_default(self.passport.theme).name, self.passport.passport_title)

    def contacts(self) -> Contacts:
        rows = self.items("contact", self.passport.contacts)
        today = self.today
        return Contacts(
            now=tuple(c for c in rows if _contact_current(c, today)),
            later=tuple(c for c in rows if c.from_on and c.from_on > today),
            past=tuple(c for c in rows if c.until_on and c.until_on < today),
        )


# Outputs read away from the app: their pictures travel inside them, made smaller.
INLINE_PICTURE_OUTPUTS = frozenset({Output.PDF, Output.SHARE_LINK})
# Where the young person's own look shows: their pages and what they download (never a staff page, nor a
# link read by someone else).
LOOK_OUTPUTS = frozenset({Output.PAGE, Output.PDF, Output.DATA_EXPORT})


@dataclass(frozen=True)
class _AddedBy:
    """Shaped like an item row for _load_people: who added an attachment."""

    recorded_by_id: uuid.UUID | None
    updated_by_id: None = None
    verified_by_id: None = None


def _inline_picture(row: Attachment) -> str:
    import base64

    from passport.uploads import resized_jpeg

    return "data:image/jpeg;base64," + base64.b64encode(resized_jpeg(row.data, 1200, quality=75)).decode()


def _engine_dose(dose: ItemView) -> schedule.Dose:
    return schedule.Dose(
        dose.vaccine_id,
        dose.given_on,
        dose.dose_number,
        dose.where_given or "unknown",
        Source(dose.provenance.source).for_schedule,
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
    # The assessments actions were agreed at, from the passport's own list (one query at most), not one
    # lazy load per action.
    agreed_at = (
        {a.id: a for a in passport.assessments}
        if any(a.assessment_id for a in passport.health_actions)
        else {}
    )
    return tuple(_plan_action(viewer, passport, a, today, agreed_at) for a in passport.health_actions)


def _plan_action(viewer: User, passport: Passport, a, today: date, agreed_at: Mapping) -> PlanAction:
    return PlanAction(
        id=a.id,
        what=a.what,
        owner=str(a.owner),
        due_on=a.due_on,
        status=str(a.status),
        not_done_reason=a.not_done_reason,
        done_on=a.done_on,
        overdue=a.status == "agreed" and a.due_on < today,
        can_mark=policy.may_mark_action(viewer, passport, str(a.owner), today),
        agreed_at_kind=str(agreed_at[a.assessment_id].kind) if a.assessment_id in agreed_at else None,
        agreed_at_date=agreed_at[a.assessment_id].assessed_on if a.assessment_id in agreed_at else None,
        version=a.version,
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
    view = PassportView(
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
                sdq_scores=tuple(
                    SdqView(s.scored_on, s.total, s.informant, readiness.sdq_band(s.total))
                    for s in passport.sdq_scores
                ),
            )
            if shows(Section.HEALTH_SUMMARY)
            else None
        ),
        immunisations=builder.immunisations() if shows(Section.IMMUNISATIONS) else None,
        contacts=builder.contacts() if shows(Section.CONTACTS) else None,
        readiness=_readiness(passport, today) if shows(Section.READINESS) else None,
        health_plan=_health_plan(viewer, passport, today) if shows(Section.HEALTH_PLAN) else None,
        ehcp=EhcpView(passport.has_ehcp, passport.ehcp_review_on) if shows(Section.HEALTH_PLAN) else None,
        grant=_grant(viewer, passport, today),
        birth_history=_birth_history(passport, visibility.birth_parts, reader),
        birth_status=_birth_status(viewer, passport, today, output),
        consents=_consents(passport, viewer) if output is Output.CURATION and visibility.birth_parts else (),
        attachments=builder.attachments(output),
        notes=builder.notes(output),
        appointments=builder.appointments(output),
        look=builder.look(output),
    )
    if output in (Output.PAGE, Output.DATA_EXPORT) and (
        policy.can(viewer, policy.Action.ACT_AS_OWNER, passport, today)
        or policy.can(viewer, policy.Action.CURATE_PASSPORT, passport, today)
    ):
        view = dataclasses.replace(view, corrections=_corrections(builder, passport, view))
    return view


def _corrections(builder: _Builder, passport: Passport, view: PassportView) -> tuple[CorrectionView, ...]:
    requests = db.session.scalars(
        select(CorrectionRequest)
        .where(CorrectionRequest.passport_id == passport.id)
        .order_by(CorrectionRequest.requested_at.desc())
    ).all()
    builder.people.update(
        (user.id, user)
        for user in db.session.scalars(
            select(User).where(User.id.in_({r.decided_by_id for r in requests if r.decided_by_id}))
        )
    )
    seen = {(item.kind, item.id): item for item in view.items()}
    return tuple(
        CorrectionView(
            id=r.id,
            item_kind=r.item_kind,
            item=seen.get((r.item_kind, r.item_id)),
            what_is_wrong=r.what_is_wrong,
            status=str(r.status),
            requested_at=r.requested_at,
            decided_by=builder.person(r.decided_by_id),
            decided_at=r.decided_at,
            decline_reason=r.decline_reason,
        )
        for r in requests
    )


def _grant(viewer: User, passport: Passport, today: date) -> GrantView | None:
    grant = policy.current_grant(viewer, passport, today) if Role(viewer.role) is Role.NURSE else None
    return GrantView(str(grant.scope), grant.starts_on, grant.ends_on) if grant else None


def _readiness(passport: Passport, today: date, doses=None, records=None) -> ReadinessView:
    """`records` and `doses`: the passport's own unless a list passes plain rows (build_rows)."""
    pack = readiness.pack_state(passport, today, records)
    found = readiness.readiness(passport, today, doses=doses, pack=pack, records=records)
    return ReadinessView(
        gaps=found.gaps,
        days_left=found.days_left,
        leaving_on=found.leaving_on,
        review=readiness.review_due(passport, today, records),
        pack=pack,
        pack_due=pack.due_now,
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


# ---------------------------------------------------------------------------------------------------------
# Lists: one row per young person, made by the same rules and the same policy answers as their page.

# A row reads the passport's own columns from the ORM object the list selected, and everything else as plain
# rows (passport/plain_rows.py), one statement per kind for the whole list, all sent together on PostgreSQL:
# the policy's inputs (assignments, out-of-area grants, birth parents' consents), the leaving pack and the
# records the leaving-care rules read (registrations, contacts, assessments, SDQ scores, the current NHS
# number, the doses).


class ListedPassport:
    """A passport as a list reads it: the ORM object's own columns and properties, with its assignments,
    out-of-area grants, birth parents' consents and leaving pack as plain rows that have the same fields as
    the models (so `policy` and `readiness` read either). Only for reading, and only within build_rows."""

    __slots__ = ("_passport", "access_grants", "assignments", "birth_parent_consents", "leaving_pack")

    def __init__(self, passport: Passport, assignments, access_grants, birth_parent_consents, leaving_pack):
        self._passport = passport
        self.assignments = assignments
        self.access_grants = access_grants
        self.birth_parent_consents = birth_parent_consents
        self.leaving_pack = leaving_pack

    def __getattr__(self, name: str):
        return getattr(self._passport, name)


# Who handed a leaving pack over, as `LeavingPack.handed_over_by` gives it (the name is all a row reads).
_PackHandedOverBy = collections.namedtuple("PackHandedOverBy", "display_name")


@dataclass(frozen=True)
class PassportRow:
    """One young person in a member of staff's list, as this viewer may see them today."""

    passport_id: uuid.UUID
    name: str
    legal_name: str | None  # None when the viewer sees readiness only
    date_of_birth: date | None  # likewise
    age: int
    days_to_18: int
    claimed: bool
    care_status: str
    readiness: ReadinessView
    open_corrections: int  # answered by those who curate the passport; 0 for anyone else
    next_step: object  # a lazy, translatable sentence
    may_open_passport: bool  # the viewer may open the passport itself, not only its readiness
    may_curate: bool = False  # the viewer may add to it and change it


def _open_correction_counts(ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not ids:
        return {}
    return dict(plain_rows.rows(_open_corrections_statement(), ids))


@functools.cache
def _open_corrections_statement():
    return (
        select(CorrectionRequest.passport_id, func.count())
        .where(
            CorrectionRequest.passport_id.in_(plain_rows.PASSPORT_IDS),
            CorrectionRequest.status == CorrectionStatus.OPEN,
        )
        .group_by(CorrectionRequest.passport_id)
    )


def _live_doses(ids: list[uuid.UUID]) -> dict[uuid.UUID, list]:
    """The live doses of these passports, as the immunisation engine reads them, from plain rows: a row is
    several times cheaper to load than an ORM object, and a caseload page reads a thousand or more."""
    found: dict[uuid.UUID, list] = {passport_id: [] for passport_id in ids}
    if not ids:
        return found
    rows = plain_rows.rows(_live_doses_statement(), ids)
    # Unpacked, not read by name: a Row's attribute lookup was half the time of this loop.
    for passport_id, vaccine_id, given_on, dose_number, where_given, source in rows:
        found[passport_id].append(dose_for_schedule(vaccine_id, given_on, dose_number, where_given, source))
    return found


@functools.cache
def _live_doses_statement():
    return plain_rows.for_passports(
        ImmunisationDose.passport_id,
        ImmunisationDose.vaccine_id,
        ImmunisationDose.given_on,
        ImmunisationDose.dose_number,
        ImmunisationDose.where_given,
        ImmunisationDose.source,
    ).order_by(ImmunisationDose.given_on)


@functools.cache
def _current_nhs_numbers_statement():
    return plain_rows.for_passports(NhsNumberRecord.passport_id, NhsNumberRecord.number, live=False).where(
        NhsNumberRecord.superseded_at.is_(None)
    )


def _rows_by_passport(ids: list[uuid.UUID], statement) -> dict[uuid.UUID, list]:
    """Plain rows of one kind of record for these passports (the statement's first column is the passport id),
    as named tuples (the rules read each field several times, and a Row's lookup by name is several times
    slower)."""
    found: dict[uuid.UUID, list] = {passport_id: [] for passport_id in ids}
    columns = statement.selected_columns
    shape = _row_shape(columns[0].table.name, tuple(column.key for column in columns))
    for row in plain_rows.rows(statement, ids):
        found[row[0]].append(shape._make(row))
    return found


@functools.cache
def _row_shape(name: str, fields: tuple[str, ...]) -> type:
    return collections.namedtuple(f"Listed{name}", fields)


@functools.cache
def _registrations_statement():
    return plain_rows.for_passports(
        Registration.passport_id, Registration.service, Registration.ended_on, Registration.archived_at
    )


@functools.cache
def _contacts_statement():
    return plain_rows.for_passports(
        Contact.passport_id,
        Contact.role,
        Contact.emergency_contact,
        Contact.from_on,
        Contact.until_on,
        Contact.archived_at,
    )


@functools.cache
def _assessments_statement():
    return plain_rows.for_passports(
        HealthAssessment.passport_id,
        HealthAssessment.kind,
        HealthAssessment.assessed_on,
        HealthAssessment.next_due_on,  # review_due reads a sooner date the nurse recorded
        HealthAssessment.archived_at,
    )


@functools.cache
def _sdq_scores_statement():
    return plain_rows.for_passports(SdqScore.passport_id, SdqScore.scored_on, live=False)


def _listed_records(ids: list[uuid.UUID]) -> dict[uuid.UUID, readiness.ListedRecords]:
    """What the leaving-care rules read for each of these passports, as plain rows: one query per kind of
    record for the whole list, whatever its length."""
    if not ids:
        return {}
    registrations = _rows_by_passport(ids, _registrations_statement())
    contacts = _rows_by_passport(ids, _contacts_statement())
    assessments = _rows_by_passport(ids, _assessments_statement())
    sdq_scores = _rows_by_passport(ids, _sdq_scores_statement())
    current_numbers = dict(plain_rows.rows(_current_nhs_numbers_statement(), ids))
    return {
        passport_id: readiness.ListedRecords(
            registrations=registrations[passport_id],
            contacts=contacts[passport_id],
            assessments=assessments[passport_id],
            sdq_scores=sdq_scores[passport_id],
            current_nhs_number=current_numbers.get(passport_id),
        )
        for passport_id in ids
    }


def _listed_passports(passports: list[Passport]) -> list[ListedPassport]:
    """These passports with what the policy and the leaving-pack rules read beyond their own columns, as plain
    rows: four queries for the whole list."""
    ids = [p.id for p in passports]
    if not ids:
        return []
    assignments = _rows_by_passport(ids, _assignments_statement())
    grants = _rows_by_passport(ids, _grants_statement())
    consents = _rows_by_passport(ids, _consents_statement())
    packs = {}
    for passport_id, *fields, handed_over_by in plain_rows.rows(_leaving_packs_statement(), ids):
        by = _PackHandedOverBy(handed_over_by) if handed_over_by is not None else None
        packs[passport_id] = _ListedLeavingPack(*fields, by)
    return [
        ListedPassport(p, assignments[p.id], grants[p.id], consents[p.id], packs.get(p.id)) for p in passports
    ]


@functools.cache
def _assignments_statement():
    return plain_rows.for_passports(
        Assignment.passport_id, Assignment.staff_id, Assignment.ended_at, live=False
    )


@functools.cache
def _grants_statement():
    return plain_rows.for_passports(
        AccessGrant.passport_id,
        AccessGrant.grantee_id,
        AccessGrant.scope,
        AccessGrant.starts_on,
        AccessGrant.ends_on,
        AccessGrant.revoked_at,
        live=False,
    )


@functools.cache
def _consents_statement():
    return plain_rows.for_passports(
        BirthParentConsent.passport_id,
        BirthParentConsent.covers,
        BirthParentConsent.young_person_may_see,
        BirthParentConsent.may_include_in_pdf,
        BirthParentConsent.may_include_in_share_links,
        BirthParentConsent.may_include_in_fhir,
        BirthParentConsent.withdrawn_on,
        live=False,
    )


def _list_statements() -> tuple:
    """The plain-row statements build_rows sends for every passport of a list, to send them together
    (`plain_rows.sent_together`). The open corrections are asked for afterwards, and only for the passports
    the viewer may curate: nobody else is told how many there are."""
    return (
        _assignments_statement(),
        _grants_statement(),
        _consents_statement(),
        _leaving_packs_statement(),
        _live_doses_statement(),
        _registrations_statement(),
        _contacts_statement(),
        _assessments_statement(),
        _sdq_scores_statement(),
        _current_nhs_numbers_statement(),
    )


_ListedLeavingPack = collections.namedtuple(
    "ListedLeavingPack",
    "checklist_version ticked handed_over_on handed_over_how receipt_confirmed_at version handed_over_by",
)


@functools.cache
def _leaving_packs_statement():
    """Each passport's leaving pack, with the name of whoever handed it over."""
    return (
        select(
            LeavingPack.passport_id,
            LeavingPack.checklist_version,
            LeavingPack.ticked,
            LeavingPack.handed_over_on,
            LeavingPack.handed_over_how,
            LeavingPack.receipt_confirmed_at,
            LeavingPack.version,
            User.display_name,
        )
        .outerjoin(User, User.id == LeavingPack.handed_over_by_id)
        .where(LeavingPack.passport_id.in_(plain_rows.PASSPORT_IDS))
    )


def _next_step(passport: Passport, row: ReadinessView, corrections: int, age: int):
    if corrections:
        return _l("Answer a correction request")
    if passport.young_person_id is None and age >= policy.INVITE_MIN_AGE:
        return _l("Invite them to their passport")
    if row.review is not None and row.review.due_on is None:
        return _l("Record the initial health assessment")
    if row.review is not None and row.review.overdue:
        return _l("Review health assessment is overdue")
    if row.pack_due:
        return _l("Prepare and hand over the leaving pack")
    if row.gaps:
        return row.gaps[0].words
    if passport.young_person_id is None:
        return _l("Keep the passport up to date until they are 16")
    return _l("Nothing urgent")


def build_rows(viewer: User, passports: list[Passport], today: date) -> list[PassportRow]:
    """List rows for passports a list selected through `policy.visible_passports`: the list loads their own
    columns and nothing else (what else a row reads comes as plain rows, ListedPassport). A passport whose
    readiness the viewer may not see gets no row (the SQL form of the policy already left it out; this is the
    policy asked again, per row, from the same memo the page uses)."""
    viewer = viewer._get_current_object() if hasattr(viewer, "_get_current_object") else viewer
    with (
        policy.decisions_remembered(),
        plain_rows.sent_together(_list_statements(), [p.id for p in passports]),
    ):
        # Kept for the whole block: the policy's memo knows each passport by its object's id.
        listed = _listed_passports(passports)
        visible = [(p, policy.visibility(viewer, p, today)) for p in listed]
        visible = [(p, seen) for p, seen in visible if seen.shows(Section.READINESS)]
        curating = [
            p.id for p, _seen in visible if policy.can(viewer, policy.Action.CURATE_PASSPORT, p, today)
        ]
        corrections = _open_correction_counts(curating)
        curating_ids = set(curating)
        shown = [p.id for p, _seen in visible]
        doses = _live_doses(shown)
        records = _listed_records(shown)
        rows = []
        for passport, seen in visible:
            ready = _readiness(passport, today, doses=doses[passport.id], records=records[passport.id])
            age = clock.age_on(passport.date_of_birth, today)
            count = corrections.get(passport.id, 0)
            about = seen.shows(Section.ABOUT_ME)
            rows.append(
                PassportRow(
                    passport_id=passport.id,
                    name=passport.name_to_use,
                    legal_name=passport.legal_name if about else None,
                    date_of_birth=passport.date_of_birth if about else None,
                    age=age,
                    days_to_18=(clock.birthday(passport.date_of_birth, policy.ADULT_AGE) - today).days,
                    claimed=passport.young_person_id is not None,
                    care_status=str(passport.care_status),
                    readiness=ready,
                    open_corrections=count,
                    next_step=_next_step(passport, ready, count, age),
                    may_open_passport=policy.can(viewer, policy.Action.VIEW_PASSPORT, passport, today),
                    may_curate=passport.id in curating_ids,
                )
            )
    return rows


@dataclass(frozen=True)
class CorrectionQueueRow:
    """A correction waiting for the nurse, with the young person it is for and the record it names."""

    passport_id: uuid.UUID
    name: str
    correction: CorrectionView


def build_correction_queue(viewer: User, requests, today: date) -> list[CorrectionQueueRow]:
    """Rows for open correction requests a list selected through `policy.visible_passports` (load each
    request's passport with it). The records they name are loaded one query per kind of item."""
    viewer = viewer._get_current_object() if hasattr(viewer, "_get_current_object") else viewer
    wanted: dict[str, set[uuid.UUID]] = {}
    for r in requests:
        wanted.setdefault(r.item_kind, set()).add(r.item_id)
    records = {}
    for kind_name, ids in wanted.items():
        kind = ITEM_KINDS.get(kind_name)
        if kind is not None:
            records.update(
                ((kind_name, row.id), row)
                for row in db.session.scalars(select(kind.model).where(kind.model.id.in_(ids)))
            )
    rows = []
    with policy.decisions_remembered():
        for r in requests:
            passport = r.passport
            seen = policy.visibility(viewer, passport, today)
            if not seen.sections:
                continue
            builder = _Builder(viewer, passport, today, seen, viewer, pending=set())
            record = records.get((r.item_kind, r.item_id))
            item = None
            if record is not None and record.archived_at is None and seen.shows_item(record.sensitivity):
                builder._load_people([record])
                item = builder.item(r.item_kind, ITEM_KINDS[r.item_kind].fields, record)
            rows.append(
                CorrectionQueueRow(
                    passport_id=passport.id,
                    name=passport.name_to_use,
                    correction=CorrectionView(
                        id=r.id,
                        item_kind=r.item_kind,
                        item=item,
                        what_is_wrong=r.what_is_wrong,
                        status=str(r.status),
                        requested_at=r.requested_at,
                        decided_by=None,
                        decided_at=r.decided_at,
                        decline_reason=r.decline_reason,
                    ),
                )
            )
    return rows


@dataclass(frozen=True)
class OverdueActionRow:
    passport_id: uuid.UUID
    name: str
    action: PlanAction


def build_overdue_actions(viewer: User, actions, today: date) -> list[OverdueActionRow]:
    """Rows for overdue health-plan actions a list selected through `policy.visible_passports` (load each
    action's passport and assessment with it)."""
    viewer = viewer._get_current_object() if hasattr(viewer, "_get_current_object") else viewer
    with policy.decisions_remembered():
        return [
            OverdueActionRow(
                passport_id=a.passport_id,
                name=a.passport.name_to_use,
                action=_plan_action(
                    viewer, a.passport, a, today, {a.assessment.id: a.assessment} if a.assessment else {}
                ),
            )
            for a in actions
            if policy.visibility(viewer, a.passport, today).shows(Section.HEALTH_PLAN)
        ]


# ---------------------------------------------------------------------------------------------------------
# The organisation admin's pages about one young person (who looks after them, out-of-area access, a move to
# another organisation): names, dates and who did what, never anything from the passport itself.


@dataclass(frozen=True)
class CareTeamMember:
    """A nurse or personal adviser named for the young person, now or before."""

    staff_id: uuid.UUID
    name: str
    role: str  # AssignmentRole: "nurse" or "adviser"
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class OutOfAreaGrant:
    """A host area's nurse who may see (or see and update) the passport for a set time."""

    id: uuid.UUID
    grantee: str
    grantee_organisation: str
    scope: str  # GrantScope
    starts_on: date
    ends_on: date
    reason: str | None
    granted_by: str | None
    granted_at: datetime
    ended_early: bool  # someone ended it before its end date, or the passport moved organisation
    ended: bool  # its end date has passed


@dataclass(frozen=True)
class CareTeamView:
    """One young person as their organisation's admin manages them, on one day."""

    passport_id: uuid.UUID
    name: str
    date_of_birth: date
    team_id: uuid.UUID | None
    team: str | None
    members: tuple[CareTeamMember, ...]  # current first, then ended, newest first
    grants: tuple[OutOfAreaGrant, ...]  # by start date, as the young person sees them
    version: int = 0  # of the passport row, which the care-team form changes (services/versions.py)

    @property
    def current_members(self) -> tuple[CareTeamMember, ...]:
        return tuple(m for m in self.members if m.ended_at is None)

    @property
    def nurse_ids(self) -> tuple[uuid.UUID, ...]:
        return tuple(m.staff_id for m in self.current_members if m.role == "nurse")

    @property
    def adviser_id(self) -> uuid.UUID | None:
        return next((m.staff_id for m in self.current_members if m.role == "adviser"), None)


def build_care_team_view(viewer: User, passport: Passport, today: date) -> CareTeamView:
    """The admin's view of who looks after this young person and who else may see their passport. Only for
    a viewer who may manage their care team (policy.Action.MANAGE_ASSIGNMENTS)."""
    if not policy.can(viewer, policy.Action.MANAGE_ASSIGNMENTS, passport, today):
        raise PermissionError("this viewer may not manage this young person's care team")
    assignments = db.session.scalars(
        select(Assignment)
        .where(Assignment.passport_id == passport.id)
        .options(selectinload(Assignment.staff))
        .order_by(Assignment.ended_at.is_not(None), Assignment.ended_at.desc(), Assignment.started_at.desc())
    )
    grants = db.session.scalars(
        select(AccessGrant)
        .where(AccessGrant.passport_id == passport.id)
        .options(
            selectinload(AccessGrant.grantee).selectinload(User.organisation),
            selectinload(AccessGrant.granted_by),
        )
        .order_by(AccessGrant.starts_on, AccessGrant.granted_at)
    )
    return CareTeamView(
        passport_id=passport.id,
        name=passport.name_to_use,
        date_of_birth=passport.date_of_birth,
        team_id=passport.team_id,
        team=passport.team.name if passport.team else None,
        version=passport.version,
        members=tuple(
            CareTeamMember(
                staff_id=a.staff_id,
                name=a.staff.display_name,
                role=str(a.role),
                started_at=a.started_at,
                ended_at=a.ended_at,
            )
            for a in assignments
        ),
        grants=tuple(
            OutOfAreaGrant(
                id=g.id,
                grantee=g.grantee.display_name,
                grantee_organisation=g.grantee.organisation.name,
                scope=str(g.scope),
                starts_on=g.starts_on,
                ends_on=g.ends_on,
                reason=g.reason,
                granted_by=g.granted_by.display_name if g.granted_by else None,
                granted_at=g.granted_at,
                ended_early=g.revoked_at is not None,
                ended=g.ends_on < today,
            )
            for g in grants
        ),
    )
