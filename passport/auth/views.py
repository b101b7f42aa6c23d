from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE_DEFAULT

from passport import limiter_keys, policy
from passport.access import mark_reauthenticated, public, requires
from passport.auth import bp
from passport.auth.forms import (
    ChangePasswordForm,
    ClaimPassportForm,
    ConfirmPasswordForm,
    ResetPasswordForm,
    SignInForm,
    StaffSetUpForm,
)
from passport.extensions import limiter
from passport.forms import apply_service_error
from passport.policy import Action
from passport.public.views import _safe_return_path
from passport.services import ServiceError, accounts, invites

# Throttling: every POST counts, whether it succeeds or not. The count is taken before the view runs (an
# atomic increment in Redis), so parallel guesses cannot slip in between a check and a count; counting only
# failures would need the count after the response. A successful sign-in costs one attempt of ten.
# A request refused for a missing or stale CSRF token is not counted: it never reaches the limiter.
REMEMBER_AFTER_SECOND_FACTOR = "remember_after_second_factor"


def _email_key() -> str:
    return limiter_keys.keyed("sign-in", accounts.normalise_email(request.form.get("email", ""))[:254])


def _code_key(purpose: str):
    """Per code typed: attempts at one invite or set-up code, from anywhere."""

    def key() -> str:
        return limiter_keys.keyed(purpose, invites.normalise_code(request.form.get("code", ""))[:40])

    return key


def renew_cookie_session(user, remember: bool = False) -> None:
    """A fresh cookie session for `user`'s current token: nothing from before (a planted cookie, say)
    carries over, apart from the language they chose."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(user, remember=remember)


def _begin_session(user, remember: bool = False) -> None:
    """A new server-side session at sign-in. Staff get their remember-me cookie only after the second
    step, when the session token changes again."""
    accounts.start_session(user)
    if policy.second_factor_required(user):
        renew_cookie_session(user, remember=False)
        session[REMEMBER_AFTER_SECOND_FACTOR] = bool(remember)
    else:
        renew_cookie_session(user, remember=remember)


def _after_sign_in(user, return_to: str | None):
    if policy.second_factor_required(user):
        step = "auth.security_code" if user.totp_confirmed_at else "auth.set_up_authenticator_app"
        return redirect(url_for(step, next=return_to))
    return redirect(_safe_return_path(return_to))


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(lambda: _sign_in_limit(), methods=["POST"])
@limiter.limit(lambda: _sign_in_limit(), key_func=_email_key, methods=["POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("public.home"))
    form = SignInForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            # One message for an unknown email and a wrong password: never say which.
            form.form_errors.append(_("Your email address or password is not right"))
        else:
            _begin_session(user, remember=form.remember_me.data)
            return _after_sign_in(user, request.args.get("next"))
    return render_template("auth/sign_in.html", form=form)


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_LIMIT"]


def remember_cookie_name() -> str:
    return current_app.config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE_DEFAULT)


@bp.post("/sign-out")
@requires(Action.MANAGE_OWN_ACCOUNT, before_second_factor=True)
def sign_out():
    accounts.end_session(current_user)
    logout_user()
    session.clear()
    flash(_("You have signed out on every device"), "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/claim", methods=["GET", "POST"])
@public
@limiter.limit(lambda: _sign_in_limit(), methods=["POST"])
@limiter.limit(lambda: _sign_in_limit(), key_func=_code_key("claim"), methods=["POST"])
def claim():
    if current_user.is_authenticated:
        return redirect(url_for("public.home"))
    form = ClaimPassportForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = invites.format_code(invites.normalise_code(request.args["code"])[:12])
    if form.validate_on_submit():
        try:
            result = invites.claim_passport(
                code=form.code.data,
                date_of_birth=form.date_of_birth.data,
                email=form.email.data,
                password=form.password.data,
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            _begin_session(result.user)
            flash(_("Your account is ready. This is your passport."), "success")
            return redirect(url_for("me.overview"))
    return render_template("auth/claim.html", form=form)


@bp.route("/reset-password", methods=["GET", "POST"])
@public
@limiter.limit(lambda: _sign_in_limit(), methods=["POST"])
@limiter.limit(lambda: _sign_in_limit(), key_func=_code_key("reset"), methods=["POST"])
def reset_password():
    """A young person who forgot their password chooses a new one with a code from their nurse or
    adviser (SECURITY.md 7). Their other sessions end; this browser is signed in."""
    if current_user.is_authenticated:
        return redirect(url_for("public.home"))
    form = ResetPasswordForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = invites.format_code(invites.normalise_code(request.args["code"])[:12])
    if form.validate_on_submit():
        try:
            user = invites.reset_password(
                code=form.code.data, date_of_birth=form.date_of_birth.data, password=form.password.data
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            _begin_session(user)
            flash(_("Your new password is saved. You have been signed out on your other devices"), "success")
            return redirect(url_for("me.overview"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/set-up", methods=["GET", "POST"])
@public
@limiter.limit(lambda: _sign_in_limit(), methods=["POST"])
@limiter.limit(lambda: _sign_in_limit(), key_func=_code_key("set-up"), methods=["POST"])
def staff_set_up():
    form = StaffSetUpForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = invites.format_code(invites.normalise_code(request.args["code"])[:12])
    if form.validate_on_submit():
        try:
            user = invites.set_up_staff_account(code=form.code.data, password=form.password.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            _begin_session(user)
            flash(_("Your password is saved. Now set up an authenticator app"), "success")
            return _after_sign_in(user, None)
    return render_template("auth/staff_set_up.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@requires(Action.MANAGE_OWN_ACCOUNT)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            # The session token changed: write it into this browser's cookies, and a new remember-me
            # cookie if it had one (the old one stopped working with the old token).
            had_remember_cookie = remember_cookie_name() in request.cookies
            renew_cookie_session(current_user._get_current_object(), remember=had_remember_cookie)
            flash(
                _("Your password has been changed. You have been signed out on your other devices"), "success"
            )
            return redirect(url_for("public.home"))
    return render_template("auth/change_password.html", form=form)


def _confirm_key() -> str:
    return limiter_keys.keyed("confirm-password", str(current_user.id))


@bp.route("/account/confirm-password", methods=["GET", "POST"])
@requires(Action.MANAGE_OWN_ACCOUNT)
@limiter.limit(lambda: _sign_in_limit(), key_func=_confirm_key, methods=["POST"])
def confirm_password():
    """The password again, before sharing or downloading the passport when the sign-in is not recent
    (access.recent_sign_in_required sends people here, with the page to go back to)."""
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        if accounts.confirm_password(current_user, form.password.data):
            mark_reauthenticated()
            return redirect(_safe_return_path(request.args.get("next")))
        form.password.errors.append(_("Your current password is not right"))
    return render_template("auth/confirm_password.html", form=form)
