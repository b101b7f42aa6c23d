"""The things a passport holds, each with its provenance: who recorded it, how we know, and when.

Every item kind shares `ItemProvenance`: its source (checked by a nurse, told to us by the young person, or
imported), who recorded and last changed it, who verified it, an optional sensitivity label, and a version
number so a stale edit is caught instead of silently overwriting someone else's.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from passport import clock
from passport.extensions import db
from passport.models.types import UTCDateTime


class Source(StrEnum):
    NURSE_VERIFIED = "nurse_verified"
    SELF_REPORTED = "self_reported"
    IMPORTED = "imported"
    # A nurse checked what the young person told us against a photo of their card or record (attachments):
    # better than their memory, short of the GP or child health record.
    PHOTO_CHECKED = "photo_checked"

    @property
    def for_schedule(self) -> str:
        """How the immunisation engine reads it: a photo of a card is a written record, like an import."""
        return "imported" if self is Source.PHOTO_CHECKED else self.value


class Sensitivity(StrEnum):
    """Labels that keep an item out of every view the young person has not chosen to include it in."""

    MENTAL_HEALTH = "mental_health"
    SEXUAL_HEALTH = "sexual_health"


class ItemProvenance:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    source: Mapped[Source] = mapped_column(String(20))
    sensitivity: Mapped[Sensitivity | None] = mapped_column(String(20))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Archived items leave every view but stay in the record: nothing a nurse or young person wrote is lost.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr
    def passport_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("passport.id"), index=True)

    @declared_attr
    def recorded_by_id(cls) -> Mapped[uuid.UUID | None]:
        return mapped_column(ForeignKey("user_account.id"))

    @declared_attr
    def updated_by_id(cls) -> Mapped[uuid.UUID | None]:
        return mapped_column(ForeignKey("user_account.id"))

    @declared_attr
    def verified_by_id(cls) -> Mapped[uuid.UUID | None]:
        return mapped_column(ForeignKey("user_account.id"))

    # Not joined onto every item row: the projection loads the (few) people behind a passport's items once
    # (projection._load_people), and these then come from the session without a query.
    @declared_attr
    def recorded_by(cls):
        return relationship("User", foreign_keys=[cls.recorded_by_id], lazy="select")

    @declared_attr
    def updated_by(cls):
        return relationship("User", foreign_keys=[cls.updated_by_id], lazy="select")

    @declared_attr
    def verified_by(cls):
        return relationship("User", foreign_keys=[cls.verified_by_id], lazy="select")

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.version}


class RegistrationService(StrEnum):
    GP = "gp"
    DENTIST = "dentist"
    OPTICIAN = "optician"
    PHARMACY = "pharmacy"


class Registration(ItemProvenance, db.Model):
    """Where the young person is registered: GP practice, dentist, optician, pharmacy."""

    __tablename__ = "registration"

    service: Mapped[RegistrationService] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    ods_code: Mapped[str | None] = mapped_column(String(12))
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(8))
    phone: Mapped[str | None] = mapped_column(String(40))
    registered_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)


class Condition(ItemProvenance, db.Model):
    __tablename__ = "health_condition"

    name: Mapped[str] = mapped_column(String(200))
    since: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)


class AllergySeverity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"
    UNKNOWN = "unknown"


class Allergy(ItemProvenance, db.Model):
    __tablename__ = "allergy"

    substance: Mapped[str] = mapped_column(String(200))
    reaction: Mapped[str | None] = mapped_column(String(300))
    severity: Mapped[AllergySeverity] = mapped_column(String(20), default=AllergySeverity.UNKNOWN)


class Medication(ItemProvenance, db.Model):
    __tablename__ = "medication"

    name: Mapped[str] = mapped_column(String(200))
    dose: Mapped[str | None] = mapped_column(String(200))
    how_often: Mapped[str | None] = mapped_column(String(200))
    started_on: Mapped[date | None] = mapped_column(Date)
    stopped_on: Mapped[date | None] = mapped_column(Date)


class AssessmentKind(StrEnum):
    INITIAL = "initial"
    REVIEW = "review"
    LEAVING_CARE = "leaving_care"


class HealthAssessment(ItemProvenance, db.Model):
    """A statutory health assessment: initial within 20 working days of coming into care, then reviews."""

    __tablename__ = "health_assessment"

    kind: Mapped[AssessmentKind] = mapped_column(String(20))
    assessed_on: Mapped[date] = mapped_column(Date)
    assessed_by: Mapped[str | None] = mapped_column(String(200))
    next_due_on: Mapped[date | None] = mapped_column(Date)


class ImmunisationDose(ItemProvenance, db.Model):
    """One dose of a vaccine given. The vaccine id comes from the catalogue in passport/schedule/data."""

    __tablename__ = "immunisation_dose"

    vaccine_id: Mapped[str] = mapped_column(String(40))
    given_on: Mapped[date] = mapped_column(Date)
    dose_number: Mapped[int | None] = mapped_column(Integer)
    # uk_gp, school, abroad or unknown: the schedule engine treats some doses given abroad differently.
    where_given: Mapped[str] = mapped_column(String(20), default="unknown")
    batch: Mapped[str | None] = mapped_column(String(60))


class ContactRole(StrEnum):
    PERSONAL_ADVISER = "personal_adviser"
    LEAVING_CARE_TEAM = "leaving_care_team"
    SOCIAL_WORKER = "social_worker"
    NURSE = "nurse"
    CAMHS = "camhs"
    ADULT_MENTAL_HEALTH = "adult_mental_health"
    PAEDIATRICS = "paediatrics"
    ADULT_SERVICES = "adult_services"
    SEXUAL_HEALTH = "sexual_health"
    HELPLINE = "helpline"
    EMERGENCY_CONTACT = "emergency_contact"
    SEN_COORDINATOR = "sen_coordinator"
    CARER = "carer"
    OTHER = "other"


class Contact(ItemProvenance, db.Model):
    """Someone to contact, with the dates they are the right person: the passport shows who to call now."""

    __tablename__ = "transition_contact"

    role: Mapped[ContactRole] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    notes: Mapped[str | None] = mapped_column(Text)
    from_on: Mapped[date | None] = mapped_column(Date)
    until_on: Mapped[date | None] = mapped_column(Date)
    # Someone to call in an emergency: any contact can be (a foster carer, a friend), not only one whose
    # type is "Emergency contact".
    emergency_contact: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def for_emergencies(self) -> bool:
        return contact_for_emergencies(self)

    def is_current(self, today: date) -> bool:
        return contact_is_current(self, today)


# The two contact rules, for a Contact or a plain row with the same columns (a staff list reads plain rows).
def contact_for_emergencies(contact) -> bool:
    """Someone to call in an emergency: marked so, or their type is emergency contact."""
    return bool(contact.emergency_contact) or contact.role == ContactRole.EMERGENCY_CONTACT


def contact_is_current(contact, today: date) -> bool:
    """The right person today: on or after their start date and on or before their end date."""
    return (contact.from_on is None or contact.from_on <= today) and (
        contact.until_on is None or today <= contact.until_on
    )


class CorrectionStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class CorrectionRequest(db.Model):
    """The young person asks for a nurse-verified item to be corrected; the nurse accepts or declines."""

    __tablename__ = "correction_request"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    passport_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("passport.id"), index=True)
    item_kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[uuid.UUID] = mapped_column(index=True)
    what_is_wrong: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    status: Mapped[CorrectionStatus] = mapped_column(String(20), default=CorrectionStatus.OPEN, index=True)
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str | None] = mapped_column(Text)

    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    passport = relationship("Passport")
