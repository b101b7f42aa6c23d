from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from passport.access import requires
from passport.admin import bp
from passport.admin.forms import ConfirmForm, NewStaffForm
from passport.exports.qr import qr_data_uri
from passport.forms import apply_service_error
from passport.models import Role
from passport.policy import Action
from passport.services import ServiceError, caseload, staff_accounts, two_factor


@bp.get("/staff")
@requires(Action.MANAGE_STAFF)
def staff_list():
    return render_template("admin/staff_list.html", staff=staff_accounts.staff_of(current_user))


@bp.route("/staff/new", methods=["GET", "POST"])
@requires(Action.MANAGE_STAFF)
def new_staff():
    form = NewStaffForm()
    teams = caseload.organisation_teams(current_user)
    form.team.choices = [SelectChoice("", _("No team"))] + [SelectChoice(str(t.id), t.name) for t in teams]
    if form.validate_on_submit():
        team = next((t for t in teams if str(t.id) == form.team.data), None)
        try:
            staff, issued = staff_accounts.create_staff_account(
                current_user,
                display_name=form.display_name.data,
                email=form.email.data,
                role=Role(form.role.data),
                team=team,
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            link = url_for("auth.staff_set_up", code=issued.code, _external=True)
            return render_template(
                "admin/staff_created.html",
                staff=staff_accounts.as_staff_member(staff),
                code=issued.code_for_display,
                link=link,
                expires_at=issued.invite.expires_at,
                qr=qr_data_uri(link),
            )
    return render_template("admin/new_staff.html", form=form)


@bp.route("/staff/<uuid:staff_id>/reset-authenticator-app", methods=["GET", "POST"])
@requires(Action.MANAGE_STAFF)
def reset_authenticator_app(staff_id):
    """For someone who has lost their phone and their recovery codes: they set up the app again at their
    next sign-in, and every session of theirs ends now."""
    staff = staff_accounts.staff_member(current_user, staff_id)
    if staff is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            two_factor.reset(current_user, staff)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(
                _(
                    "%(name)s's authenticator app has been reset. They will set it up again when they "
                    "next sign in",
                    name=staff.display_name,
                ),
                "success",
            )
            return redirect(url_for("admin.staff_list"))
    return render_template(
        "admin/reset_authenticator_app.html", form=form, staff=staff_accounts.as_staff_member(staff)
    )
