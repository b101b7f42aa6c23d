"""The passport: one per young person, curated by nurses and co-owned by the young person from 16."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from passport import clock
from passport.extensions import db
from passport.models.types import UTCDateTime


class CareStatus(StrEnum):
    IN_CARE = "in_care"
    LEFT_CARE = "left_care"


class Passport(db.Model):
    __tablename__ = "passport"
    __table_args__ = (UniqueConstraint("organisation_id", "local_reference"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("team.id"), index=True)
    # The young person's own account, once they have claimed an invite.
    young_person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"), unique=True)

    legal_name: Mapped[str] = mapped_column(String(200))
    preferred_name: Mapped[str | None] = mapped_column(String(200))
    pronouns: Mapped[str | None] = mapped_column(String(60))
    date_of_birth: Mapped[date] = mapped_column(Date, index=True)
    # Needed only by the immunisation engine (HPV eligibility for older cohorts); never shown by default.
    sex_registered_at_birth: Mapped[str | None] = mapped_column(String(20))
    languages: Mapped[str | None] = mapped_column(String(200))
    interpreter_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    communication_needs: Mapped[str | None] = mapped_column(Text)
    care_status: Mapped[CareStatus] = mapped_column(String(20), default=CareStatus.IN_CARE)
    date_left_care: Mapped[date | None] = mapped_column(Date)
    # When they are planned to leave care, if it is before their 18th birthday: the leaving pack is due then.
    planned_leaving_date: Mapped[date | None] = mapped_column(Date)
    # An Education, Health and Care Plan, so one pathway covers looked-after young people with one.
    has_ehcp: Mapped[bool] = mapped_column(Boolean, default=False)
    ehcp_review_on: Mapped[date | None] = mapped_column(Date)
    # The council's own reference for the child, so a bulk import never creates the same passport twice.
    local_reference: Mapped[str | None] = mapped_column(String(40))

    # From 18 the young person decides whether staff keep access (see policy.py): yes, no, or None while
    # they have not answered. No answer means the nurse's access ends on the 18th birthday.
    nurse_access_after_18: Mapped[bool | None] = mapped_column(Boolean, default=None)
    adviser_access_after_18: Mapped[bool | None] = mapped_column(Boolean, default=None)
    # What the young person has chosen to show their personal adviser beyond contacts and readiness:
    # section names and sensitivity labels (policy.py reads this; nothing else does).
    shared_with_adviser: Mapped[list] = mapped_column(JSON, default=list)
    # Whether the nurse has checked the immunisation records: documented, none (no reliable history, so a
    # full catch-up is planned) or not_checked. The schedule engine reads it.
    immunisation_records: Mapped[str] = mapped_column(String(20), default="not_checked")
    # The young person's own choices about their birth history (they only count while a consent allows).
    birth_history_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    birth_history_in_pdf: Mapped[bool] = mapped_column(Boolean, default=False)
    birth_history_in_share_links: Mapped[bool] = mapped_column(Boolean, default=False)
    # The young person's own look for their passport: a colour theme (passport/themes.py) and a short name
    # for it. Shown on their pages, their PDF's cover and their wallet card; never to staff.
    theme: Mapped[str | None] = mapped_column(String(20))
    passport_title: Mapped[str | None] = mapped_column(String(40))
    about_me_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    about_me_updated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
    # Optimistic locking: a stale save raises StaleDataError instead of overwriting someone else's edit.
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}

    organisation = relationship("Organisation")
    team = relationship("Team")
    young_person = relationship("User", foreign_keys=[young_person_id])
    nhs_numbers: Mapped[list[NhsNumberRecord]] = relationship(
        back_populates="passport",
        order_by="NhsNumberRecord.recorded_at.desc()",
        cascade="all, delete-orphan",
    )
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="passport", cascade="all, delete-orphan"
    )
    about_me_updated_by = relationship("User", foreign_keys=[about_me_updated_by_id])
    registrations = relationship("Registration", order_by="Registration.registered_on.desc()")
    conditions = relationship("Condition", order_by="Condition.recorded_at")
    allergies = relationship("Allergy", order_by="Allergy.recorded_at")
    medications = relationship("Medication", order_by="Medication.recorded_at")
    assessments = relationship("HealthAssessment", order_by="HealthAssessment.assessed_on.desc()")
    contacts = relationship("Contact", order_by="Contact.from_on")
    immunisations = relationship("ImmunisationDose", order_by="ImmunisationDose.given_on")
    birth_history = relationship("BirthHistory", uselist=False)
    leaving_pack = relationship("LeavingPack", uselist=False)
    sdq_scores = relationship("SdqScore", order_by="SdqScore.scored_on.desc()")
    health_actions = relationship("HealthAction", order_by="HealthAction.due_on", back_populates="passport")
    access_grants = relationship("AccessGrant", order_by="AccessGrant.starts_on")
    transfers = relationship("Transfer", order_by="Transfer.transferred_at")
    birth_parent_consents = relationship("BirthParentConsent", order_by="BirthParentConsent.recorded_at")

    @property
    def name_to_use(self) -> str:
        return self.preferred_name or self.legal_name

    @property
    def current_nhs_number(self) -> str | None:
        for record in self.nhs_numbers:
            if record.superseded_at is None:
                return record.number
        return None

    def __repr__(self) -> str:
        return f"<Passport {self.id}>"


class NhsNumberRecord(db.Model):
    """NHS numbers are re-issued on adoption, so the passport keeps every number it has held."""

    __tablename__ = "nhs_number_record"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    passport_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("passport.id"), index=True)
    number: Mapped[str] = mapped_column(String(10), index=True)
    # Why the number was recorded: first_recorded, adoption (numbers are re-issued), correction.
    reason: Mapped[str | None] = mapped_column(String(40))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    passport: Mapped[Passport] = relationship(back_populates="nhs_numbers")
    recorded_by = relationship("User")


class AssignmentRole(StrEnum):
    NURSE = "nurse"
    ADVISER = "adviser"


class Assignment(db.Model):
    """A member of staff named as this young person's nurse or personal adviser."""

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("passport_id", "staff_id", "role", "started_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    passport_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("passport.id"), index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[AssignmentRole] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    passport: Mapped[Passport] = relationship(back_populates="assignments")
    staff = relationship("User")
