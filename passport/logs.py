"""What the app's logs may say about a request: its path, never its query string (an invite link carries its
code there) and never a share link's token (the path /s/<token> is itself the key to a passport).

The dev server's access lines (werkzeug, `make run`) and Flask's "Exception on <path>" lines pass through
`RedactRequests`. In production gunicorn writes the access log; gunicorn.conf.py keeps the same rule there
(its format has no query string, and its logger hides the token). Health data never reaches a log at all:
the app logs no form values, and database errors are logged without their parameters (`hide_parameters` in
config.engine_options). tests/test_logs.py holds all of this.
"""

from __future__ import annotations

import logging
import re

from flask import Flask

# A query string runs to the next space, quote or colour code (the dev server colours its lines); a share
# path starts a line or a quoted request line, or follows a host name (a referrer).
_QUERY = re.compile(r"\?[^\s\"\x1b]*")
_SHARE_TOKEN = re.compile(r"(^|[\s\"]|://[^/\s\"]*)/s/[^/?#\s\"\x1b]+")
# A SMART Health Link's manifest and its files carry tokens in the path the same way.
_SHL_TOKEN = re.compile(r"(^|[\s\"]|://[^/\s\"]*)/shl/(files/)?[^/?#\s\"\x1b]+")
# Not a password: what a share token is replaced with.
HIDDEN_TOKEN = "/s/[hidden]"  # noqa: S105  # nosec B105


def redact(text: str) -> str:
    """A log line's request paths without query strings or share tokens."""
    text = _SHARE_TOKEN.sub(r"\1" + HIDDEN_TOKEN, _QUERY.sub("", text))
    return _SHL_TOKEN.sub(r"\1/shl/\2[hidden]", text)


class RedactRequests(logging.Filter):
    """Rewrites the message and its string arguments with `redact` before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


def install(app: Flask) -> None:
    """Put the filter on the loggers that write request paths: the dev server's and the app's own."""
    for logger in (logging.getLogger("werkzeug"), app.logger):
        if not any(isinstance(existing, RedactRequests) for existing in logger.filters):
            logger.addFilter(RedactRequests())
