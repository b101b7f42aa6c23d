"""The young person's pages. Thin: each wears its access decorator and hands over to a service or to the
shared passport pages."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from passport import clock
from passport.access import requires_own_passport
from passport.birth_forms import BirthChoicesForm
from passport.forms import apply_service_error
from passport.item_forms import ActionForm, AdviserSharingForm, CorrectionForm, StaffAccessForm
from passport.me import bp
from passport.passport_pages import (
    Portal,
    about_me_form_page,
    correction_page,
    item_form_page,
    remove_item_page,
)
from passport.policy import Action
from passport.projection import build_view
from passport.services import ServiceError, birth_history, items, passports, transparency

KINDS = "<any(registration, condition, allergy, medication, contact, immunisation):kind>"


def _page(template: str, passport, **context):
    view = build_view(current_user, passport, clock.today())
    return render_template(template, view=view, portal=Portal("me", passport), **context)


@bp.get("/")
@requires_own_passport(Action.VIEW_PASSPORT)
def overview(passport):
    return _page("me/overview.html", passport)


@bp.get("/about-me")
@requires_own_passport(Action.VIEW_PASSPORT)
def about_me(passport):
    return _page("me/about_me.html", passport)


@bp.route("/about-me/change", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def change_about_me(passport):
    return about_me_form_page(Portal("me", passport))


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
    form = BirthChoicesForm(in_pdf=status.in_pdf, in_share_links=status.in_share_links)
    return render_template("me/birth.html", view=view, portal=Portal("me", passport), choices_form=form)


@bp.post("/birth/open")
@requires_own_passport(Action.ACT_AS_OWNER)
def open_birth_history(passport):
    if ActionForm().validate_on_submit():
        try:
            birth_history.open_birth_history(current_user, passport)
        except ServiceError as error:
            flash(error.message, "error")
    return redirect(url_for("me.birth"))


@bp.post("/birth/close")
@requires_own_passport(Action.ACT_AS_OWNER)
def close_birth_history(passport):
    if ActionForm().validate_on_submit():
        birth_history.close_birth_history(current_user, passport)
        flash(_("Hidden. You can open it again at any time."), "success")
    return redirect(url_for("me.birth"))


@bp.post("/birth/choices")
@requires_own_passport(Action.ACT_AS_OWNER)
def choose_birth_history_outputs(passport):
    form = BirthChoicesForm()
    if form.validate_on_submit():
        birth_history.choose_birth_history_outputs(
            current_user, passport, in_pdf=form.in_pdf.data, in_shares=form.in_share_links.data
        )
        flash(_("Saved. Your choice works straight away."), "success")
    return redirect(url_for("me.birth"))


@bp.get("/contacts")
@requires_own_passport(Action.VIEW_PASSPORT)
def contacts(passport):
    return _page("me/contacts.html", passport)


@bp.route(f"/add/{KINDS}", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def add_item(passport, kind):
    return item_form_page(Portal("me", passport), kind)


@bp.route(f"/{KINDS}/<uuid:item_id>/change", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def change_item(passport, kind, item_id):
    return item_form_page(Portal("me", passport), kind, item_id)


@bp.route(f"/{KINDS}/<uuid:item_id>/remove", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def remove_item(passport, kind, item_id):
    return remove_item_page(Portal("me", passport), kind, item_id)


ALL_KINDS = "<any(registration, condition, allergy, medication, assessment, contact, immunisation):kind>"


@bp.route(f"/{ALL_KINDS}/<uuid:item_id>/correction", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def ask_for_correction(passport, kind, item_id):
    return correction_page(Portal("me", passport), kind, item_id)


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
    return _page("me/corrections.html", passport, requests=items.corrections_of(passport))


SHAREABLE = ("health_summary", "mental_health", "sexual_health")


def _sharing_forms(passport):
    chosen = set(passport.shared_with_adviser or ())
    return (
        StaffAccessForm(
            prefix="access", nurse=passport.nurse_access_after_18, adviser=passport.adviser_access_after_18
        ),
        AdviserSharingForm(prefix="sharing", **{name: name in chosen for name in SHAREABLE}),
    )


@bp.get("/who-can-see")
@requires_own_passport(Action.ACT_AS_OWNER)
def who_can_see(passport):
    access_form, sharing_form = _sharing_forms(passport)
    return _page(
        "me/who_can_see.html",
        passport,
        access_form=access_form,
        sharing_form=sharing_form,
        people=transparency.who_can_see(passport, clock.today()),
    )


@bp.post("/who-can-see/after-18")
@requires_own_passport(Action.ACT_AS_OWNER)
def choose_staff_access(passport):
    form, _sharing = _sharing_forms(passport)
    if form.validate_on_submit():
        passports.set_staff_access_after_18(
            current_user, passport, nurse=form.nurse.data, adviser=form.adviser.data
        )
        flash(_("Saved. Your choice works straight away."), "success")
    return redirect(url_for("me.who_can_see"))


@bp.post("/who-can-see/adviser")
@requires_own_passport(Action.ACT_AS_OWNER)
def choose_adviser_sharing(passport):
    _access, form = _sharing_forms(passport)
    if form.validate_on_submit():
        passports.set_adviser_sharing(current_user, passport, [n for n in SHAREABLE if form[n].data])
        flash(_("Saved. Your choice works straight away."), "success")
    return redirect(url_for("me.who_can_see"))


@bp.get("/who-looked")
@requires_own_passport(Action.ACT_AS_OWNER)
def who_looked(passport):
    return _page("me/who_looked.html", passport, events=transparency.who_looked(passport))
