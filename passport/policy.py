"""The one policy: who may see or do what with a passport.

Every route, page, export and projection asks this module; nothing else decides visibility. A decision
depends on the viewer's role, their relationship to the young person, the young person's age on the day
(the handover at 18 is a rule here, evaluated against the date, not a batch job), and the young person's own
choices. The rules are a table (`PASSPORT_RULES`) so the truth-table test can read it like a spec.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from passport.clock import age_on, birthday
from passport.models import Passport, Role, User

ADULT_AGE = 18
INVITE_MIN_AGE = 16
# A personal adviser supports a care leaver up to 25 (Children and Social Work Act 2017).
ADVISER_MAX_AGE = 25
HANDOVER_NOTICE_DAYS = 30


class Relationship(StrEnum):
    OWN = "own"  # the young person whose passport it is
    ASSIGNED = "assigned"  # named as their nurse or adviser
    SAME_TEAM = "same_team"  # in the team that holds the passport
    SAME_ORGANISATION = "same_organisation"  # same organisation, different team
    NONE = "none"


class Action(StrEnum):
    # About one passport.
    VIEW_PASSPORT = "view_passport"
    CURATE_PASSPORT = "curate_passport"
    ISSUE_INVITE = "issue_invite"
    ACT_AS_OWNER = "act_as_owner"  # add own items, ask for corrections, decide who sees what
    VIEW_READINESS = "view_readiness"
    MANAGE_ASSIGNMENTS = "manage_assignments"
    # Not about one passport.
    OPEN_MY_PASSPORT = "open_my_passport"
    VIEW_CASELOAD = "view_caseload"
    CREATE_PASSPORT = "create_passport"
    VIEW_READINESS_DASHBOARD = "view_readiness_dashboard"
    MANAGE_STAFF = "manage_staff"
    VIEW_AUDIT_LOG = "view_audit_log"
    MANAGE_OWN_ACCOUNT = "manage_own_account"


class Refusal(StrEnum):
    """Why a request was refused, so a page can say it in plain words."""

    NOT_SIGNED_IN = "not_signed_in"
    WRONG_ROLE = "wrong_role"
    NO_RELATIONSHIP = "no_relationship"
    UNDER_16 = "under_16"
    ALREADY_CLAIMED = "already_claimed"
    NOT_GRANTED_AFTER_18 = "not_granted_after_18"
    ADVISER_AGE_LIMIT = "adviser_age_limit"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    refusal: Refusal | None = None
    # True when the viewer must not even learn that the passport exists: answer 404, not 403.
    hide_existence: bool = False

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)

# A condition returns a refusal when the rule does not apply on `today`, or None when it does.
Condition = Callable[[Passport, date], Refusal | None]


def nurse_has_grant_after_18(passport: Passport, today: date) -> Refusal | None:
    if age_on(passport.date_of_birth, today) >= ADULT_AGE and not passport.nurse_access_after_18:
        return Refusal.NOT_GRANTED_AFTER_18
    return None


def adviser_has_grant(passport: Passport, today: date) -> Refusal | None:
    age = age_on(passport.date_of_birth, today)
    if age >= ADVISER_MAX_AGE:
        return Refusal.ADVISER_AGE_LIMIT
    if age >= ADULT_AGE and not passport.adviser_access_after_18:
        return Refusal.NOT_GRANTED_AFTER_18
    return None


def can_be_invited(passport: Passport, today: date) -> Refusal | None:
    if passport.young_person_id is not None:
        return Refusal.ALREADY_CLAIMED
    if age_on(passport.date_of_birth, today) < INVITE_MIN_AGE:
        return Refusal.UNDER_16
    return None


@dataclass(frozen=True)
class Rule:
    relationships: frozenset[Relationship]
    conditions: tuple[Condition, ...] = ()


def _rule(*relationships: Relationship, conditions: tuple[Condition, ...] = ()) -> Rule:
    return Rule(frozenset(relationships), conditions)


OWN = Relationship.OWN
CARE_TEAM = (Relationship.ASSIGNED, Relationship.SAME_TEAM)

# Who may do what to a passport. A role or relationship missing from a row is refused.
PASSPORT_RULES: dict[Action, dict[Role, Rule]] = {
    Action.VIEW_PASSPORT: {
        Role.YOUNG_PERSON: _rule(OWN),
        Role.NURSE: _rule(*CARE_TEAM, conditions=(nurse_has_grant_after_18,)),
        # The adviser's view holds contacts and readiness only: see visible_sections().
        Role.ADVISER: _rule(*CARE_TEAM, conditions=(adviser_has_grant,)),
    },
    Action.CURATE_PASSPORT: {
        Role.NURSE: _rule(*CARE_TEAM, conditions=(nurse_has_grant_after_18,)),
    },
    Action.ISSUE_INVITE: {
        Role.NURSE: _rule(*CARE_TEAM, conditions=(nurse_has_grant_after_18, can_be_invited)),
    },
    Action.ACT_AS_OWNER: {
        Role.YOUNG_PERSON: _rule(OWN),
    },
    Action.VIEW_READINESS: {
        Role.NURSE: _rule(*CARE_TEAM, conditions=(nurse_has_grant_after_18,)),
        Role.ADVISER: _rule(*CARE_TEAM, conditions=(adviser_has_grant,)),
    },
    Action.MANAGE_ASSIGNMENTS: {
        Role.ADMIN: _rule(*CARE_TEAM, Relationship.SAME_ORGANISATION),
    },
}

# Actions that are not about one passport: which roles may take them.
ROLE_RULES: dict[Action, frozenset[Role]] = {
    Action.OPEN_MY_PASSPORT: frozenset({Role.YOUNG_PERSON}),
    Action.VIEW_CASELOAD: frozenset({Role.NURSE}),
    Action.CREATE_PASSPORT: frozenset({Role.NURSE}),
    Action.VIEW_READINESS_DASHBOARD: frozenset({Role.ADVISER}),
    Action.MANAGE_STAFF: frozenset({Role.ADMIN}),
    Action.VIEW_AUDIT_LOG: frozenset({Role.ADMIN}),
    Action.MANAGE_OWN_ACCOUNT: frozenset(Role),
}


def relationship_to(user: User, passport: Passport, at: date | None = None) -> Relationship:
    """How a signed-in person stands to a young person's passport."""
    if user.role == Role.YOUNG_PERSON:
        return OWN if passport.young_person_id == user.id else Relationship.NONE
    if user.organisation_id != passport.organisation_id:
        return Relationship.NONE
    if any(a.staff_id == user.id and a.ended_at is None for a in passport.assignments):
        return Relationship.ASSIGNED
    if user.team_id is not None and user.team_id == passport.team_id:
        return Relationship.SAME_TEAM
    return Relationship.SAME_ORGANISATION


def _relationships_known_to(role: Role) -> frozenset[Relationship]:
    """Relationships under which a role may do anything at all with a passport."""
    known: set[Relationship] = set()
    for rules in PASSPORT_RULES.values():
        if role in rules:
            known |= rules[role].relationships
    return frozenset(known)


def decide(user: User | None, action: Action, passport: Passport, today: date) -> Decision:
    """May `user` take `action` on `passport` on `today`?"""
    if user is None or not getattr(user, "is_authenticated", False):
        return Decision(False, Refusal.NOT_SIGNED_IN)
    role = Role(user.role)
    relationship = relationship_to(user, passport)
    if relationship not in _relationships_known_to(role):
        # Someone with no business with this young person does not learn the passport exists.
        return Decision(False, Refusal.NO_RELATIONSHIP, hide_existence=True)
    rule = PASSPORT_RULES[action].get(role)
    if rule is None:
        return Decision(False, Refusal.WRONG_ROLE)
    if relationship not in rule.relationships:
        return Decision(False, Refusal.NO_RELATIONSHIP)
    for condition in rule.conditions:
        refusal = condition(passport, today)
        if refusal is not None:
            return Decision(False, refusal)
    return ALLOW


def decide_for_role(user: User | None, action: Action) -> Decision:
    """May `user` take an action that is not about one passport?"""
    if user is None or not getattr(user, "is_authenticated", False):
        return Decision(False, Refusal.NOT_SIGNED_IN)
    if Role(user.role) in ROLE_RULES[action]:
        return ALLOW
    return Decision(False, Refusal.WRONG_ROLE)


def can(user: User | None, action: Action, passport: Passport | None, today: date) -> bool:
    if passport is None:
        return decide_for_role(user, action).allowed
    return decide(user, action, passport, today).allowed


class Section(StrEnum):
    """The parts of a passport, each shown or hidden as a whole for a viewer."""

    ABOUT_ME = "about_me"
    CONTACTS = "contacts"
    READINESS = "readiness"


# Sections each role sees once it may view the passport at all. Clinical sections join this table as they
# land, each with its own rule (consent, sensitivity labels, the young person's sharing choices).
SECTIONS_BY_ROLE: dict[Role, frozenset[Section]] = {
    Role.YOUNG_PERSON: frozenset({Section.ABOUT_ME, Section.CONTACTS}),
    Role.NURSE: frozenset({Section.ABOUT_ME, Section.CONTACTS, Section.READINESS}),
    Role.ADVISER: frozenset({Section.ABOUT_ME, Section.CONTACTS, Section.READINESS}),
}


def visible_sections(user: User, passport: Passport, today: date) -> frozenset[Section]:
    if not decide(user, Action.VIEW_PASSPORT, passport, today):
        return frozenset()
    return SECTIONS_BY_ROLE.get(Role(user.role), frozenset())


def handover_notice_due(passport: Passport, today: date) -> bool:
    """True in the 30 days before the 18th birthday, when both sides are told what will change."""
    eighteenth = birthday(passport.date_of_birth, ADULT_AGE)
    return 0 < (eighteenth - today).days <= HANDOVER_NOTICE_DAYS
