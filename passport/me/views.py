"""The young person's pages. Thin: each wears its access decorator and hands over to a service or to the
shared passport pages."""

from __future__ import annotations

import base64
from datetime import timedelta

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from passport import clock
from passport.access import recent_sign_in_required, requires_own_passport
from passport.birth_forms import BirthChoicesForm
from passport.export_forms import ChooseSectionsForm, DownloadPassportForm, OfflineCardForm, ShareLinkForm
from passport.exports import shc
from passport.exports.pdf import TemplateRenderer, pdf_response, person_filename
from passport.exports.qr import qr_data_uri
from passport.extensions import db
from passport.forms import SeenVersion, apply_service_error
from passport.item_forms import ActionForm, AdviserSharingForm, CorrectionForm, StaffAccessForm
from passport.me import bp
from passport.models import Sensitivity, ShareLink
from passport.passport_pages import (
    Portal,
    about_me_form_page,
    correction_page,
    item_form_page,
    remove_item_page,
)
from passport.policy import Action, Section, Selection
from passport.projection import build_view
from passport.services import (
    ServiceError,
    birth_history,
    data_export,
    exports,
    health_cards,
    health_plans,
    items,
    leaving_pack,
    passports,
    sharing,
    smart_links,
    transparency,
)

KINDS = "<any(registration, condition, allergy, medication, contact, immunisation):kind>"


def _page(template: str, passport, **context):
    view = build_view(current_user, passport, clock.today())
    context.setdefault("today", clock.today())
    return render_template(template, view=view, portal=Portal("me", passport.id), **context)


def _after_18_form(passport) -> StaffAccessForm:
    """The question "may my nurse and adviser keep seeing my passport from 18?", with any answer given."""
    answer = {True: "yes", False: "no", None: ""}
    return StaffAccessForm(
        prefix="access",
        nurse=answer[passport.nurse_access_after_18],
        adviser=answer[passport.adviser_access_after_18],
        version=passport.version,
    )


@bp.get("/")
@requires_own_passport(Action.VIEW_PASSPORT)
def overview(passport):
    # In the 30 days before the 18th birthday (and after it, until answered) the question is asked here.
    return _page("me/overview.html", passport, access_form=_after_18_form(passport))


@bp.get("/about-me")
@requires_own_passport(Action.VIEW_PASSPORT)
def about_me(passport):
    return _page("me/about_me.html", passport)


@bp.route("/about-me/change", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def change_about_me(passport):
    return about_me_form_page(Portal("me", passport.id), passport)


@bp.get("/gp-and-services")
@requires_own_passport(Action.VIEW_PASSPORT)
def registrations(passport):
    return _page("me/registrations.html", passport)


@bp.get("/health")
@requires_own_passport(Action.VIEW_PASSPORT)
def health(passport):
    return _page("me/health.html", passport)


@bp.get("/vaccines")
@requires_own_passport(Action.VIEW_PASSPORT)
def vaccines(passport):
    return _page("me/vaccines.html", passport)


@bp.get("/vaccines/ask-your-gp")
@requires_own_passport(Action.VIEW_PASSPORT)
def ask_your_gp(passport):
    return _page("me/ask_your_gp.html", passport)


@bp.get("/birth")
@requires_own_passport(Action.ACT_AS_OWNER)
def birth(passport):
    view = build_view(current_user, passport, clock.today())
    if view.birth_history is not None:
        birth_history.record_view(current_user, passport, where="young_person_page")
    status = view.birth_status
    form = BirthChoicesForm(
        in_pdf=status.in_pdf, in_share_links=status.in_share_links, version=passport.version
    )
    return render_template(
        "me/birth.html",
        view=view,
        portal=Portal("me", passport.id),
        choices_form=form,
        passport_version=passport.version,
    )


@bp.post("/birth/open")
@requires_own_passport(Action.ACT_AS_OWNER)
def open_birth_history(passport):
    form = SeenVersion()
    if form.validate_on_submit():
        try:
            birth_history.open_birth_history(current_user, passport, seen_version=form.version.data)
        except ServiceError as error:
            flash(error.message, "error")
    return redirect(url_for("me.birth"))


@bp.post("/birth/close")
@requires_own_passport(Action.ACT_AS_OWNER)
def close_birth_history(passport):
    form = SeenVersion()
    if form.validate_on_submit():
        birth_history.close_birth_history(current_user, passport, seen_version=form.version.data)
        flash(_("Hidden. You can open it again at any time."), "success")
    return redirect(url_for("me.birth"))


@bp.post("/birth/choices")
@requires_own_passport(Action.ACT_AS_OWNER)
def choose_birth_history_outputs(passport):
    form = BirthChoicesForm()
    if form.validate_on_submit():
        birth_history.choose_birth_history_outputs(
            current_user,
            passport,
            in_pdf=form.in_pdf.data,
            in_shares=form.in_share_links.data,
            seen_version=form.version.data,
        )
        flash(_("Saved. Your choice works straight away."), "success")
    return redirect(url_for("me.birth"))


@bp.get("/leaving-pack")
@requires_own_passport(Action.ACT_AS_OWNER)
def leaving_pack_page(passport):
    return _page("me/leaving_pack.html", passport)


@bp.post("/leaving-pack/received")
@requires_own_passport(Action.ACT_AS_OWNER)
def confirm_leaving_pack(passport):
    form = SeenVersion()
    if form.validate_on_submit():
        try:
            leaving_pack.confirm_receipt(current_user, passport, seen_version=form.version.data)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("Thank you. Your nurse can see you have your leaving pack."), "success")
    return redirect(url_for("me.leaving_pack_page"))


def _selection(form: ChooseSectionsForm) -> Selection:
    labels = {name for name in ("mental_health", "sexual_health") if form[name].data}
    return Selection(
        sections=frozenset(Section(s) for s in form.sections.data or () if s in {x.value for x in Section}),
        labels=frozenset(Sensitivity(label) for label in labels),
        birth_history=bool(form.birth_history.data),
        attachments="attachments" in form and bool(form.attachments.data),
    )


@bp.get("/download")
@requires_own_passport(Action.ACT_AS_OWNER)
def downloads(passport):
    return _page("me/downloads.html", passport)


@bp.route("/download/passport", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
@recent_sign_in_required()
def download_passport(passport):
    form = DownloadPassportForm()
    if form.validate_on_submit():
        selection = _selection(form)
        if not selection.sections:
            form.sections.errors = [_("Choose at least one part of your passport")]
        else:
            pdf = exports.passport_pdf(
                current_user,
                passport,
                selection,
                renderer=TemplateRenderer(),
                bilingual=bool(form.bilingual.data),
            )
            return pdf_response(pdf, person_filename("health-passport", passport.name_to_use, clock.today()))
    return _page("me/download_passport.html", passport, form=form)


@bp.route("/download/health-record", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
@recent_sign_in_required()
def download_health_record(passport):
    form = ChooseSectionsForm()
    if form.validate_on_submit():
        selection = _selection(form)
        if not selection.sections:
            form.sections.errors = [_("Choose at least one part of your passport")]
        else:
            response = make_response(exports.fhir_document(current_user, passport, selection))
            response.headers["Content-Type"] = "application/fhir+json; charset=utf-8"
            response.headers["Content-Disposition"] = 'attachment; filename="health-passport-fhir.json"'
            response.headers["Cache-Control"] = "no-store"
            return response
    return _page("me/download_health_record.html", passport, form=form)


@bp.post("/download/emergency-card")
@requires_own_passport(Action.ACT_AS_OWNER)
@recent_sign_in_required("me.downloads")
def download_emergency_card(passport):
    if not ActionForm().validate_on_submit():
        return redirect(url_for("me.downloads"))
    pdf = exports.emergency_card_pdf(current_user, passport, renderer=TemplateRenderer())
    return pdf_response(pdf, "emergency-card.pdf")


@bp.route("/offline-card", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
@recent_sign_in_required()
def offline_card(passport):
    form = OfflineCardForm()
    card = None
    if form.validate_on_submit():
        try:
            card = health_cards.issue(current_user, passport, include_allergies=form.include_allergies.data)
        except ServiceError as error:
            apply_service_error(form, error)
    qr_image = None
    if card is not None:
        if request.form.get("as_file"):
            response = make_response(card.file_bytes)
            response.headers["Content-Type"] = shc.MEDIA_TYPE
            response.headers["Content-Disposition"] = 'attachment; filename="vaccine-card.smart-health-card"'
            return response
        qr_image = (
            "data:image/png;base64," + base64.b64encode(shc.health_card_qr_png(card.jws, scale=4)).decode()
        )
    return _page("me/offline_card.html", passport, form=form, card=card, qr_image=qr_image)


@bp.route("/share", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
@recent_sign_in_required()
def share(passport):
    form = ShareLinkForm()
    if request.method == "GET":
        form.expires_on.parts = _default_expiry_parts()
    created = None
    if form.validate_on_submit():
        labels = [name for name in ("mental_health", "sexual_health") if form[name].data]
        try:
            created = sharing.create(
                current_user,
                passport,
                label=form.label.data,
                sections=form.sections.data or [],
                labels=labels,
                include_birth_history=bool(form.birth_history.data),
                include_attachments=bool(form.attachments.data),
                expires_on=form.expires_on.data,
                passcode=form.passcode.data or None,
                include_health_card=bool(form.include_health_card.data),
            )
        except items.InputProblems as error:
            for field_name, message in error.problems:
                apply_service_error(form, ServiceError(message, field=field_name))
        except ServiceError as error:
            apply_service_error(form, error)
    if created is not None:
        smart_link = smart_links.viewer_link(
            created,
            viewer_url=url_for("share.viewer", _external=True),
            manifest_url=url_for("share.shl_manifest", token=created.shl_token, _external=True),
        )
        return _page(
            "me/share_created.html",
            passport,
            smart_link=smart_link,
            link=url_for("share.open_link", token=created.token, _external=True),
            share_link=sharing.summary_of(created.link),
            qr=qr_data_uri(smart_link),
            stop_form=ActionForm(),
        )
    return _page("me/share.html", passport, form=form, links=sharing.summaries_of(passport))


def _default_expiry_parts() -> dict[str, str]:
    day = clock.today() + timedelta(days=30)
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


@bp.post("/share/<uuid:link_id>/stop")
@requires_own_passport(Action.ACT_AS_OWNER)
def stop_share_link(passport, link_id):
    link = db.session.get(ShareLink, link_id)
    if link is None or link.passport_id != passport.id:
        abort(404)
    if ActionForm().validate_on_submit():
        sharing.revoke(current_user, passport, link)
        flash(_("The link has stopped working."), "success")
    return redirect(url_for("me.share"))


@bp.get("/my-data")
@requires_own_passport(Action.ACT_AS_OWNER)
def my_data(passport):
    return _page("me/my_data.html", passport, data=data_export.export_for(current_user, passport))


@bp.post("/my-data.json")
@requires_own_passport(Action.ACT_AS_OWNER)
@recent_sign_in_required("me.my_data")
def my_data_json(passport):
    if not ActionForm().validate_on_submit():
        return redirect(url_for("me.my_data"))
    body = data_export.as_json(data_export.export_for(current_user, passport, with_files=True))
    response = make_response(body)
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="my-health-passport-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/plan")
@requires_own_passport(Action.VIEW_PASSPORT)
def plan(passport):
    return _page("me/plan.html", passport)


@bp.post("/plan/<uuid:action_id>/done")
@requires_own_passport(Action.ACT_AS_OWNER)
def mark_action_done(passport, action_id):
    action = health_plans.action_of(passport, action_id)
    if action is None:
        abort(404)
    form = SeenVersion()
    if form.validate_on_submit():
        try:
            health_plans.mark(current_user, passport, action, done=True, seen_version=form.version.data)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("Well done. Marked as done."), "success")
    return redirect(url_for("me.plan"))


@bp.get("/contacts")
@requires_own_passport(Action.VIEW_PASSPORT)
def contacts(passport):
    return _page("me/contacts.html", passport)


@bp.route(f"/add/{KINDS}", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def add_item(passport, kind):
    return item_form_page(Portal("me", passport.id), passport, kind)


@bp.route(f"/{KINDS}/<uuid:item_id>/change", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def change_item(passport, kind, item_id):
    return item_form_page(Portal("me", passport.id), passport, kind, item_id)


@bp.route(f"/{KINDS}/<uuid:item_id>/remove", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def remove_item(passport, kind, item_id):
    return remove_item_page(Portal("me", passport.id), passport, kind, item_id)


ALL_KINDS = "<any(registration, condition, allergy, medication, assessment, contact, immunisation):kind>"


@bp.route(f"/{ALL_KINDS}/<uuid:item_id>/correction", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def ask_for_correction(passport, kind, item_id):
    return correction_page(Portal("me", passport.id), passport, kind, item_id)


@bp.route("/about-me/correction", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def ask_for_about_me_correction(passport):
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            items.request_about_me_correction(current_user, passport, form.what_is_wrong.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(_("Thank you. Your nurse will look at this and reply."), "success")
            return redirect(url_for("me.corrections"))
    return _page("me/about_me_correction.html", passport, form=form)


@bp.get("/corrections")
@requires_own_passport(Action.ACT_AS_OWNER)
def corrections(passport):
    return _page("me/corrections.html", passport)


SHAREABLE = (
    "health_summary",
    "immunisations",
    "health_plan",
    "mental_health",
    "sexual_health",
    "attachments",
)


def _sharing_forms(passport):
    chosen = set(passport.shared_with_adviser or ())
    return (
        _after_18_form(passport),
        AdviserSharingForm(
            prefix="sharing", version=passport.version, **{name: name in chosen for name in SHAREABLE}
        ),
    )


def _who_can_see_page(passport, access_form=None, status=200):
    default_access, sharing_form = _sharing_forms(passport)
    return _page(
        "me/who_can_see.html",
        passport,
        access_form=access_form or default_access,
        sharing_form=sharing_form,
        people=transparency.who_can_see(passport, clock.today()),
    ), status


@bp.get("/who-can-see")
@requires_own_passport(Action.ACT_AS_OWNER)
def who_can_see(passport):
    return _who_can_see_page(passport)


@bp.post("/who-can-see/after-18")
@requires_own_passport(Action.ACT_AS_OWNER)
def choose_staff_access(passport):
    form = StaffAccessForm(prefix="access")
    if form.validate_on_submit():
        try:
            passports.set_staff_access_after_18(
                current_user, passport, **form.answers(), seen_version=form.version.data
            )
        except items.InputProblems as error:
            for field_name, message in error.problems:
                apply_service_error(form, ServiceError(message, field=field_name))
        else:
            flash(_("Saved. Your choice works straight away."), "success")
            back = request.form.get("from") == "overview"
            return redirect(url_for("me.overview") if back else url_for("me.who_can_see"))
    return _who_can_see_page(passport, access_form=form, status=400)


@bp.post("/who-can-see/adviser")
@requires_own_passport(Action.ACT_AS_OWNER)
def choose_adviser_sharing(passport):
    _access, form = _sharing_forms(passport)
    if form.validate_on_submit():
        passports.set_adviser_sharing(
            current_user, passport, [n for n in SHAREABLE if form[n].data], seen_version=form.version.data
        )
        flash(_("Saved. Your choice works straight away."), "success")
    return redirect(url_for("me.who_can_see"))


@bp.get("/who-looked")
@requires_own_passport(Action.ACT_AS_OWNER)
def who_looked(passport):
    return _page("me/who_looked.html", passport, events=transparency.who_looked(passport))
