"""The guard that keeps SECURITY.md 23 and 28 true for forms nobody has written yet
(passport/services/versions.py says how a form carries the version its person saw).

In a web request, a flush that changes a versioned row for which neither `versions.check_seen` nor
`versions.unseen_change` was called raises `UncheckedChange` (in production it logs an error and lets the save
go ahead). It lives beside the web layer because it names the request's endpoint; the use cases never see it.
"""

from __future__ import annotations

import logging

from flask import current_app, has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from passport.services.versions import CHECKED, key_of

logger = logging.getLogger(__name__)


class UncheckedChange(RuntimeError):
    """A request changed a versioned row without checking the version its person saw: a programming error."""


def _changed_columns(row) -> bool:
    state = inspect(row)
    return any(state.attrs[column.key].history.has_changes() for column in state.mapper.column_attrs)


def _guard(session: Session, flush_context, instances) -> None:
    if not has_request_context():
        return  # commands and the background worker: no person, no page
    checked = session.info.get(CHECKED, set())
    for row in session.dirty:
        mapper = inspect(row).mapper
        if mapper.version_id_col is None or key_of(row) in checked or not _changed_columns(row):
            continue
        message = (
            f"{request.endpoint} changes a {type(row).__name__} without checking the version the person saw: "
            "call versions.check_seen(row, form.version.data) first (passport/services/versions.py)"
        )
        if current_app.config.get("STRICT_ROW_VERSIONS", True):
            raise UncheckedChange(message)
        logger.error(message)


def _forget(session: Session, *args) -> None:
    session.info.pop(CHECKED, None)


def install() -> None:
    """The guard, on every session (once per process)."""
    if not event.contains(Session, "before_flush", _guard):
        event.listen(Session, "before_flush", _guard)
        event.listen(Session, "after_commit", _forget)
        event.listen(Session, "after_rollback", _forget)
