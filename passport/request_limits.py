"""The body-size limit (MAX_CONTENT_LENGTH) for every request body, however it is sent.

Werkzeug refuses a body whose Content-Length is over the limit (413), but a chunked body has no length: it
cuts the stream at the limit without saying so, and the view sees half a form (an outside probe's 50 MB
chunked POST got the "your session ended" redirect, after 7 to 10 MB had been read). `BoundedBody` reads a
chunked body itself, at most limit + 1 bytes, before the app sees the request: under the limit the app gets
the whole body with its length, as if it had been sent with one; over it, the rest is never read and the app
answers its own 413 page. tests/web/test_body_limits.py.
"""

from __future__ import annotations

import io

from flask import Flask

READ_SIZE = 64 * 1024


class BoundedBody:
    """WSGI middleware around the Flask app (see the module docstring)."""

    def __init__(self, app: Flask, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ, start_response):
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        limit = self._limit_for(environ) if chunked else None
        # Only a server that de-chunks the body itself (wsgi.input_terminated: gunicorn, the development
        # server) hands over a stream that is safe to read to its end; Werkzeug reads nothing otherwise.
        if chunked and limit is not None and environ.get("wsgi.input_terminated"):
            body, too_large = _read_at_most(environ["wsgi.input"], limit)
            environ["wsgi.input"] = io.BytesIO(b"" if too_large else body)
            # Over the limit: a length Werkzeug refuses with 413 before reading anything.
            environ["CONTENT_LENGTH"] = str(limit + 1 if too_large else len(body))
            del environ["HTTP_TRANSFER_ENCODING"]
            environ.pop("wsgi.input_terminated", None)
        return self.wsgi_app(environ, start_response)

    def _limit_for(self, environ) -> int | None:
        """The same limit the request itself will have (web.PassportRequest): the larger one for the few
        routes that take a photo or file, MAX_CONTENT_LENGTH for everything else."""
        from werkzeug.exceptions import HTTPException

        from passport.attachment_pages import UPLOAD_ENDPOINTS
        from passport.services.attachments import UPLOAD_REQUEST_LIMIT

        try:
            endpoint, _arguments = self.app.url_map.bind_to_environ(environ).match(
                method=environ.get("REQUEST_METHOD")
            )
        except HTTPException:
            endpoint = None
        if endpoint in UPLOAD_ENDPOINTS:
            return UPLOAD_REQUEST_LIMIT
        return self.app.config.get("MAX_CONTENT_LENGTH")


def _read_at_most(stream, limit: int) -> tuple[bytes, bool]:
    parts, taken = [], 0
    while taken <= limit:
        piece = stream.read(min(READ_SIZE, limit + 1 - taken))
        if not piece:
            break
        parts.append(piece)
        taken += len(piece)
    return b"".join(parts), taken > limit


def init_app(app: Flask) -> None:
    app.wsgi_app = BoundedBody(app, app.wsgi_app)
