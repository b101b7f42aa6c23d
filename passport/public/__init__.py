"""Pages anyone can open: the start page, the health check and the language choice."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from passport.public import views  # noqa: E402, F401
