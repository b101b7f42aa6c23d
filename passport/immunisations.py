"""The web side of the schedule engine: its sentences in the reader's language, and the report for a
passport built from the doses the viewer may see."""

from __future__ import annotations

from datetime import date

from flask_babel import format_date, gettext, ngettext

from passport import clinical_terms, schedule
from passport.models.items import Source


def explain(msgid: str, params: dict | None = None) -> str:
    """An engine sentence, translated, with its dates written the way the reader's language writes them."""
    return schedule.explain(
        msgid, params or {}, gettext=gettext, format_date=lambda value: format_date(value, "d MMMM y")
    )


# How the engine reads each stored source (a photo of a card is a written record, like an import).
_SOURCE_FOR_SCHEDULE = {source.value: source.for_schedule for source in Source}


def dose_for_schedule(vaccine_id: str, given_on: date, dose_number, where_given, source) -> schedule.Dose:
    """One recorded dose as the engine reads it."""
    return schedule.Dose(
        vaccine_id,
        given_on,
        dose_number,
        where_given or "unknown",
        _SOURCE_FOR_SCHEDULE[str(source)],  # an unknown source is a fault, not a guess
    )


def _as_schedule_dose(dose) -> schedule.Dose:
    if isinstance(dose, schedule.Dose):  # a list made them already (projection._live_doses)
        return dose
    # ItemViews carry their source in provenance; models carry it directly.
    source = getattr(getattr(dose, "provenance", dose), "source", Source.NURSE_VERIFIED)
    return dose_for_schedule(dose.vaccine_id, dose.given_on, dose.dose_number, dose.where_given, source)


def report_for(
    date_of_birth: date, doses, today: date, sex_at_birth: str | None, records: str, *, with_plan: bool = True
):
    """The engine's report over ItemViews, models or engine doses (without the catch-up plan when
    `with_plan` is False)."""
    return schedule.evaluate(
        date_of_birth,
        [_as_schedule_dose(d) for d in doses],
        today,
        sex_at_birth=sex_at_birth,
        records_status=records,
        with_plan=with_plan,
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


def vaccine_protects(vaccine_id: str) -> str:
    """What the vaccine protects against, in plain words and the reader's language."""
    try:
        return gettext(schedule.get_vaccine(vaccine_id).protects_against)
    except KeyError:
        return ""


def age_when_given(date_of_birth: date, given_on: date) -> str:
    """How old the person was, in the unit a reader would use: weeks for a baby, months to 2, then years."""
    days = (given_on - date_of_birth).days
    if days < 0:
        return ""
    if days < 13 * 7:
        weeks = days // 7
        return ngettext("%(num)d week", "%(num)d weeks", weeks)
    months = (given_on.year - date_of_birth.year) * 12 + given_on.month - date_of_birth.month
    if given_on.day < date_of_birth.day:
        months -= 1
    if months < 24:
        return ngettext("%(num)d month", "%(num)d months", months)
    return ngettext("%(num)d year", "%(num)d years", months // 12)


def schedule_rule(rule_id: str | None):
    """The Green Book or UKHSA rule with this id, for the nurse's evidence list; None for other ids."""
    return schedule.schedule_rules().get(rule_id) if rule_id else None


def programme_name(programme_id: str | None) -> str:
    if programme_id is None:
        return ""
    for programme in schedule.programmes():
        if programme.id == programme_id:
            return gettext(programme.name_msgid)
    return programme_id
