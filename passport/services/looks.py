"""The young person's own look for their passport: a colour theme and a short name (passport/themes.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from passport import clock, policy, themes
from passport.extensions import db
from passport.models import Passport, User
from passport.services import ServiceError, transaction
from passport.services.items import InputProblems

TITLE_MAX = 40


class LookConflict(ServiceError):
    def __init__(self, current: Passport):
        super().__init__(
            _l(
                "Your passport was changed somewhere else at the same time. Check your choice, "
                "then save again"
            )
        )
        self.current = current


@transaction
def choose(
    young_person: User, passport: Passport, *, theme: str | None, title: str | None, version: int
) -> None:
    if not policy.can(young_person, policy.Action.ACT_AS_OWNER, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))
    title = (title or "").strip() or None
    problems = []
    if theme not in themes.THEMES:
        problems.append(("theme", _l("Choose a colour")))
    if title and len(title) > TITLE_MAX:
        problems.append(("title", _l("The name must be 40 characters or fewer")))
    if problems:
        raise InputProblems(problems)
    if passport.version != version:
        raise LookConflict(passport)
    passport.theme = theme
    passport.passport_title = title
    try:
        db.session.flush()
    except StaleDataError as error:
        db.session.rollback()
        raise LookConflict(db.session.get(Passport, passport.id)) from error
