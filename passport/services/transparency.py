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
    # Set for a host area's nurse seeing the passport under an out-of-area grant.
    organisation: str | None = None
    until: date | None = None
    # For an adviser: what the young person chose to let them see beyond contacts and readiness, as the
    # names of the sharing choices (health_summary, immunisations, health_plan, mental_health, ...).
    shared: tuple[str, ...] = ()


# The sharing choices, in the order the young person sees them (me.who_can_see's form).
_SHARING_CHOICES = (
    "health_summary",
    "immunisations",
    "health_plan",
    "mental_health",
    "sexual_health",
    "attachments",
)


def _shared_with(visible: policy.Visibility) -> tuple[str, ...]:
    shown = {s.value for s in policy.SHAREABLE_WITH_ADVISER if visible.shows(s)}
    shown |= {label.value for label in visible.labels}
    if visible.attachments:
        shown.add(policy.ATTACHMENTS_CHOICE)
    return tuple(name for name in _SHARING_CHOICES if name in shown)


def who_can_see(passport: Passport, today: date) -> list[PersonWhoCanSee]:
    """Everyone named on the passport, what the policy lets each see today, and why not when they can't."""
    people = []
    for assignment in passport.assignments:
        if assignment.ended_at is not None:
            continue
        staff = assignment.staff
        decision = policy.decide(staff, policy.Action.VIEW_PASSPORT, passport, today)
        visible = policy.visibility(staff, passport, today)
        people.append(
            PersonWhoCanSee(
                name=staff.display_name,
                role=Role(staff.role),
                sections=visible.sections,
                can_see_now=decision.allowed,
                refusal=decision.refusal,
                shared=_shared_with(visible) if staff.role == Role.ADVISER else (),
            )
        )
    for grant in passport.access_grants or ():
        if grant.is_current(today):
            grantee = grant.grantee
            people.append(
                PersonWhoCanSee(
                    name=grantee.display_name,
                    role=Role(grantee.role),
                    sections=policy.visibility(grantee, passport, today).sections,
                    can_see_now=policy.decide(grantee, policy.Action.VIEW_PASSPORT, passport, today).allowed,
                    refusal=None,
                    organisation=grantee.organisation.name,
                    until=grant.ends_on,
                )
            )
    return sorted(people, key=lambda p: (p.role != Role.NURSE, p.until is not None, p.name))


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
        details = event.details or {}
        entries.append(
            LookedEntry(
                when=event.occurred_at,
                # A share link has no account behind it: name it by who the young person made it for.
                who=event.actor.display_name if event.actor else details.get("label", ""),
                role=event.actor_role,
                plain_words=spec.plain_words,
                item_kind=details.get("item_kind"),
            )
        )
    return entries
