"""Pages for people without an account: a share link a young person gave them, the public keys of our
offline health cards, and a page that checks such a card."""

from flask import Blueprint

bp = Blueprint("share", __name__)

from passport.share import views  # noqa: E402, F401
