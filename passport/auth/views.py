from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from passport.access import public, requires
from passport.auth import bp
from passport.auth.forms import ClaimPassportForm, SignInForm, StaffSetUpForm
from passport.extensions import limiter
from passport.forms import apply_service_error
from passport.policy import Action
from passport.public.views import _safe_return_path
from passport.services import ServiceError, accounts, invites


def _email_key() -> str:
    return "sign-in:" + accounts.normalise_email(request.form.get("email", ""))[:254]


def _begin_session(user, remember: bool = False) -> None:
    """A fresh session at sign-in: nothing from before (a planted cookie, say) carries over."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    accounts.start_session(user)
    login_user(user, remember=remember)


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
            return redirect(_safe_return_path(request.args.get("next")))
    return render_template("auth/sign_in.html", form=form)


def _sign_in_limit() -> str:
    from flask import current_app

    return current_app.config["SIGN_IN_LIMIT"]


@bp.post("/sign-out")
@requires(Action.MANAGE_OWN_ACCOUNT)
def sign_out():
    accounts.end_session(current_user)
    logout_user()
    session.clear()
    flash(_("You have signed out"), "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/claim", methods=["GET", "POST"])
@public
@limiter.limit(lambda: _sign_in_limit(), methods=["POST"])
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


@bp.route("/set-up", methods=["GET", "POST"])
@public
@limiter.limit(lambda: _sign_in_limit(), methods=["POST"])
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
            flash(_("Your account is ready"), "success")
            return redirect(url_for("public.home"))
    return render_template("auth/staff_set_up.html", form=form)
