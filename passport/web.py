"""What every response shares: blueprints, security headers, error pages, sign-in wiring, template helpers."""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import (
    Flask,
    Request,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_datetime, format_number
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from passport import assets, immunisations, labels, looks, policy, request_limits, version_guard
from passport.access import AccessRefused
from passport.exports.qr import QRTooLong
from passport.extensions import login_manager
from passport.i18n import format_day
from passport.models import Role
from passport.services import accounts, versions
from passport.validation import format_nhs_number

# Pages anyone may cache (none hold personal data). Everything else is no-store.
CACHEABLE_ENDPOINTS = frozenset({"static"})

# What SQLAlchemy raises when the database cannot be reached, or stops answering: the 503 page, not a 500.
DATABASE_UNREACHABLE = (OperationalError, InterfaceError, PoolTimeout)
logger = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    from passport.admin import bp as admin_bp
    from passport.adviser import bp as adviser_bp
    from passport.auth import bp as auth_bp
    from passport.me import bp as me_bp
    from passport.messages import bp as messages_bp
    from passport.offline import bp as offline_bp
    from passport.offline.views import init_app as delete_ended_offline_copies
    from passport.public import bp as public_bp
    from passport.share import bp as share_bp
    from passport.staff import bp as staff_bp

    for blueprint in (public_bp, auth_bp, me_bp, staff_bp, adviser_bp, admin_bp, share_bp):
        app.register_blueprint(blueprint)
    # Reminders by text and email; the installable app and the copy kept on a phone (issue 19).
    app.register_blueprint(messages_bp)
    app.register_blueprint(offline_bp)
    delete_ended_offline_copies(app)
    app.request_class = PassportRequest

    _configure_sign_in()
    version_guard.install()  # a versioned row changed without checking the version seen: an error
    _refuse_nul_characters(app)
    _add_security_headers(app)
    _add_error_pages(app)
    _add_template_helpers(app)
    _answer_refused_input_with_400(app)
    assets.init_app(app)  # hashed static URLs with long caching, and compression
    request_limits.init_app(app)  # MAX_CONTENT_LENGTH for chunked bodies too


def _configure_sign_in() -> None:
    from passport.services import accounts

    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = _l("Sign in to see this page")
    login_manager.login_message_category = "info"
    # "basic": a changed network (common on phones) marks the session not fresh rather than ending it.
    login_manager.session_protection = "basic"
    login_manager.user_loader(accounts.load_session_user)


class PassportRequest(Request):
    """MAX_CONTENT_LENGTH for every request, except the few that carry a photo or file (10 MB, and the form
    around it). Decided from the route, before anything reads the body, so the limit holds for every other
    form exactly as before."""

    @property
    def max_content_length(self) -> int | None:
        from passport.attachment_pages import UPLOAD_ENDPOINTS
        from passport.services.attachments import UPLOAD_REQUEST_LIMIT

        if self.endpoint in UPLOAD_ENDPOINTS:
            return UPLOAD_REQUEST_LIMIT
        return Request.max_content_length.fget(self)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        Request.max_content_length.fset(self, value)


def _refuse_nul_characters(app: Flask) -> None:
    """No keyboard types a NUL character, and PostgreSQL cannot store or even compare one (a query with it
    fails), so a form or query string that carries one is answered 400 before any view sees it.
    tests/web/test_fuzz_forms.py found this on the sign-in form."""

    @app.before_request
    def refuse_nul() -> None:
        for values in (request.args, request.form):
            for key, value in values.items(multi=True):
                if "\x00" in key or "\x00" in value:
                    abort(400)


def _add_security_headers(app: Flask) -> None:
    @app.before_request
    def make_csp_nonce() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.after_request
    def security_headers(response):
        nonce = getattr(g, "csp_nonce", "")
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; "
            "img-src 'self' data:; "
            "font-src 'self'; "
            "connect-src 'self'; "
            "form-action 'self'; "
            "frame-ancestors 'none'; "
            "base-uri 'none'; "
            "object-src 'none'"
        )
        # A page may tighten the policy further (never loosen it): the SMART Health Link viewer adds
        # Trusted Types, so no script on it can write HTML from a string.
        for directive in getattr(g, "csp_extra", ()):
            response.headers["Content-Security-Policy"] += f"; {directive}"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config.get("SEND_HSTS"):
            response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if request.endpoint not in CACHEABLE_ENDPOINTS:
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        response.vary.add("Cookie")
        return response


def _add_error_pages(app: Flask) -> None:
    def page(template: str, status: int, **context):
        return render_template(template, **context), status

    @app.errorhandler(400)
    def bad_request(error):
        return page("errors/400.html", 400)

    @app.errorhandler(QRTooLong)
    def link_too_long_for_a_qr(error):
        # Only a request with an absurdly long Host header makes a link this long: a clear 400, not a 500.
        return page("errors/400.html", 400)

    @app.errorhandler(AccessRefused)
    def access_refused(error: AccessRefused):
        return page("errors/403.html", 403, refusal=error.decision.refusal)

    @app.errorhandler(403)
    def forbidden(error):
        return page("errors/403.html", 403, refusal=None)

    @app.errorhandler(404)
    def not_found(error):
        return page("errors/404.html", 404)

    @app.errorhandler(405)
    def method_not_allowed(error):
        return page("errors/404.html", 405)

    @app.errorhandler(413)
    def too_large(error):
        return page("errors/413.html", 413)

    @app.errorhandler(429)
    def too_many(error):
        return page("errors/429.html", 429)

    @app.errorhandler(500)
    def server_error(error):
        # Another page's error handler may have met the database down (it asked who is signed in).
        if isinstance(getattr(error, "original_exception", None), DATABASE_UNREACHABLE):
            return database_unavailable(error.original_exception)
        try:
            return page("errors/500.html", 500)
        except DATABASE_UNREACHABLE as failure:
            return database_unavailable(failure)

    for exception in DATABASE_UNREACHABLE:
        app.register_error_handler(exception, database_unavailable)
    # 503 from anywhere else (a restore holds the database: passport/backup.py): the same page.
    app.register_error_handler(503, database_unavailable)

    @app.errorhandler(versions.ChangedSinceSeen)
    def changed_since_seen(error):
        # Nothing was saved. Back to the page the form came from, which now shows what it says.
        return page("errors/409.html", 409, back=_page_above(request.path))

    @app.errorhandler(CSRFError)
    def csrf_expired(error):
        # Usually a form left open too long. Send the person somewhere useful, not to a bare 400.
        if current_user.is_authenticated:
            flash(_l("This page was open too long, so nothing was saved. Please try again"), "error")
            return redirect(request.path if request.method == "POST" else url_for("public.home"))
        flash(_l("Your session ended, so nothing was saved. Sign in again to carry on"), "error")
        return redirect(url_for("auth.sign_in"))


def _answer_refused_input_with_400(app: Flask) -> None:
    """A form sent back with a message beside a field (or in its error summary) answers 400, not 200, so
    the status says what the page says. The form macros call `input_refused()` as they show a message;
    tests/web/test_numbers_and_ids.py relies on it."""

    def input_refused() -> str:
        g.input_refused = True
        return ""

    app.jinja_env.globals["input_refused"] = input_refused

    @app.after_request
    def refused_input_is_a_bad_request(response):
        if request.method == "POST" and response.status_code == 200 and g.get("input_refused"):
            response.status_code = 400
        return response


def _page_above(path: str) -> str:
    """The nearest page (a GET route) at or above `path`: where a form posted to `path` came from."""
    adapter = current_app.url_map.bind("localhost")
    parts = path.rstrip("/").split("/")
    while parts:
        candidate = "/".join(parts) or "/"
        try:
            adapter.match(candidate, method="GET")
            return candidate
        except RequestRedirect as redirect_to:
            return urlsplit(redirect_to.new_url).path
        except HTTPException:
            parts.pop()
    return url_for("public.home")


_last_database_warning = 0.0


def database_unavailable(error: Exception):
    """The branded 503 page, made without asking the database anything again: for this page the person is
    shown as not signed in (their session is untouched), and the page stands alone, without the menus that
    need their account. Logged at most once a minute per process, without the error's text."""
    global _last_database_warning
    if time.monotonic() - _last_database_warning > 60:
        _last_database_warning = time.monotonic()
        logger.warning("database unavailable (%s): answering 503", type(error).__name__)
    g._login_user = login_manager.anonymous_user()
    response = make_response(render_template("errors/503.html"), 503)
    response.headers["Retry-After"] = "30"
    return response


def _add_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["nhs_number"] = format_nhs_number
    app.jinja_env.filters["format_number"] = format_number
    app.jinja_env.filters["format_month"] = lambda value: format_day(value, "MMMM y")
    app.jinja_env.filters["long_date"] = lambda value: format_day(value, "d MMMM y")
    app.jinja_env.filters["day_and_date"] = lambda value: format_day(value, "EEEE d MMMM y")
    app.jinja_env.filters["date_time"] = lambda value: (
        format_datetime(value, "d MMMM y, HH:mm") if value else ""
    )
    app.jinja_env.globals["Refusal"] = policy.Refusal

    app.jinja_env.globals["role_name"] = role_name
    app.jinja_env.globals["explain"] = immunisations.explain
    app.jinja_env.globals["vaccine_name"] = immunisations.vaccine_name
    app.jinja_env.globals["term_label"] = immunisations.term_label
    for helper in (
        immunisations.plain_vaccine_name,
        immunisations.clinical_vaccine_name,
        immunisations.vaccine_protects,
        immunisations.age_when_given,
        immunisations.schedule_rule,
        immunisations.programme_name,
    ):
        app.jinja_env.globals[helper.__name__] = helper
    for name, mapping in {
        "sensitivity_label": labels.SENSITIVITY,
        "service_label": labels.SERVICE,
        "severity_label": labels.SEVERITY,
        "assessment_label": labels.ASSESSMENT,
        "contact_role_label": labels.CONTACT_ROLE,
        "item_kind_label": labels.ITEM_KIND,
        "nhs_number_reason_label": labels.NHS_NUMBER_REASON,
        "add_heading": labels.ADD_HEADING,
        "where_given_label": labels.WHERE_GIVEN,
        "vaccine_status_label": labels.VACCINE_STATUS,
        "records_label": labels.IMMUNISATION_RECORDS,
        "delivery_label": labels.DELIVERY,
        "consent_giver_label": labels.CONSENT_GIVER,
        "birth_part_label": labels.BIRTH_PART,
        "sdq_band_label": labels.SDQ_BAND,
        "source_label": labels.SOURCE,
        "age_band_label": labels.AGE_BAND,
        "measure_label": labels.MEASURE,
        "action_owner_label": labels.ACTION_OWNER,
        "action_owner_for_owner_label": labels.ACTION_OWNER_FOR_OWNER,
        "action_status_label": labels.ACTION_STATUS,
        "grant_scope_label": labels.GRANT_SCOPE,
        "help_group_label": labels.HELP_GROUP,
        "referral_label": labels.REFERRAL,
    }.items():
        app.jinja_env.globals[name] = _label_lookup(mapping)
    app.jinja_env.globals["navigation_items"] = navigation_items
    app.jinja_env.globals["fully_signed_in"] = fully_signed_in
    app.jinja_env.globals["theme_class"] = looks.theme_class
    app.jinja_env.filters["file_size"] = looks.file_size

    @app.context_processor
    def page_context():
        return {"csp_nonce": getattr(g, "csp_nonce", "")}


def _label_lookup(mapping):
    def label(value):
        return mapping.get(value, value) if value is not None else ""

    return label


ROLE_NAMES = {
    Role.YOUNG_PERSON: _l("Young person"),
    Role.NURSE: _l("Nurse"),
    Role.ADVISER: _l("Personal adviser"),
    Role.ADMIN: _l("Organisation admin"),
}


def role_name(role: str):
    return ROLE_NAMES[Role(role)]


@dataclass(frozen=True)
class NavigationItem:
    text: object
    href: str
    current: bool


# The menu for each role: (text, endpoint). Only endpoints the role may open are listed.
NAVIGATION: dict[Role, tuple[tuple[object, str], ...]] = {
    Role.YOUNG_PERSON: (
        (_l("My passport"), "me.overview"),
        (_l("Who can see it"), "me.who_can_see"),
        (_l("Messages"), "messages.index"),
    ),
    Role.NURSE: (
        (_l("Caseload"), "staff.caseload_list"),
        (_l("Corrections"), "staff.correction_queue"),
        (_l("Overdue actions"), "staff.overdue_actions"),
        (_l("New passport"), "staff.new_passport"),
        (_l("Reports"), "admin.organisation_reports"),
        (_l("Messages"), "messages.index"),
    ),
    Role.ADVISER: ((_l("Your young people"), "adviser.dashboard"), (_l("Messages"), "messages.index")),
    Role.ADMIN: (
        (_l("Staff"), "admin.staff_list"),
        (_l("Teams"), "admin.teams"),
        (_l("Young people"), "admin.young_people"),
        (_l("Reports"), "admin.organisation_reports"),
        (_l("Audit log"), "admin.audit_log"),
    ),
}


def fully_signed_in() -> bool:
    """Signed in, and past the second step if they are staff: until then, menus lead nowhere but back."""
    if not current_user.is_authenticated:
        return False
    if not policy.second_factor_required(current_user):
        return True
    login_session = accounts.current_login_session(current_user)
    return login_session is not None and login_session.second_factor_at is not None


def navigation_items() -> list[NavigationItem]:
    if not fully_signed_in():
        return []
    return [
        NavigationItem(text, url_for(endpoint), request.endpoint == endpoint)
        for text, endpoint in NAVIGATION[Role(current_user.role)]
    ]
