"""The policy as a truth table. Each row is written out by hand from DESIGN.md and SECURITY.md, not
computed from policy.py, so loosening a rule there turns a row red here."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from passport import clock
from passport.models import Assignment, AssignmentRole, Passport, Role, User
from passport.policy import Action, Refusal, decide, decide_for_role, handover_notice_due

TODAY = date(2026, 11, 24)
ORG, OTHER_ORG = uuid.uuid4(), uuid.uuid4()
TEAM, OTHER_TEAM = uuid.uuid4(), uuid.uuid4()


def _user(role: Role, org=ORG, team=None) -> User:
    user = User(id=uuid.uuid4(), role=role, organisation_id=org, team_id=team, active=True)
    user.session_token = "signed-in"
    return user


VIEWERS = {
    "owner": _user(Role.YOUNG_PERSON),
    "other_young_person": _user(Role.YOUNG_PERSON),
    "assigned_nurse": _user(Role.NURSE, team=OTHER_TEAM),
    "team_nurse": _user(Role.NURSE, team=TEAM),
    "other_team_nurse": _user(Role.NURSE, team=OTHER_TEAM),
    "other_org_nurse": _user(Role.NURSE, org=OTHER_ORG, team=TEAM),
    "assigned_adviser": _user(Role.ADVISER, team=OTHER_TEAM),
    "other_team_adviser": _user(Role.ADVISER, team=OTHER_TEAM),
    "admin": _user(Role.ADMIN),
    "other_org_admin": _user(Role.ADMIN, org=OTHER_ORG),
}


def _passport(age: int, *, claimed=True, nurse_grant=True, adviser_grant=True, days=40) -> Passport:
    passport = Passport(
        id=uuid.uuid4(),
        organisation_id=ORG,
        team_id=TEAM,
        date_of_birth=clock.birthday(TODAY, -age) - timedelta(days=days),
        young_person_id=VIEWERS["owner"].id if claimed else None,
        nurse_access_after_18=nurse_grant,
        adviser_access_after_18=adviser_grant,
    )
    passport.assignments = [
        Assignment(staff_id=VIEWERS["assigned_nurse"].id, role=AssignmentRole.NURSE),
        Assignment(staff_id=VIEWERS["assigned_adviser"].id, role=AssignmentRole.ADVISER),
    ]
    return passport


ALLOW, HIDDEN = "allow", "404"

# (action, viewer, passport settings, expected): expected is ALLOW, HIDDEN (404: must not learn the
# passport exists) or the Refusal a 403 page explains.
TABLE = [
    # Viewing the passport, 16–17: co-owned.
    (Action.VIEW_PASSPORT, "owner", {"age": 17}, ALLOW),
    (Action.VIEW_PASSPORT, "other_young_person", {"age": 17}, HIDDEN),
    (Action.VIEW_PASSPORT, "assigned_nurse", {"age": 17}, ALLOW),
    (Action.VIEW_PASSPORT, "team_nurse", {"age": 17}, ALLOW),
    (Action.VIEW_PASSPORT, "other_team_nurse", {"age": 17}, HIDDEN),
    (Action.VIEW_PASSPORT, "other_org_nurse", {"age": 17}, HIDDEN),
    (Action.VIEW_PASSPORT, "assigned_adviser", {"age": 17}, ALLOW),
    (Action.VIEW_PASSPORT, "other_team_adviser", {"age": 17}, HIDDEN),
    (Action.VIEW_PASSPORT, "admin", {"age": 17}, Refusal.WRONG_ROLE),
    (Action.VIEW_PASSPORT, "other_org_admin", {"age": 17}, HIDDEN),
    # Under 16: the nurse prepares it.
    (Action.VIEW_PASSPORT, "assigned_nurse", {"age": 15, "claimed": False}, ALLOW),
    # 18 and over: the young person's alone; staff only while granted.
    (
        Action.VIEW_PASSPORT,
        "owner",
        {"age": 19, "nurse_grant": False, "adviser_grant": False},
        ALLOW,
    ),
    (Action.VIEW_PASSPORT, "assigned_nurse", {"age": 19}, ALLOW),
    (
        Action.VIEW_PASSPORT,
        "assigned_nurse",
        {"age": 19, "nurse_grant": False},
        Refusal.NOT_GRANTED_AFTER_18,
    ),
    (
        Action.VIEW_PASSPORT,
        "team_nurse",
        {"age": 18, "nurse_grant": False},
        Refusal.NOT_GRANTED_AFTER_18,
    ),
    (Action.VIEW_PASSPORT, "assigned_nurse", {"age": 17, "nurse_grant": False}, ALLOW),
    (
        Action.VIEW_PASSPORT,
        "assigned_adviser",
        {"age": 20, "adviser_grant": False},
        Refusal.NOT_GRANTED_AFTER_18,
    ),
    (Action.VIEW_PASSPORT, "assigned_adviser", {"age": 24}, ALLOW),
    (Action.VIEW_PASSPORT, "assigned_adviser", {"age": 25}, Refusal.ADVISER_AGE_LIMIT),
    (Action.VIEW_PASSPORT, "assigned_nurse", {"age": 25}, ALLOW),
    # Curating: nurses only.
    (Action.CURATE_PASSPORT, "assigned_nurse", {"age": 15, "claimed": False}, ALLOW),
    (Action.CURATE_PASSPORT, "team_nurse", {"age": 17}, ALLOW),
    (Action.CURATE_PASSPORT, "assigned_adviser", {"age": 17}, Refusal.WRONG_ROLE),
    (Action.CURATE_PASSPORT, "owner", {"age": 17}, Refusal.WRONG_ROLE),
    (Action.CURATE_PASSPORT, "admin", {"age": 17}, Refusal.WRONG_ROLE),
    (Action.CURATE_PASSPORT, "other_team_nurse", {"age": 17}, HIDDEN),
    (
        Action.CURATE_PASSPORT,
        "assigned_nurse",
        {"age": 18, "nurse_grant": False},
        Refusal.NOT_GRANTED_AFTER_18,
    ),
    # Invites: from 16, once.
    (Action.ISSUE_INVITE, "assigned_nurse", {"age": 15, "claimed": False}, Refusal.UNDER_16),
    (Action.ISSUE_INVITE, "assigned_nurse", {"age": 16, "claimed": False}, ALLOW),
    (Action.ISSUE_INVITE, "team_nurse", {"age": 17, "claimed": False}, ALLOW),
    (Action.ISSUE_INVITE, "assigned_nurse", {"age": 17}, Refusal.ALREADY_CLAIMED),
    (Action.ISSUE_INVITE, "assigned_adviser", {"age": 17, "claimed": False}, Refusal.WRONG_ROLE),
    (Action.ISSUE_INVITE, "other_org_nurse", {"age": 17, "claimed": False}, HIDDEN),
    # A code for a new password: the young person's own nurse or adviser, once there is an account.
    (Action.ISSUE_PASSWORD_RESET, "assigned_nurse", {"age": 17}, ALLOW),
    (Action.ISSUE_PASSWORD_RESET, "team_nurse", {"age": 17}, ALLOW),
    (Action.ISSUE_PASSWORD_RESET, "assigned_adviser", {"age": 17}, ALLOW),
    (Action.ISSUE_PASSWORD_RESET, "assigned_nurse", {"age": 17, "claimed": False}, Refusal.NO_ACCOUNT_YET),
    (Action.ISSUE_PASSWORD_RESET, "owner", {"age": 17}, Refusal.WRONG_ROLE),
    (Action.ISSUE_PASSWORD_RESET, "admin", {"age": 17}, Refusal.WRONG_ROLE),
    (Action.ISSUE_PASSWORD_RESET, "other_team_nurse", {"age": 17}, HIDDEN),
    (Action.ISSUE_PASSWORD_RESET, "other_org_nurse", {"age": 17}, HIDDEN),
    (
        Action.ISSUE_PASSWORD_RESET,
        "assigned_nurse",
        {"age": 19, "nurse_grant": False},
        Refusal.NOT_GRANTED_AFTER_18,
    ),
    (Action.ISSUE_PASSWORD_RESET, "assigned_adviser", {"age": 25}, Refusal.ADVISER_AGE_LIMIT),
    (Action.ISSUE_PASSWORD_RESET, "assigned_adviser", {"age": 20}, ALLOW),
    # Acting as the owner: the young person alone.
    (Action.ACT_AS_OWNER, "owner", {"age": 16}, ALLOW),
    (Action.ACT_AS_OWNER, "assigned_nurse", {"age": 16}, Refusal.WRONG_ROLE),
    (Action.ACT_AS_OWNER, "other_young_person", {"age": 16}, HIDDEN),
    # Readiness: nurse and adviser.
    (Action.VIEW_READINESS, "assigned_adviser", {"age": 17}, ALLOW),
    (Action.VIEW_READINESS, "assigned_nurse", {"age": 17}, ALLOW),
    (Action.VIEW_READINESS, "owner", {"age": 17}, Refusal.WRONG_ROLE),
    (Action.VIEW_READINESS, "assigned_adviser", {"age": 25}, Refusal.ADVISER_AGE_LIMIT),
    # After 18 the access is asked for, not assumed: no answer (None) is no access for the nurse...
    (Action.VIEW_PASSPORT, "assigned_nurse", {"age": 18, "nurse_grant": None}, Refusal.NOT_GRANTED_AFTER_18),
    (Action.CURATE_PASSPORT, "team_nurse", {"age": 19, "nurse_grant": None}, Refusal.NOT_GRANTED_AFTER_18),
    (Action.VIEW_PASSPORT, "assigned_nurse", {"age": 17, "nurse_grant": None}, ALLOW),  # not 18 yet
    # ...and for the adviser's view of the passport, but the adviser keeps readiness (what is missing) to 25.
    (
        Action.VIEW_PASSPORT,
        "assigned_adviser",
        {"age": 19, "adviser_grant": None},
        Refusal.NOT_GRANTED_AFTER_18,
    ),
    (Action.VIEW_READINESS, "assigned_adviser", {"age": 19, "adviser_grant": None}, ALLOW),
    (Action.VIEW_READINESS, "assigned_adviser", {"age": 24, "adviser_grant": False}, ALLOW),
    (
        Action.ISSUE_PASSWORD_RESET,
        "assigned_adviser",
        {"age": 19, "adviser_grant": None},
        Refusal.NOT_GRANTED_AFTER_18,
    ),
    # An adviser works with a young person from 16, when pathway planning starts.
    (Action.VIEW_PASSPORT, "assigned_adviser", {"age": 15, "claimed": False}, Refusal.UNDER_16),
    (Action.VIEW_READINESS, "assigned_adviser", {"age": 15, "claimed": False}, Refusal.UNDER_16),
    (Action.VIEW_PASSPORT, "assigned_adviser", {"age": 16, "claimed": False, "days": 0}, ALLOW),
    # Counted in the organisation's figures: everyone it holds, but adults only with their nurse's access.
    (Action.INCLUDE_IN_REPORTS, "admin", {"age": 17}, ALLOW),
    (Action.INCLUDE_IN_REPORTS, "other_team_nurse", {"age": 17}, ALLOW),
    (Action.INCLUDE_IN_REPORTS, "admin", {"age": 19, "nurse_grant": None}, Refusal.NOT_GRANTED_AFTER_18),
    (Action.INCLUDE_IN_REPORTS, "admin", {"age": 19, "nurse_grant": True}, ALLOW),
    (Action.INCLUDE_IN_REPORTS, "other_org_admin", {"age": 17}, Refusal.NO_RELATIONSHIP),
    (Action.INCLUDE_IN_REPORTS, "assigned_adviser", {"age": 17}, Refusal.WRONG_ROLE),
    # Being countable does not reveal a passport: another team's nurse still gets "not found" for it.
    (Action.VIEW_PASSPORT, "other_team_nurse", {"age": 17}, HIDDEN),
    # Assignments: the organisation's admin.
    (Action.MANAGE_ASSIGNMENTS, "admin", {"age": 17}, ALLOW),
    (Action.MANAGE_ASSIGNMENTS, "other_org_admin", {"age": 17}, HIDDEN),
    (Action.MANAGE_ASSIGNMENTS, "assigned_nurse", {"age": 17}, Refusal.WRONG_ROLE),
]


def _row_id(row) -> str:
    action, viewer, settings, expected = row
    facts = ",".join(f"{k}={v}" for k, v in settings.items())
    return f"{action}-{viewer}-{facts}->{expected}"


@pytest.mark.parametrize(("action", "viewer", "settings", "expected"), TABLE, ids=map(_row_id, TABLE))
def test_passport_rules(action, viewer, settings, expected):
    decision = decide(VIEWERS[viewer], action, _passport(**settings), TODAY)
    if expected == ALLOW:
        assert decision.allowed, decision
    elif expected == HIDDEN:
        assert not decision.allowed and decision.hide_existence, decision
    else:
        assert not decision.allowed and not decision.hide_existence, decision
        assert decision.refusal == expected


ROLE_TABLE = {
    Action.OPEN_MY_PASSPORT: {Role.YOUNG_PERSON},
    Action.VIEW_CASELOAD: {Role.NURSE},
    Action.CREATE_PASSPORT: {Role.NURSE},
    Action.VIEW_READINESS_DASHBOARD: {Role.ADVISER},
    Action.MANAGE_STAFF: {Role.ADMIN},
    Action.VIEW_AUDIT_LOG: {Role.ADMIN},
    Action.VIEW_REPORTS: {Role.ADMIN, Role.NURSE},  # the designated nurse is one of the nurses
    Action.MANAGE_OWN_ACCOUNT: set(Role),
    Action.COMPLETE_SIGN_IN: {Role.NURSE, Role.ADVISER, Role.ADMIN},  # the second step: staff only
    # Reminders to young people; the weekly email to the staff who look after them (not admins).
    Action.RECEIVE_MESSAGES: {Role.YOUNG_PERSON, Role.NURSE, Role.ADVISER},
    Action.GET_WEEKLY_EMAIL: {Role.NURSE, Role.ADVISER},
}


@pytest.mark.parametrize("action", list(ROLE_TABLE))
@pytest.mark.parametrize("role", list(Role))
def test_role_rules(action, role):
    assert decide_for_role(_user(role), action).allowed == (role in ROLE_TABLE[action])


def test_nobody_signed_in_is_refused_everything():
    passport = _passport(17)
    for action in (Action.VIEW_PASSPORT, Action.CURATE_PASSPORT, Action.ACT_AS_OWNER):
        assert decide(None, action, passport, TODAY).refusal is Refusal.NOT_SIGNED_IN
    assert decide_for_role(None, Action.VIEW_CASELOAD).refusal is Refusal.NOT_SIGNED_IN


class TestHandoverAt18:
    """The switch at 18 is a rule evaluated on the day, tested by moving the clock."""

    BIRTH = date(2008, 11, 24)  # 18th birthday: 24 November 2026

    def _passport(self, **grants) -> Passport:
        passport = _passport(17, **grants)
        passport.date_of_birth = self.BIRTH
        return passport

    @pytest.mark.parametrize(
        ("today", "grant", "allowed"),
        [
            (date(2026, 11, 23), False, True),  # the day before: still co-owned
            (date(2026, 11, 24), False, False),  # the birthday: sole owner, no grant
            (date(2027, 3, 1), False, False),  # after
            (date(2026, 11, 24), True, True),  # the birthday, with the young person's grant
            (date(2027, 3, 1), True, True),
        ],
    )
    def test_nurse_access_turns_on_the_grant_at_18(self, today, grant, allowed):
        passport = self._passport(nurse_grant=grant)
        for action in (Action.VIEW_PASSPORT, Action.CURATE_PASSPORT):
            assert decide(VIEWERS["assigned_nurse"], action, passport, today).allowed is allowed

    def test_the_young_person_keeps_access_throughout(self):
        passport = self._passport(nurse_grant=False, adviser_grant=False)
        for today in (date(2026, 11, 23), date(2026, 11, 24), date(2034, 1, 1)):
            assert decide(VIEWERS["owner"], Action.VIEW_PASSPORT, passport, today).allowed

    @pytest.mark.parametrize(
        ("today", "due"),
        [
            (date(2026, 10, 24), False),  # 31 days before
            (date(2026, 10, 25), True),  # 30 days before: notice to both sides
            (date(2026, 11, 23), True),
            (date(2026, 11, 24), False),  # the day itself: the handover has happened
        ],
    )
    def test_notice_in_the_30_days_before(self, today, due):
        assert handover_notice_due(self._passport(), today) is due

    def test_29_february_birthday_turns_18_on_1_march(self):
        passport = self._passport(nurse_grant=False)
        passport.date_of_birth = date(2008, 2, 29)
        nurse = VIEWERS["assigned_nurse"]
        assert decide(nurse, Action.VIEW_PASSPORT, passport, date(2026, 2, 28)).allowed
        assert not decide(nurse, Action.VIEW_PASSPORT, passport, date(2026, 3, 1)).allowed


class TestOutOfAreaGrants:
    """A host area's nurse (another organisation) sees a passport only under a current grant, and curates
    it only when the grant says so. The grant ends by itself."""

    def _with_grant(self, scope="see", starts=-10, ends=30, revoked=False) -> Passport:
        from datetime import UTC, datetime

        from passport.models import AccessGrant

        passport = _passport(16)
        passport.access_grants = [
            AccessGrant(
                grantee_id=VIEWERS["other_org_nurse"].id,
                scope=scope,
                starts_on=TODAY + timedelta(days=starts),
                ends_on=TODAY + timedelta(days=ends),
                revoked_at=datetime(2026, 1, 1, tzinfo=UTC) if revoked else None,
            )
        ]
        return passport

    @pytest.mark.parametrize(
        ("grant", "action", "expected"),
        [
            ({}, Action.VIEW_PASSPORT, ALLOW),
            ({}, Action.CURATE_PASSPORT, Refusal.GRANT_SEE_ONLY),
            ({"scope": "see_and_curate"}, Action.CURATE_PASSPORT, ALLOW),
            ({}, Action.ISSUE_INVITE, Refusal.NO_RELATIONSHIP),  # invites stay with the responsible nurse
            ({"scope": "see_and_curate"}, Action.ISSUE_PASSWORD_RESET, Refusal.NO_RELATIONSHIP),
            ({"starts": 1}, Action.VIEW_PASSPORT, HIDDEN),  # not started yet
            ({"ends": -1}, Action.VIEW_PASSPORT, HIDDEN),  # ended yesterday: access ends by itself
            ({"ends": 0}, Action.VIEW_PASSPORT, ALLOW),  # the last day still counts
            ({"revoked": True}, Action.VIEW_PASSPORT, HIDDEN),
        ],
        ids=[
            "see",
            "see-cannot-curate",
            "see-and-curate",
            "no-invites",
            "no-password-codes",
            "not-started",
            "expired",
            "last-day",
            "revoked",
        ],
    )
    def test_grant(self, grant, action, expected):
        decision = decide(VIEWERS["other_org_nurse"], action, self._with_grant(**grant), TODAY)
        if expected == ALLOW:
            assert decision.allowed, decision
        elif expected == HIDDEN:
            assert not decision.allowed and decision.hide_existence, decision
        else:
            assert not decision.allowed and decision.refusal == expected, decision

    def test_a_grant_is_for_the_named_nurse_only(self):
        passport = self._with_grant()
        assert not decide(VIEWERS["other_org_admin"], Action.VIEW_PASSPORT, passport, TODAY).allowed
