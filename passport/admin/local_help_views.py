"""The admin's list of local services for the organisation's young people ("Help near you")."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from passport import clock
from passport.access import requires
from passport.admin import bp
from passport.forms import SeenVersion, apply_service_error
from passport.item_forms import ActionForm
from passport.own_forms import LocalServiceForm
from passport.policy import Action
from passport.services import ServiceError, local_help
from passport.services.items import InputProblems

FIELDS = local_help.FIELDS


@bp.get("/local-help")
@requires(Action.MANAGE_LOCAL_HELP)
def local_help_list():
    return render_template(
        "admin/local_help.html",
        services=local_help.for_admin(current_user, clock.today()),
        today=clock.today(),
        action_form=ActionForm(),
    )


def _service_form_page(service=None):
    form = LocalServiceForm(obj=service) if service else LocalServiceForm(version=0)
    status = 200
    if form.validate_on_submit():
        values = {name: form[name].data for name in FIELDS}
        try:
            if service is None:
                local_help.add(current_user, values)
            else:
                local_help.change(current_user, service, values, form.version.data)
        except local_help.ServiceConflict as error:
            form.version.data, status = service.version, 409
            form.form_errors.append(error.message)
        except InputProblems as error:
            for field_name, message in error.problems:
                apply_service_error(form, ServiceError(message, field=field_name))
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(_("Saved"), "success")
            return redirect(url_for("admin.local_help_list"))
    return render_template(
        "admin/local_service.html", form=form, service=local_help.view_of(service) if service else None
    ), status


@bp.route("/local-help/new", methods=["GET", "POST"])
@requires(Action.MANAGE_LOCAL_HELP)
def new_local_service():
    return _service_form_page()


@bp.route("/local-help/<uuid:service_id>/change", methods=["GET", "POST"])
@requires(Action.MANAGE_LOCAL_HELP)
def change_local_service(service_id):
    service = local_help.service_of(current_user, service_id)
    if service is None:
        abort(404)
    return _service_form_page(service)


@bp.post("/local-help/<uuid:service_id>/checked")
@requires(Action.MANAGE_LOCAL_HELP)
def local_service_checked(service_id):
    service = local_help.service_of(current_user, service_id)
    if service is None:
        abort(404)
    form = SeenVersion()
    if form.validate_on_submit():
        local_help.mark_checked(current_user, service, form.version.data)
        flash(_("Marked as checked today: %(name)s", name=service.name), "success")
    return redirect(url_for("admin.local_help_list"))


@bp.route("/local-help/<uuid:service_id>/remove", methods=["GET", "POST"])
@requires(Action.MANAGE_LOCAL_HELP)
def remove_local_service(service_id):
    service = local_help.service_of(current_user, service_id)
    if service is None:
        abort(404)
    form = ActionForm()
    if form.validate_on_submit():
        local_help.remove(current_user, service)
        flash(_("Removed"), "success")
        return redirect(url_for("admin.local_help_list"))
    return render_template("admin/remove_local_service.html", form=form, service=local_help.view_of(service))
