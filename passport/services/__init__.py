"""Use cases. Each public function is one transaction: it commits on success and rolls back on any error,
so a failure never leaves half a change (see `transaction`). A save that loses a race with another (its
row's version moved on, or another request made the same unique row first) is refused as
versions.ChangedSinceSeen, the "Someone else changed this" page, never a 500."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from passport.extensions import db

P = ParamSpec("P")
R = TypeVar("R")


class ServiceError(Exception):
    """A use case refused its input. `field` names the form field the message belongs beside."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def transaction(func: Callable[P, R]) -> Callable[P, R]:
    """Run a use case as one transaction. Nested calls join the outer one."""

    @functools.wraps(func)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        session = db.session
        if session.info.get("in_use_case"):
            return func(*args, **kwargs)
        session.info["in_use_case"] = True
        try:
            result = func(*args, **kwargs)
            session.commit()
            return result
        except (StaleDataError, IntegrityError) as error:
            session.rollback()
            if isinstance(error, IntegrityError) and not _is_unique_violation(error):
                raise
            from passport.services.versions import ChangedSinceSeen

            raise ChangedSinceSeen() from error
        except BaseException:
            session.rollback()
            raise
        finally:
            session.info["in_use_case"] = False

    return wrapped


def _is_unique_violation(error: IntegrityError) -> bool:
    """Another request saved the same unique row first (a programming error, a missing parent, stays one)."""
    original = error.orig
    return type(original).__name__ == "UniqueViolation" or "UNIQUE constraint failed" in str(original)
