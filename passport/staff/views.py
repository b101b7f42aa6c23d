"""The nurse's pages. Thin: each wears its access decorator and hands over to a service or to the shared
passport pages."""

from __future__ import annotations

import uuid

from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from passport import clock, labels, policy, readiness
from passport.access import requires, requires_passport
from passport.birth_forms import BirthHistoryForm, ConsentForm, WithdrawConsentForm
from passport.exports.pdf import TemplateRenderer, pdf_response, person_filename
from passport.exports.qr import qr_data_uri
from passport.extensions import db
from passport.forms import SeenVersion, apply_service_error
from passport.item_forms import (
    ITEM_FORMS,
    ActionForm,
    DeclineCorrectionForm,
    ImmunisationRecordsForm,
    NhsNumberForm,
)
from passport.models import BirthParentConsent, CareStatus, CorrectionRequest
from passport.passport_pages import (
    Portal,
    about_me_form_page,
    item_form_page,
    password_reset_code_page,
    remove_item_page,
)
from passport.plan_forms import EhcpForm, HealthActionForm, NotDoneForm
from passport.policy import Action, Output
from passport.projection import build_correction_queue, build_overdue_actions, build_view
from passport.services import (
    ServiceError,
    assessments,
    birth_history,
    caseload,
    exports,
    health_plans,
    invites,
    items,
    leaving_pack,
    passports,
    pdf_batches,
)
from passport.services.items import ItemConflict
from passport.staff import bp
from passport.staff.forms import (
    CaseloadSearchForm,
    HandoverForm,
    IssueInviteForm,
    LeavingPackBatchForm,
    NewPassportForm,
    SdqForm,
)

KINDS = "<any(registration, condition, allergy, medication, assessment, contact, immunisation):kind>"


@bp.get("/caseload")
@requires(Action.VIEW_CASELOAD)
def caseload_list():
    form = CaseloadSearchForm(request.args)
    form.validate()  # a bad filter value is ignored (shown beside its field), never a 500
    page = request.args.get("page", "1")
    query = caseload.CaseloadQuery(
        text=form.text.data or "" if not form.text.errors else "",
        age_band=form.age_band.data if not form.age_band.errors else "",
        care_status=form.care_status.data if not form.care_status.errors else "",
        readiness=form.readiness.data if not form.readiness.errors else "",
        pack_due=bool(form.pack_due.data),
        sort=form.sort.data if form.sort.data in caseload.SORTS else "leaving_soonest",
        page=int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1,
    )
    result = caseload.nurse_caseload(current_user, clock.today(), query)
    return render_template("staff/caseload.html", result=result, search_form=form)


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


def _area_page(passport, template: str, status=200, *, looked_at: str | None = None, **context):
    """One page of the nurse's passport: the summary, or one area (vaccines, health, GP and contacts,
    assessments and plan, about and account), each with the passport's sub-navigation. `looked_at` names
    the area for the young person's "who has looked" (every page that shows their record is logged)."""
    if looked_at and request.method == "GET":
        passports.record_staff_view(current_user, passport, view=looked_at)
    view = build_view(current_user, passport, clock.today())
    return render_template(
        template,
        view=view,
        portal=Portal("staff", passport.id),
        action_form=ActionForm(),
        **context,
    ), status


@bp.get("/passports/<uuid:passport_id>")
@requires_passport(Action.CURATE_PASSPORT)
def passport_page(passport):
    """The summary: who, what needs doing now (each with a link to where it is done), the next dates."""
    return _area_page(passport, "staff/passport.html", looked_at="staff_page")


@bp.get("/passports/<uuid:passport_id>/about")
@requires_passport(Action.CURATE_PASSPORT)
def about_page(passport):
    return _about_page(passport)


def _about_page(passport, status=200, **context):
    today = clock.today()
    return _area_page(
        passport,
        "staff/about.html",
        status=status,
        looked_at="staff_about",
        invite_form=context.pop("invite_form", IssueInviteForm()),
        can_reset_password=policy.can(current_user, Action.ISSUE_PASSWORD_RESET, passport, today),
        **context,
    )


def _records_form(passport) -> ImmunisationRecordsForm:
    return ImmunisationRecordsForm(
        prefix="records",
        records=passport.immunisation_records,
        sex_registered_at_birth=passport.sex_registered_at_birth,
        version=passport.version,
    )


@bp.get("/passports/<uuid:passport_id>/vaccines")
@requires_passport(Action.CURATE_PASSPORT)
def vaccines_page(passport):
    return _area_page(
        passport, "staff/vaccines.html", looked_at="staff_vaccines", records_form=_records_form(passport)
    )


@bp.get("/passports/<uuid:passport_id>/health")
@requires_passport(Action.CURATE_PASSPORT)
def health_page(passport):
    return _area_page(passport, "staff/health.html", looked_at="staff_health")


@bp.get("/passports/<uuid:passport_id>/gp-and-contacts")
@requires_passport(Action.CURATE_PASSPORT)
def contacts_page(passport):
    return _area_page(passport, "staff/contacts.html", looked_at="staff_contacts")


@bp.route("/passports/<uuid:passport_id>/emergency-contact", methods=["GET", "POST"])
@requires_passport(Action.CURATE_PASSPORT)
def choose_emergency_contact(passport):
    """Who to call in an emergency, chosen from the contacts already there (or a new one added)."""
    portal = Portal("staff", passport.id)
    problem, status = None, 200
    if request.method == "POST" and ActionForm().validate_on_submit():
        chosen = {_uuid_or_none(value) for value in request.form.getlist("contacts")}
        seen = {}
        for key, value in request.form.items():
            if key.endswith("-version") and value.isdigit() and len(value) < 10:
                contact_id = _uuid_or_none(key.removesuffix("-version"))
                if contact_id is not None:
                    seen[contact_id] = int(value)
        try:
            if None in chosen:  # not a contact's id: nothing on the page sends that
                raise ServiceError(_("Choose from their contacts"), field="contacts")
            items.choose_emergency_contacts(current_user, passport, chosen, seen)
        except ItemConflict as error:
            problem, status = error.message, 409
        except ServiceError as error:
            problem, status = error.message, 400
        else:
            flash(_("Saved: who to call in an emergency"), "success")
            return redirect(portal.back_to(url_for("staff.contacts_page", passport_id=passport.id)))
    return _area_page(
        passport,
        "staff/emergency_contact.html",
        status=status,
        looked_at="staff_contacts",
        problem=problem,
        back=portal.back_to(url_for("staff.contacts_page", passport_id=passport.id)),
    )


@bp.get("/passports/<uuid:passport_id>/assessments-and-plan")
@requires_passport(Action.CURATE_PASSPORT)
def assessments_page(passport):
    return _area_page(passport, "staff/assessments.html", looked_at="staff_assessments")


@bp.route("/passports/<uuid:passport_id>/about-me", methods=["GET", "POST"])
@requires_passport(Action.CURATE_PASSPORT)
def change_about_me(passport):
    return about_me_form_page(Portal("staff", passport.id), passport)


@bp.route("/passports/<uuid:passport_id>/nhs-number", methods=["GET", "POST"])
@requires_passport(Action.CURATE_PASSPORT)
def change_nhs_number(passport):
    form = NhsNumberForm(version=passport.version)
    if form.validate_on_submit():
        try:
            passports.change_nhs_number(
                current_user, passport, form.nhs_number.data, form.reason.data, seen_version=form.version.data
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(_("Saved"), "success")
            return redirect(
                Portal("staff", passport.id).back_to(url_for("staff.about_page", passport_id=passport.id))
            )
    view = build_view(current_user, passport, clock.today())
    return render_template("staff/nhs_number.html", form=form, view=view)


@bp.route(f"/passports/<uuid:passport_id>/add/{KINDS}", methods=["GET", "POST"])
@requires_passport(Action.CURATE_PASSPORT)
def add_item(passport, kind):
    return item_form_page(Portal("staff", passport.id), passport, kind)


@bp.route(f"/passports/<uuid:passport_id>/{KINDS}/<uuid:item_id>/change", methods=["GET", "POST"])
@requires_passport(Action.CURATE_PASSPORT)
def change_item(passport, kind, item_id):
    return item_form_page(Portal("staff", passport.id), passport, kind, item_id)


@bp.route(f"/passports/<uuid:passport_id>/{KINDS}/<uuid:item_id>/remove", methods=["GET", "POST"])
@requires_passport(Action.CURATE_PASSPORT)
def remove_item(passport, kind, item_id):
    return remove_item_page(Portal("staff", passport.id), passport, kind, item_id)


@bp.post(f"/passports/<uuid:passport_id>/{KINDS}/<uuid:item_id>/verify")
@requires_passport(Action.CURATE_PASSPORT)
def verify_item(passport, kind, item_id):
    item = items.find_item(passport, items.kind_of(kind), item_id)
    if item is None:
        abort(404)
    portal = Portal("staff", passport.id)
    form = SeenVersion()
    if form.validate_on_submit():
        items.verify_item(current_user, passport, kind, item, seen_version=form.version.data)
        flash(_("Marked as checked"), "success")
    return redirect(portal.back_to(portal.section_url(kind)) + f"#item-{item.id}")


@bp.post("/passports/<uuid:passport_id>/immunisation-records")
@requires_passport(Action.CURATE_PASSPORT)
def set_immunisation_records(passport):
    form = ImmunisationRecordsForm(prefix="records")
    if form.validate_on_submit():
        try:
            passports.set_immunisation_records(
                current_user,
                passport,
                form.records.data,
                form.sex_registered_at_birth.data or None,
                seen_version=form.version.data,
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(_("Saved"), "success")
            return redirect(url_for("staff.vaccines_page", passport_id=passport.id) + "#records")
    return _area_page(passport, "staff/vaccines.html", status=400, records_form=form)


def _birth_page(passport, template: str, **context):
    view = build_view(current_user, passport, clock.today(), output=Output.CURATION)
    return render_template(template, view=view, portal=Portal("staff", passport.id), **context)


@bp.route("/passports/<uuid:passport_id>/birth-history", methods=["GET", "POST"])
@requires_passport(Action.CURATE_PASSPORT)
def birth_history_page(passport):
    record = passport.birth_history
    form = BirthHistoryForm(obj=record) if record else BirthHistoryForm(version=0)
    status = 200
    if form.validate_on_submit():
        try:
            birth_history.save_birth_history(current_user, passport, form.item_values(), form.version.data)
        except ItemConflict as error:
            form.version.data = error.current.version if error.current is not None else 0
            form.form_errors.append(error.message)
            status = 409
        except items.InputProblems as error:
            for field_name, message in error.problems:
                apply_service_error(form, ServiceError(message, field=field_name))
        else:
            flash(_("Saved"), "success")
            return redirect(url_for("staff.birth_history_page", passport_id=passport.id))
    elif request.method == "GET":
        birth_history.record_view(current_user, passport, where="curation")
    return _birth_page(passport, "staff/birth_history.html", form=form), status


@bp.route("/passports/<uuid:passport_id>/birth-history/consents/new", methods=["GET", "POST"])
@requires_passport(Action.CURATE_PASSPORT)
def new_birth_consent(passport):
    form = ConsentForm()
    if form.validate_on_submit():
        try:
            birth_history.record_consent(current_user, passport, form.data)
        except items.InputProblems as error:
            for field_name, message in error.problems:
                apply_service_error(form, ServiceError(message, field=field_name))
        else:
            flash(_("Consent recorded"), "success")
            return redirect(url_for("staff.birth_history_page", passport_id=passport.id) + "#consents")
    return _birth_page(passport, "staff/birth_consent.html", form=form)


@bp.route(
    "/passports/<uuid:passport_id>/birth-history/consents/<uuid:consent_id>/withdraw", methods=["GET", "POST"]
)
@requires_passport(Action.CURATE_PASSPORT)
def withdraw_birth_consent(passport, consent_id):
    consent = db.session.get(BirthParentConsent, consent_id)
    if consent is None or consent.passport_id != passport.id:
        abort(404)
    form = WithdrawConsentForm()
    if form.validate_on_submit():
        try:
            birth_history.withdraw_consent(
                current_user, passport, consent, form.withdrawn_on.data, form.reason.data
            )
        except items.InputProblems as error:
            for field_name, message in error.problems:
                apply_service_error(form, ServiceError(message, field=field_name))
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(_("Consent withdrawn. It works straight away, everywhere."), "success")
            return redirect(url_for("staff.birth_history_page", passport_id=passport.id) + "#consents")
    return _birth_page(passport, "staff/withdraw_consent.html", form=form, consent_id=consent.id)


@bp.route("/passports/<uuid:passport_id>/leaving-pack", methods=["GET", "POST"])
@requires_passport(Action.CURATE_PASSPORT)
def leaving_pack_page(passport):
    pack = readiness.pack_state(passport, clock.today())
    handover_form = HandoverForm(prefix="handover", version=pack.version)
    if request.method == "POST" and any(key.startswith("handover-") for key in request.form):
        if handover_form.validate_on_submit():
            try:
                leaving_pack.record_handover(
                    current_user,
                    passport,
                    handover_form.handed_over_on.data,
                    handover_form.how.data,
                    seen_version=handover_form.version.data,
                )
            except ServiceError as error:
                apply_service_error(handover_form, error)
            else:
                flash(_("Handover recorded. The young person can confirm they have it."), "success")
                return redirect(url_for("staff.leaving_pack_page", passport_id=passport.id))
    elif request.method == "POST" and ActionForm().validate_on_submit():
        # What the page showed ticked comes back too: the checklist merges the items this nurse changed.
        ticked, seen = set(request.form.getlist("ticked")), set(request.form.getlist("seen_ticked"))
        leaving_pack.set_ticks(current_user, passport, ticked, seen)
        flash(_("Saved"), "success")
        return redirect(url_for("staff.leaving_pack_page", passport_id=passport.id))
    view = build_view(current_user, passport, clock.today())
    return render_template(
        "staff/leaving_pack.html",
        view=view,
        handover_form=handover_form,
        form=handover_form,
    )


@bp.post("/passports/<uuid:passport_id>/leaving-pack.pdf")
@requires_passport(Action.CURATE_PASSPORT)
def leaving_pack_pdf(passport):
    if not ActionForm().validate_on_submit():
        return redirect(url_for("staff.leaving_pack_page", passport_id=passport.id))
    pdf = exports.leaving_pack_pdf(current_user, passport, renderer=TemplateRenderer())
    return pdf_response(pdf, person_filename("leaving-pack", passport.legal_name, clock.today()))


@bp.route("/passports/<uuid:passport_id>/sdq", methods=["GET", "POST"])
@requires_passport(Action.CURATE_PASSPORT)
def record_sdq(passport):
    form = SdqForm()
    if form.validate_on_submit():
        try:
            assessments.record_sdq(
                current_user,
                passport,
                scored_on=form.scored_on.data,
                total=form.total.data,
                informant=form.informant.data,
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(_("SDQ score saved"), "success")
            return redirect(url_for("staff.assessments_page", passport_id=passport.id) + "#sdq")
    view = build_view(current_user, passport, clock.today())
    return render_template("staff/sdq.html", form=form, view=view)


def _uuid_or_none(text: str | None) -> uuid.UUID | None:
    """An id from a form's select: none when left empty; a value that is not an id at all is an id that
    matches nothing, so the service refuses it beside the field."""
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        return uuid.UUID(int=0)


@bp.route("/passports/<uuid:passport_id>/plan/new", methods=["GET", "POST"])
@requires_passport(Action.CURATE_PASSPORT)
def new_health_action(passport):
    form = HealthActionForm()
    assessments = health_plans.assessments_to_agree_at(passport)
    form.assessment.choices = [("", _("Not at a health assessment"))] + [
        (str(a.id), f"{labels.ASSESSMENT[a.kind]}, {format_date(a.assessed_on, 'd MMMM y')}")
        for a in assessments
    ]
    if request.method == "GET":
        # From an assessment's "Add an action agreed at this assessment", or else the latest one.
        chosen = request.args.get("assessment")
        form.assessment.data = chosen or (str(assessments[0].id) if assessments else "")
    if form.validate_on_submit():
        try:
            health_plans.add_action(
                current_user,
                passport,
                what=form.what.data or "",
                owner=form.owner.data,
                due_on=form.due_on.data,
                assessment_id=_uuid_or_none(form.assessment.data),
            )
        except items.InputProblems as error:
            for field_name, message in error.problems:
                apply_service_error(form, ServiceError(message, field=field_name))
        else:
            flash(_("Added to the health plan"), "success")
            return redirect(url_for("staff.assessments_page", passport_id=passport.id) + "#health-plan")
    view = build_view(current_user, passport, clock.today())
    return render_template("staff/health_action.html", form=form, view=view)


@bp.route("/passports/<uuid:passport_id>/plan/<uuid:action_id>", methods=["GET", "POST"])
@requires_passport(Action.CURATE_PASSPORT)
def update_health_action(passport, action_id):
    action = health_plans.action_of(passport, action_id)
    if action is None:
        abort(404)
    form = NotDoneForm(version=action.version)
    if request.method == "POST" and "done" in request.form:
        done_form = SeenVersion()
        if done_form.validate_on_submit():
            health_plans.mark(current_user, passport, action, done=True, seen_version=done_form.version.data)
            flash(_("Marked as done"), "success")
            return redirect(url_for("staff.assessments_page", passport_id=passport.id) + "#health-plan")
    elif form.validate_on_submit():
        try:
            health_plans.mark(
                current_user,
                passport,
                action,
                done=False,
                reason=form.reason.data,
                seen_version=form.version.data,
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(_("Marked as not done"), "success")
            return redirect(url_for("staff.assessments_page", passport_id=passport.id) + "#health-plan")
    view = build_view(current_user, passport, clock.today())
    return render_template(
        "staff/update_health_action.html", form=form, view=view, action=view.plan_action(action.id)
    )


@bp.route("/passports/<uuid:passport_id>/ehcp", methods=["GET", "POST"])
@requires_passport(Action.CURATE_PASSPORT)
def ehcp(passport):
    form = EhcpForm(obj=passport)
    if form.validate_on_submit():
        try:
            passports.set_ehcp(
                current_user,
                passport,
                form.has_ehcp.data,
                form.ehcp_review_on.data,
                seen_version=form.version.data,
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(_("Saved"), "success")
            return redirect(url_for("staff.assessments_page", passport_id=passport.id) + "#ehcp")
    view = build_view(current_user, passport, clock.today())
    return render_template("staff/ehcp.html", form=form, view=view)


@bp.get("/overdue-actions")
@requires(Action.VIEW_CASELOAD)
def overdue_actions():
    today = clock.today()
    rows = build_overdue_actions(current_user, health_plans.overdue_for(current_user, today), today)
    return render_template("staff/overdue_actions.html", rows=rows)


@bp.get("/corrections")
@requires(Action.VIEW_CASELOAD)
def correction_queue():
    today = clock.today()
    rows = build_correction_queue(current_user, items.open_corrections_for(current_user, today), today)
    return render_template("staff/corrections.html", rows=rows)


@bp.route("/passports/<uuid:passport_id>/corrections/<uuid:request_id>", methods=["GET", "POST"])
@requires_passport(Action.CURATE_PASSPORT)
def answer_correction(passport, request_id):
    correction = db.session.get(CorrectionRequest, request_id)
    if correction is None or correction.passport_id != passport.id:
        abort(404)
    if correction.item_kind == "about_me":
        item = passport
        form = None
    else:
        item = items.find_item(passport, items.kind_of(correction.item_kind), correction.item_id)
        if item is None:
            abort(404)
        form = ITEM_FORMS[correction.item_kind](obj=item, prefix="item")
    decline_form = DeclineCorrectionForm(prefix="decline")
    conflict, status = None, 200
    if request.method == "POST" and correction.status == "open":
        if "about-me-done" in request.form:
            if ActionForm().validate_on_submit():
                items.mark_about_me_correction_made(current_user, correction)
                flash(_("Corrected. The young person can see the change."), "success")
                return redirect(url_for("staff.correction_queue"))
        elif "decline-reason" in request.form:
            if decline_form.validate_on_submit():
                items.decline_correction(current_user, correction, decline_form.reason.data)
                flash(_("Your answer has been sent to the young person"), "success")
                return redirect(url_for("staff.correction_queue"))
        elif form is not None and form.validate_on_submit():
            try:
                items.accept_correction(current_user, correction, item, form.item_values(), form.version.data)
            except items.ItemConflict as error:
                form.version.data = error.current.version
                form.form_errors.append(error.message)
                conflict = True
                status = 409
            except items.InputProblems as error:
                for field_name, message in error.problems:
                    apply_service_error(form, ServiceError(message, field=field_name))
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                flash(_("Corrected. The young person can see the change."), "success")
                return redirect(url_for("staff.correction_queue"))
    view = build_view(current_user, passport, clock.today())
    return render_template(
        "staff/correction.html",
        correction=view.correction(correction.id),
        view=view,
        form=form,
        decline_form=decline_form,
        conflict=conflict,
        action_form=ActionForm(),
        portal=Portal("staff", passport.id),
    ), status


@bp.post("/passports/<uuid:passport_id>/invite")
@requires_passport(Action.CURATE_PASSPORT)
def issue_invite(passport):
    form = IssueInviteForm()
    if not form.validate_on_submit():
        return redirect(url_for("staff.about_page", passport_id=passport.id))
    try:
        issued = invites.issue_claim_invite(current_user, passport)
    except ServiceError as error:
        return _about_page(passport, status=409, invite_form=form, invite_error=error.message)
    link = url_for("auth.claim", code=issued.code, _external=True)
    # Shown once: only a hash of the code is kept, so this page is the only place it appears.
    return render_template(
        "staff/invite.html",
        view=build_view(current_user, passport, clock.today()),
        code=issued.code_for_display,
        link=link,
        expires_at=issued.invite.expires_at,
        qr=qr_data_uri(link),
    )


@bp.post("/passports/<uuid:passport_id>/password-reset")
@requires_passport(Action.ISSUE_PASSWORD_RESET)
def issue_password_reset(passport):
    return password_reset_code_page(passport, back=url_for("staff.about_page", passport_id=passport.id))


# ---- Leaving packs for a whole cohort, made in the background (services/pdf_batches.py) ----------------

BATCH_REFRESH_SECONDS = 5


@bp.route("/leaving-packs", methods=["GET", "POST"])
@requires(Action.VIEW_CASELOAD)
def leaving_pack_batches():
    form = LeavingPackBatchForm()
    if form.validate_on_submit():
        try:
            batch = pdf_batches.start_leaving_packs(current_user, cohort_name=form.cohort.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            pdf_batches.render_in_this_process(current_app._get_current_object())  # development only
            return redirect(url_for("staff.leaving_pack_batch", batch_id=batch.id))
    today = clock.today()
    return render_template(
        "staff/leaving_pack_batches.html",
        form=form,
        batches=pdf_batches.batches_for(current_user, today),
        due_count=len(pdf_batches.cohort(current_user, today, due_only=True)),
        everyone_count=len(pdf_batches.cohort(current_user, today, due_only=False)),
    )


@bp.get("/leaving-packs/<uuid:batch_id>")
@requires(Action.VIEW_CASELOAD)
def leaving_pack_batch(batch_id):
    batch = pdf_batches.batch_for(current_user, batch_id)
    if batch is None:
        abort(404)
    progress = pdf_batches.progress_of(batch, current_user, clock.today())
    if not progress.finished:
        pdf_batches.render_in_this_process(current_app._get_current_object())  # development only
    response = make_response(
        render_template("staff/leaving_pack_batch.html", progress=progress, action_form=ActionForm())
    )
    if not progress.finished:
        # The page asks again by itself every few seconds (no JavaScript); it also has a plain link.
        response.headers["Refresh"] = str(BATCH_REFRESH_SECONDS)
    return response


@bp.post("/leaving-packs/<uuid:batch_id>/download")
@requires(Action.VIEW_CASELOAD)
def download_leaving_pack_batch(batch_id):
    batch = pdf_batches.batch_for(current_user, batch_id)
    if batch is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("staff.leaving_pack_batch", batch_id=batch_id))
    made = pdf_batches.download(batch, current_user, clock.today())
    response = Response(made.zip_file, mimetype="application/zip")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="leaving-packs-{batch.created_at.date().isoformat()}.zip"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
