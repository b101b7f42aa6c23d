"""Health plans: what was agreed at each assessment, as SMART actions (specific, owned, dated), and who
has done what. The young person marks their own actions done; the nurse sees what is overdue."""

from __future__ import annotations

import re
import uuid
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from passport import clock, policy
from passport.extensions import db
from passport.models import ActionOwner, ActionStatus, HealthAction, Passport, User
from passport.policy import Action
from passport.services import ServiceError, audit, transaction, versions
from passport.services.items import InputProblems

# "Specific" in practice: enough words to say what will be done, not "review" or "follow up".
MIN_WORDS = 4
VAGUE = re.compile(r"^\s*(review|follow[ -]?up|monitor|tbc|to do|n/?a|check)\W*$", re.IGNORECASE)


def _problems(what: str, owner: str | None, due_on: date | None, today: date) -> list:
    problems = []
    words = len((what or "").split())
    if not (what or "").strip():
        problems.append(("what", _l("Say what will be done")))
    elif words < MIN_WORDS or VAGUE.match(what):
        problems.append(
            (
                "what",
                _l(
                    "Say exactly what will be done, in at least 4 words. For example: Book a dentist check-up"
                ),
            )
        )
    if owner not in set(ActionOwner):
        problems.append(("owner", _l("Choose who will do it")))
    if due_on is None:
        problems.append(("due_on", _l("Enter the date it should be done by")))
    return problems


def assessments_to_agree_at(passport: Passport) -> list:
    """The young person's health assessments an action can come from, newest first."""
    return [a for a in passport.assessments if a.archived_at is None]


@transaction
def add_action(
    nurse: User, passport: Passport, *, what: str, owner: str | None, due_on: date | None, assessment_id=None
) -> HealthAction:
    """An action agreed at one of the young person's health assessments (or, with no assessment_id, agreed
    outside one)."""
    if not policy.can(nurse, Action.CURATE_PASSPORT, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))
    problems = _problems(what, owner, due_on, clock.today())
    if assessment_id is not None and assessment_id not in {a.id for a in assessments_to_agree_at(passport)}:
        problems.append(("assessment", _l("Choose one of this young person's health assessments")))
    if problems:
        raise InputProblems(problems)
    action = HealthAction(
        passport_id=passport.id,
        assessment_id=assessment_id,
        what=what.strip(),
        owner=owner,
        due_on=due_on,
        created_by_id=nurse.id,
        updated_by_id=nurse.id,
    )
    db.session.add(action)
    db.session.flush()
    audit.record("health_action_added", actor=nurse, passport=passport, action_id=action.id)
    return action


@transaction
def mark(
    user: User,
    passport: Passport,
    action: HealthAction,
    *,
    done: bool,
    reason: str | None = None,
    seen_version: int | None,
) -> None:
    today = clock.today()
    if action.passport_id != passport.id or not policy.may_mark_action(
        user, passport, str(action.owner), today
    ):
        raise ServiceError(_l("You cannot change this"))
    versions.check_seen(action, seen_version)
    if done:
        action.status = ActionStatus.DONE
        action.done_on = today
        action.not_done_reason = None
    else:
        if not (reason or "").strip():
            raise ServiceError(_l("Say why it was not done"), field="reason")
        action.status = ActionStatus.NOT_DONE
        action.not_done_reason = reason.strip()
        action.done_on = None
    action.updated_by_id = user.id
    action.updated_at = clock.now()
    audit.record(
        "health_action_updated", actor=user, passport=passport, action_id=action.id, status=action.status
    )


def action_of(passport: Passport, action_id: uuid.UUID) -> HealthAction | None:
    action = db.session.get(HealthAction, action_id)
    return action if action is not None and action.passport_id == passport.id else None


def overdue_for(nurse: User, today: date) -> list[HealthAction]:
    """Agreed actions past their date on passports this nurse may curate today, oldest first."""
    curated = select(Passport.id).where(policy.visible_passports(nurse, Action.CURATE_PASSPORT, today))
    return list(
        db.session.scalars(
            select(HealthAction)
            .where(
                HealthAction.passport_id.in_(curated),
                HealthAction.status == ActionStatus.AGREED,
                HealthAction.due_on < today,
            )
            .options(
                selectinload(HealthAction.assessment),
                selectinload(HealthAction.passport).selectinload(Passport.assignments),
                selectinload(HealthAction.passport).selectinload(Passport.access_grants),
            )
            .order_by(HealthAction.due_on)
        )
    )
