"""The nurse's pages for photos and files: the passport's papers, adding one to an item, the birth history
or the papers, opening one, and marking a self-reported item checked against its photo. Thin: each wears
its access decorator and hands over to attachment_pages or the attachments service."""

from __future__ import annotations

from flask import abort, flash, redirect
from flask_babel import gettext as _
from flask_login import current_user

from passport import attachment_pages
from passport.access import requires_passport
from passport.forms import SeenVersion
from passport.passport_pages import Portal
from passport.policy import Action
from passport.services import ServiceError, attachments, items
from passport.staff import bp

KINDS = "<any(registration, condition, allergy, medication, assessment, contact, immunisation):kind>"


@bp.get("/passports/<uuid:passport_id>/papers")
@requires_passport(Action.CURATE_PASSPORT)
def papers(passport):
    return attachment_pages.papers_page(Portal("staff", passport.id), passport)


@bp.route("/passports/<uuid:passport_id>/papers/add", methods=["GET", "POST"])
@requires_passport(Action.CURATE_PASSPORT)
def add_paper(passport):
    return attachment_pages.add_attachment_page(Portal("staff", passport.id), passport)


@bp.route(f"/passports/<uuid:passport_id>/{KINDS}/<uuid:item_id>/attach", methods=["GET", "POST"])
@requires_passport(Action.CURATE_PASSPORT)
def attach_to_item(passport, kind, item_id):
    return attachment_pages.add_attachment_page(
        Portal("staff", passport.id), passport, kind=kind, item_id=item_id
    )


@bp.route("/passports/<uuid:passport_id>/birth-history/attach", methods=["GET", "POST"])
@requires_passport(Action.CURATE_PASSPORT)
def attach_to_birth_history(passport):
    return attachment_pages.add_attachment_page(Portal("staff", passport.id), passport, birth=True)


@bp.get("/passports/<uuid:passport_id>/papers/<uuid:attachment_id>")
@requires_passport(Action.CURATE_PASSPORT)
def attachment_file(passport, attachment_id):
    return attachment_pages.attachment_file(passport, attachment_id)


@bp.get("/passports/<uuid:passport_id>/papers/<uuid:attachment_id>/thumbnail")
@requires_passport(Action.CURATE_PASSPORT)
def attachment_thumbnail(passport, attachment_id):
    return attachment_pages.attachment_file(passport, attachment_id, thumbnail=True)


@bp.route("/passports/<uuid:passport_id>/papers/<uuid:attachment_id>/remove", methods=["GET", "POST"])
@requires_passport(Action.CURATE_PASSPORT)
def remove_attachment(passport, attachment_id):
    return attachment_pages.remove_attachment_page(Portal("staff", passport.id), passport, attachment_id)


@bp.post(f"/passports/<uuid:passport_id>/{KINDS}/<uuid:item_id>/check-against-photo")
@requires_passport(Action.CURATE_PASSPORT)
def check_against_photo(passport, kind, item_id):
    item = items.find_item(passport, items.kind_of(kind), item_id)
    if item is None:
        abort(404)
    form = SeenVersion()
    if form.validate_on_submit():
        try:
            attachments.check_against_photo(
                current_user, passport, kind, item, seen_version=form.version.data
            )
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("Marked as checked against the photo"), "success")
    return redirect(Portal("staff", passport.id).section_url(kind) + f"#item-{item_id}")
