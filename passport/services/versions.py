"""The version a person saw: every form that changes a row carries it, and a change sent from an older
version is refused with the "Someone else changed this" page, never saved over someone else's
(SECURITY.md 23 and 28).

Adding it to a new form that changes a row:

1. The row's model has a version column that SQLAlchemy keeps: `version: Mapped[int] =
   mapped_column(Integer, default=1)` and `__mapper_args__ = {"version_id_col": version}`. Every UPDATE then
   says "... WHERE version = <the one loaded>" and adds one.
2. The form carries the version the page showed. A WTForms form inherits `passport.forms.SeenVersion`
   (made with `obj=row`, it fills itself in; render `{{ form.version }}` or use render_field). A button
   (a form with nothing but its CSRF token) puts `{{ seen_version(row.version) }}` (macros/forms.html)
   inside its `<form>`, and its view reads it with `SeenVersion()`.
3. The view passes `form.version.data` to the use case, and the use case calls `check_seen(row, seen)`
   before it changes the row. That is all: an older version raises `ChangedSinceSeen`, which web.py answers
   with 409 and the "Someone else changed this" page (a view may catch it to show the conflict in its own
   form, as the item forms do).

A row a request changes that the person never saw (the passport a sign-up code claims) says why with
`unseen_change(row, reason)`. A checklist merges instead (services/leaving_pack.py). A first save under a
unique key uses `insert_first`, so two at once never collide.

What keeps it true for forms nobody has written yet: passport/version_guard.py puts a guard on every
session. In a web request, a flush that changes a versioned row for which neither `check_seen` nor
`unseen_change` was called raises `UncheckedChange` (in production it logs an error instead).
tests/web/test_row_versions.py sends every form of every POST route from an out-of-date page.
"""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql, sqlite

from passport.extensions import db

logger = logging.getLogger(__name__)

# session.info key: the rows checked in the current transaction, as (class, primary key).
CHECKED = "rows_checked"

SOMEONE_ELSE_CHANGED_THIS = _l(
    "Someone else changed this while you were editing it. Check what it says now, then make your change again"
)


class ChangedSinceSeen(Exception):
    """The row changed after this person's page was made. `current` is the row as it is now (None when the
    row is not known: the save lost a race with another in the database itself).

    Not a ServiceError on purpose: a view's `except ServiceError` (a message beside a field) must not catch
    it, so that it reaches the "Someone else changed this" page unless the view chooses to show it itself."""

    def __init__(self, current=None):
        super().__init__(SOMEONE_ELSE_CHANGED_THIS)
        self.message = SOMEONE_ELSE_CHANGED_THIS
        self.current = current


def key_of(row) -> tuple:
    state = inspect(row)
    return (type(row), state.identity if state.identity is not None else id(row))


def _mark(row) -> None:
    db.session.info.setdefault(CHECKED, set()).add(key_of(row))


def check_seen(row, seen: int | None, conflict: type[ChangedSinceSeen] = ChangedSinceSeen) -> None:
    """Refuse a change to `row` from someone whose page showed another version of it (or none)."""
    if row is None or seen is None or row.version != seen:
        raise conflict(row)
    _mark(row)


def unseen_change(row, reason: str) -> None:
    """This request changes `row` without the person having seen it, for `reason` (said for the reader)."""
    if not reason:
        raise ValueError("say why no version is needed")
    _mark(row)


def merged_change(row) -> None:
    """This request merged its change into `row` as it is now, in this transaction (a checklist)."""
    _mark(row)


def insert_first(model, **values):
    """INSERT a row unless one with the same unique key is already there (or being made by another request
    at this moment): the new row, or None. One statement on SQLite and PostgreSQL alike, so two first saves
    at once never end in a unique-key error."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    mapper = inspect(model)
    (primary_key,) = mapper.primary_key
    statement = insert(model).values(**values).on_conflict_do_nothing().returning(primary_key)
    new_id = db.session.execute(statement).scalar()
    return db.session.get(model, new_id) if new_id is not None else None
