"""The young person's own passport, on their phone."""

from flask import Blueprint

bp = Blueprint("me", __name__, url_prefix="/my-passport")

from passport.me import own_views, views  # noqa: E402, F401
