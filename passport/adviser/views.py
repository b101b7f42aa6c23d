from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import render_template, url_for
from flask_login import current_user

from passport import attachment_pages, clock, policy
from passport.access import requires, requires_passport
from passport.adviser import bp
from passport.item_forms import ActionForm
from passport.passport_pages import password_reset_code_page
from passport.policy import Action
from passport.projection import build_view
from passport.services import caseload, passports


@dataclass(frozen=True)
class AdviserLinks:
    """Where the adviser opens a photo or file the young person let them see."""

    passport_id: uuid.UUID

    def file(self, attachment) -> str:
        return url_for("adviser.attachment_file", passport_id=self.passport_id, attachment_id=attachment.id)

    def thumbnail(self, attachment) -> str:
        return url_for(
            "adviser.attachment_thumbnail", passport_id=self.passport_id, attachment_id=attachment.id
        )


@bp.get("/")
@requires(Action.VIEW_READINESS_DASHBOARD)
def dashboard():
    rows = caseload.adviser_caseload(current_user, clock.today())
    return render_template("adviser/dashboard.html", rows=rows)


@bp.get("/young-people/<uuid:passport_id>")
@requires_passport(Action.VIEW_READINESS)
def young_person(passport):
    passports.record_staff_view(current_user, passport, view="adviser_readiness")
    today = clock.today()
    view = build_view(current_user, passport, today)
    return render_template(
        "adviser/young_person.html",
        view=view,
        links=AdviserLinks(passport.id),
        can_reset_password=policy.can(current_user, Action.ISSUE_PASSWORD_RESET, passport, today),
        reset_form=ActionForm(),
    )


@bp.post("/young-people/<uuid:passport_id>/password-reset")
@requires_passport(Action.ISSUE_PASSWORD_RESET)
def issue_password_reset(passport):
    return password_reset_code_page(passport, back=url_for("adviser.young_person", passport_id=passport.id))


@bp.get("/young-people/<uuid:passport_id>/papers/<uuid:attachment_id>")
@requires_passport(Action.VIEW_READINESS)
def attachment_file(passport, attachment_id):
    """A photo or file the young person chose to let their adviser see (policy.shows_attachment)."""
    return attachment_pages.attachment_file(passport, attachment_id)


@bp.get("/young-people/<uuid:passport_id>/papers/<uuid:attachment_id>/thumbnail")
@requires_passport(Action.VIEW_READINESS)
def attachment_thumbnail(passport, attachment_id):
    return attachment_pages.attachment_file(passport, attachment_id, thumbnail=True)
