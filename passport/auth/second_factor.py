"""The second sign-in step for staff: set up an authenticator app, then a code from it (or a recovery code)
after every password sign-in. These pages, and signing out, are the only ones open to a member of staff
before the step is done (access.requires(..., before_second_factor=True))."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import ngettext
from flask_login import current_user

from passport import limiter_keys
from passport.access import requires
from passport.auth import bp
from passport.auth.forms import RecoveryCodeForm, SecurityCodeForm
from passport.auth.views import REMEMBER_AFTER_SECOND_FACTOR, renew_cookie_session
from passport.exports.qr import qr_data_uri
from passport.extensions import limiter
from passport.forms import apply_service_error
from passport.policy import Action
from passport.public.views import _safe_return_path
from passport.services import ServiceError, accounts, two_factor


def _account_key() -> str:
    """Per account: the person who has given their password in this session."""
    who = str(current_user.id) if current_user.is_authenticated else "anonymous"
    return limiter_keys.keyed("two-factor", who)


def _code_limit() -> str:
    return current_app.config["TWO_FACTOR_LIMIT"]


def _ip_limit() -> str:
    return current_app.config["SIGN_IN_LIMIT"]


# One count across the three pages where a code is typed, so a guesser cannot spread attempts over them.
per_account = limiter.shared_limit(
    _code_limit, scope="two-factor-account", key_func=_account_key, methods=["POST"]
)
per_address = limiter.shared_limit(_ip_limit, scope="two-factor-address", methods=["POST"])


def _return_to() -> str | None:
    return request.args.get("next")


def _finish():
    """The second step is done and the session token has changed: write the new one into this browser's
    cookies (with the remember-me cookie they asked for at sign-in) and go where they were going."""
    remember = bool(session.get(REMEMBER_AFTER_SECOND_FACTOR))
    renew_cookie_session(current_user._get_current_object(), remember=remember)


@bp.route("/sign-in/set-up-authenticator-app", methods=["GET", "POST"])
@requires(Action.COMPLETE_SIGN_IN, before_second_factor=True)
@per_address
@per_account
def set_up_authenticator_app():
    if two_factor.is_set_up(current_user):
        return redirect(url_for("auth.security_code", next=_return_to()))
    login_session = accounts.current_login_session(current_user)
    form = SecurityCodeForm()
    if form.validate_on_submit():
        try:
            recovery_codes = two_factor.confirm_set_up(current_user, form.code.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            _finish()
            # Shown once, here, in answer to the POST: the codes are stored nowhere but as hashes.
            return render_template(
                "auth/recovery_codes.html",
                recovery_codes=recovery_codes,
                continue_to=_safe_return_path(_return_to()),
            )
    secret = two_factor.pending_secret(login_session)
    return render_template(
        "auth/set_up_authenticator_app.html",
        form=form,
        qr=qr_data_uri(two_factor.set_up_uri(current_user, secret)),
        secret=two_factor.secret_for_typing(secret),
    )


@bp.route("/sign-in/security-code", methods=["GET", "POST"])
@requires(Action.COMPLETE_SIGN_IN, before_second_factor=True)
@per_address
@per_account
def security_code():
    if not two_factor.is_set_up(current_user):
        return redirect(url_for("auth.set_up_authenticator_app", next=_return_to()))
    if two_factor.second_factor_passed(current_user):
        return redirect(_safe_return_path(_return_to()))
    form = SecurityCodeForm()
    if form.validate_on_submit():
        try:
            two_factor.check_security_code(current_user, form.code.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            _finish()
            return redirect(_safe_return_path(_return_to()))
    return render_template("auth/security_code.html", form=form, next=_return_to())


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
@requires(Action.COMPLETE_SIGN_IN, before_second_factor=True)
@per_address
@per_account
def recovery_code():
    if not two_factor.is_set_up(current_user):
        return redirect(url_for("auth.set_up_authenticator_app", next=_return_to()))
    if two_factor.second_factor_passed(current_user):
        return redirect(_safe_return_path(_return_to()))
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        try:
            left = two_factor.use_recovery_code(current_user, form.code.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            _finish()
            flash(
                ngettext(
                    "You have %(num)d recovery code left. If you have lost your phone, ask your "
                    "organisation's admin to reset your authenticator app",
                    "You have %(num)d recovery codes left. If you have lost your phone, ask your "
                    "organisation's admin to reset your authenticator app",
                    left,
                ),
                "info",
            )
            return redirect(_safe_return_path(_return_to()))
    return render_template("auth/recovery_code.html", form=form, next=_return_to())
