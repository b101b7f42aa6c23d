"""Dates are written the way each language writes them, the same whether the page remembers them or not.
The date filters remember a formatted day per language (a staff list writes fifty a page): the memo must
never hand one language's date to another, and a datetime must still be moved to the reader's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale, format_date

from passport.config import SUPPORTED_LOCALES

DAYS = [date(2009, 3, 4), date(2008, 12, 31), date(2010, 2, 28)]


@pytest.mark.parametrize("pattern_filter", ["long_date", "format_month", "day_and_date"])
def test_each_language_gets_its_own_date_from_the_filters(app, pattern_filter):
    written = app.jinja_env.filters[pattern_filter]
    pattern = {"long_date": "d MMMM y", "format_month": "MMMM y", "day_and_date": "EEEE d MMMM y"}
    seen = {}
    with app.test_request_context("/"):
        for _round in range(2):  # the second round is answered from the memo
            for locale in SUPPORTED_LOCALES:
                with force_locale(locale):
                    for day in DAYS:
                        expected = format_date(day, pattern[pattern_filter])
                        assert written(day) == expected, (locale, day)
                        seen.setdefault(day, set()).add(expected)
        assert written(None) == ""
    # The languages really do write them differently (an English date everywhere would also be "equal").
    assert all(len(forms) >= 4 for forms in seen.values())


def test_a_time_is_written_on_the_readers_day(app):
    """Just before midnight UTC in summer is already the next day in London: a datetime passed to the date
    filter is moved to the reader's time zone first, as Flask-Babel does."""
    late = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    with app.test_request_context("/"), force_locale("en_GB"):
        assert app.jinja_env.filters["long_date"](late) == format_date(late, "d MMMM y") == "2 July 2026"
