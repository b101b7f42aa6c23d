"""The web side of the schedule engine: its sentences in the reader's language, and the report for a
passport built from the doses the viewer may see."""

from __future__ import annotations

from datetime import date

from flask_babel import format_date, gettext

from passport import clinical_terms, schedule


def explain(msgid: str, params: dict | None = None) -> str:
    """An engine sentence, translated, with its dates written the way the reader's language writes them."""
    return schedule.explain(
        msgid, params or {}, gettext=gettext, format_date=lambda value: format_date(value, "d MMMM y")
    )


def report_for(date_of_birth: date, doses, today: date, sex_at_birth: str | None, records: str):
    """The engine's report over ItemViews (or models) of doses."""
    return schedule.evaluate(
        date_of_birth,
        [
            schedule.Dose(
                d.vaccine_id,
                d.given_on,
                d.dose_number,
                d.where_given or "unknown",
                # ItemViews carry their source in provenance; models carry it directly.
                str(getattr(getattr(d, "provenance", d), "source", "nurse_verified")),
            )
            for d in doses
        ],
        today,
        sex_at_birth=sex_at_birth,
        records_status=records,
    )


def vaccine_name(vaccine_id: str) -> str:
    """The vaccine's plain name in the reader's language, then its clinical name: "5-in-1 vaccine
    (DTaP/IPV/Hib)". The clinical abbreviation is the same in every language."""
    try:
        vaccine = schedule.get_vaccine(vaccine_id)
    except KeyError:
        return vaccine_id
    name = gettext(vaccine.name)
    return f"{name} ({vaccine.clinical_name})" if vaccine.clinical_name else name


def plain_vaccine_name(vaccine_id: str) -> str:
    """Only the plain name ("5-in-1 vaccine"), for a heading whose clinical name is explained beside it."""
    try:
        return gettext(schedule.get_vaccine(vaccine_id).name)
    except KeyError:
        return vaccine_id


def clinical_vaccine_name(vaccine_id: str) -> str | None:
    try:
        return schedule.get_vaccine(vaccine_id).clinical_name
    except KeyError:
        return None


def term_label(kind: str, text: str | None) -> str:
    """An item's name as the reader sees it: a listed term (passport/clinical_terms.py) in their language,
    anything else exactly as it was typed."""
    term = clinical_terms.match(kind, text)
    return gettext(term.name) if term is not None else (text or "")
