"""Messages: reminders by text and email for young people, the weekly email for nurses and advisers, the
list of messages we sent each person, and the stop link at the end of every message (no sign-in needed)."""

from flask import Blueprint

bp = Blueprint("messages", __name__, url_prefix="/messages")

from passport.messages import views  # noqa: E402, F401
