"""The web side of the schedule engine: its sentences in the reader's language, and the report for a
passport built from the doses the viewer may see."""

from __future__ import annotations

from datetime import date

from flask_babel import format_date, gettext

from passport import schedule
from passport.models.items import Source


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
                Source(getattr(getattr(d, "provenance", d), "source", "nurse_verified")).for_schedule,
            )
            for d in doses
        ],
        today,
        sex_at_birth=sex_at_birth,
        records_status=records,
    )


def vaccine_name(vaccine_id: str) -> str:
    try:
        return gettext(schedule.get_vaccine(vaccine_id).name)
    except KeyError:
        return vaccine_id
