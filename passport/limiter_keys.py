"""Keys for rate limits that count per thing rather than per address (an account, a share link)."""

from __future__ import annotations

import hashlib

from flask import request


def share_token() -> str:
    token = (request.view_args or {}).get("token", "")
    return "share:" + hashlib.sha256(token.encode()).hexdigest()[:32]
