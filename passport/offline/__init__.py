"""The installable app and the passport readable with no signal: the web app manifest, the service worker,
and the young person's "Keep a copy on this phone" (services/offline_copies.py says how a copy ends)."""

from flask import Blueprint

bp = Blueprint("offline", __name__)

from passport.offline import views  # noqa: E402, F401
