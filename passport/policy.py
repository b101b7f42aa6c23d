"""The one policy: who may see or do what with a passport.

Every route, page, export and projection asks this module; nothing else decides visibility. A decision
depends on the viewer's role, their relationship to the young person, the young person's age on the day
(the handover at 18 is a rule here, evaluated against the date, not a batch job), and the young person's own
choices. The rules are a table (`PASSPORT_RULES`) so the truth-table test can read it like a spec.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true, union

from passport.clock import age_on, birthday
from passport.models import (
    STAFF_ROLES,
    AccessGrant,
    ActionOwner,
    Assignment,
    BirthPart,
    Passport,
    Role,
    Sensitivity,
    Source,
    User,
    grant_is_current,
)

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
    GRANTED = "granted"  # a host area's nurse with a current out-of-area grant
    NONE = "none"


class Action(StrEnum):
    # About one passport.
    VIEW_PASSPORT = "view_passport"
    CURATE_PASSPORT = "curate_passport"
    ISSUE_INVITE = "issue_invite"
    # A code that lets a young person who forgot their password choose a new one (SECURITY.md 7).
    ISSUE_PASSWORD_RESET = "issue_password_reset"  # noqa: S105  # nosec B105
    ACT_AS_OWNER = "act_as_owner"  # add own items, ask for corrections, decide who sees what
    VIEW_READINESS = "view_readiness"
    MANAGE_ASSIGNMENTS = "manage_assignments"
    # Counted in the organisation's figures (reports): a number, never a name or a record.
    INCLUDE_IN_REPORTS = "include_in_reports"
    # Not about one passport.
    OPEN_MY_PASSPORT = "open_my_passport"
    VIEW_CASELOAD = "view_caseload"
    CREATE_PASSPORT = "create_passport"
    VIEW_READINESS_DASHBOARD = "view_readiness_dashboard"
    MANAGE_STAFF = "manage_staff"
    VIEW_REPORTS = "view_reports"
    VIEW_AUDIT_LOG = "view_audit_log"
    MANAGE_OWN_ACCOUNT = "manage_own_account"
    # The organisation's list of local services ("Help near you").
    MANAGE_LOCAL_HELP = "manage_local_help"
    # Staff only: the second sign-in step (an authenticator app code), the one thing open before it is done.
    COMPLETE_SIGN_IN = "complete_sign_in"
    # Messages: reminders to young people, the weekly email to nurses and advisers (services/reminders.py).
    RECEIVE_MESSAGES = "receive_messages"
    GET_WEEKLY_EMAIL = "get_weekly_email"


class Refusal(StrEnum):
    """Why a request was refused, so a page can say it in plain words."""

    NOT_SIGNED_IN = "not_signed_in"
    WRONG_ROLE = "wrong_role"
    NO_RELATIONSHIP = "no_relationship"
    UNDER_16 = "under_16"
    ALREADY_CLAIMED = "already_claimed"
    NO_ACCOUNT_YET = "no_account_yet"
    NOT_GRANTED_AFTER_18 = "not_granted_after_18"
    ADVISER_AGE_LIMIT = "adviser_age_limit"
    NURSE_ONLY_ITEM = "nurse_only_item"
    ASK_FOR_CORRECTION = "ask_for_correction"
    CAN_EDIT_ITSELF = "can_edit_itself"
    GRANT_SEE_ONLY = "grant_see_only"


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
    """From 18 the nurse keeps access only if the young person said yes: no answer means no access."""
    if age_on(passport.date_of_birth, today) >= ADULT_AGE and passport.nurse_access_after_18 is not True:
        return Refusal.NOT_GRANTED_AFTER_18
    return None


def adviser_in_pathway_years(passport: Passport, today: date) -> Refusal | None:
    """A personal adviser works with a young person from 16, when pathway planning starts, to 25 (Children
    and Social Work Act 2017): before 16 there is nothing for them to see, from 25 the duty has ended."""
    age = age_on(passport.date_of_birth, today)
    if age < INVITE_MIN_AGE:
        return Refusal.UNDER_16
    if age >= ADVISER_MAX_AGE:
        return Refusal.ADVISER_AGE_LIMIT
    return None


def adviser_has_grant(passport: Passport, today: date) -> Refusal | None:
    """From 18 the adviser sees the passport itself (contacts, GP, what the young person shares) only if the
    young person said yes. Readiness, the list of what is missing, stays theirs to 25 by duty."""
    if age_on(passport.date_of_birth, today) >= ADULT_AGE and passport.adviser_access_after_18 is not True:
        return Refusal.NOT_GRANTED_AFTER_18
    return None


def can_be_invited(passport: Passport, today: date) -> Refusal | None:
    if passport.young_person_id is not None:
        return Refusal.ALREADY_CLAIMED
    if age_on(passport.date_of_birth, today) < INVITE_MIN_AGE:
        return Refusal.UNDER_16
    return None


def has_account(passport: Passport, today: date) -> Refusal | None:
    if passport.young_person_id is None:
        return Refusal.NO_ACCOUNT_YET
    return None


@dataclass(frozen=True)
class Rule:
    relationships: frozenset[Relationship]
    conditions: tuple[Condition, ...] = ()


def _rule(*relationships: Relationship, conditions: tuple[Condition, ...] = ()) -> Rule:
    return Rule(frozenset(relationships), conditions)


OWN = Relationship.OWN
CARE_TEAM = (Relationship.ASSIGNED, Relationship.SAME_TEAM)
# The care team plus a host area's nurse with a current grant (out-of-area placements, NICE QS31 st. 6).
NURSING = (*CARE_TEAM, Relationship.GRANTED)
# What a "see" grant does not allow; a "see and curate" grant does.
CURATING_ACTIONS = frozenset({Action.CURATE_PASSPORT})
GRANT_SEE_AND_CURATE = "see_and_curate"

# Who may do what to a passport. A role or relationship missing from a row is refused.
PASSPORT_RULES: dict[Action, dict[Role, Rule]] = {
    Action.VIEW_PASSPORT: {
        Role.YOUNG_PERSON: _rule(OWN),
        Role.NURSE: _rule(*NURSING, conditions=(nurse_has_grant_after_18,)),
        # The adviser's view holds contacts and readiness only: see visible_sections().
        Role.ADVISER: _rule(*CARE_TEAM, conditions=(adviser_in_pathway_years, adviser_has_grant)),
    },
    Action.CURATE_PASSPORT: {
        Role.NURSE: _rule(*NURSING, conditions=(nurse_has_grant_after_18,)),
    },
    Action.ISSUE_INVITE: {
        Role.NURSE: _rule(*CARE_TEAM, conditions=(nurse_has_grant_after_18, can_be_invited)),
    },
    # The young person's own care team, while it still has access, and never a host area's grantee: the
    # code lets whoever holds it into the account, so it comes from people the young person knows.
    Action.ISSUE_PASSWORD_RESET: {
        Role.NURSE: _rule(*CARE_TEAM, conditions=(nurse_has_grant_after_18, has_account)),
        Role.ADVISER: _rule(
            *CARE_TEAM, conditions=(adviser_in_pathway_years, adviser_has_grant, has_account)
        ),
    },
    Action.ACT_AS_OWNER: {
        Role.YOUNG_PERSON: _rule(OWN),
    },
    # Which things are missing before leaving care, never their content: the adviser keeps it from 16 to 25
    # whatever the young person chose at 18, because the duty to help goes on.
    Action.VIEW_READINESS: {
        Role.NURSE: _rule(*NURSING, conditions=(nurse_has_grant_after_18,)),
        Role.ADVISER: _rule(*CARE_TEAM, conditions=(adviser_in_pathway_years,)),
    },
    Action.MANAGE_ASSIGNMENTS: {
        Role.ADMIN: _rule(*CARE_TEAM, Relationship.SAME_ORGANISATION),
    },
    # The organisation's figures count the young people its nurses care for: everyone whose passport it
    # holds, except those 18 and over who have not chosen to keep their nurse. The same for the admin and the
    # designated nurse who read the report.
    Action.INCLUDE_IN_REPORTS: {
        Role.ADMIN: _rule(*CARE_TEAM, Relationship.SAME_ORGANISATION, conditions=(nurse_has_grant_after_18,)),
        Role.NURSE: _rule(*CARE_TEAM, Relationship.SAME_ORGANISATION, conditions=(nurse_has_grant_after_18,)),
    },
}

# Being counted in a figure shows nothing about the young person, so the relationships these rules name do
# not let anyone learn that a passport exists (see _relationships_known_to).
COUNTED_ONLY = frozenset({Action.INCLUDE_IN_REPORTS})

# Actions that are not about one passport: which roles may take them.
ROLE_RULES: dict[Action, frozenset[Role]] = {
    Action.OPEN_MY_PASSPORT: frozenset({Role.YOUNG_PERSON}),
    Action.VIEW_CASELOAD: frozenset({Role.NURSE}),
    Action.CREATE_PASSPORT: frozenset({Role.NURSE}),
    Action.VIEW_READINESS_DASHBOARD: frozenset({Role.ADVISER}),
    Action.MANAGE_STAFF: frozenset({Role.ADMIN}),
    # The organisation's figures (counts under 5 shown as "fewer than 5"): for the designated nurse, who
    # is one of the organisation's nurses, and for its admins.
    Action.VIEW_REPORTS: frozenset({Role.ADMIN, Role.NURSE}),
    Action.VIEW_AUDIT_LOG: frozenset({Role.ADMIN}),
    Action.MANAGE_OWN_ACCOUNT: frozenset(Role),
    Action.MANAGE_LOCAL_HELP: frozenset({Role.ADMIN}),
    Action.COMPLETE_SIGN_IN: frozenset(STAFF_ROLES),
    Action.RECEIVE_MESSAGES: frozenset({Role.YOUNG_PERSON, Role.NURSE, Role.ADVISER}),
    Action.GET_WEEKLY_EMAIL: frozenset({Role.NURSE, Role.ADVISER}),
}


def second_factor_required(user: User) -> bool:
    """Staff sign in with a password and an authenticator app; young people with a password alone."""
    return Role(user.role).is_staff


def current_grant(user: User, passport: Passport, today: date):
    """The out-of-area grant that lets this nurse see the passport today, if there is one (the widest, when
    two overlap)."""
    current = [
        g for g in passport.access_grants or () if g.grantee_id == user.id and grant_is_current(g, today)
    ]
    return max(current, key=lambda g: g.scope == GRANT_SEE_AND_CURATE, default=None)


def relationship_to(user: User, passport: Passport, today: date | None = None) -> Relationship:
    """How a signed-in person stands to a young person's passport."""
    if user.role == Role.YOUNG_PERSON:
        return OWN if passport.young_person_id == user.id else Relationship.NONE
    if user.organisation_id != passport.organisation_id:
        if user.role == Role.NURSE and today is not None and current_grant(user, passport, today):
            return Relationship.GRANTED
        return Relationship.NONE
    if any(a.staff_id == user.id and a.ended_at is None for a in passport.assignments):
        return Relationship.ASSIGNED
    if user.team_id is not None and user.team_id == passport.team_id:
        return Relationship.SAME_TEAM
    return Relationship.SAME_ORGANISATION


def _relationships_known_to(role: Role) -> frozenset[Relationship]:
    """Relationships under which a role may do anything at all with a passport."""
    known: set[Relationship] = set()
    for action, rules in PASSPORT_RULES.items():
        if role in rules and action not in COUNTED_ONLY:
            known |= rules[role].relationships
    return frozenset(known)


# While a projection is built, the same few decisions are asked for every item; `decisions_remembered`
# answers the repeats from this memo. Only for a span in which neither the viewer nor the passport changes.
_remembered: ContextVar[dict | None] = ContextVar("policy_decisions_remembered", default=None)


@contextmanager
def decisions_remembered() -> Iterator[None]:
    """Within the block, `decide` answers a question it has already answered from memory."""
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def decide(user: User | None, action: Action, passport: Passport, today: date) -> Decision:
    """May `user` take `action` on `passport` on `today`?"""
    memo = _remembered.get()
    if memo is None:
        return _decide(user, action, passport, today)
    key = (id(user), action, id(passport), today)
    if key not in memo:
        memo[key] = _decide(user, action, passport, today)
    return memo[key]


def _decide(user: User | None, action: Action, passport: Passport, today: date) -> Decision:
    if user is None or not getattr(user, "is_authenticated", False):
        return Decision(False, Refusal.NOT_SIGNED_IN)
    role = Role(user.role)
    relationship = relationship_to(user, passport, today)
    if relationship not in _relationships_known_to(role) and action not in COUNTED_ONLY:
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
    if relationship is Relationship.GRANTED and action in CURATING_ACTIONS:
        grant = current_grant(user, passport, today)
        if grant is None or grant.scope != GRANT_SEE_AND_CURATE:
            return Decision(False, Refusal.GRANT_SEE_ONLY)
    return ALLOW


# ---------------------------------------------------------------------------------------------------------
# The same rules in SQL, for every list. `visible_passports` is `decide` written as a where-clause: a list,
# search, filter, batch or report asks it for "every passport this viewer may do this action on today" and
# nothing else. tests/policy/test_policy_in_sql.py proves, over generated organisations, that the clause
# selects exactly the passports `decide` allows, for every role and action, on SQLite and PostgreSQL.


def born_on_or_before_for_age(age: int, today: date) -> date:
    """The latest date of birth of someone who is at least `age` on `today`, by `clock.age_on`'s own rule
    (so 29 February birthdays come out the same in SQL as in Python)."""
    try:
        latest = today.replace(year=today.year - age)
    except ValueError:  # today is 29 February
        latest = date(today.year - age, 2, 28)
    while age_on(latest + timedelta(days=1), today) >= age:
        latest += timedelta(days=1)
    while age_on(latest, today) < age:
        latest -= timedelta(days=1)
    return latest


def _aged_at_least(age: int, today: date) -> ColumnElement[bool]:
    return Passport.date_of_birth <= born_on_or_before_for_age(age, today)


def _younger_than(age: int, today: date) -> ColumnElement[bool]:
    return Passport.date_of_birth > born_on_or_before_for_age(age, today)


# Each condition above, as a where-clause on Passport for `today`. A condition without its SQL twin here
# fails the import of this module (below), so the two can never drift apart silently.
CONDITIONS_IN_SQL: dict[Condition, Callable[[date], ColumnElement[bool]]] = {
    nurse_has_grant_after_18: lambda today: or_(
        _younger_than(ADULT_AGE, today), Passport.nurse_access_after_18.is_(True)
    ),
    adviser_in_pathway_years: lambda today: and_(
        _aged_at_least(INVITE_MIN_AGE, today), _younger_than(ADVISER_MAX_AGE, today)
    ),
    adviser_has_grant: lambda today: or_(
        _younger_than(ADULT_AGE, today), Passport.adviser_access_after_18.is_(True)
    ),
    can_be_invited: lambda today: and_(
        Passport.young_person_id.is_(None), _aged_at_least(INVITE_MIN_AGE, today)
    ),
    has_account: lambda today: Passport.young_person_id.is_not(None),
}

# The order `relationship_to` tries a member of staff's relationships in, within their own organisation:
# the first that holds is theirs.
_IN_ORGANISATION_ORDER = (Relationship.ASSIGNED, Relationship.SAME_TEAM, Relationship.SAME_ORGANISATION)


def _whole_organisation(rule: Rule) -> bool:
    """Does the rule allow a member of staff every passport of their own organisation? It does when it allows
    SAME_ORGANISATION and every relationship `relationship_to` would try before it: then whichever of them
    holds, the passport is allowed, and the last always holds inside the organisation."""
    return all(relationship in rule.relationships for relationship in _IN_ORGANISATION_ORDER)


def _in_organisation(user: User, relationship: Relationship) -> Select | None:
    """Passport ids in the viewer's organisation that stand in `relationship` before any later one applies.
    Each is a small indexed lookup; the lists take the UNION of them (see `visible_passports`)."""
    mine = Passport.organisation_id == user.organisation_id
    if relationship is Relationship.ASSIGNED:
        assigned = select(Assignment.passport_id).where(
            Assignment.staff_id == user.id, Assignment.ended_at.is_(None)
        )
        return select(Passport.id).where(mine, Passport.id.in_(assigned))
    if relationship is Relationship.SAME_TEAM:
        if user.team_id is None:
            return None
        return select(Passport.id).where(mine, Passport.team_id == user.team_id)
    return select(Passport.id).where(mine)


def _granted(user: User, today: date, *, curating: bool) -> Select | None:
    """Passport ids of another organisation a current out-of-area grant opens to this nurse."""
    if Role(user.role) is not Role.NURSE:
        return None
    current = [
        AccessGrant.grantee_id == user.id,
        AccessGrant.revoked_at.is_(None),
        AccessGrant.starts_on <= today,
        AccessGrant.ends_on >= today,
    ]
    if curating:
        current.append(AccessGrant.scope == GRANT_SEE_AND_CURATE)
    return (
        select(AccessGrant.passport_id)
        .join(Passport, Passport.id == AccessGrant.passport_id)
        .where(*current, Passport.organisation_id != user.organisation_id)
    )


def visible_passports(user: User | None, action: Action, today: date) -> ColumnElement[bool]:
    """A where-clause on Passport: true exactly for the passports `decide(user, action, passport, today)`
    allows. Every list, search, filter, batch and report selects through it."""
    if user is None or not getattr(user, "is_authenticated", False):
        return false()
    role = Role(user.role)
    rule = PASSPORT_RULES[action].get(role)
    if rule is None:
        return false()
    if Relationship.OWN in rule.relationships and role is Role.YOUNG_PERSON:
        related: ColumnElement[bool] = Passport.young_person_id == user.id
    elif role is Role.YOUNG_PERSON:
        return false()
    elif _whole_organisation(rule) and Relationship.GRANTED not in rule.relationships:
        # Every relationship inside the organisation is allowed, so the arms below would add up to the
        # organisation itself: say so directly. As a UNION of ~4,000 ids, PostgreSQL hashed them and read
        # every passport in the country to match (a sequential scan, 16 to 20 ms at 100k); as a column it is
        # an index scan of the organisation (under 2 ms). Same rows: tests/policy/test_policy_in_sql.py.
        related = Passport.organisation_id == user.organisation_id
    else:
        arms: list[Select] = []
        for position, relationship in enumerate(_IN_ORGANISATION_ORDER):
            if relationship not in rule.relationships:
                continue
            arm = _in_organisation(user, relationship)
            if arm is None:
                continue
            # An earlier relationship this rule does not allow takes precedence: leave those passports out.
            for earlier in _IN_ORGANISATION_ORDER[:position]:
                if earlier not in rule.relationships and (earlier_arm := _in_organisation(user, earlier)):
                    arm = arm.where(Passport.id.not_in(earlier_arm))
            arms.append(arm)
        if Relationship.GRANTED in rule.relationships:
            granted = _granted(user, today, curating=action in CURATING_ACTIONS)
            if granted is not None:
                arms.append(granted)
        if not arms:
            return false()
        related = Passport.id.in_(union(*arms) if len(arms) > 1 else arms[0])
    conditions = [CONDITIONS_IN_SQL[condition](today) for condition in rule.conditions]
    return and_(related, *conditions) if conditions else and_(related, true())


def _every_condition_has_sql() -> None:
    used = {c for rules in PASSPORT_RULES.values() for rule in rules.values() for c in rule.conditions}
    missing = used - set(CONDITIONS_IN_SQL)
    if missing:
        raise RuntimeError(f"policy conditions without a SQL form: {sorted(c.__name__ for c in missing)}")


_every_condition_has_sql()


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
    REGISTRATIONS = "registrations"
    HEALTH_SUMMARY = "health_summary"
    IMMUNISATIONS = "immunisations"
    HEALTH_PLAN = "health_plan"
    CONTACTS = "contacts"
    READINESS = "readiness"


ALL_SECTIONS = frozenset(Section)
# What a personal adviser sees without being shown more: enough to help someone leave care, nothing clinical.
ADVISER_SECTIONS = frozenset({Section.ABOUT_ME, Section.REGISTRATIONS, Section.CONTACTS, Section.READINESS})
# Sections the young person may choose to show their adviser as well.
SHAREABLE_WITH_ADVISER = frozenset({Section.HEALTH_SUMMARY, Section.IMMUNISATIONS, Section.HEALTH_PLAN})


class Output(StrEnum):
    """Where a passport is being shown. Birth history and (later) share choices differ by output."""

    PAGE = "page"  # the viewer's own pages in the app
    CURATION = "curation"  # the nurse's birth-history curation screen
    PDF = "pdf"
    SHARE_LINK = "share_link"
    FHIR = "fhir"
    DATA_EXPORT = "data_export"
    # A share link's files as a SMART Health Link: a FHIR document and a signed card leaving for any app,
    # so birth history needs the consent for share links AND the one for FHIR.
    SHARE_LINK_FHIR = "share_link_fhir"


@dataclass(frozen=True)
class Visibility:
    """What one viewer may see of one passport in one output: whole sections, items carrying sensitivity
    labels, and the parts of the birth history a birth parent's consent (and the young person) allow."""

    sections: frozenset[Section]
    labels: frozenset[Sensitivity]
    birth_parts: frozenset[BirthPart] = frozenset()
    # Photos and files at all (each then only where what it belongs to is shown: shows_attachment).
    attachments: bool = False

    def shows(self, section: Section) -> bool:
        return section in self.sections

    def shows_item(self, sensitivity: Sensitivity | None) -> bool:
        return sensitivity is None or sensitivity in self.labels


NOTHING = Visibility(frozenset(), frozenset())


@dataclass(frozen=True)
class Selection:
    """What the young person picked for one export or share link. Labelled items and birth history are
    left out unless picked; a selection can only narrow what the viewer may see, never widen it."""

    sections: frozenset[Section] = ALL_SECTIONS
    labels: frozenset[Sensitivity] = frozenset()
    birth_history: bool = False
    attachments: bool = False


# Outputs that leave the app: what goes in them is the young person's choice, on top of the policy.
CHOSEN_OUTPUTS = frozenset({Output.PDF, Output.SHARE_LINK, Output.FHIR, Output.SHARE_LINK_FHIR})


def visibility(
    user: User,
    passport: Passport,
    today: date,
    output: Output = Output.PAGE,
    selection: Selection | None = None,
) -> Visibility:
    """The one answer to "what of this passport may this person see today, here?". Every view, export and
    share is built from it (see projection.py)."""
    allowed = _visibility(user, passport, today, output)
    if output not in CHOSEN_OUTPUTS:
        return allowed
    selection = selection or Selection()
    return Visibility(
        allowed.sections & selection.sections,
        allowed.labels & selection.labels,
        allowed.birth_parts if selection.birth_history else frozenset(),
        allowed.attachments and selection.attachments,
    )


# What a member of staff sees who may check readiness but not see the passport itself: a personal adviser,
# from the 18th birthday to the 25th, when the young person has not said they may keep seeing it.
READINESS_ONLY = Visibility(frozenset({Section.READINESS}), frozenset())


def _visibility(user: User, passport: Passport, today: date, output: Output) -> Visibility:
    if not decide(user, Action.VIEW_PASSPORT, passport, today):
        if output is Output.PAGE and decide(user, Action.VIEW_READINESS, passport, today):
            return READINESS_ONLY
        return NOTHING
    role = Role(user.role)
    birth_parts = birth_history_parts(user, passport, today, output)
    if role in (Role.YOUNG_PERSON, Role.NURSE):
        return Visibility(ALL_SECTIONS, frozenset(Sensitivity), birth_parts, attachments=True)
    if role is Role.ADVISER:
        chosen = set(passport.shared_with_adviser or ())
        return Visibility(
            ADVISER_SECTIONS | {s for s in SHAREABLE_WITH_ADVISER if s.value in chosen},
            frozenset(label for label in Sensitivity if label.value in chosen),
            birth_parts,
            attachments=ATTACHMENTS_CHOICE in chosen,
        )
    return NOTHING


# Which consent flag lets birth history into which output, beyond the young person being allowed to see it.
# The data export is a file the young person keeps, like their PDF, so it needs the same permission: a
# consent that allows no exports keeps the birth history on the young person's own page only.
CONSENT_FLAG_FOR_OUTPUT: dict[Output, str | tuple[str, ...] | None] = {
    Output.PAGE: None,
    Output.DATA_EXPORT: "may_include_in_pdf",
    Output.PDF: "may_include_in_pdf",
    Output.FHIR: "may_include_in_fhir",
    Output.SHARE_LINK: "may_include_in_share_links",
    Output.SHARE_LINK_FHIR: ("may_include_in_share_links", "may_include_in_fhir"),
}


def consented_birth_parts(passport: Passport, output: Output = Output.PAGE) -> frozenset[BirthPart]:
    """Parts of the birth history that active (not withdrawn) birth-parent consents open to the young
    person, and to this output."""
    flag = CONSENT_FLAG_FOR_OUTPUT.get(output)
    flags = () if flag is None else (flag,) if isinstance(flag, str) else flag
    parts: set[BirthPart] = set()
    for consent in passport.birth_parent_consents:
        if (
            consent.withdrawn_on is None
            and consent.young_person_may_see
            and all(getattr(consent, name) for name in flags)
        ):
            parts.update(BirthPart(part) for part in consent.covers or ())
    return frozenset(parts)


def young_person_chose(passport: Passport, output: Output) -> bool:
    """The young person's own choice: to open their birth history at all, and where it may go."""
    if passport.birth_history_opened_at is None:
        return False
    if output in (Output.PDF, Output.FHIR):
        return passport.birth_history_in_pdf
    if output in (Output.SHARE_LINK, Output.SHARE_LINK_FHIR):
        return passport.birth_history_in_share_links
    return True


def birth_history_parts(user: User, passport: Passport, today: date, output: Output) -> frozenset[BirthPart]:
    """Who sees which part of the birth history, where.

    - The nurse sees all of it on the curation screen only, to keep it accurate; nowhere else.
    - The young person sees what an active consent lets them see, once they choose to open it; it goes into
      a PDF, a share link or a FHIR export only when the consent covers that output and they chose it.
    - Nobody else, ever: not the adviser, not an admin, not the audit log.
    """
    role = Role(user.role)
    if role is Role.NURSE and output is Output.CURATION:
        return frozenset(BirthPart) if decide(user, Action.CURATE_PASSPORT, passport, today) else frozenset()
    if (
        role is Role.YOUNG_PERSON
        and output is not Output.CURATION
        and decide(user, Action.ACT_AS_OWNER, passport, today)
        and young_person_chose(passport, output)
    ):
        return consented_birth_parts(passport, output)
    return frozenset()


# The young person's choice (in Passport.shared_with_adviser) to let their adviser see their photos and files.
ATTACHMENTS_CHOICE = "attachments"


def shows_attachment(
    visibility: Visibility,
    *,
    section: Section | None,
    sensitivity: Sensitivity | None,
    birth_part: BirthPart | None = None,
) -> bool:
    """An attachment is seen exactly where what it belongs to is seen, and only where photos and files are
    shown at all (the young person's choice for an adviser, a PDF or a share link):
    - on the birth history: where that part of the birth history is shown (consent, then their choice);
    - on an item: where the item's section and its sensitivity label are shown (the caller knows the item
      is live); papers in general: where their own label is shown."""
    if not visibility.attachments:
        return False
    if birth_part is not None:
        return birth_part in visibility.birth_parts
    if section is not None and section not in visibility.sections:
        return False
    return visibility.shows_item(sensitivity)


def decide_attach(user: User, passport: Passport, today: date) -> Decision:
    """Adding a photo or file: the young person to their own passport, the nurse who curates it."""
    if Role(user.role) is Role.YOUNG_PERSON:
        return decide(user, Action.ACT_AS_OWNER, passport, today)
    return decide(user, Action.CURATE_PASSPORT, passport, today)


def decide_remove_attachment(user: User, passport: Passport, attachment, today: date) -> Decision:
    """The young person removes what they added; a nurse asks them, or removes any as the curator."""
    if Role(user.role) is Role.YOUNG_PERSON:
        decision = decide(user, Action.ACT_AS_OWNER, passport, today)
        if decision and attachment.added_by_id != user.id:
            return Decision(False, Refusal.ASK_FOR_CORRECTION)
        return decision
    return decide(user, Action.CURATE_PASSPORT, passport, today)


def may_read_note(user: User, passport: Passport, note, today: date) -> bool:
    """The young person's notes are theirs. One they share with their nurse is read by the nurses of their
    care team (assigned or same team, while they may see the passport), not by a host area's nurse under a
    grant; one shared with their adviser, by their care team's advisers. Admins never read a note, and no
    export but the young person's own holds one."""
    role = Role(user.role)
    if role is Role.YOUNG_PERSON:
        return decide(user, Action.ACT_AS_OWNER, passport, today).allowed
    shared = {Role.NURSE: note.shared_with_nurse, Role.ADVISER: note.shared_with_adviser}.get(role, False)
    return (
        shared
        and relationship_to(user, passport, today) in CARE_TEAM
        and decide(user, Action.VIEW_PASSPORT, passport, today).allowed
    )


def visible_sections(user: User, passport: Passport, today: date) -> frozenset[Section]:
    return visibility(user, passport, today).sections


# Item kinds a young person may add for themselves (as self-reported). Assessments are the nurse's record.
YOUNG_PERSON_MAY_ADD = frozenset(
    {"registration", "condition", "allergy", "medication", "contact", "immunisation"}
)


def decide_add_item(user: User, passport: Passport, kind: str, today: date) -> Decision:
    if Role(user.role) is Role.YOUNG_PERSON:
        decision = decide(user, Action.ACT_AS_OWNER, passport, today)
        if decision and kind not in YOUNG_PERSON_MAY_ADD:
            return Decision(False, Refusal.NURSE_ONLY_ITEM)
        return decision
    return decide(user, Action.CURATE_PASSPORT, passport, today)


def decide_edit_item(user: User, passport: Passport, item, today: date) -> Decision:
    """Nurses curate every item; a young person edits only what they told us themselves. For anything
    else they ask for a correction (decide_request_correction)."""
    if Role(user.role) is Role.YOUNG_PERSON:
        decision = decide(user, Action.ACT_AS_OWNER, passport, today)
        if not decision:
            return decision
        if item.source != Source.SELF_REPORTED or item.recorded_by_id != user.id:
            return Decision(False, Refusal.ASK_FOR_CORRECTION)
        return ALLOW
    return decide(user, Action.CURATE_PASSPORT, passport, today)


def decide_request_correction(user: User, passport: Passport, item, today: date) -> Decision:
    decision = decide(user, Action.ACT_AS_OWNER, passport, today)
    if decision and decide_edit_item(user, passport, item, today):
        return Decision(False, Refusal.CAN_EDIT_ITSELF)
    return decision


def may_mark_action(user: User, passport: Passport, action_owner: str, today: date) -> bool:
    """A health-plan action: the nurse marks any as done or not done; the young person marks the ones that
    are theirs to do."""
    if can(user, Action.CURATE_PASSPORT, passport, today):
        return True
    return action_owner == ActionOwner.YOUNG_PERSON and can(user, Action.ACT_AS_OWNER, passport, today)


def handover_notice_due(passport: Passport, today: date) -> bool:
    """True in the 30 days before the 18th birthday, when both sides are told what will change."""
    eighteenth = birthday(passport.date_of_birth, ADULT_AGE)
    return 0 < (eighteenth - today).days <= HANDOVER_NOTICE_DAYS
