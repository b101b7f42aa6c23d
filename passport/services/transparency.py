"""What the young person can check about their own passport: who can see it, and who has looked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from passport import policy
from passport.extensions import db
from passport.models import AuditEvent, Passport, Role
from passport.services.audit import EVENT_TYPES


@dataclass(frozen=True)
class PersonWhoCanSee:
    name: str
    role: Role
    sections: frozenset[policy.Section]
    can_see_now: bool
    refusal: policy.Refusal | None


def who_can_see(passport: Passport, today: date) -> list[PersonWhoCanSee]:
    """Everyone named on the passport, what the policy lets each see today, and why not when they can't."""
    people = []
    for assignment in passport.assignments:
        if assignment.ended_at is not None:
            continue
        staff = assignment.staff
        decision = policy.decide(staff, policy.Action.VIEW_PASSPORT, passport, today)
        people.append(
            PersonWhoCanSee(
                name=staff.display_name,
                role=Role(staff.role),
                sections=policy.visibility(staff, passport, today).sections,
                can_see_now=decision.allowed,
                refusal=decision.refusal,
            )
        )
    return sorted(people, key=lambda p: (p.role != Role.NURSE, p.name))


@dataclass(frozen=True)
class LookedEntry:
    when: datetime
    who: str
    role: str | None
    plain_words: object
    item_kind: str | None


def who_looked(passport: Passport, limit: int = 200) -> list[LookedEntry]:
    """Every view, change and export of the passport by someone other than its owner, newest first."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.passport_id == passport.id)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.occurred_at.desc())
        .limit(limit)
    )
    entries = []
    for event in events:
        spec = EVENT_TYPES.get(event.event_type)
        if spec is None or spec.plain_words is None:
            continue
        if event.actor_id is not None and event.actor_id == passport.young_person_id:
            continue
        entries.append(
            LookedEntry(
                when=event.occurred_at,
                who=event.actor.display_name if event.actor else "",
                role=event.actor_role,
                plain_words=spec.plain_words,
                item_kind=(event.details or {}).get("item_kind"),
            )
        )
    return entries
