"""The leaving pack: a versioned checklist (passport/data/leaving_pack.yaml) the nurse works through with
the young person before they leave care, its handover, and the young person's confirmation."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources

import yaml
from flask_babel import lazy_gettext as _l

from passport import clock, policy
from passport.extensions import db
from passport.models import ContactRole, LeavingPack, Passport, RegistrationService, User
from passport.policy import Action
from passport.services import ServiceError, audit, transaction, versions

# Due in the six months before the 18th birthday, or before the planned leaving date if that is sooner.
DUE_WINDOW = timedelta(days=183)
HANDOVER_METHODS = ("in_person", "post", "email", "in_the_app")


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    text: str  # plain English msgid, translated where shown
    automatic: str | None  # ticked by the passport's own data (see _AUTOMATIC)
    only_if: str | None


@dataclass(frozen=True)
class Checklist:
    version: str
    items: tuple[ChecklistItem, ...]


def _read(name: str) -> Checklist:
    raw = yaml.safe_load(resources.files("passport").joinpath(f"data/{name}").read_text("utf-8"))
    return Checklist(
        version=str(raw["version"]),
        items=tuple(
            ChecklistItem(i["id"], i["text"], i.get("automatic"), i.get("only_if")) for i in raw["items"]
        ),
    )


@functools.cache
def checklist() -> Checklist:
    """The checklist in use now."""
    return _read("leaving_pack.yaml")


@functools.cache
def checklist_version(version: str | None) -> Checklist:
    """The checklist a pack used. When the checklist changes, the old one is kept as
    data/leaving_pack_versions/<version>.yaml, so a pack handed over with it still shows what was handed
    over; an unknown version (or none) is the current one."""
    current = checklist()
    if version is None or version == current.version:
        return current
    try:
        return _read(f"leaving_pack_versions/{version}.yaml")
    except FileNotFoundError:
        return current


def checklist_for(pack: LeavingPack | None) -> Checklist:
    """A pack handed over keeps the checklist it was handed over with; one still being worked through uses
    the current checklist (ticks carry over by item id)."""
    if pack is not None and pack.handed_over_on is not None:
        return checklist_version(pack.checklist_version)
    return checklist()


def _kept_versions() -> list[str]:
    folder = resources.files("passport").joinpath("data/leaving_pack_versions")
    if not folder.is_dir():
        return []
    return sorted(f.name.removesuffix(".yaml") for f in folder.iterdir() if f.name.endswith(".yaml"))


def translatable_strings() -> tuple[str, ...]:
    """The texts of the current checklist and of every kept one (a handed-over pack still shows its own)."""
    texts = [item.text for item in checklist().items]
    for version in _kept_versions():
        texts += [item.text for item in checklist_version(version).items if item.text not in texts]
    return tuple(texts)


def _has_current_registration(passport: Passport, service: RegistrationService) -> bool:
    return any(
        r.archived_at is None and r.service == service and r.ended_on is None for r in passport.registrations
    )


def _has_emergency_contact(passport: Passport, today: date) -> bool:
    return any(
        c.archived_at is None and c.role == ContactRole.EMERGENCY_CONTACT and c.is_current(today)
        for c in passport.contacts
    )


# Checklist items the passport's own data answers, so nobody ticks what the record already shows.
_AUTOMATIC = {
    "passport_claimed": lambda passport, today: passport.young_person_id is not None,
    "gp_registered": lambda passport, today: _has_current_registration(passport, RegistrationService.GP),
    "nhs_number_recorded": lambda passport, today: passport.current_nhs_number is not None,
    "emergency_contact_recorded": _has_emergency_contact,
}
_CONDITIONS = {
    "birth_history_offered": lambda passport: bool(policy.consented_birth_parts(passport)),
}


def due_date(passport: Passport) -> date:
    """The date the pack should be handed over by: the 18th birthday, or the planned leaving date."""
    eighteenth = clock.birthday(passport.date_of_birth, policy.ADULT_AGE)
    planned = passport.planned_leaving_date
    return min(eighteenth, planned) if planned else eighteenth


def is_due(passport: Passport, today: date) -> bool:
    """Due from six months before the due date until it is handed over."""
    pack = passport.leaving_pack
    if pack is not None and pack.handed_over_on is not None:
        return False
    return today >= due_date(passport) - DUE_WINDOW


@dataclass(frozen=True)
class ChecklistLine:
    item: ChecklistItem
    done: bool
    automatic: bool


@dataclass(frozen=True)
class PackState:
    lines: tuple[ChecklistLine, ...]
    due_on: date
    due_now: bool
    handed_over_on: date | None
    handed_over_how: str | None
    handed_over_by: str | None
    receipt_confirmed: bool
    version: int

    @property
    def done_count(self) -> int:
        return sum(line.done for line in self.lines)

    @property
    def complete(self) -> bool:
        return all(line.done for line in self.lines)


def state(passport: Passport, today: date) -> PackState:
    pack = passport.leaving_pack
    ticked = (pack.ticked or {}) if pack else {}
    lines = []
    for item in checklist_for(pack).items:
        # A kept older checklist may name a rule the code no longer has: show the item, ticked by hand.
        condition = _CONDITIONS.get(item.only_if) if item.only_if else None
        if condition is not None and not condition(passport):
            continue
        automatic = _AUTOMATIC.get(item.automatic) if item.automatic else None
        if automatic is not None:
            lines.append(ChecklistLine(item, bool(automatic(passport, today)), True))
        else:
            lines.append(ChecklistLine(item, item.id in ticked, False))
    return PackState(
        lines=tuple(lines),
        due_on=due_date(passport),
        due_now=is_due(passport, today),
        handed_over_on=pack.handed_over_on if pack else None,
        handed_over_how=pack.handed_over_how if pack else None,
        handed_over_by=pack.handed_over_by.display_name if pack and pack.handed_over_by else None,
        receipt_confirmed=bool(pack and pack.receipt_confirmed_at),
        version=pack.version if pack else 0,
    )


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
    manual = {item.id for item in checklist().items if not item.automatic}
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
