"""PDF rendering: the one way every export (passport, wallet card, leaving pack) turns HTML into a PDF.

This module owns:

- what WeasyPrint may load while it renders (`SafeURLFetcher`): the app's own static files, addressed by the
  app's static URL, and small ``data:`` URIs. Nothing else: no ``file://``, no network, no redirect, and no
  file attachments in the PDF (SECURITY.md item 13);
- how long a render may take and how big its result may be (`render_pdf`). A render runs in a small pool of
  warm worker processes; one that overruns its time is killed and replaced, so a pathological document
  raises `PdfRenderTimeout` on time and never holds a gunicorn gthread worker. Threads cannot be stopped
  from outside and ``signal.alarm`` works only in the main thread, so a process is the only bound that
  holds even while WeasyPrint is inside C code (Pango, HarfBuzz);
- tagging: PDF/UA-1 by default, so the text is real, extractable and in reading order, with /Lang;
- what WeasyPrint logs: forwarded to this module's logger with ``data:`` URIs cut out, since a QR code's
  data URI carries a share link (SECURITY.md item 16);
- the HTTP response for a PDF download (`pdf_response`).

What a PDF says belongs to its template under templates/pdf/ (all extend templates/pdf/_base.html) and to
static/pdf/pdf.css.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import logging
import multiprocessing
import os
import re
import resource
import threading
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, unquote_to_bytes, urlsplit

from flask import Response, current_app, has_request_context, render_template, url_for
from markupsafe import Markup

# WeasyPrint (about 26 MB a process) is imported only where PDFs are drawn: in the render workers (their
# forkserver preloads it) and by `_render_here` when a test or benchmark renders in-process. A web worker only
# sends HTML to a render worker, so it never loads it.
if TYPE_CHECKING:
    from weasyprint.document import Document

logger = logging.getLogger(__name__)

MB = 1024 * 1024
DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_BYTES = 20 * MB
DEFAULT_PDF_VARIANT = "pdf/ua-1"
# Where the fetcher expects static files when no base URL is given. It is only a name for the static folder:
# nothing is ever requested from it.
DEFAULT_STATIC_URL = "http://localhost/static/"

# The only kinds of file a PDF may load, by extension (static files) or media type (data: URIs). No HTML, no
# scripts, nothing a browser would run if the same bytes were ever served.
STATIC_MEDIA_TYPES = {
    ".css": "text/css",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
DATA_URI_MEDIA_TYPES = frozenset(STATIC_MEDIA_TYPES.values())
# A QR code as a PNG data URI is about 2 KB; a photo of a document may be a few hundred. Above this the
# template is doing something it should not.
MAX_DATA_URI_CHARS = 2 * MB
# The largest static file a PDF may pull in (the biggest Noto font is about 1 MB).
MAX_STATIC_FILE_BYTES = 8 * MB

# Worker processes per web process. Two cores and two gunicorn workers: one renderer each keeps both cores
# busy; more would only queue on the CPU. PDF_RENDER_PROCESSES changes it.
RENDER_PROCESSES = max(1, int(os.environ.get("PDF_RENDER_PROCESSES", "1")))
# A worker's address space. An idle worker uses about 160 MB and a 2-page passport a little more; a
# pathological document grows by about 100 MB a second, so without a cap two of them could take 2 GB of a
# small server within their 10 s. Above the cap the render fails with MemoryError. 0 means no cap.
WORKER_MEMORY_BYTES = int(os.environ.get("PDF_RENDER_MEMORY_MB", "1024")) * MB
# How long a new worker may take to start and warm up (the forkserver's own start the first time, then a fork
# and the first font lookups: about 1 s, then 0.1 s) before it counts as broken. It is not part of a render's
# time limit.
WORKER_START_SECONDS = 10.0


class PdfRenderError(RuntimeError):
    """A PDF could not be made. The message names what went wrong, never the document's content."""


class PdfRenderTimeout(PdfRenderError):
    """The render took longer than its time limit; its worker process was killed."""


class PdfTooLarge(PdfRenderError):
    """The PDF came out bigger than the size limit; it was thrown away."""


class RefusedURL(ValueError):
    """The fetcher will not load this URL. WeasyPrint logs it and renders without the resource."""


# ---------------------------------------------------------------------------------------------------------
# What a render may load


class _SafeFetching:
    """A WeasyPrint URL fetcher that reads the app's static folder and decodes data: URIs, and nothing else.

    WeasyPrint 70 wants a `URLFetcher` instance (its error path reads the instance's attributes, so a plain
    function no longer works). `fetch` is replaced outright: the parent class's network code (urllib with
    HTTP, FTP, file: and redirect handlers) is never reached, so no request ever leaves the process.
    """

    def __init__(self, static_root: Path, *, static_url: str = DEFAULT_STATIC_URL) -> None:
        # No protocols and no redirects for the parent class too, in case a later WeasyPrint reaches it.
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self._root = Path(static_root).resolve(strict=True)
        base = urlsplit(static_url)
        if base.scheme not in ("http", "https") or not base.hostname:
            raise ValueError("static_url must be an absolute http(s) URL")
        self._origin = _origin(base.scheme, base.hostname, base.port)
        self._prefix = base.path if base.path.endswith("/") else base.path + "/"

    def fetch(self, url: str, headers: dict[str, str] | None = None):
        if url[:5].lower() == "data:":
            return self._data_uri(url)
        return self._static_file(url)

    def _static_file(self, url: str):
        from weasyprint.urls import URLFetcherResponse

        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise RefusedURL(f"{scheme or 'relative'} URLs are not loaded")
        # The app's own origin only: any other host or port (loopback, metadata services, the internet) is
        # refused here, before anything could connect to it.
        try:
            origin = _origin(scheme, parts.hostname or "", parts.port)
        except ValueError as error:  # a port that is not a number, or out of range
            raise RefusedURL("malformed URL") from error
        if origin != self._origin:
            raise RefusedURL("only the app's own static URL is loaded")
        path = unquote(parts.path)
        if not path.startswith(self._prefix):
            raise RefusedURL("only files under the static URL are loaded")
        relative = path[len(self._prefix) :]
        if not relative or "\x00" in relative or "\\" in relative or relative.startswith("/"):
            raise RefusedURL("not a static file path")
        try:
            # resolve() follows symbolic links and removes ".." (%2e%2e arrives here already unquoted), so the
            # containment check below sees the real file that would be opened.
            target = (self._root / relative).resolve(strict=True)
        except (OSError, RuntimeError) as error:
            raise RefusedURL("no such static file") from error
        if not target.is_relative_to(self._root) or not target.is_file():
            raise RefusedURL("outside the static folder")
        media_type = STATIC_MEDIA_TYPES.get(target.suffix.lower())
        if media_type is None:
            raise RefusedURL("this kind of file is not loaded")
        with target.open("rb") as handle:
            body = handle.read(MAX_STATIC_FILE_BYTES + 1)
        if len(body) > MAX_STATIC_FILE_BYTES:
            raise RefusedURL("static file too large")
        return URLFetcherResponse(url, body, {"Content-Type": media_type})

    def _data_uri(self, url: str):
        from weasyprint.urls import URLFetcherResponse

        # Check the size before decoding anything: base64 of a huge image would be decoded in memory.
        if len(url) > MAX_DATA_URI_CHARS:
            raise RefusedURL("data: URI too large")
        header, comma, payload = url[5:].partition(",")
        if not comma:
            raise RefusedURL("malformed data: URI")
        parameters = [part.strip().lower() for part in header.split(";")]
        media_type = parameters[0] or "text/plain"
        if media_type not in DATA_URI_MEDIA_TYPES:
            raise RefusedURL("this kind of data: URI is not loaded")
        raw = unquote_to_bytes(payload)
        try:
            body = base64.b64decode(raw) if parameters[-1] == "base64" else raw
        except ValueError as error:
            raise RefusedURL("malformed data: URI") from error
        return URLFetcherResponse("data:", body, {"Content-Type": media_type})


def _origin(scheme: str, host: str, port: int | None) -> tuple[str, str, int]:
    scheme = scheme.lower()
    return scheme, host.lower().rstrip("."), port or (443 if scheme == "https" else 80)


@functools.cache
def _safe_url_fetcher_class() -> type:
    """SafeURLFetcher: the fetching above on WeasyPrint's URLFetcher, made when first needed."""
    from weasyprint.urls import URLFetcher

    return type("SafeURLFetcher", (_SafeFetching, URLFetcher), {"__module__": __name__})


def __getattr__(name: str):
    if name == "SafeURLFetcher":
        return _safe_url_fetcher_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def safe_url_fetcher(static_root: Path, *, static_url: str = DEFAULT_STATIC_URL):
    """The url_fetcher every render uses: files under `static_root` addressed by `static_url`, and data:."""
    return _safe_url_fetcher_class()(static_root, static_url=static_url)


# ---------------------------------------------------------------------------------------------------------
# One render, as it runs inside a worker process (or in this process for the benchmark's baseline)


@dataclass(frozen=True)
class _Job:
    html: str
    static_root: str
    base_url: str
    max_bytes: int
    pdf_variant: str | None
    presentational_hints: bool


@dataclass(frozen=True)
class _Outcome:
    pdf: bytes | None = None
    error: str | None = None  # the exception's type name only: messages may quote the document
    too_large: int | None = None
    log: tuple[tuple[int, str], ...] = ()


class _LogCollector(logging.Handler):
    """Keeps WeasyPrint's warnings from one render, to be logged by the web process."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.records.append((record.levelno, _redact(record.getMessage())))


_DATA_URI = re.compile(r"data:[^\s'\"]*", re.IGNORECASE)


def _redact(message: str) -> str:
    # A data: URI may be a QR code holding a share link; the log only needs to know it was one.
    return _DATA_URI.sub("data:…", message)[:500]


def _render_here(job: _Job) -> _Outcome:
    """Render one job in the current process. Returns the outcome instead of raising, for the pipe."""
    collector = _LogCollector()
    weasy_logger = logging.getLogger("weasyprint")
    weasy_logger.addHandler(collector)
    try:
        try:
            pdf = _write(job, job.pdf_variant)
        except MemoryError:
            raise  # an untagged attempt would run out of memory too
        except Exception as error:
            if job.pdf_variant is None:
                raise
            # Tagging is the youngest part of WeasyPrint and the likeliest to trip over an unusual layout.
            # A PDF without tags still reads and prints; no PDF at all helps nobody. So try once more
            # untagged, and say so in the log.
            collector.records.append(
                (logging.WARNING, f"{job.pdf_variant} failed ({type(error).__name__}); the PDF is untagged")
            )
            pdf = _write(job, None)
    except Exception as error:
        return _Outcome(error=type(error).__name__, log=tuple(collector.records))
    finally:
        weasy_logger.removeHandler(collector)
    if len(pdf) > job.max_bytes:
        # Send back the size only: a too-large PDF is not worth piping to the web process.
        return _Outcome(too_large=len(pdf), log=tuple(collector.records))
    return _Outcome(pdf=pdf, log=tuple(collector.records))


def _write(job: _Job, pdf_variant: str | None) -> bytes:
    from weasyprint import HTML

    fetcher = safe_url_fetcher(Path(job.static_root), static_url=job.base_url)
    # WeasyPrint reads the options twice, at layout and at writing, so both get them.
    options: dict[str, Any] = {"pdf_variant": pdf_variant, "presentational_hints": job.presentational_hints}
    document = HTML(string=job.html, base_url=job.base_url, url_fetcher=fetcher).render(**options)
    _drop_attachments(document)
    return document.write_pdf(**options)


def _drop_attachments(document: Document) -> None:
    """No PDF of ours carries files. <link rel=attachment> and <a rel=attachment> would embed whatever the
    fetcher returns (even a static file); drop them before the PDF is written."""
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]


_WARM_UP_HTML = """<html lang="en"><head><style>
  :lang(ar) { font-family: "Noto Naskh Arabic", "Noto Sans Arabic" }
  :lang(ti) { font-family: "Noto Sans Ethiopic" }
</style></head><body>
  <p>Health Passport 0123456789</p><p lang="ar" dir="rtl">جواز السفر الصحي</p><p lang="ti">ጥዕና</p>
</body></html>"""


def _warm_up() -> None:
    """The first render in a process loads the font configuration and the Arabic and Ethiopic faces; do it
    once before taking work, so no user waits for it."""
    with contextlib.suppress(Exception):
        from weasyprint import HTML

        HTML(string=_WARM_UP_HTML).write_pdf(pdf_variant=DEFAULT_PDF_VARIANT)


def _worker_main(connection: Connection) -> None:
    """A render worker: warm up, say so, then render jobs until the web process closes the pipe."""
    # WeasyPrint's messages go back to the web process with each outcome (see _LogCollector) and are logged
    # there, once, through the app's logging; the worker's own copy would bypass it.
    logging.getLogger("weasyprint").propagate = False
    if WORKER_MEMORY_BYTES > 0:
        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))
    _warm_up()
    connection.send("ready")
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return  # the web process went away (or recycled this worker)
        connection.send(_render_here(job))


# ---------------------------------------------------------------------------------------------------------
# The worker pool


class _Worker:
    """One render process and the pipe to it."""

    def __init__(self, context: ForkServerContext) -> None:
        self.connection, child_end = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child_end,), name="pdf-render", daemon=True)
        self.process.start()
        child_end.close()
        try:
            ready = self.connection.poll(WORKER_START_SECONDS) and self.connection.recv() == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.stop()
            raise PdfRenderError("the PDF worker did not start")

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.close()
        if self.process.is_alive():
            self.process.kill()  # SIGKILL: a worker busy in C code would not see a gentler signal in time
        self.process.join(5)
        with contextlib.suppress(ValueError):
            self.process.close()


class _Pool:
    """Up to `size` warm workers, started on first use and shared by the web process's threads.

    A worker is lent to one render at a time. One that overruns, dies or answers nonsense is killed and
    forgotten; the next render starts a fresh one.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.owner_pid = os.getpid()
        self._idle: list[_Worker] = []
        self._started = 0
        self._changed = threading.Condition()
        # forkserver, not fork: a plain fork of a gthread web process copies locks that other threads hold
        # at that instant (logging, the database pool) and the child can deadlock on them. The forkserver is
        # a clean single-threaded process that forks each worker with this module already imported.
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload([__name__, "weasyprint"])

    def borrow(self, deadline: float) -> tuple[_Worker, float]:
        """A free worker, waiting for one until `deadline`; and the seconds spent starting it (0 if it was
        already running)."""
        with self._changed:
            while not self._idle and self._started >= self.size:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._changed.wait(remaining):
                    raise PdfRenderTimeout("no PDF worker became free in time")
            if self._idle:
                return self._idle.pop(), 0.0
            self._started += 1
        began = time.monotonic()
        try:
            worker = _Worker(self._context)
        except BaseException:
            self._forget()
            raise
        return worker, time.monotonic() - began

    def give_back(self, worker: _Worker) -> None:
        with self._changed:
            self._idle.append(worker)
            self._changed.notify()

    def discard(self, worker: _Worker) -> None:
        worker.stop()
        self._forget()

    def _forget(self) -> None:
        with self._changed:
            self._started -= 1
            self._changed.notify()

    def close(self) -> None:
        with self._changed:
            idle, self._idle = self._idle, []
            self._started -= len(idle)
        for worker in idle:
            worker.stop()


_pool: _Pool | None = None
_pool_lock = threading.Lock()


def _get_pool() -> _Pool:
    global _pool
    with _pool_lock:
        # A process forked from one that had a pool (gunicorn --preload) must not share that pool's workers.
        if _pool is None or _pool.owner_pid != os.getpid():
            _pool = _Pool(RENDER_PROCESSES)
        return _pool


def start_render_workers(processes: int | None = None) -> None:
    """Start this process's render workers now rather than at its first PDF (e.g. from gunicorn's
    post_worker_init hook), so the first person to download a PDF does not wait about a second for them.
    `processes` sets how many (a batch command uses one per core) instead of PDF_RENDER_PROCESSES."""
    pool = _get_pool()
    if processes is not None:
        with pool._changed:
            pool.size = max(1, processes)
    workers = [pool.borrow(time.monotonic() + WORKER_START_SECONDS)[0] for _ in range(pool.size)]
    for worker in workers:
        pool.give_back(worker)


def stop_render_workers() -> None:
    """Stop this process's idle render workers (for tests; at exit they stop by themselves)."""
    with _pool_lock:
        if _pool is not None and _pool.owner_pid == os.getpid():
            _pool.close()


def _run_in_worker(job: _Job, timeout_seconds: float) -> _Outcome:
    pool = _get_pool()
    deadline = time.monotonic() + timeout_seconds
    worker, start_seconds = pool.borrow(deadline)
    # Starting a worker (a web process's first PDF, or the one after a timeout) has its own bound; it does
    # not eat into the render's time.
    deadline += start_seconds
    try:
        worker.connection.send(job)
        if not worker.connection.poll(max(0.0, deadline - time.monotonic())):
            raise PdfRenderTimeout(f"the PDF took longer than {timeout_seconds:g} s")
        outcome = worker.connection.recv()
        if not isinstance(outcome, _Outcome):
            raise PdfRenderError("the PDF worker sent an unexpected reply")
    except (EOFError, OSError) as error:
        pool.discard(worker)
        raise PdfRenderError("the PDF worker stopped") from error
    except BaseException:
        # Killed, not reused: it may still be rendering, and its late reply would reach the next caller.
        pool.discard(worker)
        raise
    if outcome.error is None:
        pool.give_back(worker)
    else:
        # After a failure (MemoryError, a WeasyPrint bug) the worker's state is unknown: start afresh.
        pool.discard(worker)
    return outcome


# ---------------------------------------------------------------------------------------------------------
# The public functions


def render_pdf(
    html: str,
    *,
    static_root: Path,
    base_url: str,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    pdf_variant: str | None = DEFAULT_PDF_VARIANT,
    presentational_hints: bool = False,
) -> bytes:
    """Render `html` to PDF bytes, loading only static files under `static_root` (addressed by `base_url`,
    the app's static URL, e.g. http://localhost/static/) and data: URIs.

    Raises PdfRenderTimeout when waiting for a free worker and rendering take longer than `timeout_seconds`
    (starting a worker, about 0.1 s and once per web process about 1 s, is bounded apart), PdfTooLarge above
    `max_bytes`, and PdfRenderError when WeasyPrint fails. `pdf_variant` "pdf/ua-1" gives a tagged PDF with
    /Lang and real text (None gives an untagged one). `presentational_hints` stays off: templates size things
    with CSS, and HTML attributes carrying user text can then never change the layout.
    """
    job = _Job(
        html=html,
        static_root=str(Path(static_root).resolve()),
        base_url=base_url,
        max_bytes=max_bytes,
        pdf_variant=pdf_variant,
        presentational_hints=presentational_hints,
    )
    outcome = _run_in_worker(job, timeout_seconds)
    for level, message in outcome.log:
        logger.log(level, "WeasyPrint: %s", message)
    if outcome.too_large is not None:
        raise PdfTooLarge(f"the PDF is {outcome.too_large} bytes; the limit is {max_bytes}")
    if outcome.error is not None or outcome.pdf is None:
        raise PdfRenderError(f"WeasyPrint failed: {outcome.error}")
    return outcome.pdf


def render_template_pdf(
    template_name: str, /, *, pdf_options: Mapping[str, Any] | None = None, **context: Any
) -> bytes:
    """Render a Jinja template from templates/pdf/ to a PDF, in the current language.

    Templates link static files with url_for('static', filename=...); outside a request (a command) a
    request context is made up so url_for still works. `pdf_options` passes render_pdf's options
    (timeout_seconds, max_bytes, pdf_variant).
    """
    if current_app.static_folder is None:
        raise PdfRenderError("the app has no static folder for the PDF's stylesheet")
    if has_request_context():
        html = render_template(template_name, **context)
        static_url = url_for("static", filename="", _external=True)
    else:
        with current_app.test_request_context("/"):
            html = render_template(template_name, **context)
            static_url = url_for("static", filename="", _external=True)
    return render_pdf(
        html, static_root=Path(current_app.static_folder), base_url=static_url, **(pdf_options or {})
    )


def pdf_response(pdf_bytes: bytes, filename: str) -> Response:
    """A download of `pdf_bytes`: never cached (it holds health data), saved rather than shown inline. The
    name is sent as ASCII for every browser, and as UTF-8 (filename*, RFC 6266) when it has letters ASCII
    lacks, so "Zoë" or an Arabic name is kept where the browser can."""
    response = Response(pdf_bytes, mimetype="application/pdf")
    plain, full = ascii_filename(filename), unicode_filename(filename)
    disposition = f'attachment; filename="{plain}"'
    if full != plain:
        disposition += f"; filename*=UTF-8''{quote(full, safe='')}"
    response.headers["Content-Disposition"] = disposition
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def ascii_filename(filename: str) -> str:
    """A filename safe inside a quoted Content-Disposition header on every browser: ASCII letters, digits,
    dot, dash and underscore, ending in .pdf. Accents are folded (é → e); anything else becomes a dash."""
    folded = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    stem = folded[:-4] if folded.lower().endswith(".pdf") else folded
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem)
    stem = re.sub(r"-{2,}", "-", stem).strip("-.")[:100] or "health-passport"
    return f"{stem}.pdf"


def unicode_filename(filename: str) -> str:
    """The same, keeping letters and digits of any script: everything else (spaces, quotes, slashes,
    control characters) becomes a dash, so it is only ever a name, never a path or a header."""
    text = unicodedata.normalize("NFC", filename)
    stem = text[:-4] if text.lower().endswith(".pdf") else text
    kept = "".join(c if unicodedata.category(c)[0] in "LNM" or c in "._-" else "-" for c in stem)
    stem = re.sub(r"-{2,}", "-", kept).strip("-.")[:100] or "health-passport"
    return f"{stem}.pdf"


def person_filename(what: str, name: str, day) -> str:
    """A download named for whose it is and when: leaving-pack-robin-fairweather-2026-12-07.pdf. A nurse
    saving packs for several young people can tell them apart (they were all leaving-pack-<date>.pdf)."""
    return f"{what}-{'-'.join(name.lower().split())}-{day.isoformat()}.pdf"


class TemplateRenderer:
    """How a use case turns its view into a document: the web layer (or the batch worker) makes one and hands
    it to the service (services/exports.py), which never touches Flask's templates or request itself. A test
    can hand in another, e.g. one that records what would be rendered."""

    def html(self, template_name: str, /, **context: Any) -> Markup:
        """A part of a document (one language's copy of the passport), as HTML from our own templates. Our
        own autoescaped template's output: marking it safe lets nothing new through."""
        return Markup(render_template(template_name, **context))  # noqa: S704  # nosec B704

    def pdf(self, template_name: str, /, **context: Any) -> bytes:
        return render_template_pdf(template_name, **context)
