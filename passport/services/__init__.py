"""Use cases. Each public function is one transaction: it commits on success and rolls back on any error,
so a failure never leaves half a change (see `transaction`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

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
        except BaseException:
            session.rollback()
            raise
        finally:
            session.info["in_use_case"] = False

    return wrapped
