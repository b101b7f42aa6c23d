"""The young person's own things: photos and files, appointments, private notes, local help and their
passport's look. Thin: each wears its access decorator and hands over to a service."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from passport import attachment_pages, clock
from passport.access import requires_own_passport
from passport.forms import apply_service_error
from passport.item_forms import ActionForm
from passport.me import bp
from passport.own_forms import AppointmentForm, LookForm, NoteForm
from passport.passport_pages import Portal
from passport.policy import Action
from passport.projection import build_view
from passport.services import ServiceError, diary, local_help, looks
from passport.services.items import InputProblems

ALL_KINDS = "<any(registration, condition, allergy, medication, assessment, contact, immunisation):kind>"


def _page(template: str, passport, **context):
    view = build_view(current_user, passport, clock.today())
    return render_template(
        template, view=view, portal=Portal("me", passport.id), today=clock.today(), **context
    )


def _show_problems(form, error: ServiceError) -> None:
    if isinstance(error, InputProblems):
        for field_name, message in error.problems:
            apply_service_error(form, ServiceError(message, field=field_name))
    else:
        apply_service_error(form, error)


# ---- Photos and files ------------------------------------------------------------------------------------


@bp.get("/papers")
@requires_own_passport(Action.ACT_AS_OWNER)
def papers(passport):
    return attachment_pages.papers_page(Portal("me", passport.id), passport)


@bp.route("/papers/add", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def add_paper(passport):
    return attachment_pages.add_attachment_page(Portal("me", passport.id), passport)


@bp.route(f"/{ALL_KINDS}/<uuid:item_id>/attach", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def attach_to_item(passport, kind, item_id):
    return attachment_pages.add_attachment_page(
        Portal("me", passport.id), passport, kind=kind, item_id=item_id
    )


@bp.get("/papers/<uuid:attachment_id>")
@requires_own_passport(Action.VIEW_PASSPORT)
def attachment_file(passport, attachment_id):
    return attachment_pages.attachment_file(passport, attachment_id)


@bp.get("/papers/<uuid:attachment_id>/thumbnail")
@requires_own_passport(Action.VIEW_PASSPORT)
def attachment_thumbnail(passport, attachment_id):
    return attachment_pages.attachment_file(passport, attachment_id, thumbnail=True)


@bp.route("/papers/<uuid:attachment_id>/remove", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def remove_attachment(passport, attachment_id):
    return attachment_pages.remove_attachment_page(Portal("me", passport.id), passport, attachment_id)


# ---- Appointments ------------------------------------------------------------------------------------------


@bp.get("/appointments")
@requires_own_passport(Action.ACT_AS_OWNER)
def appointments(passport):
    return _page("me/appointments.html", passport)


def _appointment_form_page(passport, appointment=None):
    form = AppointmentForm(obj=appointment) if appointment else AppointmentForm(version=0)
    status = 200
    if form.validate_on_submit():
        values = {name: form[name].data for name in ("what", "place", "with_whom", "on_date", "at_time")}
        try:
            if appointment is None:
                diary.add_appointment(current_user, passport, values)
            else:
                diary.change_appointment(current_user, passport, appointment, values, form.version.data)
        except diary.DiaryConflict as error:
            form.version.data, status = appointment.version, 409
            form.form_errors.append(error.message)
        except ServiceError as error:
            _show_problems(form, error)
        else:
            flash(_("Saved"), "success")
            return redirect(url_for("me.appointments"))
    return _page("me/appointment_form.html", passport, form=form, changing=appointment is not None), status


@bp.route("/appointments/new", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def new_appointment(passport):
    return _appointment_form_page(passport)


@bp.route("/appointments/<uuid:appointment_id>/change", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def change_appointment(passport, appointment_id):
    appointment = diary.appointment_of(passport, appointment_id)
    if appointment is None:
        abort(404)
    return _appointment_form_page(passport, appointment)


@bp.route("/appointments/<uuid:appointment_id>/remove", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def remove_appointment(passport, appointment_id):
    appointment = diary.appointment_of(passport, appointment_id)
    if appointment is None:
        abort(404)
    form = ActionForm()
    if form.validate_on_submit():
        diary.remove_appointment(current_user, passport, appointment)
        flash(_("Removed"), "success")
        return redirect(url_for("me.appointments"))
    view = build_view(current_user, passport, clock.today())
    shown = next((a for a in view.appointments if a.id == appointment.id), None)
    if shown is None:
        abort(404)
    return render_template(
        "me/remove_appointment.html",
        view=view,
        portal=Portal("me", passport.id),
        form=form,
        what=shown.what,
        appointment=shown,
        today=clock.today(),
    )


# ---- Notes -------------------------------------------------------------------------------------------------


@bp.get("/notes")
@requires_own_passport(Action.ACT_AS_OWNER)
def notes(passport):
    return _page("me/notes.html", passport)


def _note_form_page(passport, note=None):
    form = NoteForm(obj=note) if note else NoteForm(version=0)
    status = 200
    if form.validate_on_submit():
        values = {
            name: form[name].data for name in ("title", "body", "shared_with_nurse", "shared_with_adviser")
        }
        try:
            if note is None:
                diary.add_note(current_user, passport, values)
            else:
                diary.change_note(current_user, passport, note, values, form.version.data)
        except diary.DiaryConflict as error:
            form.version.data, status = note.version, 409
            form.form_errors.append(error.message)
        except ServiceError as error:
            _show_problems(form, error)
        else:
            flash(_("Saved"), "success")
            return redirect(url_for("me.notes"))
    return _page("me/note_form.html", passport, form=form, changing=note is not None), status


@bp.route("/notes/new", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def new_note(passport):
    return _note_form_page(passport)


@bp.route("/notes/<uuid:note_id>/change", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def change_note(passport, note_id):
    note = diary.note_of(passport, note_id)
    if note is None:
        abort(404)
    return _note_form_page(passport, note)


@bp.route("/notes/<uuid:note_id>/remove", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def remove_note(passport, note_id):
    note = diary.note_of(passport, note_id)
    if note is None:
        abort(404)
    form = ActionForm()
    if form.validate_on_submit():
        diary.remove_note(current_user, passport, note)
        flash(_("Removed"), "success")
        return redirect(url_for("me.notes"))
    return _page("me/remove_note.html", passport, form=form, title=note.title)


# ---- Help near you, and the passport's look -------------------------------------------------------------


@bp.get("/help-near-you")
@requires_own_passport(Action.VIEW_PASSPORT)
def help_near_you(passport):
    return _page("me/help_near_you.html", passport, groups=local_help.help_near(passport))


@bp.route("/my-look", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
def my_look(passport):
    form, status = LookForm(obj=passport), 200
    if request.method == "GET":
        form.theme.data = passport.theme or "blue"
        form.title.data = passport.passport_title
        form.version.data = passport.version
    if form.validate_on_submit():
        try:
            looks.choose(
                current_user,
                passport,
                theme=form.theme.data,
                title=form.title.data,
                version=form.version.data,
            )
        except looks.LookConflict as error:
            form.version.data, status = error.current.version, 409
            form.form_errors.append(error.message)
        except ServiceError as error:
            _show_problems(form, error)
        else:
            flash(_("Saved. Your passport has its new look."), "success")
            return redirect(url_for("me.overview"))
    return _page("me/my_look.html", passport, form=form), status
