"""The organisation admin's pages: staff accounts and the audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from passport.admin import local_help_views, organisation_views, views  # noqa: E402, F401
