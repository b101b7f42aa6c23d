"""Template helpers for the young person's own look (passport/themes.py) and for sizes of files."""

from __future__ import annotations

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from passport import themes
from passport.extensions import db
from passport.models import Passport, Role


def theme_class() -> str:
    """The body class of the signed-in young person's theme, on their own pages only: never on a staff page,
    a public page or a shared link."""
    if not has_request_context() or request.blueprint != "me":
        return ""
    if not current_user.is_authenticated or current_user.role != Role.YOUNG_PERSON:
        return ""
    if "passport_theme" not in g:
        g.passport_theme = db.session.scalar(
            select(Passport.theme).where(Passport.young_person_id == current_user.id)
        )
    return f"app-theme--{themes.theme_or_default(g.passport_theme).name}"


def file_size(size: int | None) -> str:
    """A size as people read it: 40 KB, 3.2 MB, 25 MB."""
    size = size or 0
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    value = size / (1024 * 1024)
    return f"{value:.1f} MB" if value < 10 else f"{value:.0f} MB"
