"""Everything that leaves the app as a file: the passport PDF, the wallet emergency card, the nurse's
leaving-pack PDF, and the young person's own data export. Each is rendered from a PassportView built for
its output, so it can never hold more than the policy and the young person's choices allow, and each is
audited."""

from __future__ import annotations

import base64
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from passport import clock, policy
from passport.exports import fhir, qr
from passport.exports.pdf import render_template_pdf
from passport.models import Passport, User
from passport.policy import Action, Output, Section, Selection
from passport.projection import PassportView, build_view
from passport.services import ServiceError, audit, health_cards, leaving_pack, transaction


def _produced_on(today: date) -> str:
    return format_date(today, "d MMMM y")


@transaction
def passport_pdf(young_person: User, passport: Passport, selection: Selection) -> bytes:
    today = clock.today()
    if not policy.can(young_person, Action.ACT_AS_OWNER, passport, today):
        raise ServiceError(_l("You cannot do this"))
    view = build_view(young_person, passport, today, Output.PDF, selection)
    pdf = render_template_pdf(
        "pdf/passport.html", view=view, produced_on=_produced_on(today), title=view.name
    )
    audit.record("passport_exported", actor=young_person, passport=passport, export="passport_pdf")
    return pdf


def emergency_card_text(view: PassportView) -> str:
    """What the card's QR holds: a short plain summary any phone camera can read with no signal."""
    about = view.about_me
    lines = [about.legal_name, about.date_of_birth.isoformat()]
    if about.nhs_number:
        lines.append(f"NHS {about.nhs_number[:3]} {about.nhs_number[3:6]} {about.nhs_number[6:]}")
    if view.health:
        if view.health.allergies:
            lines.append("Allergies: " + ", ".join(a.substance for a in view.health.allergies))
        if view.health.current_medications:
            lines.append("Medicines: " + ", ".join(m.name for m in view.health.current_medications))
    return "\n".join(lines)[: qr.MAX_QR_TEXT]


@transaction
def emergency_card_pdf(young_person: User, passport: Passport) -> bytes:
    """A wallet card: name, date of birth, NHS number, allergies, conditions, medicines, GP, who to call."""
    today = clock.today()
    if not policy.can(young_person, Action.ACT_AS_OWNER, passport, today):
        raise ServiceError(_l("You cannot do this"))
    selection = Selection(
        sections=frozenset(
            {Section.ABOUT_ME, Section.HEALTH_SUMMARY, Section.REGISTRATIONS, Section.CONTACTS}
        )
    )
    view = build_view(young_person, passport, today, Output.PDF, selection)
    card_qr = (
        "data:image/png;base64,"
        + base64.b64encode(qr.qr_png_bytes(emergency_card_text(view), scale=3)).decode()
    )
    pdf = render_template_pdf(
        "pdf/emergency_card.html", view=view, produced_on=_produced_on(today), qr=card_qr, title=view.name
    )
    audit.record("passport_exported", actor=young_person, passport=passport, export="emergency_card")
    return pdf


@transaction
def leaving_pack_pdf(nurse: User, passport: Passport) -> bytes:
    today = clock.today()
    if not policy.can(nurse, Action.CURATE_PASSPORT, passport, today):
        raise ServiceError(_l("You cannot do this"))
    view = build_view(nurse, passport, today, Output.PDF, Selection())
    pdf = render_template_pdf(
        "pdf/leaving_pack.html",
        view=view,
        pack=leaving_pack.state(passport, today),
        today=today,
        produced_on=_produced_on(today),
        title=view.name,
    )
    audit.record("passport_exported", actor=nurse, passport=passport, export="leaving_pack_pdf")
    return pdf


@transaction
def fhir_document(young_person: User, passport: Passport, selection: Selection) -> bytes:
    """The passport as a FHIR R4 document Bundle (International Patient Summary shape) for another system."""
    today = clock.today()
    if not policy.can(young_person, Action.ACT_AS_OWNER, passport, today):
        raise ServiceError(_l("You cannot do this"))
    view = build_view(young_person, passport, today, Output.FHIR, selection)
    bundle = fhir.build_bundle(
        view,
        produced_at=clock.now(),
        organisation_name=passport.organisation.name,
        identifier_system_base=f"{health_cards.issuer_url()}/fhir/{passport.organisation_id}",
    )
    audit.record("passport_exported", actor=young_person, passport=passport, export="fhir")
    return fhir.bundle_json(bundle)
