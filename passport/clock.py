"""The app's one clock.

Rules that depend on the date (age, the handover at 18, invite expiry, session timeouts) ask this module,
never `datetime.now()` directly, so tests can move time by setting `FROZEN_NOW` in the app config.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

UK = ZoneInfo("Europe/London")


def now() -> datetime:
    """The current moment, timezone-aware (UTC)."""
    if has_app_context():
        frozen = current_app.config.get("FROZEN_NOW")
        if frozen is not None:
            return frozen if frozen.tzinfo else frozen.replace(tzinfo=UTC)
    return datetime.now(UTC)


def today() -> date:
    """Today's date in the UK: birthdays turn over at midnight London time, not UTC."""
    return now().astimezone(UK).date()


def age_on(date_of_birth: date, on: date) -> int:
    """Whole years of age on a date. Someone born on 29 February turns a year older on 1 March."""
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def birthday(date_of_birth: date, age: int) -> date:
    """The date someone reaches `age`. 29 February birthdays fall on 1 March in other years."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + age)
    except ValueError:
        return date(date_of_birth.year + age, 3, 1)
