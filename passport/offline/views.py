"""Thin views over services/offline_copies.py, and the one hook that deletes a copy from a phone."""

from __future__ import annotations

import base64

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from wtforms import BooleanField

from passport import clock
from passport.access import public, requires_own_passport
from passport.assets import static_url
from passport.config import RTL_LOCALES
from passport.exports import shc
from passport.extensions import db
from passport.item_forms import ActionForm
from passport.offline import bp
from passport.policy import Action
from passport.projection import build_view
from passport.services import ServiceError, health_cards, offline_copies

WORKER_SCOPE = "/"


def cookie_name() -> str:
    # __Host-: this exact host, https only, no Domain, path / (as the session cookie, SECURITY.md 6).
    return (
        "__Host-passport_offline_copy"
        if current_app.config.get("SESSION_COOKIE_SECURE")
        else "passport_offline_copy"
    )


def device_token() -> str | None:
    """The token of the copy kept on the phone this request comes from: its cookie, if it has one."""
    token = request.cookies.get(cookie_name())
    return token if token and len(token) < 100 else None


class KeepCopyForm(ActionForm):
    birth_history = BooleanField(_l("Also keep what I know about my birth on this phone"))


def init_app(app: Flask) -> None:
    @app.after_request
    def delete_ended_copies(response):
        """A phone holding an ended copy, or someone else's, is told to delete it (module docstring)."""
        if request.endpoint == "static":
            return response
        token = device_token()
        try:
            ended = bool(token) and offline_copies.should_end(token, current_user)
        except SQLAlchemyError:  # the database is down: this answer is already an error page; ask next time
            db.session.rollback()
            return response
        if ended:
            response.headers.update(offline_copies.END_HEADERS)
            response.delete_cookie(
                cookie_name(),
                path="/",
                secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
                samesite="Strict",
            )
        return response


@bp.get("/my-passport/offline-copy")
@requires_own_passport(Action.ACT_AS_OWNER)
def settings(passport):
    view = build_view(current_user, passport, clock.today())
    copy = offline_copies.this_phone(current_user, device_token())
    others = [c for c in offline_copies.live_copies(current_user) if copy is None or c.id != copy.id]
    birth = view.birth_status
    return render_template(
        "offline/settings.html",
        view=view,
        copy_kept=copy is not None,
        others=len(others),
        form=KeepCopyForm(),
        birth_offered=bool(birth and birth.offered and birth.opened),
    )


@bp.post("/my-passport/offline-copy/keep")
@requires_own_passport(Action.ACT_AS_OWNER)
def keep(passport):
    form = KeepCopyForm()
    if not form.validate_on_submit():
        return redirect(url_for("offline.settings"))
    started = offline_copies.start(
        current_user,
        passport,
        include_birth_history=bool(form.birth_history.data),
        old_token=device_token(),
    )
    response = redirect(url_for("offline.settings"))
    response.set_cookie(
        cookie_name(),
        started.token,
        max_age=60 * 60 * 24 * 400,
        path="/",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Strict",
    )
    return response


@bp.post("/my-passport/offline-copy/stop")
@requires_own_passport(Action.ACT_AS_OWNER)
def stop(passport):
    if ActionForm().validate_on_submit():
        offline_copies.stop_this_phone(current_user, device_token())
        flash(_("The copy on this phone is deleted."), "success")
    return redirect(url_for("offline.settings"))


@bp.post("/my-passport/offline-copy/stop-everywhere")
@requires_own_passport(Action.ACT_AS_OWNER)
def stop_everywhere(passport):
    if ActionForm().validate_on_submit():
        offline_copies.stop_everywhere(current_user)
        flash(
            _("The copies on all your phones will be deleted the next time each one goes online."), "success"
        )
    return redirect(url_for("offline.settings"))


@bp.get("/my-passport/offline-copy/saved")
@requires_own_passport(Action.VIEW_PASSPORT)
def saved_copy(passport):
    """The page a phone keeps: only for the phone whose copy it is (the cookie), and with the birth history
    only if it was chosen on that phone."""
    copy = offline_copies.this_phone(current_user, device_token())
    if copy is None:
        abort(404)
    view = build_view(current_user, passport, clock.today())
    qr_image = None
    try:
        card = health_cards.issue(current_user, passport, include_allergies=False)
        qr_image = (
            "data:image/png;base64," + base64.b64encode(shc.health_card_qr_png(card.jws, scale=3)).decode()
        )
    except ServiceError:
        pass  # no signing key in this area yet: the copy has everything else
    offline_copies.saved(copy, current_user)
    response = make_response(
        render_template(
            "offline/saved.html",
            view=view,
            saved_at=clock.now(),
            qr_image=qr_image,
            birth_history=view.birth_history if copy.include_birth_history else None,
        )
    )
    response.headers["X-Offline-Copy"] = "saved"
    return response


@bp.get("/offline-copy/status")
@public
def status():
    """Asked by the service worker whenever it can: should this phone keep its copy? No sign-in needed (a
    session that timed out keeps the copy); the cookie says which copy."""
    token = device_token()
    copy = offline_copies.find(token)
    keep = copy is not None and copy.ended_at is None and not offline_copies.should_end(token, current_user)
    return jsonify(keep=keep)


@bp.get("/service-worker.js")
@public
def service_worker():
    response = send_from_directory(current_app.static_folder, "offline/service-worker.js", max_age=0)
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Service-Worker-Allowed"] = WORKER_SCOPE
    return response


@bp.get("/manifest.webmanifest")
@public
def manifest():
    locale = get_locale()
    body = {
        "name": _("Health Passport"),
        "short_name": _("Health Passport"),
        "description": _("Health Passport keeps your health history safe when you leave care."),
        "lang": str(locale).replace("_", "-") if locale else "en-GB",
        "dir": "rtl" if locale is not None and locale.language in RTL_LOCALES else "ltr",
        "start_url": url_for("me.overview"),
        "scope": WORKER_SCOPE,
        "display": "standalone",
        "background_color": "#f0f4f5",
        "theme_color": "#005eb8",
        "icons": [
            {"src": static_url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static_url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static_url("icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response
