"""Deny by default: every route declares what it needs, and each role gets exactly the answer it should.

- The AST test reads every view module and fails on a route without one of the access decorators.
- The url_map test proves every endpoint the app serves carries a declared permission.
- The matrix walks each route as each kind of person and checks 200 / 302 / 403 / 404.
"""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest

from passport import clock
from passport.extensions import db
from passport.models import AccessGrant
from passport.policy import Action
from tests import factories
from tests.conftest import World, csrf_token

PACKAGE = Path(__file__).resolve().parents[2] / "passport"
ACCESS_DECORATORS = {"public", "requires", "requires_passport", "requires_own_passport"}
ROUTE_METHODS = {"route", "get", "post", "put", "patch", "delete"}


def _decorator_name(node: ast.expr) -> tuple[str | None, str | None]:
    """(object, attribute) for `@bp.get(...)`, (None, name) for `@requires(...)` or `@public`."""
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
        return target.value.id, target.attr
    if isinstance(target, ast.Name):
        return None, target.id
    return None, None


def _routes_without_permission(package: Path = PACKAGE) -> list[str]:
    missing = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            names = [_decorator_name(d) for d in node.decorator_list]
            is_route = any(obj is not None and attr in ROUTE_METHODS for obj, attr in names)
            declared = [attr for obj, attr in names if obj is None and attr in ACCESS_DECORATORS]
            if is_route and len(declared) != 1:
                missing.append(f"{path.relative_to(package.parent)}:{node.lineno} {node.name}")
    return missing


def test_every_route_in_the_source_declares_one_permission():
    assert _routes_without_permission() == []


def test_the_ast_check_catches_an_undeclared_route(tmp_path):
    """The check above is only worth having if it can fail."""
    views = tmp_path / "passport" / "careless"
    views.mkdir(parents=True)
    (views / "views.py").write_text(
        "@bp.get('/oops')\ndef oops():\n    return 'anyone can see this'\n", encoding="utf-8"
    )
    assert _routes_without_permission(tmp_path / "passport") == ["passport/careless/views.py:2 oops"]


def test_every_endpoint_the_app_serves_declares_a_permission(app):
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not hasattr(view, "required_permission")
    ]
    assert undeclared == []


# A batch of leaving-pack PDFs nobody asked for: every nurse is told there is no such batch.
NO_SUCH_BATCH = "00000000-0000-4000-8000-000000000000"


def _example_url(app, rule, world: World) -> str:
    values = {}
    examples = {
        "passport_id": world.passport.id,
        "kind": "allergy",
        "item_id": world.allergy.id,
        "request_id": world.correction.id,
        "consent_id": world.consent.id,
        "staff_id": world.nurse.id,
        "link_id": world.share_link.id,
        "token": factories.WORLD_SHARE_TOKEN,
        "file_token": "no-such-file-0000000000000000000000000000000",
        "batch_id": NO_SUCH_BATCH,  # a nurse's own batches: tests/web/test_pdf_batches.py
        "grant_id": world.grant.id,
        "action_id": world.health_action.id,
        "how": "text",
        "attachment_id": world.attachment.id,
        "appointment_id": world.appointment.id,
        "note_id": world.note.id,
        "service_id": world.local_service.id,
    }
    for argument in rule.arguments:
        # A new kind of URL argument needs an example here.
        assert argument in examples, f"no example value for <{argument}> in {rule.rule}"
        values[argument] = examples[argument]
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def test_every_non_public_endpoint_refuses_an_anonymous_visitor(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = False  # reach the permission check, not the CSRF check
    try:
        for rule in app.url_map.iter_rules():
            view = app.view_functions[rule.endpoint]
            if rule.endpoint == "static" or view.required_permission == "public":
                continue
            url = _example_url(app, rule, world)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                response = client.open(url, method=method)
                assert response.status_code == 302, (method, url, response.status_code)
                assert response.headers["Location"].startswith("/sign-in"), (method, url)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


PERSONAS = [
    "anonymous",
    "young_person",
    "other_young_person",
    "nurse",
    "other_team_nurse",
    "other_nurse",
    "adviser",
    "admin",
    "other_admin",
]


def expect(default: int, **overrides: int) -> dict[str, int]:
    return {persona: overrides.get(persona, default) for persona in PERSONAS}


# Who gets what, by kind of page. `young_person` owns world.passport (17, assigned to `nurse` and
# `adviser`, in their team). `other_young_person` has a passport of their own in another team.
PUBLIC_PAGE = expect(302, anonymous=200)  # signed-in people are sent to their own start page
OPEN_TO_ALL = expect(200)
OWN_PAGE = expect(403, anonymous=302, young_person=200, other_young_person=200)
OWN_POST = expect(403, anonymous=302, young_person=302, other_young_person=302)
OWN_ITEM = expect(403, anonymous=302, young_person=200, other_young_person=404)
NURSE_ONLY = expect(403, anonymous=302, nurse=200, other_team_nurse=200, other_nurse=200)
ADVISER_ONLY = expect(403, anonymous=302, adviser=200)
ADMIN_ONLY = expect(403, anonymous=302, admin=200, other_admin=200)
# The organisation's figures: its admins and nurses (the designated nurse is one), each their own
# organisation's.
REPORTS = {**ADMIN_ONLY, "nurse": 200, "other_team_nurse": 200, "other_nurse": 200}
# A nurse's curation screens: the care team only. Someone with no link to the young person gets 404.
# `other_nurse` (another organisation) holds a current "see" grant for world.passport (an out-of-area
# placement): they may look, so they learn it exists (403 on curation, not 404).
CURATION = expect(404, anonymous=302, young_person=403, nurse=200, adviser=403, admin=403, other_nurse=403)
CURATION_POST = {**CURATION, "nurse": 302}
CURATION_POST_VERSIONED = {**CURATION, "nurse": 409}
READINESS = {**CURATION, "adviser": 200, "other_nurse": 200}
STAFF_OF_MY_ORG = expect(403, anonymous=302, admin=200, other_admin=404)
OWN_DOWNLOAD = expect(403, anonymous=302, young_person=200, other_young_person=200)
OWN_ITEM_POST = expect(403, anonymous=302, young_person=302, other_young_person=404)
# A form that changes a row, posted (as here) without the version its page showed: whoever may use it
# reaches the view, and is told someone else changed it (409); the rest are refused as before.
OWN_POST_VERSIONED = {**OWN_POST, "young_person": 409, "other_young_person": 409}
OWN_ITEM_POST_VERSIONED = {**OWN_ITEM_POST, "young_person": 409}
SHARE_TOKEN = factories.WORLD_SHARE_TOKEN
SIGNED_IN = expect(200, anonymous=302)
# A code for a new password: the young person's own nurse or adviser, never a host area's grantee.
PASSWORD_RESET = {**CURATION, "adviser": 200}
SECOND_STEP = expect(302, young_person=403, other_young_person=403)
# A photo or file on the young person's passport, opened from the adviser's page: the adviser sees none
# until the young person shares their photos and files (404, as for anything they may not open); a nurse
# who may see the passport opens it, a host area's nurse under a grant too.
ADVISER_FILE = {**CURATION, "adviser": 404, "other_nurse": 200}
ADMIN_OF_THE_SERVICE = {**ADMIN_ONLY, "other_admin": 404}

# (method, URL rule) -> (example URL, expected status by persona). Placeholders name World attributes.
MATRIX = {
    ("GET", "/"): ("/", PUBLIC_PAGE),
    ("GET", "/healthz"): ("/healthz", OPEN_TO_ALL),
    ("GET", "/language"): ("/language", OPEN_TO_ALL),
    ("GET", "/sign-in"): ("/sign-in", PUBLIC_PAGE),
    ("GET", "/claim"): ("/claim", PUBLIC_PAGE),
    ("GET", "/set-up"): ("/set-up", OPEN_TO_ALL),
    ("GET", "/reset-password"): ("/reset-password", PUBLIC_PAGE),
    # The second sign-in step: staff only. These staff have passed it already, so they are sent on.
    ("GET", "/sign-in/set-up-authenticator-app"): ("/sign-in/set-up-authenticator-app", SECOND_STEP),
    ("GET", "/sign-in/security-code"): ("/sign-in/security-code", SECOND_STEP),
    ("GET", "/sign-in/recovery-code"): ("/sign-in/recovery-code", SECOND_STEP),
    ("GET", "/account/password"): ("/account/password", SIGNED_IN),
    ("GET", "/account/confirm-password"): ("/account/confirm-password", SIGNED_IN),
    ("GET", "/my-passport/"): ("/my-passport/", OWN_PAGE),
    ("GET", "/my-passport/about-me"): ("/my-passport/about-me", OWN_PAGE),
    ("GET", "/my-passport/about-me/change"): ("/my-passport/about-me/change", OWN_PAGE),
    ("GET", "/my-passport/about-me/correction"): ("/my-passport/about-me/correction", OWN_PAGE),
    ("GET", "/my-passport/gp-and-services"): ("/my-passport/gp-and-services", OWN_PAGE),
    ("GET", "/my-passport/health"): ("/my-passport/health", OWN_PAGE),
    ("GET", "/my-passport/contacts"): ("/my-passport/contacts", OWN_PAGE),
    ("GET", "/my-passport/vaccines"): ("/my-passport/vaccines", OWN_PAGE),
    ("GET", "/my-passport/birth"): ("/my-passport/birth", OWN_PAGE),
    ("GET", "/my-passport/plan"): ("/my-passport/plan", OWN_PAGE),
    ("POST", "/my-passport/plan/{action_id}/done"): (
        "/my-passport/plan/{health_action.id}/done",
        OWN_ITEM_POST_VERSIONED,
    ),
    ("GET", "/my-passport/download"): ("/my-passport/download", OWN_PAGE),
    ("GET", "/my-passport/download/passport"): ("/my-passport/download/passport", OWN_PAGE),
    ("GET", "/my-passport/download/health-record"): ("/my-passport/download/health-record", OWN_PAGE),
    ("POST", "/my-passport/download/emergency-card"): ("/my-passport/download/emergency-card", OWN_DOWNLOAD),
    ("GET", "/my-passport/offline-card"): ("/my-passport/offline-card", OWN_PAGE),
    ("GET", "/my-passport/share"): ("/my-passport/share", OWN_PAGE),
    ("POST", "/my-passport/share/{link_id}/stop"): ("/my-passport/share/{share_link.id}/stop", OWN_ITEM_POST),
    ("GET", "/my-passport/my-data"): ("/my-passport/my-data", OWN_PAGE),
    ("POST", "/my-passport/my-data.json"): ("/my-passport/my-data.json", OWN_DOWNLOAD),
    ("GET", "/s/{token}"): ("/s/" + SHARE_TOKEN, OPEN_TO_ALL),
    ("GET", "/.well-known/jwks.json"): ("/.well-known/jwks.json", OPEN_TO_ALL),
    ("GET", "/view"): ("/view", OPEN_TO_ALL),
    # A SMART Health Link's file handed out by location: single use and short-lived, so an unknown one is
    # 404 to everyone (tests/web/test_smart_health_links.py fetches real ones).
    ("GET", "/shl/files/{file_token}"): ("/shl/files/no-such-file", expect(404)),
    ("GET", "/verify-card"): ("/verify-card", OPEN_TO_ALL),
    ("GET", "/my-passport/leaving-pack"): ("/my-passport/leaving-pack", OWN_PAGE),
    ("POST", "/my-passport/leaving-pack/received"): ("/my-passport/leaving-pack/received", OWN_POST),
    ("POST", "/my-passport/birth/open"): ("/my-passport/birth/open", OWN_POST_VERSIONED),
    ("POST", "/my-passport/birth/close"): ("/my-passport/birth/close", OWN_POST_VERSIONED),
    ("POST", "/my-passport/birth/choices"): ("/my-passport/birth/choices", OWN_POST_VERSIONED),
    ("GET", "/my-passport/vaccines/ask-your-gp"): ("/my-passport/vaccines/ask-your-gp", OWN_PAGE),
    ("GET", "/my-passport/corrections"): ("/my-passport/corrections", OWN_PAGE),
    ("GET", "/my-passport/who-can-see"): ("/my-passport/who-can-see", OWN_PAGE),
    ("GET", "/my-passport/who-looked"): ("/my-passport/who-looked", OWN_PAGE),
    # Sent without its version: the "someone else changed this" page, whatever else is missing.
    ("POST", "/my-passport/who-can-see/after-18"): ("/my-passport/who-can-see/after-18", OWN_POST_VERSIONED),
    ("POST", "/my-passport/who-can-see/adviser"): ("/my-passport/who-can-see/adviser", OWN_POST_VERSIONED),
    ("GET", "/my-passport/add/{kind}"): ("/my-passport/add/allergy", OWN_PAGE),
    ("GET", "/my-passport/{kind}/{item_id}/change"): (
        "/my-passport/condition/{own_condition.id}/change",
        OWN_ITEM,
    ),
    ("GET", "/my-passport/{kind}/{item_id}/remove"): (
        "/my-passport/condition/{own_condition.id}/remove",
        OWN_ITEM,
    ),
    ("GET", "/my-passport/{kind}/{item_id}/correction"): (
        "/my-passport/allergy/{allergy.id}/correction",
        OWN_ITEM,
    ),
    # Photos and files, appointments, notes, local help and the passport's look (issue #21).
    ("GET", "/my-passport/papers"): ("/my-passport/papers", OWN_PAGE),
    ("GET", "/my-passport/papers/add"): ("/my-passport/papers/add", OWN_PAGE),
    ("GET", "/my-passport/{kind}/{item_id}/attach"): (
        "/my-passport/condition/{own_condition.id}/attach",
        OWN_ITEM,
    ),
    ("GET", "/my-passport/papers/{attachment_id}"): ("/my-passport/papers/{attachment.id}", OWN_ITEM),
    ("GET", "/my-passport/papers/{attachment_id}/thumbnail"): (
        "/my-passport/papers/{attachment.id}/thumbnail",
        OWN_ITEM,
    ),
    ("GET", "/my-passport/papers/{attachment_id}/remove"): (
        "/my-passport/papers/{attachment.id}/remove",
        OWN_ITEM,
    ),
    ("GET", "/my-passport/appointments"): ("/my-passport/appointments", OWN_PAGE),
    ("GET", "/my-passport/appointments/new"): ("/my-passport/appointments/new", OWN_PAGE),
    ("GET", "/my-passport/appointments/{appointment_id}/change"): (
        "/my-passport/appointments/{appointment.id}/change",
        OWN_ITEM,
    ),
    ("GET", "/my-passport/appointments/{appointment_id}/remove"): (
        "/my-passport/appointments/{appointment.id}/remove",
        OWN_ITEM,
    ),
    ("GET", "/my-passport/notes"): ("/my-passport/notes", OWN_PAGE),
    ("GET", "/my-passport/notes/new"): ("/my-passport/notes/new", OWN_PAGE),
    ("GET", "/my-passport/notes/{note_id}/change"): ("/my-passport/notes/{note.id}/change", OWN_ITEM),
    ("GET", "/my-passport/notes/{note_id}/remove"): ("/my-passport/notes/{note.id}/remove", OWN_ITEM),
    ("GET", "/my-passport/help-near-you"): ("/my-passport/help-near-you", OWN_PAGE),
    ("GET", "/my-passport/my-look"): ("/my-passport/my-look", OWN_PAGE),
    ("GET", "/staff/passports/{passport_id}/papers"): ("/staff/passports/{passport.id}/papers", CURATION),
    ("GET", "/staff/passports/{passport_id}/papers/add"): (
        "/staff/passports/{passport.id}/papers/add",
        CURATION,
    ),
    ("GET", "/staff/passports/{passport_id}/{kind}/{item_id}/attach"): (
        "/staff/passports/{passport.id}/allergy/{allergy.id}/attach",
        CURATION,
    ),
    ("GET", "/staff/passports/{passport_id}/birth-history/attach"): (
        "/staff/passports/{passport.id}/birth-history/attach",
        CURATION,
    ),
    ("GET", "/staff/passports/{passport_id}/papers/{attachment_id}"): (
        "/staff/passports/{passport.id}/papers/{attachment.id}",
        CURATION,
    ),
    ("GET", "/staff/passports/{passport_id}/papers/{attachment_id}/thumbnail"): (
        "/staff/passports/{passport.id}/papers/{attachment.id}/thumbnail",
        CURATION,
    ),
    ("GET", "/staff/passports/{passport_id}/papers/{attachment_id}/remove"): (
        "/staff/passports/{passport.id}/papers/{attachment.id}/remove",
        CURATION,
    ),
    ("POST", "/staff/passports/{passport_id}/{kind}/{item_id}/check-against-photo"): (
        "/staff/passports/{passport.id}/condition/{own_condition.id}/check-against-photo",
        CURATION_POST,
    ),
    ("GET", "/adviser/young-people/{passport_id}/papers/{attachment_id}"): (
        "/adviser/young-people/{passport.id}/papers/{attachment.id}",
        ADVISER_FILE,
    ),
    ("GET", "/adviser/young-people/{passport_id}/papers/{attachment_id}/thumbnail"): (
        "/adviser/young-people/{passport.id}/papers/{attachment.id}/thumbnail",
        ADVISER_FILE,
    ),
    ("GET", "/admin/local-help"): ("/admin/local-help", ADMIN_ONLY),
    ("GET", "/admin/local-help/new"): ("/admin/local-help/new", ADMIN_ONLY),
    ("GET", "/admin/local-help/{service_id}/change"): (
        "/admin/local-help/{local_service.id}/change",
        ADMIN_OF_THE_SERVICE,
    ),
    ("GET", "/admin/local-help/{service_id}/remove"): (
        "/admin/local-help/{local_service.id}/remove",
        ADMIN_OF_THE_SERVICE,
    ),
    ("POST", "/admin/local-help/{service_id}/checked"): (
        "/admin/local-help/{local_service.id}/checked",
        {**ADMIN_OF_THE_SERVICE, "admin": 409},  # the permission passes; no version sent
    ),
    ("GET", "/staff/caseload"): ("/staff/caseload", NURSE_ONLY),
    ("GET", "/staff/leaving-packs"): ("/staff/leaving-packs", NURSE_ONLY),
    ("GET", "/staff/leaving-packs/{batch_id}"): (
        f"/staff/leaving-packs/{NO_SUCH_BATCH}",
        {**NURSE_ONLY, "nurse": 404, "other_team_nurse": 404, "other_nurse": 404},
    ),
    ("POST", "/staff/leaving-packs/{batch_id}/download"): (
        f"/staff/leaving-packs/{NO_SUCH_BATCH}/download",
        {**NURSE_ONLY, "nurse": 404, "other_team_nurse": 404, "other_nurse": 404},
    ),
    ("GET", "/staff/corrections"): ("/staff/corrections", NURSE_ONLY),
    ("GET", "/staff/passports/new"): ("/staff/passports/new", NURSE_ONLY),
    ("GET", "/staff/passports/{passport_id}"): ("/staff/passports/{passport.id}", CURATION),
    ("GET", "/staff/passports/{passport_id}/about"): ("/staff/passports/{passport.id}/about", CURATION),
    ("GET", "/staff/passports/{passport_id}/vaccines"): ("/staff/passports/{passport.id}/vaccines", CURATION),
    ("GET", "/staff/passports/{passport_id}/health"): ("/staff/passports/{passport.id}/health", CURATION),
    ("GET", "/staff/passports/{passport_id}/gp-and-contacts"): (
        "/staff/passports/{passport.id}/gp-and-contacts",
        CURATION,
    ),
    ("GET", "/staff/passports/{passport_id}/assessments-and-plan"): (
        "/staff/passports/{passport.id}/assessments-and-plan",
        CURATION,
    ),
    ("GET", "/staff/passports/{passport_id}/emergency-contact"): (
        "/staff/passports/{passport.id}/emergency-contact",
        CURATION,
    ),
    # Sent with nobody ticked: a real answer (nobody to call), saved, then back to the contacts.
    ("POST", "/staff/passports/{passport_id}/emergency-contact"): (
        "/staff/passports/{passport.id}/emergency-contact",
        {**CURATION, "nurse": 302},
    ),
    ("GET", "/staff/passports/{passport_id}/about-me"): ("/staff/passports/{passport.id}/about-me", CURATION),
    ("GET", "/staff/passports/{passport_id}/birth-history"): (
        "/staff/passports/{passport.id}/birth-history",
        CURATION,
    ),
    ("GET", "/staff/passports/{passport_id}/birth-history/consents/new"): (
        "/staff/passports/{passport.id}/birth-history/consents/new",
        CURATION,
    ),
    ("GET", "/staff/passports/{passport_id}/birth-history/consents/{consent_id}/withdraw"): (
        "/staff/passports/{passport.id}/birth-history/consents/{consent.id}/withdraw",
        CURATION,
    ),
    ("GET", "/staff/passports/{passport_id}/leaving-pack"): (
        "/staff/passports/{passport.id}/leaving-pack",
        CURATION,
    ),
    ("GET", "/staff/passports/{passport_id}/sdq"): ("/staff/passports/{passport.id}/sdq", CURATION),
    ("GET", "/staff/passports/{passport_id}/plan/new"): (
        "/staff/passports/{passport.id}/plan/new",
        CURATION,
    ),
    ("GET", "/staff/passports/{passport_id}/plan/{action_id}"): (
        "/staff/passports/{passport.id}/plan/{health_action.id}",
        CURATION,
    ),
    ("GET", "/staff/passports/{passport_id}/ehcp"): ("/staff/passports/{passport.id}/ehcp", CURATION),
    ("GET", "/staff/overdue-actions"): ("/staff/overdue-actions", NURSE_ONLY),
    ("POST", "/staff/passports/{passport_id}/leaving-pack.pdf"): (
        "/staff/passports/{passport.id}/leaving-pack.pdf",
        CURATION,
    ),
    ("GET", "/staff/passports/{passport_id}/nhs-number"): (
        "/staff/passports/{passport.id}/nhs-number",
        CURATION,
    ),
    ("GET", "/staff/passports/{passport_id}/add/{kind}"): (
        "/staff/passports/{passport.id}/add/assessment",
        CURATION,
    ),
    ("GET", "/staff/passports/{passport_id}/{kind}/{item_id}/change"): (
        "/staff/passports/{passport.id}/allergy/{allergy.id}/change",
        CURATION,
    ),
    ("GET", "/staff/passports/{passport_id}/{kind}/{item_id}/remove"): (
        "/staff/passports/{passport.id}/allergy/{allergy.id}/remove",
        CURATION,
    ),
    ("POST", "/staff/passports/{passport_id}/{kind}/{item_id}/verify"): (
        "/staff/passports/{passport.id}/condition/{own_condition.id}/verify",
        CURATION_POST_VERSIONED,
    ),
    ("GET", "/staff/passports/{passport_id}/corrections/{request_id}"): (
        "/staff/passports/{passport.id}/corrections/{correction.id}",
        CURATION,
    ),
    ("POST", "/staff/passports/{passport_id}/invite"): (
        "/staff/passports/{unclaimed_passport.id}/invite",
        # unclaimed_passport is not the young person's, and other_nurse holds no grant for it.
        {**CURATION, "young_person": 404, "other_nurse": 404},
    ),
    ("POST", "/staff/passports/{passport_id}/password-reset"): (
        "/staff/passports/{passport.id}/password-reset",
        PASSWORD_RESET,
    ),
    ("POST", "/adviser/young-people/{passport_id}/password-reset"): (
        "/adviser/young-people/{passport.id}/password-reset",
        PASSWORD_RESET,
    ),
    ("GET", "/adviser/"): ("/adviser/", ADVISER_ONLY),
    ("GET", "/adviser/young-people/{passport_id}"): ("/adviser/young-people/{passport.id}", READINESS),
    ("GET", "/admin/staff"): ("/admin/staff", ADMIN_ONLY),
    ("GET", "/admin/staff/new"): ("/admin/staff/new", ADMIN_ONLY),
    ("GET", "/admin/audit"): ("/admin/audit", ADMIN_ONLY),
    ("GET", "/admin/teams"): ("/admin/teams", ADMIN_ONLY),
    ("GET", "/admin/staff/{staff_id}/deactivate"): ("/admin/staff/{nurse.id}/deactivate", STAFF_OF_MY_ORG),
    ("GET", "/admin/young-people"): ("/admin/young-people", ADMIN_ONLY),
    ("GET", "/admin/young-people/{passport_id}/care-team"): (
        "/admin/young-people/{passport.id}/care-team",
        expect(404, anonymous=302, young_person=403, nurse=403, adviser=403, admin=200, other_nurse=403),
    ),
    ("GET", "/admin/import"): ("/admin/import", ADMIN_ONLY),
    ("GET", "/admin/young-people/{passport_id}/out-of-area"): (
        "/admin/young-people/{passport.id}/out-of-area",
        expect(404, anonymous=302, young_person=403, nurse=403, adviser=403, admin=200, other_nurse=403),
    ),
    ("POST", "/admin/young-people/{passport_id}/out-of-area/{grant_id}/end"): (
        "/admin/young-people/{passport.id}/out-of-area/{grant.id}/end",
        expect(404, anonymous=302, young_person=403, nurse=403, adviser=403, admin=302, other_nurse=403),
    ),
    ("GET", "/admin/young-people/{passport_id}/transfer"): (
        "/admin/young-people/{passport.id}/transfer",
        expect(404, anonymous=302, young_person=403, nurse=403, adviser=403, admin=200, other_nurse=403),
    ),
    ("GET", "/admin/reports"): ("/admin/reports", REPORTS),
    ("GET", "/admin/reports.csv"): ("/admin/reports.csv", REPORTS),
    ("GET", "/admin/staff/{staff_id}/reset-authenticator-app"): (
        "/admin/staff/{nurse.id}/reset-authenticator-app",
        {**ADMIN_ONLY, "other_admin": 404},
    ),
    ("POST", "/admin/staff/{staff_id}/reset-authenticator-app"): (
        "/admin/staff/{nurse.id}/reset-authenticator-app",
        {**ADMIN_ONLY, "admin": 302, "other_admin": 404},
    ),
    # Messages (tests/messages/): the young person's reminders, the staff weekly email, the stop link.
    ("GET", "/messages/"): ("/messages/", expect(200, anonymous=302, admin=403, other_admin=403)),
    ("GET", "/messages/{how}"): ("/messages/text", OWN_PAGE),
    # No code asked for yet: sent back to type a number.
    ("GET", "/messages/{how}/code"): ("/messages/text/code", OWN_POST),
    ("POST", "/messages/{how}/stop"): ("/messages/text/stop", OWN_POST),
    ("POST", "/messages/{how}/start"): ("/messages/text/start", OWN_POST),
    ("POST", "/messages/email/detail"): ("/messages/email/detail", OWN_POST),
    ("POST", "/messages/weekly-email"): (
        "/messages/weekly-email",
        expect(403, anonymous=302, nurse=302, other_team_nurse=302, other_nurse=302, adviser=302),
    ),
    # Public, but only with a signed link: without one, nobody finds anything.
    ("GET", "/messages/stop"): ("/messages/stop", expect(404)),
    ("POST", "/messages/stop"): ("/messages/stop", expect(404)),
    # The copy kept on a phone (tests/offline/): the young person's own, never staff's.
    ("GET", "/my-passport/offline-copy"): ("/my-passport/offline-copy", OWN_PAGE),
    ("POST", "/my-passport/offline-copy/keep"): ("/my-passport/offline-copy/keep", OWN_POST),
    ("POST", "/my-passport/offline-copy/stop"): ("/my-passport/offline-copy/stop", OWN_POST),
    ("POST", "/my-passport/offline-copy/stop-everywhere"): (
        "/my-passport/offline-copy/stop-everywhere",
        OWN_POST,
    ),
    # Only for the phone that keeps a copy (its cookie): these browsers keep none.
    ("GET", "/my-passport/offline-copy/saved"): (
        "/my-passport/offline-copy/saved",
        expect(403, anonymous=302, young_person=404, other_young_person=404),
    ),
    ("GET", "/offline-copy/status"): ("/offline-copy/status", OPEN_TO_ALL),
    ("GET", "/service-worker.js"): ("/service-worker.js", OPEN_TO_ALL),
    ("GET", "/manifest.webmanifest"): ("/manifest.webmanifest", OPEN_TO_ALL),
}

# State-changing routes whose GET form is in the matrix, or which have their own tests.
COVERED_ELSEWHERE = {
    ("POST", "/sign-in"),  # test_auth.py
    ("POST", "/claim"),
    ("POST", "/reset-password"),  # test_password_reset.py
    ("POST", "/set-up"),
    ("POST", "/sign-out"),
    ("POST", "/sign-in/set-up-authenticator-app"),  # test_two_factor.py
    ("POST", "/sign-in/security-code"),
    ("POST", "/sign-in/recovery-code"),
    ("POST", "/account/password"),
    ("POST", "/account/confirm-password"),  # test_reauthentication.py
    ("POST", "/language"),  # test_pages.py
    ("POST", "/staff/passports/new"),  # test_staff.py
    ("POST", "/staff/leaving-packs"),  # test_pdf_batches.py
    ("POST", "/admin/staff/new"),
    ("POST", "/my-passport/about-me/change"),  # test_passport_items.py
    ("POST", "/my-passport/about-me/correction"),
    ("POST", "/my-passport/add/{kind}"),
    ("POST", "/my-passport/{kind}/{item_id}/change"),
    ("POST", "/my-passport/{kind}/{item_id}/remove"),
    ("POST", "/my-passport/{kind}/{item_id}/correction"),
    ("POST", "/staff/passports/{passport_id}/about-me"),
    ("POST", "/staff/passports/{passport_id}/nhs-number"),
    ("POST", "/staff/passports/{passport_id}/add/{kind}"),
    ("POST", "/staff/passports/{passport_id}/{kind}/{item_id}/change"),
    ("POST", "/staff/passports/{passport_id}/{kind}/{item_id}/remove"),
    ("POST", "/staff/passports/{passport_id}/corrections/{request_id}"),
    ("POST", "/staff/passports/{passport_id}/immunisation-records"),  # test_immunisations.py
    ("POST", "/staff/passports/{passport_id}/birth-history"),  # test_birth_history.py
    ("POST", "/staff/passports/{passport_id}/leaving-pack"),  # test_staff_portal.py
    ("POST", "/my-passport/download/passport"),  # tests/exports/test_exports_web.py
    ("POST", "/my-passport/download/health-record"),
    ("POST", "/my-passport/offline-card"),
    ("POST", "/my-passport/share"),
    ("POST", "/s/{token}"),
    ("POST", "/shl/{token}"),  # tests/web/test_smart_health_links.py (JSON, public, no CSRF: the spec's API)
    ("POST", "/verify-card"),
    ("POST", "/admin/teams"),  # test_admin.py
    ("POST", "/admin/staff/{staff_id}/deactivate"),
    ("POST", "/admin/young-people/{passport_id}/care-team"),
    ("POST", "/admin/import"),
    ("POST", "/admin/young-people/{passport_id}/out-of-area"),  # test_moves.py
    ("POST", "/admin/young-people/{passport_id}/transfer"),
    ("POST", "/staff/passports/{passport_id}/plan/new"),
    ("POST", "/staff/passports/{passport_id}/plan/{action_id}"),
    ("POST", "/staff/passports/{passport_id}/ehcp"),
    ("POST", "/staff/passports/{passport_id}/sdq"),
    ("POST", "/staff/passports/{passport_id}/birth-history/consents/new"),
    ("POST", "/staff/passports/{passport_id}/birth-history/consents/{consent_id}/withdraw"),
    ("POST", "/messages/{how}"),  # tests/messages/test_message_choices.py
    ("POST", "/messages/{how}/code"),
    ("POST", "/my-passport/papers/add"),  # tests/web/test_attachments.py
    ("POST", "/my-passport/{kind}/{item_id}/attach"),
    ("POST", "/my-passport/papers/{attachment_id}/remove"),
    ("POST", "/staff/passports/{passport_id}/papers/add"),
    ("POST", "/staff/passports/{passport_id}/{kind}/{item_id}/attach"),
    ("POST", "/staff/passports/{passport_id}/birth-history/attach"),
    ("POST", "/staff/passports/{passport_id}/papers/{attachment_id}/remove"),
    ("POST", "/my-passport/appointments/new"),  # tests/web/test_diary.py
    ("POST", "/my-passport/appointments/{appointment_id}/change"),
    ("POST", "/my-passport/appointments/{appointment_id}/remove"),
    ("POST", "/my-passport/notes/new"),
    ("POST", "/my-passport/notes/{note_id}/change"),
    ("POST", "/my-passport/notes/{note_id}/remove"),
    ("POST", "/my-passport/my-look"),  # tests/web/test_themes.py
    ("POST", "/admin/local-help/new"),  # tests/web/test_local_help.py
    ("POST", "/admin/local-help/{service_id}/change"),
    ("POST", "/admin/local-help/{service_id}/remove"),
}


def _rule_pattern(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([a-z_]+)>", r"{\1}", re.sub(r"<any\([^)]*\):", "<", rule))


def test_the_matrix_covers_every_route(app):
    """A new route must get a row in MATRIX, so nobody forgets to say who may use it."""
    served = {
        (method, _rule_pattern(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served - set(MATRIX) - COVERED_ELSEWHERE == set()
    assert set(MATRIX) | COVERED_ELSEWHERE <= served  # no stale rows


CASES = [(method, rule, persona) for (method, rule), (_url, row) in MATRIX.items() for persona in row]


@pytest.mark.parametrize(("method", "rule", "persona"), CASES)
def test_route_matrix(client, world, method, rule, persona):
    url_template, expected = MATRIX[(method, rule)]
    if persona != "anonymous":
        client.sign_in_as(getattr(world, persona))
    url = url_template.format(**vars(world))
    data = {"csrf_token": csrf_token(client)} if method == "POST" else {}
    response = client.open(url, method=method, data=data)
    assert response.status_code == expected[persona], (url, response.headers.get("Location"))


def test_route_permissions_name_real_actions(app):
    actions = {a.value for a in Action}
    for endpoint, view in app.view_functions.items():
        if endpoint == "static" or view.required_permission == "public":
            continue
        kind, _, action = view.required_permission.partition(":")
        assert kind in {"role", "passport", "own_passport"} and action in actions, endpoint


# The host-area nurse (`other_nurse`) once their grant has ended, by expiry or by being stopped: on pages
# about world.passport they get what any nurse with no link to it gets (as `other_team_nurse` does); on
# every other page, what they got before.
PASSPORT_OF_THE_GRANT = ("passport", "allergy", "own_condition", "correction", "consent", "health_action")
HOST_CASES = [(method, rule, ended) for (method, rule) in MATRIX for ended in ("expired", "stopped")]


def _about_the_granted_passport(url: str, world) -> bool:
    return any(str(getattr(world, name).id) in url for name in PASSPORT_OF_THE_GRANT)


@pytest.mark.parametrize(("method", "rule", "ended"), HOST_CASES)
def test_route_matrix_for_a_host_nurse_whose_grant_has_ended(client, world, method, rule, ended):
    grant = db.session.get(AccessGrant, world.grant.id)
    if ended == "expired":
        grant.ends_on = clock.today() - timedelta(days=1)
    else:
        grant.revoked_at = clock.now()
    db.session.commit()
    url_template, expected = MATRIX[(method, rule)]
    url = url_template.format(**vars(world))
    about_it = _about_the_granted_passport(url, world)
    want = expected["other_team_nurse"] if about_it else expected["other_nurse"]
    client.sign_in_as(world.other_nurse)
    data = {"csrf_token": csrf_token(client)} if method == "POST" else {}
    response = client.open(url, method=method, data=data)
    assert response.status_code == want, (url, response.headers.get("Location"))


def test_the_host_nurse_rows_are_not_vacuous(world):
    """With the grant, the host nurse reaches pages about the passport that they lose when it ends."""
    reached = [
        rule
        for (method, rule), (url_template, expected) in MATRIX.items()
        if _about_the_granted_passport(url_template.format(**vars(world)), world)
        and expected["other_nurse"] != expected["other_team_nurse"]
    ]
    assert len(reached) >= 5, reached
