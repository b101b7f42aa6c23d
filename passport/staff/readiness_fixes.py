"""Every readiness gap, on the nurse's pages, links to the form that closes it: "Not registered with a GP"
→ "Add their GP". Doing it closes the gap (passport/readiness.py reads the same data and the same
checklist), and the form returns to the page the nurse started from."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Fix:
    url: str
    words: object  # a lazy, translatable sentence


def _fixes(passport_id: uuid.UUID, back: str) -> dict[str, Fix]:
    def add(kind: str, **choice) -> str:
        return url_for("staff.add_item", passport_id=passport_id, kind=kind, next=back, **choice)

    page = lambda endpoint, anchor="": url_for(endpoint, passport_id=passport_id) + anchor  # noqa: E731
    return {
        "not_claimed": Fix(page("staff.about_page", "#account"), _l("Make a sign-up code for them")),
        "no_gp": Fix(add("registration", service="gp"), _l("Add their GP")),
        "no_nhs_number": Fix(
            url_for("staff.change_nhs_number", passport_id=passport_id, next=back),
            _l("Record their NHS number"),
        ),
        "no_dentist": Fix(add("registration", service="dentist"), _l("Add their dentist")),
        "vaccines_not_checked": Fix(
            page("staff.vaccines_page", "#records"), _l("Check their vaccine records")
        ),
        "vaccines_not_reviewed": Fix(
            page("staff.leaving_pack_page", "#tick-immunisations_reviewed"),
            _l("Talk the catch-up vaccines through, then tick it in the leaving pack"),
        ),
        "no_personal_adviser": Fix(add("contact", role="personal_adviser"), _l("Add their personal adviser")),
        "no_emergency_contact": Fix(
            url_for("staff.choose_emergency_contact", passport_id=passport_id, next=back),
            _l("Choose who to call in an emergency"),
        ),
        "leaving_pack_not_given": Fix(
            page("staff.leaving_pack_page", "#handover"), _l("Record the handover")
        ),
    }


def fix_for(gap_id: str, passport_id: uuid.UUID, back: str) -> Fix:
    """The link that closes this gap; `back` is the nurse's page to come back to afterwards."""
    return _fixes(passport_id, back)[gap_id]
