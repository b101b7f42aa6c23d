"""The admin's organisation pages: teams, who looks after each young person, deactivating staff, bulk
caseload import and the designated-nurse reports."""

from __future__ import annotations

import uuid

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from passport import clock, labels
from passport.access import requires, requires_passport
from passport.admin import bp
from passport.admin.organisation_forms import AuditFilterForm, CareTeamForm, ImportForm, TeamForm
from passport.extensions import db
from passport.forms import apply_service_error
from passport.item_forms import ActionForm
from passport.models import AccessGrant, Role
from passport.plan_forms import GrantForm, TransferForm
from passport.policy import Action
from passport.projection import build_care_team_view
from passport.services import (
    ServiceError,
    bulk_import,
    items,
    moves,
    organisation,
    reports,
    staff_accounts,
    versions,
)
from passport.services.audit import EVENT_TYPES


@bp.route("/teams", methods=["GET", "POST"])
@requires(Action.MANAGE_STAFF)
def teams():
    form = TeamForm()
    if form.validate_on_submit():
        try:
            organisation.create_team(current_user, form.name.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(_("Team added"), "success")
            return redirect(url_for("admin.teams"))
    return render_template("admin/teams.html", form=form, teams=organisation.teams_with_counts(current_user))


@bp.route("/staff/<uuid:staff_id>/deactivate", methods=["GET", "POST"])
@requires(Action.MANAGE_STAFF)
def deactivate_staff(staff_id):
    staff = staff_accounts.staff_member(current_user, staff_id)
    if staff is None:
        abort(404)
    form = ActionForm()
    if form.validate_on_submit():
        # The button names the state the page showed: a second admin's older page never undoes the first's.
        if request.form.get("seen_active") != ("yes" if staff.active else "no"):
            raise versions.ChangedSinceSeen(staff)
        try:
            if staff.active:
                organisation.deactivate(current_user, staff)
                flash(_("%(name)s can no longer sign in.", name=staff.display_name), "success")
            else:
                organisation.reactivate(current_user, staff)
                flash(_("%(name)s can sign in again.", name=staff.display_name), "success")
        except ServiceError as error:
            flash(error.message, "error")
        return redirect(url_for("admin.staff_list"))
    return render_template(
        "admin/deactivate_staff.html", form=form, staff=staff_accounts.as_staff_member(staff)
    )


@bp.get("/young-people")
@requires(Action.MANAGE_STAFF)
def young_people():
    text = request.args.get("q", "")[:100]
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    rows, total = organisation.young_people(current_user, text, page)
    return render_template("admin/young_people.html", rows=rows, total=total, page=page, q=text, page_size=25)


@bp.route("/young-people/<uuid:passport_id>/care-team", methods=["GET", "POST"])
@requires_passport(Action.MANAGE_ASSIGNMENTS)
def care_team(passport):
    form = CareTeamForm()
    teams = organisation.teams_with_counts(current_user)
    nurses = organisation.staff_choices(current_user, Role.NURSE)
    advisers = organisation.staff_choices(current_user, Role.ADVISER)
    form.team.choices = [SelectChoice("", _("No team"))] + [SelectChoice(str(t.id), t.name) for t in teams]
    form.nurses.choices = [SelectChoice(str(n.id), n.display_name) for n in nurses]
    form.adviser.choices = [SelectChoice("", _("No personal adviser"))] + [
        SelectChoice(str(a.id), a.display_name) for a in advisers
    ]
    care_team = build_care_team_view(current_user, passport, clock.today())
    if request.method == "GET":
        form.version.data = care_team.version
        form.team.data = str(care_team.team_id or "")
        form.nurses.data = [str(staff_id) for staff_id in care_team.nurse_ids]
        form.adviser.data = str(care_team.adviser_id or "")
    if form.validate_on_submit():
        try:
            organisation.set_care_team(
                current_user,
                passport,
                team_id=uuid.UUID(form.team.data) if form.team.data else None,
                nurse_ids={uuid.UUID(n) for n in form.nurses.data or ()},
                adviser_id=uuid.UUID(form.adviser.data) if form.adviser.data else None,
                seen_version=form.version.data,
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(_("Saved"), "success")
            return redirect(url_for("admin.young_people"))
    return render_template("admin/care_team.html", form=form, care_team=care_team)


@bp.route("/young-people/<uuid:passport_id>/out-of-area", methods=["GET", "POST"])
@requires_passport(Action.MANAGE_ASSIGNMENTS)
def out_of_area(passport):
    form = GrantForm()
    if form.validate_on_submit():
        try:
            moves.grant_access(
                current_user,
                passport,
                grantee_email=form.grantee_email.data or "",
                scope=form.scope.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                reason=form.reason.data,
            )
        except items.InputProblems as error:
            for field_name, message in error.problems:
                apply_service_error(form, ServiceError(message, field=field_name))
        else:
            flash(_("Access given. It ends by itself on the end date."), "success")
            return redirect(url_for("admin.out_of_area", passport_id=passport.id))
    return render_template(
        "admin/out_of_area.html",
        form=form,
        care_team=build_care_team_view(current_user, passport, clock.today()),
    )


@bp.post("/young-people/<uuid:passport_id>/out-of-area/<uuid:grant_id>/end")
@requires_passport(Action.MANAGE_ASSIGNMENTS)
def end_out_of_area(passport, grant_id):
    grant = db.session.get(AccessGrant, grant_id)
    if grant is None or grant.passport_id != passport.id:
        abort(404)
    if ActionForm().validate_on_submit():
        moves.end_grant(current_user, passport, grant)
        flash(_("Access ended"), "success")
    return redirect(url_for("admin.out_of_area", passport_id=passport.id))


@bp.route("/young-people/<uuid:passport_id>/transfer", methods=["GET", "POST"])
@requires_passport(Action.MANAGE_ASSIGNMENTS)
def transfer(passport):
    form = TransferForm(version=passport.version)
    organisations = moves.other_organisations(current_user)
    form.to_organisation.choices = [SelectChoice("", _("Choose an organisation"))] + [
        SelectChoice(str(o.id), o.name) for o in organisations
    ]
    if form.validate_on_submit():
        chosen = next((o for o in organisations if str(o.id) == form.to_organisation.data), None)
        try:
            moves.transfer(
                current_user,
                passport,
                to_organisation=chosen,
                reason=form.reason.data or "",
                seen_version=form.version.data,
            )
        except items.InputProblems as error:
            for field_name, message in error.problems:
                apply_service_error(form, ServiceError(message, field=field_name))
        else:
            flash(_("The passport has moved, with all its history."), "success")
            return redirect(url_for("admin.young_people"))
    return render_template(
        "admin/transfer.html",
        form=form,
        care_team=build_care_team_view(current_user, passport, clock.today()),
    )


@bp.route("/import", methods=["GET", "POST"])
@requires(Action.MANAGE_STAFF)
def import_caseload():
    form = ImportForm()
    checked = None
    content = ""
    if form.validate_on_submit():
        if request.form.get("confirm") and form.content.data:
            try:
                count = bulk_import.import_all(current_user, form.content.data)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                flash(
                    ngettext("Imported %(num)d young person.", "Imported %(num)d young people.", count),
                    "success",
                )
                return redirect(url_for("admin.young_people"))
        else:
            upload = form.file.data
            if not upload or not upload.filename:
                form.file.errors = [_("Choose a CSV file")]
            else:
                try:
                    content = bulk_import.text_of(upload.read(bulk_import.MAX_BYTES))
                    checked = bulk_import.check(current_user, content)
                except ServiceError as error:
                    apply_service_error(form, error)
    return render_template(
        "admin/import.html",
        form=form,
        checked=checked,
        content=content,
        columns=bulk_import.COLUMNS,
    )


@bp.get("/reports")
@requires(Action.VIEW_REPORTS)
def organisation_reports():
    report = reports.organisation_report(current_user, clock.today())
    return render_template("admin/reports.html", report=report, measures=reports.MEASURES)


@bp.get("/reports.csv")
@requires(Action.VIEW_REPORTS)
def organisation_reports_csv():
    report = reports.organisation_report(current_user, clock.today())
    body = reports.report_csv(report, _csv_label)
    response = make_response(body)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="report-{clock.today().isoformat()}.csv"'
    return response


def _csv_label(breakdown: str, label: str) -> str:
    """The same words as the report page: "Everyone", a team's name or "No team", an age band."""
    if breakdown == "everyone":
        return _("Everyone")
    if breakdown == "team":
        return label or _("No team")
    return str(labels.AGE_BAND.get(label, label))


def audit_filter_form():
    form = AuditFilterForm(request.args)
    form.event_type.choices = [SelectChoice("", _("Anything"))] + [
        SelectChoice(name, name.replace("_", " ")) for name in sorted(EVENT_TYPES)
    ]
    form.actor.choices = [SelectChoice("", _("Anyone"))] + [
        SelectChoice(str(u.id), u.display_name) for u in staff_accounts.staff_of(current_user)
    ]
    form.validate()
    return form


def audit_filters(form) -> organisation.AuditFilter:
    page = request.args.get("page", "1")
    actor = None
    if form.actor.data and not form.actor.errors:
        try:
            actor = uuid.UUID(form.actor.data)
        except ValueError:
            actor = None
    return organisation.AuditFilter(
        event_type=form.event_type.data if not form.event_type.errors else "",
        actor_id=actor,
        date_from=form.date_from.data if not form.date_from.errors else None,
        date_to=form.date_to.data if not form.date_to.errors else None,
        page=int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1,
    )


@bp.get("/audit")
@requires(Action.VIEW_AUDIT_LOG)
def audit_log():
    form = audit_filter_form()
    filters = audit_filters(form)
    events, total = organisation.audit_events(current_user, filters)
    return render_template(
        "admin/audit_log.html",
        filter_form=form,
        events=events,
        total=total,
        page=filters.page,
        pages=max(1, -(-total // organisation.AUDIT_PAGE_SIZE)),
    )
