from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from passport import clock
from passport.access import requires, requires_passport
from passport.exports.qr import qr_data_uri
from passport.forms import apply_service_error
from passport.models import CareStatus
from passport.policy import Action
from passport.projection import build_view
from passport.services import ServiceError, caseload, invites, passports
from passport.staff import bp
from passport.staff.forms import IssueInviteForm, NewPassportForm


@bp.get("/caseload")
@requires(Action.VIEW_CASELOAD)
def caseload_list():
    rows = caseload.nurse_caseload(current_user, clock.today())
    return render_template("staff/caseload.html", rows=rows)


@bp.route("/passports/new", methods=["GET", "POST"])
@requires(Action.CREATE_PASSPORT)
def new_passport():
    form = NewPassportForm()
    teams = caseload.organisation_teams(current_user)
    form.team.choices = [SelectChoice("", _("Same team as me"))] + [
        SelectChoice(str(t.id), t.name) for t in teams
    ]
    if form.validate_on_submit():
        team = next((t for t in teams if str(t.id) == form.team.data), None)
        try:
            passport = passports.create_passport(
                current_user,
                legal_name=form.legal_name.data,
                preferred_name=form.preferred_name.data,
                date_of_birth=form.date_of_birth.data,
                nhs_number=form.nhs_number.data,
                team=team,
                care_status=CareStatus(form.care_status.data),
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            return redirect(url_for("staff.passport_page", passport_id=passport.id))
    return render_template("staff/new_passport.html", form=form)


@bp.get("/passports/<uuid:passport_id>")
@requires_passport(Action.CURATE_PASSPORT)
def passport_page(passport):
    passports.record_staff_view(current_user, passport, view="staff_page")
    view = build_view(current_user, passport, clock.today())
    return render_template("staff/passport.html", view=view, passport=passport, invite_form=IssueInviteForm())


@bp.post("/passports/<uuid:passport_id>/invite")
@requires_passport(Action.CURATE_PASSPORT)
def issue_invite(passport):
    form = IssueInviteForm()
    view = build_view(current_user, passport, clock.today())
    if not form.validate_on_submit():
        return redirect(url_for("staff.passport_page", passport_id=passport.id))
    try:
        issued = invites.issue_claim_invite(current_user, passport)
    except ServiceError as error:
        return render_template(
            "staff/passport.html",
            view=view,
            passport=passport,
            invite_form=form,
            invite_error=error.message,
        ), 409
    link = url_for("auth.claim", code=issued.code, _external=True)
    # Shown once: only a hash of the code is kept, so this page is the only place it appears.
    return render_template(
        "staff/invite.html",
        view=view,
        code=issued.code_for_display,
        link=link,
        expires_at=issued.invite.expires_at,
        qr=qr_data_uri(link),
    )
