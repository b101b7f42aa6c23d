"""What the young person can check about their own passport: who can see it, and who has looked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from passport import labels, policy
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
    # An adviser who cannot see the passport may still see which things are missing (to 25).
    sees_readiness: bool = False


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
                sees_readiness=policy.decide(staff, policy.Action.VIEW_READINESS, passport, today).allowed,
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
    # "Which part" in the young person's words: the kind of item, the sections a link showed, the download.
    part: object = ""


# The parts of the passport a share link can show, as the young person reads them in "Which part".
SECTION_PART = {
    "about_me": _l("About me"),
    "health_summary": _l("My health"),
    "immunisations": _l("My vaccines"),
    "registrations": _l("My GP and other services"),
    "contacts": _l("People who can help"),
}
EXPORT_PART = {
    "passport_pdf": _l("Your passport as a PDF"),
    "emergency_card": _l("Your emergency card"),
    "leaving_pack_pdf": _l("Your leaving pack"),
    "fhir": _l("Your health record for other systems"),
    "data_export": _l("All your data"),
}
VIEW_PART = {
    "staff_page": _l("Your whole passport"),
    "adviser_readiness": _l("What is ready before you leave care, and your contacts"),
    # The nurse's passport is a page per area: each page looked at says which.
    "staff_about": _l("About me"),
    "staff_vaccines": _l("My vaccines"),
    "staff_health": _l("My health"),
    "staff_contacts": _l("People who can help"),
    "staff_assessments": _l("Assessments and plan"),
}
EVENT_PART = {
    "about_me_changed": _l("About me"),
    "nhs_number_changed": _l("About me"),
    "immunisation_records_changed": _l("My vaccines"),
    "sharing_changed": _l("Who can see it"),
    "care_team_changed": _l("Who can see it"),
    "access_granted": _l("Who can see it"),
    "access_grant_ended": _l("Who can see it"),
    "leaving_pack_updated": _l("Your leaving pack"),
    "leaving_pack_handed_over": _l("Your leaving pack"),
    "health_action_added": _l("Your health plan"),
    "health_action_updated": _l("Your health plan"),
    "health_card_issued": _l("My vaccines"),
    "passport_created": _l("Your whole passport"),
    "passport_transferred": _l("Who can see it"),
    "invite_issued": _l("Your account"),
    "password_reset_code_issued": _l("Your account"),
    "emergency_contacts_chosen": _l("People who can help"),
    "attachment_added": _l("My photos and files"),
    "attachment_opened": _l("My photos and files"),
    "attachment_removed": _l("My photos and files"),
    "offline_copy_started": _l("Your whole passport"),
    "offline_copy_ended": _l("Your whole passport"),
}
# What "Which part" says when saying more would tell too much (birth history, SDQ scores, the EHCP) or
# when an event has no part of its own: never an empty cell, which read as a fault.
SOME_PART = _l("Your passport")
REFUSAL_PART = {
    "wrong_passcode": _l("The passcode was wrong"),
    "stopped": _l("The link had stopped"),
}
# Birth-history events name no part: the log must not reveal the record is there (nor a paper added to
# it). SDQ scores and the EHCP are as private, and their plain words are vague on purpose too.
_SAYS_NOTHING = frozenset(
    {
        "birth_history_changed",
        "birth_consent_recorded",
        "birth_consent_withdrawn",
        "birth_history_viewed",
        "sdq_recorded",
        "ehcp_changed",
    }
)


def _which_part(event_type: str, details: dict) -> object:
    if event_type in _SAYS_NOTHING or details.get("attached_to") == "birth_history":
        return SOME_PART
    if details.get("item_kind"):
        return labels.ITEM_KIND.get(details["item_kind"], SOME_PART)
    if event_type == "share_link_opened":
        shown = set((details.get("sections") or "").split(","))
        names = [name for section, name in SECTION_PART.items() if section in shown]  # in the form's order
        return ", ".join(str(name) for name in names) or SOME_PART
    if event_type == "share_link_refused":
        return REFUSAL_PART.get(details.get("why", ""), SOME_PART)
    if event_type == "passport_exported":
        return EXPORT_PART.get(details.get("export", ""), SOME_PART)
    if event_type == "passport_viewed":
        return VIEW_PART.get(details.get("view", ""), VIEW_PART["staff_page"])
    return EVENT_PART.get(event_type, SOME_PART)


def _who(event, details: dict) -> str:
    if event.actor:
        return event.actor.display_name
    # A share link has no account behind it. A SMART Health Link's requester gives a name, which the young
    # person sees with who they made the link for; the plain page can only be named by the link.
    if details.get("recipient"):
        return f"{details['recipient']} ({details.get('label', '')})"
    return details.get("label", "")


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
                who=_who(event, details),
                role=event.actor_role,
                plain_words=spec.plain_words,
                item_kind=details.get("item_kind"),
                part=_which_part(event.event_type, details),
            )
        )
    return entries
