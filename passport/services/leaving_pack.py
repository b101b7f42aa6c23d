"""The leaving pack's use cases: ticking the checklist the nurse works through with the young person, the
handover, and the young person's confirmation. What the checklist says and when the pack is due are rules
in passport/readiness.py."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from passport import clock, policy
from passport.extensions import db
from passport.models import LeavingPack, Passport, User
from passport.policy import Action
from passport.readiness import checklist, tickable_item_ids
from passport.services import ServiceError, audit, transaction, versions

HANDOVER_METHODS = ("in_person", "post", "email", "in_the_app")


def _pack_for(passport: Passport) -> tuple[LeavingPack, bool]:
    """The passport's pack, made now if it has none (insert-or-get under its unique passport_id, so two
    first saves at once never collide). True when this request made it."""
    pack = passport.leaving_pack
    if pack is not None:
        return pack, False
    made = versions.insert_first(
        LeavingPack, passport_id=passport.id, checklist_version=checklist().version, ticked={}
    )
    db.session.expire(passport, ["leaving_pack"])
    return passport.leaving_pack, made is not None


def _pack_to_change(passport: Passport, seen_version: int | None) -> LeavingPack:
    """The pack, if it is as the person's page showed it (version 0: no pack yet)."""
    pack, made = _pack_for(passport)
    versions.check_seen(pack, pack.version if made and seen_version == 0 else seen_version)
    return pack


# A save that meets another at the same moment reads the checklist again and merges again, this often.
MERGE_ATTEMPTS = 5


def set_ticks(nurse: User, passport: Passport, ticked_ids: set[str], seen_ticked: set[str]) -> None:
    """Save the ticks this person changed, item by item (the checklist merges rather than refusing an
    older page): an item ticked or unticked on their page is saved so; an item they left as their page
    showed it (`seen_ticked`) keeps whatever someone else saved meanwhile. Two nurses ticking different
    items at once both keep their ticks."""
    for attempt in range(MERGE_ATTEMPTS):
        try:
            return _merge_ticks(nurse, passport, ticked_ids, seen_ticked)
        except versions.ChangedSinceSeen:
            # Another save landed between our read and our write: read the pack as it is now, merge again.
            if attempt == MERGE_ATTEMPTS - 1:
                raise
            db.session.expire_all()
    return None


@transaction
def _merge_ticks(nurse: User, passport: Passport, ticked_ids: set[str], seen_ticked: set[str]) -> None:
    if not policy.can(nurse, Action.CURATE_PASSPORT, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))
    pack, _made = _pack_for(passport)
    versions.merged_change(pack)
    manual = tickable_item_ids()
    changed_here = (set(ticked_ids) ^ set(seen_ticked)) & manual
    now = clock.now().isoformat()
    before = dict(pack.ticked or {})
    after = {item_id: when for item_id, when in before.items() if item_id not in changed_here}
    for item_id in changed_here & set(ticked_ids):
        after[item_id] = before.get(item_id) or {"at": now, "by": str(nurse.id)}
    pack.checklist_version = checklist().version  # worked through again: on the current checklist
    pack.ticked = after
    audit.record("leaving_pack_updated", actor=nurse, passport=passport, ticked=len(after))


@transaction
def record_handover(
    nurse: User, passport: Passport, handed_over_on: date | None, how: str | None, *, seen_version: int | None
) -> None:
    if not policy.can(nurse, Action.CURATE_PASSPORT, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))
    if handed_over_on is None:
        raise ServiceError(_l("Enter the date the pack was handed over"), field="handed_over_on")
    if handed_over_on > clock.today():
        raise ServiceError(_l("The date must be today or in the past"), field="handed_over_on")
    if how not in HANDOVER_METHODS:
        raise ServiceError(_l("Choose how the pack was given"), field="how")
    pack = _pack_to_change(passport, seen_version)
    pack.checklist_version = checklist().version  # the checklist it was handed over with, kept
    pack.handed_over_on = handed_over_on
    pack.handed_over_how = how
    pack.handed_over_by_id = nurse.id
    audit.record("leaving_pack_handed_over", actor=nurse, passport=passport, how=how)


@transaction
def confirm_receipt(young_person: User, passport: Passport, *, seen_version: int | None) -> None:
    if not policy.can(young_person, Action.ACT_AS_OWNER, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))
    pack = passport.leaving_pack
    if pack is None or pack.handed_over_on is None:
        raise ServiceError(_l("Your nurse has not given you your leaving pack yet"))
    versions.check_seen(pack, seen_version)
    pack.receipt_confirmed_at = clock.now()
    audit.record("leaving_pack_received", actor=young_person, passport=passport)
