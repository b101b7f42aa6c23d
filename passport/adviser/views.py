from __future__ import annotations

from flask import render_template
from flask_login import current_user

from passport import clock
from passport.access import requires, requires_passport
from passport.adviser import bp
from passport.policy import Action
from passport.projection import build_view
from passport.services import caseload, passports


@bp.get("/")
@requires(Action.VIEW_READINESS_DASHBOARD)
def dashboard():
    rows = caseload.adviser_caseload(current_user, clock.today())
    return render_template("adviser/dashboard.html", rows=rows)


@bp.get("/young-people/<uuid:passport_id>")
@requires_passport(Action.VIEW_READINESS)
def young_person(passport):
    passports.record_staff_view(current_user, passport, view="adviser_readiness")
    view = build_view(current_user, passport, clock.today())
    return render_template("adviser/young_person.html", view=view)
