"""Local help: the short list of services an organisation's admin keeps for its young people ("Help near
you", and the leaving pack). The services' own text is shown as written; only the labels are translated."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from passport import clock
from passport.extensions import db
from passport.models.types import UTCDateTime


class HelpGroup(StrEnum):
    """In the order young people see them."""

    SEXUAL_HEALTH = "sexual_health"
    MENTAL_HEALTH = "mental_health"
    DENTIST = "dentist"
    DRUGS_AND_ALCOHOL = "drugs_and_alcohol"
    MONEY_AND_HOUSING = "money_and_housing"
    HELPLINES = "helplines"


class Referral(StrEnum):
    NOT_NEEDED = "not_needed"  # just go, call or book
    NEEDED = "needed"  # a GP or another professional refers you
    SOMETIMES = "sometimes"


class LocalService(db.Model):
    __tablename__ = "local_service"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    category: Mapped[HelpGroup] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    helps_with: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(Text)
    opening_times: Mapped[str | None] = mapped_column(Text)
    min_age: Mapped[int | None] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)
    referral: Mapped[Referral] = mapped_column(String(20), default=Referral.NOT_NEEDED)
    last_checked_on: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
