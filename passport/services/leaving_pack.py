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
from passport.services import ServiceError, audit, transaction

HANDOVER_METHODS = ("in_person", "post", "email", "in_the_app")


def _pack_for(passport: Passport) -> LeavingPack:
    pack = passport.leaving_pack
    if pack is None:
        pack = LeavingPack(passport_id=passport.id, checklist_version=checklist().version, ticked={})
        db.session.add(pack)
        passport.leaving_pack = pack
    return pack


@transaction
def set_ticks(nurse: User, passport: Passport, ticked_ids: set[str]) -> None:
    """Save which (non-automatic) items the nurse and young person have been through."""
    if not policy.can(nurse, Action.CURATE_PASSPORT, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))
    pack = _pack_for(passport)
    pack.checklist_version = checklist().version  # worked through again: on the current checklist
    manual = tickable_item_ids()
    now = clock.now().isoformat()
    before = dict(pack.ticked or {})
    pack.ticked = {
        item_id: before.get(item_id) or {"at": now, "by": str(nurse.id)} for item_id in ticked_ids & manual
    }
    audit.record("leaving_pack_updated", actor=nurse, passport=passport, ticked=len(pack.ticked))


@transaction
def record_handover(nurse: User, passport: Passport, handed_over_on: date | None, how: str | None) -> None:
    if not policy.can(nurse, Action.CURATE_PASSPORT, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))
    if handed_over_on is None:
        raise ServiceError(_l("Enter the date the pack was handed over"), field="handed_over_on")
    if handed_over_on > clock.today():
        raise ServiceError(_l("The date must be today or in the past"), field="handed_over_on")
    if how not in HANDOVER_METHODS:
        raise ServiceError(_l("Choose how the pack was given"), field="how")
    pack = _pack_for(passport)
    pack.checklist_version = checklist().version  # the checklist it was handed over with, kept
    pack.handed_over_on = handed_over_on
    pack.handed_over_how = how
    pack.handed_over_by_id = nurse.id
    audit.record("leaving_pack_handed_over", actor=nurse, passport=passport, how=how)


@transaction
def confirm_receipt(young_person: User, passport: Passport) -> None:
    if not policy.can(young_person, Action.ACT_AS_OWNER, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))
    pack = passport.leaving_pack
    if pack is None or pack.handed_over_on is None:
        raise ServiceError(_l("Your nurse has not given you your leaving pack yet"))
    pack.receipt_confirmed_at = clock.now()
    audit.record("leaving_pack_received", actor=young_person, passport=passport)
