"""What the app's logs may say: a request's path, never its query string (an invite link carries its code
there) nor a share link's token (the path /s/<token> is itself the key to a passport); and, whatever logged
it, no email address, NHS number, sign-up, reset, set-up or recovery code, or long token.

Two layers. The app logs no such thing itself (rate-limit keys are keyed hashes: limiter_keys.py). Behind
that, `install` puts `redact_record` into the log record factory, so every record any library makes in this
process (Flask-Limiter, Werkzeug, SQLAlchemy, psycopg errors in a traceback) is made safe before a handler,
ours or gunicorn's, sees it. tests/test_log_redaction.py.

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

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# 10 digits, as typed or printed (943 476 5919, 943-476-5919): NHS numbers (and phone-like numbers with them).
_NHS_NUMBER = re.compile(r"(?<![\d.])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\d.])")
# Sign-up, reset, set-up (12) and recovery (10) codes: letters and digits from invites.CODE_ALPHABET.
_CODE = re.compile(r"(?<![A-Za-z0-9])(?:[A-HJ-NP-Z2-9]{4}-?){2}[A-HJ-NP-Z2-9]{4}(?![A-Za-z0-9])")
_RECOVERY_CODE = re.compile(r"(?<![A-Za-z0-9])[A-HJ-NP-Z2-9]{5}-?[A-HJ-NP-Z2-9]{5}(?![A-Za-z0-9])")
# Anything long and random-looking (share tokens, authenticator keys, hashes): letters and digits together.
_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])")
_UUID = re.compile(r"\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


def redact(text: str) -> str:
    """A log line's request paths without query strings or share tokens."""
    text = _SHARE_TOKEN.sub(r"\1" + HIDDEN_TOKEN, _QUERY.sub("", text))
    return _SHL_TOKEN.sub(r"\1/shl/\2[hidden]", text)


def _token(match: re.Match) -> str:
    word = match.group(0)
    # Ids stay (operators need them, and they say nothing about anyone); so do words and names of things
    # (render-leaving-packs) and plain numbers. A random token almost always mixes letters and digits.
    if _UUID.match(word) or not any(c.isdigit() for c in word) or not any(c.isalpha() for c in word):
        return word
    return "[hidden]"


def redact_secrets(text: str) -> str:
    """`redact`, and no email address, NHS number, code or token."""
    text = _EMAIL.sub("[email]", redact(text))
    text = _TOKEN.sub(_token, text)
    text = _CODE.sub("[code]", text)
    text = _RECOVERY_CODE.sub("[code]", text)
    return _NHS_NUMBER.sub("[number]", text)


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """The record with its message (arguments merged in) and its traceback made safe."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: log what there is, never fail the caller
        message = str(record.msg)
    record.msg, record.args = redact_secrets(message), ()
    if record.exc_info and not record.exc_text:
        # Formatters use exc_text when it is set, so the traceback is formatted (and cleaned) once, here.
        record.exc_text = redact_secrets(logging.Formatter().formatException(record.exc_info))
    return record


def _install_record_factory() -> None:
    make_record = logging.getLogRecordFactory()
    if getattr(make_record, "redacts", False):
        return

    def redacting_factory(*args, **kwargs) -> logging.LogRecord:
        return redact_record(make_record(*args, **kwargs))

    redacting_factory.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting_factory)


class RedactRequests(logging.Filter):
    """Rewrites the message and its string arguments with `redact` before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


def install(app: Flask) -> None:
    """Clean every log record this process makes, and put the request filter on the loggers that write
    request paths (the dev server's and the app's own)."""
    _install_record_factory()
    for logger in (logging.getLogger("werkzeug"), app.logger):
        if not any(isinstance(existing, RedactRequests) for existing in logger.filters):
            logger.addFilter(RedactRequests())
