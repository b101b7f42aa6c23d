"""The keys rate limits count under: a keyed hash of the thing counted, never the thing itself.

Flask-Limiter logs a limit's key when it trips (`ratelimit 10 per 15 minute (<key>) exceeded`) and keeps it
in Redis, so a key must not hold what it counts: an email, an address, a sign-up or reset code, a share
token. `keyed()` is HMAC-SHA256 under a key derived from SECRET_KEY: the same on every app server (so they
share one count in Redis), useless to anyone reading the log or the Redis without the secret, and different
for each purpose. tests/test_log_redaction.py trips every limit and looks for what it typed in the logs.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from flask import current_app, request
from flask_limiter.util import get_remote_address


@functools.lru_cache(maxsize=4)
def _hash_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"health-passport rate-limit keys", hashlib.sha256).digest()


def keyed(purpose: str, value: str) -> str:
    """`purpose:` and 32 hex characters of HMAC-SHA256(value)."""
    digest = hmac.new(_hash_key(current_app.config["SECRET_KEY"]), value.encode(), hashlib.sha256)
    return f"{purpose}:{digest.hexdigest()[:32]}"


def remote_address() -> str:
    """Per address (the limiter's default key)."""
    return keyed("address", get_remote_address() or "")


def share_token() -> str:
    return keyed("share", (request.view_args or {}).get("token", ""))
