"""The decorators every route wears to declare what it needs. They ask `policy`; they decide nothing.

- `@public` — open to anyone (sign-in, the invite claim, health check).
- `@requires(Action.X)` — a signed-in user whose role may take X.
- `@requires_passport(Action.X)` — X on the passport named by the route's `passport_id`; the view receives
  the loaded `passport`. Refusals are 404 when the viewer must not learn the passport exists, else 403.
- `@requires_own_passport(Action.X)` — X on the signed-in young person's own passport, passed as `passport`.

`@recent_sign_in_required()` goes under one of those on a route that hands the passport over (a share link,
a download): a session that signed in, or last typed its password, more than REAUTHENTICATE_AFTER ago is
first asked for the password again (auth.confirm_password), then sent back to the form.

Staff sign in with a password and then an authenticator app code. Until the second step is done, every one
of these decorators sends a member of staff to it (no staff page opens before it); only the second-step
pages themselves and signing out wear `before_second_factor=True`.

tests/web/test_route_permissions.py fails when a route wears none of these.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from flask import abort, current_app, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from passport import clock, policy
from passport.extensions import db, login_manager
from passport.models import Passport
from passport.policy import Action, Decision
from passport.services import accounts


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


def _second_factor_step():
    """Where a signed-in member of staff must go before any staff page: the second sign-in step, or None
    once this session has passed it. A page they asked for is kept to return to afterwards."""
    if not policy.second_factor_required(current_user):
        return None
    login_session = accounts.current_login_session(current_user)
    if login_session is not None and login_session.second_factor_at is not None:
        return None
    step = "auth.security_code" if current_user.totp_confirmed_at else "auth.set_up_authenticator_app"
    return_to = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for(step, next=return_to))


def requires(action: Action, *, before_second_factor: bool = False) -> Callable[[Callable], Callable]:
    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.is_authenticated and not before_second_factor:
                step = _second_factor_step()
                if step is not None:
                    return step
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
            step = _second_factor_step()
            if step is not None:
                return step
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
            step = _second_factor_step()
            if step is not None:
                return step
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


# When this browser's session last typed the password (a POSIX timestamp in the signed session cookie).
# Signing in clears the cookie session, so it never outlives the sign-in it belongs to.
REAUTHENTICATED_AT = "reauthenticated_at"


def mark_reauthenticated() -> None:
    session[REAUTHENTICATED_AT] = clock.now().timestamp()


def signed_in_recently() -> bool:
    """Whether this session signed in, or confirmed its password, within REAUTHENTICATE_AFTER."""
    login_session = accounts.current_login_session(current_user)
    moments = [login_session.created_at] if login_session is not None else []
    confirmed = session.get(REAUTHENTICATED_AT)
    if isinstance(confirmed, int | float):
        moments.append(datetime.fromtimestamp(confirmed, UTC))
    return bool(moments) and clock.now() - max(moments) <= current_app.config["REAUTHENTICATE_AFTER"]


def recent_sign_in_required(come_back_to: str | None = None) -> Callable[[Callable], Callable]:
    """Ask for the password again before a POST hands the passport over, when the sign-in is not recent.
    Afterwards the person comes back to `come_back_to` (an endpoint), or to this URL's own page (GET), and
    sends the form again: nothing they chose is kept in the cookie meanwhile. GETs pass straight through."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if request.method != "GET" and current_user.is_authenticated and not signed_in_recently():
                back = url_for(come_back_to) if come_back_to else request.path
                return redirect(url_for("auth.confirm_password", next=back))
            return view(*args, **kwargs)

        return wrapped

    return decorator
