"""The passport pages the young person and the nurse share: item forms, corrections, removal, About me.

Each blueprint's views stay thin: they wear their access decorator, then hand over to these functions with
the `Portal` they live in, so one set of pages serves both sides with the right links and the same rules.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from passport import clock, labels, policy
from passport.exports.qr import qr_data_uri
from passport.forms import SeenVersion, apply_service_error
from passport.item_forms import (
    ITEM_FORMS,
    AboutMeForm,
    ActionForm,
    CorrectionForm,
    NurseAboutMeForm,
    speak_to_the_young_person,
    with_where_it_came_from,
)
from passport.models import Passport, Role
from passport.projection import ItemView, build_view
from passport.services import ServiceError, invites, items, passports

# Where each kind of item is listed on the nurse's pages: one page per area (staff/views.py).
STAFF_AREA_PAGE = {
    "registration": "contacts_page",
    "contact": "contacts_page",
    "condition": "health_page",
    "allergy": "health_page",
    "medication": "health_page",
    "assessment": "assessments_page",
    "immunisation": "vaccines_page",
}

# Where each kind of item is listed, as a page name (see Portal.section_url).
SECTION_PAGE = {
    "registration": "registrations",
    "condition": "health",
    "allergy": "health",
    "medication": "health",
    "assessment": "health",
    "immunisation": "vaccines",
    "contact": "contacts",
}


@dataclass(frozen=True)
class Portal:
    """The blueprint a page is served from: "me" (the young person) or "staff" (the nurse)."""

    blueprint: str
    passport_id: uuid.UUID

    def url(self, endpoint: str, **values) -> str:
        if self.blueprint == "staff":
            values["passport_id"] = self.passport_id
        return url_for(f"{self.blueprint}.{endpoint}", **values)

    def section_url(self, kind: str) -> str:
        if self.blueprint == "staff":
            return self.url(STAFF_AREA_PAGE[kind])
        return self.url(SECTION_PAGE[kind])

    def back_to(self, default: str) -> str:
        """Where an action goes back to: the page it was started from (`next`, when it is one of this
        portal's own pages), else `default`. Only a local path is followed, never another site."""
        wanted = request.values.get("next", "")
        prefix = "/staff/" if self.blueprint == "staff" else "/my-passport"
        if (
            wanted.startswith(prefix)
            and not wanted.startswith("//")
            and "\\" not in wanted
            and urlsplit(wanted).netloc == ""
        ):
            return wanted
        return default

    # Links the item blocks use; templates call these and never build URLs themselves.
    def add(self, kind: str) -> str:
        return self.url("add_item", kind=kind)

    def change(self, item: ItemView) -> str:
        return self.url("change_item", kind=item.kind, item_id=item.id)

    def remove(self, item: ItemView) -> str:
        return self.url("remove_item", kind=item.kind, item_id=item.id)

    def correction(self, item: ItemView) -> str:
        return url_for("me.ask_for_correction", kind=item.kind, item_id=item.id)

    def verify(self, item: ItemView) -> str:
        return url_for("staff.verify_item", passport_id=self.passport_id, kind=item.kind, item_id=item.id)

    @property
    def is_staff(self) -> bool:
        return self.blueprint == "staff"

    # Photos and files (attachment_pages.py).
    def attach(self, item: ItemView) -> str:
        return self.url("attach_to_item", kind=item.kind, item_id=item.id)

    def check_against_photo(self, item: ItemView) -> str:
        return url_for(
            "staff.check_against_photo", passport_id=self.passport_id, kind=item.kind, item_id=item.id
        )

    def file(self, attachment) -> str:
        return self.url("attachment_file", attachment_id=attachment.id)

    def thumbnail(self, attachment) -> str:
        return self.url("attachment_thumbnail", attachment_id=attachment.id)

    def remove_attachment(self, attachment) -> str:
        return self.url("remove_attachment", attachment_id=attachment.id)


def _item_or_404(passport: Passport, kind_name: str, item_id: uuid.UUID):
    item = items.find_item(passport, items.kind_of(kind_name), item_id)
    if item is None:
        abort(404)
    return item


def _item_view(passport: Passport, kind_name: str, item_id: uuid.UUID) -> ItemView:
    """The item as the signed-in person may see it, through the one projection."""
    view = build_view(current_user, passport, clock.today())
    for group in _all_items(view):
        for item in group:
            if item.kind == kind_name and item.id == item_id:
                return item
    abort(404)


def _all_items(view):
    if view.registrations:
        yield view.registrations.items
    if view.health:
        yield view.health.conditions
        yield view.health.allergies
        yield view.health.medications
        yield view.health.assessments
    if view.immunisations:
        yield view.immunisations.doses
    if view.contacts:
        yield view.contacts.now + view.contacts.later + view.contacts.past


def _refused(decision: policy.Decision):
    from passport.access import AccessRefused

    raise AccessRefused(decision)


def item_form_page(portal: Portal, passport: Passport, kind_name: str, item_id: uuid.UUID | None = None):
    """Add an item (item_id None) or change one. A stale save shows the item as it is now."""
    today = clock.today()
    form_class = ITEM_FORMS[kind_name]
    if item_id is None and portal.is_staff:
        form_class = with_where_it_came_from(form_class)
    item = _item_or_404(passport, kind_name, item_id) if item_id else None
    decision = (
        policy.decide_edit_item(current_user, passport, item, today)
        if item
        else policy.decide_add_item(current_user, passport, kind_name, today)
    )
    if not decision:
        _refused(decision)
    form = form_class(obj=item) if item is not None else form_class(version=0)
    if not portal.is_staff:
        speak_to_the_young_person(form)
    if portal.is_staff and "vaccine_id" in form:
        # The young person's hint says their nurse will check; the nurse is the one who checks.
        form.vaccine_id.description = _("If the record uses another name for it, choose the closest.")
    conflict, status = None, 200
    if form.validate_on_submit():
        try:
            if item is None:
                values = form.item_values()
                # Asked on the nurse's form: no answer is "" (refused), not None (checked, for callers
                # that never ask, such as the demo data).
                source = (values.pop("source", None) or "") if portal.is_staff else None
                items.add_item(current_user, passport, kind_name, values, source=source)
            else:
                items.update_item(
                    current_user, passport, kind_name, item, form.item_values(), form.version.data
                )
        except items.ItemConflict as error:
            conflict, status = _item_view(passport, kind_name, error.current.id), 409
            form.version.data = error.current.version
            form.form_errors.append(error.message)
        except items.InputProblems as error:
            for field_name, message in error.problems:
                apply_service_error(form, ServiceError(message, field=field_name))
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(_("Saved"), "success")
            return redirect(portal.back_to(portal.section_url(kind_name)))
    elif request.method == "GET" and item is None:
        _prefill(form)
    heading = labels.EDIT_HEADING[kind_name] if item else labels.ADD_HEADING[kind_name]
    return render_template(
        "passport/item_form.html",
        form=form,
        heading=heading,
        portal=portal,
        kind=kind_name,
        conflict=conflict,
        back=portal.back_to(portal.section_url(kind_name)),
        name=passport.name_to_use,
    ), status


# A link that says what to add ("Add their dentist") opens the form with that choice made: these fields of
# an add form may be filled from the link's query string, and only with one of their own choices.
PREFILLABLE = ("service", "role")


def _choice_value(choice) -> str:
    return str(choice.value if hasattr(choice, "value") else choice[0])


def _prefill(form) -> None:
    for name in PREFILLABLE:
        wanted = request.args.get(name)
        field = form._fields.get(name)
        if wanted and field is not None and wanted in {_choice_value(choice) for choice in field.choices}:
            field.data = wanted


def remove_item_page(portal: Portal, passport: Passport, kind_name: str, item_id: uuid.UUID):
    item = _item_or_404(passport, kind_name, item_id)
    decision = policy.decide_edit_item(current_user, passport, item, clock.today())
    if not decision:
        _refused(decision)
    form = SeenVersion(obj=item)
    if form.validate_on_submit():
        items.archive_item(current_user, passport, kind_name, item, seen_version=form.version.data)
        flash(_("Removed"), "success")
        return redirect(portal.back_to(portal.section_url(kind_name)))
    return render_template(
        "passport/remove_item.html",
        form=form,
        item=_item_view(passport, kind_name, item_id),
        portal=portal,
        back=portal.section_url(kind_name),
    )


def correction_page(portal: Portal, passport: Passport, kind_name: str, item_id: uuid.UUID):
    """The young person asks their nurse to correct something they cannot change themselves."""
    item = _item_or_404(passport, kind_name, item_id)
    decision = policy.decide_request_correction(current_user, passport, item, clock.today())
    if not decision:
        _refused(decision)
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            items.request_correction(current_user, passport, kind_name, item, form.what_is_wrong.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(_("Thank you. Your nurse will look at this and reply."), "success")
            return redirect(portal.url("corrections"))
    return render_template(
        "passport/ask_for_correction.html",
        form=form,
        item=_item_view(passport, kind_name, item_id),
        portal=portal,
        back=portal.section_url(kind_name),
    )


def about_me_form_page(portal: Portal, passport: Passport):
    nurse = Role(current_user.role) is Role.NURSE
    form_class = NurseAboutMeForm if nurse else AboutMeForm
    form = form_class(obj=passport)
    conflict = False
    if form.validate_on_submit():
        try:
            passports.update_about_me(current_user, passport, form.item_values(), form.version.data)
        except passports.AboutMeConflict as error:
            conflict = True
            form.version.data = error.current.version
            form.form_errors.append(error.message)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(_("Saved"), "success")
            return redirect(portal.url("about_page") if portal.is_staff else portal.url("about_me"))
    view = build_view(current_user, passport, clock.today())
    return render_template(
        "passport/about_me_form.html",
        form=form,
        portal=portal,
        view=view,
        conflict=conflict,
        back=portal.url("about_page") if portal.is_staff else portal.url("about_me"),
    ), (409 if conflict else 200)


def password_reset_code_page(passport: Passport, back: str):
    """A nurse or adviser makes a code so the young person can choose a new password. The code is shown
    once, here: only a hash of it is kept."""
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(back)
    try:
        issued = invites.issue_password_reset(current_user, passport)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(back)
    link = url_for("auth.reset_password", code=issued.code, _external=True)
    return render_template(
        "passport/password_reset_code.html",
        view=build_view(current_user, passport, clock.today()),
        code=issued.code_for_display,
        link=link,
        expires_at=issued.invite.expires_at,
        qr=qr_data_uri(link),
        back=back,
    )
