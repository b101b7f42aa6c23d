"""Health plans (what was agreed at each assessment), and moves across boundaries: a time-boxed grant to a
host area's nurse for an out-of-area placement, and a permanent transfer between organisations."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from passport import clock
from passport.extensions import db
from passport.models.types import UTCDateTime


class ActionOwner(StrEnum):
    YOUNG_PERSON = "young_person"
    NURSE = "nurse"
    GP = "gp"
    CARER = "carer"
    ADVISER = "adviser"


class ActionStatus(StrEnum):
    AGREED = "agreed"
    DONE = "done"
    NOT_DONE = "not_done"


class HealthAction(db.Model):
    """One specific, dated thing agreed at a health assessment: what, who does it, by when."""

    __tablename__ = "health_action"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    passport_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("passport.id"), index=True)
    assessment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("health_assessment.id"))
    what: Mapped[str] = mapped_column(Text)
    owner: Mapped[ActionOwner] = mapped_column(String(20))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[ActionStatus] = mapped_column(String(20), default=ActionStatus.AGREED)
    not_done_reason: Mapped[str | None] = mapped_column(Text)
    done_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}

    assessment = relationship("HealthAssessment")
    passport = relationship("Passport", back_populates="health_actions")
    created_by = relationship("User", foreign_keys=[created_by_id])
    updated_by = relationship("User", foreign_keys=[updated_by_id])


class GrantScope(StrEnum):
    SEE = "see"
    SEE_AND_CURATE = "see_and_curate"


class AccessGrant(db.Model):
    """The responsible organisation lets a named nurse of another organisation (the host area's LAC team)
    see, or see and curate, one passport for a period. It ends by itself on its end date."""

    __tablename__ = "access_grant"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    passport_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("passport.id"), index=True)
    grantee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    scope: Mapped[GrantScope] = mapped_column(String(20))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    granted_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    grantee = relationship("User", foreign_keys=[grantee_id])
    granted_by = relationship("User", foreign_keys=[granted_by_id])

    def is_current(self, today: date) -> bool:
        return grant_is_current(self, today)


def grant_is_current(grant, today: date) -> bool:
    """An out-of-area grant in force today: not stopped, and today within its dates. For an AccessGrant or a
    plain row with the same columns (a staff list reads plain rows)."""
    return grant.revoked_at is None and grant.starts_on <= today <= grant.ends_on


class Transfer(db.Model):
    """A permanent move of a passport to another organisation, with its full history."""

    __tablename__ = "passport_transfer"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    passport_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("passport.id"), index=True)
    from_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    to_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    transferred_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    transferred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    from_organisation = relationship("Organisation", foreign_keys=[from_organisation_id])
    to_organisation = relationship("Organisation", foreign_keys=[to_organisation_id])
    transferred_by = relationship("User")
