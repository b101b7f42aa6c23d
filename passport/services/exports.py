"""Everything that leaves the app as a file: the passport PDF, the wallet emergency card, the nurse's
leaving-pack PDF, and the young person's own data export. Each is rendered from a PassportView built for
its output, so it can never hold more than the policy and the young person's choices allow, and each is
audited."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date

from flask_babel import force_locale, format_date, get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from passport import clock, policy
from passport.config import RTL_LOCALES
from passport.exports import fhir, qr
from passport.exports.pdf import TemplateRenderer
from passport.models import Passport, User
from passport.policy import Action, Output, Section, Selection
from passport.projection import PassportView, build_view
from passport.services import ServiceError, audit, health_cards, local_help, transaction


def _produced_on(today: date) -> str:
    return format_date(today, "d MMMM y")


@dataclass(frozen=True)
class Part:
    lang: str
    dir: str
    label: str
    html: Markup
    footer: str


def _part(view: PassportView, locale: str, today: date, renderer: TemplateRenderer) -> Part:
    """The passport's body in one language, with the page footer in that language too. The HTML is our own
    template's output, already escaped."""
    with force_locale(locale):
        body = renderer.html("pdf/_passport_body.html", view=view)
        return Part(
            lang=locale.replace("_", "-"),
            dir="rtl" if locale.split("_")[0] in RTL_LOCALES else "ltr",
            label=str(_l("In English, for health staff"))
            if locale == "en_GB"
            else str(_l("In your language")),
            html=body,
            # The date is isolated so it reads in its own language's order inside the sentence.
            footer=str(
                _l("Produced from Health Passport on %(date)s", date=f"\u2068{_produced_on(today)}\u2069")
            ),
        )


@transaction
def passport_pdf(
    young_person: User,
    passport: Passport,
    selection: Selection,
    *,
    renderer: TemplateRenderer,
    bilingual: bool = False,
) -> bytes:
    """The passport in the reader's language; bilingual adds an English copy after it for the clinician."""
    today = clock.today()
    if not policy.can(young_person, Action.ACT_AS_OWNER, passport, today):
        raise ServiceError(_l("You cannot do this"))
    view = build_view(young_person, passport, today, Output.PDF, selection)
    locale = str(get_locale() or "en_GB")
    parts = [_part(view, locale, today, renderer)]
    if bilingual and locale != "en_GB":
        parts.append(_part(view, "en_GB", today, renderer))
    pdf = renderer.pdf(
        "pdf/passport.html", view=view, parts=parts, produced_on=_produced_on(today), title=view.name
    )
    audit.record("passport_exported", actor=young_person, passport=passport, export="passport_pdf")
    return pdf


# Each line of the card's QR text is cut to this length, so the eight lines always fit one QR code
# (qr.MAX_QR_TEXT) and a long list loses its tail, never the emergency contact after it.
CARD_QR_LINE = 140


def emergency_card_text(view: PassportView) -> str:
    """What the card's QR holds: the card's details as short plain text any phone camera can read with no
    signal, most urgent first. In English, for whoever treats the young person."""
    about = view.about_me
    lines = [about.legal_name, about.date_of_birth.isoformat()]
    if about.nhs_number:
        lines.append(f"NHS {about.nhs_number[:3]} {about.nhs_number[3:6]} {about.nhs_number[6:]}")
    health = view.health
    if health and health.allergies:
        lines.append(
            "Allergies: "
            + ", ".join(
                f"{a.substance} (severe)" if a.severity == "severe" else a.substance for a in health.allergies
            )
        )
    contacts = view.contacts.now if view.contacts else ()
    for contact in contacts:
        if contact.emergency_contact or contact.role == "emergency_contact":
            lines.append(f"In an emergency call: {contact.name} {contact.phone or ''}".rstrip())
    if health and health.current_medications:
        lines.append("Medicines: " + ", ".join(m.name for m in health.current_medications))
    if health and health.conditions:
        lines.append("Conditions: " + ", ".join(c.name for c in health.conditions))
    gp = view.registrations.gp if view.registrations else None
    if gp:
        lines.append(f"GP: {gp.name} {gp.phone or ''}".rstrip())
    lines = [line if len(line) <= CARD_QR_LINE else line[: CARD_QR_LINE - 1] + "…" for line in lines]
    return "\n".join(lines[:8])


@transaction
def emergency_card_pdf(young_person: User, passport: Passport, *, renderer: TemplateRenderer) -> bytes:
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
    pdf = renderer.pdf(
        "pdf/emergency_card.html", view=view, produced_on=_produced_on(today), qr=card_qr, title=view.name
    )
    audit.record("passport_exported", actor=young_person, passport=passport, export="emergency_card")
    return pdf


@transaction
def leaving_pack_pdf(nurse: User, passport: Passport, *, renderer: TemplateRenderer) -> bytes:
    today = clock.today()
    if not policy.can(nurse, Action.CURATE_PASSPORT, passport, today):
        raise ServiceError(_l("You cannot do this"))
    view = build_view(nurse, passport, today, Output.PDF, Selection())
    pdf = renderer.pdf(
        "pdf/leaving_pack.html",
        view=view,
        pack=view.readiness.pack,
        help_groups=local_help.help_near(passport),
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
