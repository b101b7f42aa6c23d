"""Birth history, and the birth parent's consent that decides who may ever see it.

Birth history is third-party information: it describes the birth parent's health as much as the young
person's. It is shown to nobody, the young person included, without an active consent that covers it (see
policy.birth_history_parts). Consents are never deleted, only withdrawn, so their history stays visible.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from passport import clock
from passport.extensions import db
from passport.models.types import UTCDateTime


class BirthPart(StrEnum):
    """The parts of a birth history a consent can cover."""

    BIRTH_DETAILS = "birth_details"  # pregnancy, birth, care as a newborn, early development
    FAMILY_HEALTH = "family_health"  # the family health history the parent agreed to share


# Which fields belong to which part. A consent that covers a part unlocks exactly these fields.
BIRTH_FIELDS: dict[BirthPart, tuple[str, ...]] = {
    BirthPart.BIRTH_DETAILS: (
        "place_of_birth",
        "birth_weight_grams",
        "gestation_weeks",
        "delivery",
        "condition_at_birth",
        "neonatal_care",
        "feeding",
        "health_in_pregnancy",
        "substance_exposure",
        "early_development",
        "notes",
    ),
    BirthPart.FAMILY_HEALTH: ("family_health_history",),
}


class Delivery(StrEnum):
    VAGINAL = "vaginal"
    ASSISTED = "assisted"
    CAESAREAN = "caesarean"
    NOT_KNOWN = "not_known"


class BirthHistory(db.Model):
    """What is known about the young person's birth, curated by their nurse from the CoramBAAF forms."""

    __tablename__ = "birth_history"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    passport_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("passport.id"), unique=True)
    place_of_birth: Mapped[str | None] = mapped_column(String(200))
    birth_weight_grams: Mapped[int | None] = mapped_column(Integer)
    gestation_weeks: Mapped[int | None] = mapped_column(Integer)
    delivery: Mapped[Delivery | None] = mapped_column(String(20))
    condition_at_birth: Mapped[str | None] = mapped_column(Text)
    neonatal_care: Mapped[str | None] = mapped_column(Text)
    feeding: Mapped[str | None] = mapped_column(Text)
    health_in_pregnancy: Mapped[str | None] = mapped_column(Text)
    # Exposure to alcohol or drugs in pregnancy: the most sensitive part, with its own care on the page.
    substance_exposure: Mapped[str | None] = mapped_column(Text)
    early_development: Mapped[str | None] = mapped_column(Text)
    family_health_history: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}

    updated_by = relationship("User")


class ConsentGiver(StrEnum):
    BIRTH_MOTHER = "birth_mother"
    BIRTH_FATHER = "birth_father"
    OTHER = "other"


class BirthParentConsent(db.Model):
    """A birth parent's consent to share their part of the birth history, and its withdrawal."""

    __tablename__ = "birth_parent_consent"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    passport_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("passport.id"), index=True)
    given_by: Mapped[ConsentGiver] = mapped_column(String(20))
    # None means "not recorded": some forms give the relationship but not the name.
    given_by_name: Mapped[str | None] = mapped_column(String(200))
    given_on: Mapped[date] = mapped_column(Date)
    # Which parts it covers (BirthPart values) and where they may go.
    covers: Mapped[list] = mapped_column(JSON, default=list)
    young_person_may_see: Mapped[bool] = mapped_column(Boolean, default=False)
    may_include_in_pdf: Mapped[bool] = mapped_column(Boolean, default=False)
    may_include_in_share_links: Mapped[bool] = mapped_column(Boolean, default=False)
    may_include_in_fhir: Mapped[bool] = mapped_column(Boolean, default=False)
    evidence: Mapped[str] = mapped_column(String(300))
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    withdrawal_recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawal_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    withdrawal_recorded_by = relationship("User", foreign_keys=[withdrawal_recorded_by_id])

    @property
    def active(self) -> bool:
        return self.withdrawn_on is None


class ConsentsAreNeverDeleted(RuntimeError):
    """A birth parent's consent is part of the record of who agreed to what, and when: it is withdrawn
    (services.birth_history), never deleted."""


@event.listens_for(BirthParentConsent, "before_delete")
def _refuse_to_delete_a_consent(mapper, connection, target) -> None:
    raise ConsentsAreNeverDeleted("A birth parent's consent is withdrawn, never deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_to_bulk_delete_consents(state) -> None:
    if state.is_delete and any(m.class_ is BirthParentConsent for m in state.all_mappers):
        raise ConsentsAreNeverDeleted("A birth parent's consent is withdrawn, never deleted")
