"""The young person's own look for their passport: a colour theme and a short name (passport/themes.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from passport import clock, policy, themes
from passport.extensions import db
from passport.models import Passport, User
from passport.services import ServiceError, transaction, versions
from passport.services.items import InputProblems

TITLE_MAX = 40


class LookConflict(versions.ChangedSinceSeen):
    """The passport changed after this page was opened (another tab or phone). `current`: it as it is now."""


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
    versions.check_seen(passport, version, conflict=LookConflict)
    passport.theme = theme
    passport.passport_title = title
    try:
        db.session.flush()
    except StaleDataError as error:
        db.session.rollback()
        raise LookConflict(db.session.get(Passport, passport.id)) from error
