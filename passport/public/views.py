from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

from passport.access import public
from passport.health import check
from passport.models import Role
from passport.public import bp
from passport.services import accounts

HOME_BY_ROLE = {
    Role.YOUNG_PERSON: "me.overview",
    Role.NURSE: "staff.caseload_list",
    Role.ADVISER: "adviser.dashboard",
    Role.ADMIN: "admin.staff_list",
}


@bp.get("/")
@public
def home():
    if current_user.is_authenticated:
        return redirect(url_for(HOME_BY_ROLE[Role(current_user.role)]))
    return render_template("public/home.html")


@bp.get("/healthz")
@public
def healthz():
    """200 when the database answers, so a load balancer stops sending work to a broken server; the body
    names each dependency's state. Answers within HEALTH_CHECK_SECONDS whatever they do (passport/health.py).
    Redis down is "degraded", still 200: sign-in limits then count on each server alone."""
    health = check(current_app._get_current_object())
    body = {
        "status": health.status,
        "database": health.database,
        "redis": health.redis,
        "rate_limits": health.rate_limits,
    }
    return jsonify(body), 503 if health.status == "unavailable" else 200


def _safe_return_path(target: str | None) -> str:
    """Only paths on this site: an open redirect would let a phishing link borrow our name."""
    if not target:
        return url_for("public.home")
    parts = urlsplit(target)
    # Browsers read "/\\evil.example" as "//evil.example", so a backslash or a control character anywhere
    # is refused along with anything that names a scheme or another host.
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(character) < 32 for character in target)
    ):
        return url_for("public.home")
    return target


@bp.get("/language")
@public
def language():
    """The languages, each named in its own script, one link away from every page's header (not a bar
    on every page: on a phone that pushed the heading down). Choosing one goes back to `next`."""
    return render_template("public/language.html", return_to=_safe_return_path(request.args.get("next")))


@bp.post("/language")
@public
def choose_language():
    locale = request.form.get("locale", "")
    if locale in current_app.config["SUPPORTED_LOCALES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            accounts.remember_language(current_user, locale)
    return redirect(_safe_return_path(request.form.get("next")))
