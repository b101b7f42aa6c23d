"""The nurse's statutory work around a passport: SDQ scores and the leaving pack."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from passport import clock
from passport.extensions import db
from passport.models.types import UTCDateTime


class SdqScore(db.Model):
    """A Strengths and Difficulties Questionnaire total (0–40), usually the carer's, sent with a review."""

    __tablename__ = "sdq_score"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    passport_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("passport.id"), index=True)
    scored_on: Mapped[date] = mapped_column(Date)
    total: Mapped[int] = mapped_column(Integer)
    informant: Mapped[str] = mapped_column(String(20), default="carer")  # carer, young_person, teacher
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    recorded_by = relationship("User")


class LeavingPack(db.Model):
    """The leaving pack the nurse works through with the young person, and its handover."""

    __tablename__ = "leaving_pack"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    passport_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("passport.id"), unique=True)
    # The version of passport/data/leaving_pack.yaml the ticks refer to.
    checklist_version: Mapped[str] = mapped_column(String(20))
    # {item id: {"at": ISO time, "by": user id}} for each ticked item.
    ticked: Mapped[dict] = mapped_column(JSON, default=dict)
    handed_over_on: Mapped[date | None] = mapped_column(Date)
    handed_over_how: Mapped[str | None] = mapped_column(String(20))
    handed_over_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    receipt_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}

    handed_over_by = relationship("User")
