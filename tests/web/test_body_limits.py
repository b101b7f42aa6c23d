"""The size limit holds for every body, however it is sent (SECURITY.md 15).

Found by an outside probe: a 50 MB *chunked* urlencoded POST (no Content-Length, as gunicorn and the
development server both accept) was read, 7 to 10 MB of it, and answered with the "your session ended"
redirect instead of 413: Werkzeug cuts a chunked body at MAX_CONTENT_LENGTH without saying so, so the form
arrived truncated and failed its CSRF check. Now a chunked body over the limit gets the branded 413 page, and
no more than the limit (plus one read) is taken from the connection.
"""

from __future__ import annotations

import socket
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import csrf_token

LIMIT = 2 * 1024 * 1024


class EndlessForm:
    """A urlencoded body of `size` bytes that is made as it is read, counting what was read."""

    def __init__(self, size: int, prefix: bytes = b"email="):
        self.size, self.prefix, self.taken = size, prefix, 0

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = self.size - self.taken
        n = min(n, self.size - self.taken)
        start, self.taken = self.taken, self.taken + n
        if start < len(self.prefix):
            return (self.prefix + b"a" * n)[start : start + n]
        return b"a" * n

    def readline(self, n: int = -1) -> bytes:
        return self.read(n)

    # The test client measures a stream by seeking to its end and back; a server never does.
    def tell(self) -> int:
        return self.taken

    def seek(self, offset: int, whence: int = 0) -> int:
        self.taken = self.size if whence == 2 else offset
        return self.taken


def chunked_post(client, path: str, body, **headers):
    return client.open(
        path,
        method="POST",
        input_stream=body,
        content_type="application/x-www-form-urlencoded",
        # What gunicorn and the development server set for a chunked body they de-chunk themselves.
        environ_overrides={"wsgi.input_terminated": True},
        headers={"Transfer-Encoding": "chunked", **headers},
    )


def test_a_chunked_body_over_the_limit_gets_413_and_is_not_read_to_the_end(client):
    body = EndlessForm(50 * 1024 * 1024)
    response = chunked_post(client, "/sign-in", body)
    assert response.status_code == 413
    assert "That file is too big" in response.get_data(as_text=True)  # the branded page
    assert body.taken <= LIMIT + 64 * 1024


def test_a_chunked_body_under_the_limit_still_works(client, world):
    token = csrf_token(client)
    form = f"csrf_token={token}&email=nobody%40example.org&password=wrong+password+here".encode()
    response = chunked_post(client, "/sign-in", EndlessForm(len(form), prefix=form))
    assert response.status_code == 400  # the form was read whole: a wrong password, not a CSRF redirect
    assert "Your email address or password is not right" in response.get_data(as_text=True)


def test_a_body_with_a_content_length_over_the_limit_still_gets_413(client):
    assert client.post("/sign-in", data={"email": "x" * (3 * 1024 * 1024)}).status_code == 413


@pytest.fixture
def real_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()


def test_a_real_server_answers_413_to_50_mb_sent_in_chunks(real_server):
    """Through the development server's own de-chunking (gunicorn's works the same way for the app)."""
    with socket.create_connection(("127.0.0.1", real_server), timeout=10) as connection:
        connection.sendall(
            b"POST /sign-in HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"a" * 65536
        sent = 0
        try:
            while sent < 50 * 1024 * 1024:
                connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: that is the point
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                piece = connection.recv(65536)
                if not piece:
                    break
                answer += piece
        except ConnectionResetError:
            pass
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
