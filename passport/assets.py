"""How responses travel: static files under content-hashed URLs that browsers keep for a year, and text
compressed with brotli or gzip, so a first visit on a phone with patchy data stays small.

- `static_url('app.css')` in a template gives ``/static/app.css?v=<12 hex digits of its SHA-256>``. A
  request carrying the file's current hash is answered with ``Cache-Control: public, max-age=31536000,
  immutable``: the browser never asks again, and a changed file has a new URL. Without it (or with a stale
  hash) the file is served as before, revalidated each time.
- HTML, CSS, JavaScript, JSON and SVG of 1 KB or more are compressed when the browser accepts it: brotli if
  it can, gzip otherwise. Static files are compressed once per process (at the best ratio) and kept;
  pages are compressed on the way out at a fast setting. Behind a reverse proxy that compresses, set
  COMPRESS_RESPONSES=0 (docs/deploy.md).

Nothing here needs JavaScript, and nothing is loaded from anywhere but this server.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import threading

from flask import Flask, Response, request, url_for
from werkzeug.security import safe_join

try:  # WeasyPrint depends on it, so it is there wherever PDFs work; gzip alone is fine without it
    import brotli
except ImportError:  # pragma: no cover
    brotli = None

ONE_YEAR = 31_536_000
IMMUTABLE = f"public, max-age={ONE_YEAR}, immutable"
COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/plain",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "image/svg+xml",
    }
)
MIN_COMPRESS_BYTES = 1024
# Pages are compressed per response, so quickly (about 0.2 ms for a 10 KB page); static files once, so well.
PAGE_LEVEL = {"br": 4, "gzip": 6}
STATIC_LEVEL = {"br": 9, "gzip": 9}


def init_app(app: Flask) -> None:
    app.jinja_env.globals["static_url"] = static_url
    app.after_request(_long_cache_for_hashed_static)
    if app.config.get("COMPRESS_RESPONSES", True):
        app.after_request(_compress)


# ---------------------------------------------------------------------------------------------------------
# Hashed static URLs


@functools.lru_cache(maxsize=512)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    """The first 12 hex digits of the file's SHA-256 (cached until the file changes)."""
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            sha.update(block)
    return sha.hexdigest()[:12]


def static_version(static_folder: str, filename: str) -> str | None:
    path = safe_join(static_folder, filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _digest(path, stat.st_mtime_ns, stat.st_size)


def static_url(filename: str) -> str:
    """The URL of a static file with its content hash, so it can be cached for a year."""
    from flask import current_app

    version = static_version(current_app.static_folder, filename)
    if version is None:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=version)


def _long_cache_for_hashed_static(response: Response) -> Response:
    if request.endpoint != "static" or response.status_code != 200:
        return response
    asked = request.args.get("v")
    filename = (request.view_args or {}).get("filename", "")
    if asked and asked == static_version(_static_folder(), filename):
        response.headers["Cache-Control"] = IMMUTABLE
    return response


def _static_folder() -> str:
    from flask import current_app

    return current_app.static_folder


# ---------------------------------------------------------------------------------------------------------
# Compression


def _chosen_encoding() -> str | None:
    accepted = request.accept_encodings
    brotli_quality = accepted.quality("br") if brotli is not None else 0
    gzip_quality = accepted.quality("gzip")
    if brotli_quality > 0 and brotli_quality >= gzip_quality:
        return "br"
    if gzip_quality > 0:
        return "gzip"
    return None


def _encode(data: bytes, encoding: str, levels: dict[str, int]) -> bytes:
    if encoding == "br":
        return brotli.compress(data, quality=levels["br"])
    return gzip.compress(data, compresslevel=levels["gzip"], mtime=0)


_static_cache: dict[tuple, bytes] = {}
_static_cache_lock = threading.Lock()


def _static_body(response: Response, encoding: str) -> bytes | None:
    """The compressed static file, made once per process and file version."""
    filename = (request.view_args or {}).get("filename", "")
    path = safe_join(_static_folder(), filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = (path, stat.st_mtime_ns, stat.st_size, encoding)
    body = _static_cache.get(key)
    if body is None:
        response.direct_passthrough = False
        body = _encode(response.get_data(), encoding, STATIC_LEVEL)
        with _static_cache_lock:
            if len(_static_cache) > 512:  # files changed under a development server many times
                _static_cache.clear()
            _static_cache[key] = body
    else:
        close = getattr(response.response, "close", None)
        if close is not None:
            close()
    return body


def _compress(response: Response) -> Response:
    status = response.status_code
    if status < 200 or status in (204, 206, 304) or "Content-Encoding" in response.headers:
        return response
    if response.mimetype not in COMPRESSIBLE:
        return response
    response.vary.add("Accept-Encoding")
    length = response.content_length
    if length is not None and length < MIN_COMPRESS_BYTES:
        return response
    encoding = _chosen_encoding()
    if encoding is None:
        return response
    if request.endpoint == "static":
        body = _static_body(response, encoding)
        if body is None:
            return response
    elif response.direct_passthrough or response.is_streamed:
        return response  # a streamed download: leave it as it is
    else:
        data = response.get_data()
        if len(data) < MIN_COMPRESS_BYTES:
            return response
        body = _encode(data, encoding, PAGE_LEVEL)
    response.set_data(body)
    response.headers["Content-Encoding"] = encoding
    # A byte range of the uncompressed file would not match these bytes.
    response.headers.pop("Accept-Ranges", None)
    etag, _weak = response.get_etag()
    if etag:
        # Weak, as nginx does: the same content, differently encoded; If-None-Match still matches it.
        response.set_etag(etag, weak=True)
    return response
