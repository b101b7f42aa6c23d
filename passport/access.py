"""The decorators every route wears to declare what it needs. They ask `policy`; they decide nothing.

- `@public` — open to anyone (sign-in, the invite claim, health check).
- `@requires(Action.X)` — a signed-in user whose role may take X.
- `@requires_passport(Action.X)` — X on the passport named by the route's `passport_id`; the view receives
  the loaded `passport`. Refusals are 404 when the viewer must not learn the passport exists, else 403.
- `@requires_own_passport(Action.X)` — X on the signed-in young person's own passport, passed as `passport`.

tests/web/test_route_permissions.py fails when a route wears none of these.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from passport import clock, policy
from passport.extensions import db, login_manager
from passport.models import Passport
from passport.policy import Action, Decision


class AccessRefused(Forbidden):
    """A 403 that carries the policy's reason, so the error page can explain it."""

    def __init__(self, decision: Decision):
        super().__init__()
        self.decision = decision


def _mark(view: Callable, permission: str) -> Callable:
    view.required_permission = permission  # type: ignore[attr-defined]
    return view


def public(view: Callable) -> Callable:
    return _mark(view, "public")


def _refuse(decision: Decision):
    if decision.refusal is policy.Refusal.NOT_SIGNED_IN:
        return login_manager.unauthorized()
    if decision.hide_existence:
        abort(404)
    raise AccessRefused(decision)


def requires(action: Action) -> Callable[[Callable], Callable]:
    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            decision = policy.decide_for_role(current_user, action)
            if not decision:
                return _refuse(decision)
            return view(*args, **kwargs)

        return _mark(wrapped, f"role:{action}")

    return decorator


def load_passport(passport_id: uuid.UUID) -> Passport:
    passport = db.session.get(Passport, passport_id)
    if passport is None:
        abort(404)
    return passport


def requires_passport(action: Action) -> Callable[[Callable], Callable]:
    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, passport_id: uuid.UUID, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            passport = load_passport(passport_id)
            decision = policy.decide(current_user, action, passport, clock.today())
            if not decision:
                return _refuse(decision)
            return view(*args, passport=passport, **kwargs)

        return _mark(wrapped, f"passport:{action}")

    return decorator


def requires_own_passport(action: Action) -> Callable[[Callable], Callable]:
    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            role_decision = policy.decide_for_role(current_user, Action.OPEN_MY_PASSPORT)
            if not role_decision:
                return _refuse(role_decision)
            passport = db.session.scalar(select(Passport).where(Passport.young_person_id == current_user.id))
            if passport is None:
                abort(404)
            decision = policy.decide(current_user, action, passport, clock.today())
            if not decision:
                return _refuse(decision)
            return view(*args, passport=passport, **kwargs)

        return _mark(wrapped, f"own_passport:{action}")

    return decorator
