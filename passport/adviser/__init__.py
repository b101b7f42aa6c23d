"""The personal adviser's view: who is ready to leave care, and who to contact. No clinical detail."""

from flask import Blueprint

bp = Blueprint("adviser", __name__, url_prefix="/adviser")

from passport.adviser import views  # noqa: E402, F401
