"""PDF rendering (passport.exports.pdf): what a PDF may load, how long it may take, and what a reader gets.

SECURITY.md item 13: a PDF loads only the app's own static files and data: URIs. Every hostile reference
below (file://, a loopback server, <link rel=attachment>, ../ out of the static folder) leaves the PDF without
the file's content, without attachments, and the loopback server without a single request.

The reader's side: the app's print stylesheet applies (A4 and wallet-card page sizes, the footer), text is
real and extractable in English, Arabic and Tigrinya with the right fonts embedded, NHS numbers keep their
order inside Arabic, and the PDF is tagged with a language. Speed is measured by bench/bench_pdf_render.py,
not asserted here.
"""

from __future__ import annotations

import base64
import ctypes.util
import http.server
import io
import logging
import shutil
import subprocess
import threading
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
import weasyprint
from flask import Flask
from flask_babel import force_locale
from jinja2 import ChoiceLoader, DictLoader
from pypdf import PdfReader
from pypdf.generic import StreamObject

from passport.config import PROJECT_ROOT
from passport.exports import pdf
from passport.exports.pdf import (
    PdfRenderTimeout,
    PdfTooLarge,
    RefusedURL,
    pdf_response,
    render_pdf,
    render_template_pdf,
    safe_url_fetcher,
)

STATIC_URL = "http://localhost/static/"
PASSWD_MARKER = "root:x:0:0"
A4_POINTS = (595.28, 841.89)
CARD_POINTS = (85.6 / 25.4 * 72, 54 / 25.4 * 72)  # ID-1: 85.6 mm × 54 mm
ARTIFACTS = PROJECT_ROOT / "test-artifacts"

ARABIC = "جواز السفر الصحي"  # "the health passport"
TIGRINYA = "ጥዕና"  # "health"
ENGLISH = "Your health passport goes with you when you leave care."
NHS_NUMBER = "999 000 0018"

# Test templates, as the lead's real ones will be: each extends the PDF base template.
TEMPLATES = {
    "tests/sample.html": """{% extends "pdf/_base.html" %}
{% block content %}
<h1>{{ heading }}</h1>
<p>{{ sentence }}</p>
<p>{{ nhs_label }} <span class="ltr">{{ nhs_number }}</span></p>
<p lang="ti" dir="ltr">{{ tigrinya }}</p>
<p lang="en" dir="ltr">{{ english }}</p>
{% for i in range(pages * 45) %}<p>{{ filler }} {{ i }}</p>{% endfor %}
{% endblock %}""",
    "tests/card.html": """{% extends "pdf/_base.html" %}
{% block body_class %}pdf-card{% endblock %}
{% block footer %}{% endblock %}
{% block content %}
<p><strong>{{ name }}</strong></p>
<p>NHS number <span class="ltr">{{ nhs_number }}</span></p>
<p>Allergies: penicillin (rash)</p>
{% endblock %}""",
}


# ---------------------------------------------------------------------------------------------------------
# Helpers


@pytest.fixture(scope="module", autouse=True)
def render_workers() -> Iterator[None]:
    """Start the render worker once for this module, and stop it after, so no process outlives the tests."""
    pdf.start_render_workers()
    yield
    pdf.stop_render_workers()


@pytest.fixture
def static_root(app: Flask) -> Path:
    return Path(app.static_folder)


@pytest.fixture
def pdf_templates(app: Flask, monkeypatch) -> None:
    monkeypatch.setattr(app.jinja_env, "loader", ChoiceLoader([DictLoader(TEMPLATES), app.jinja_env.loader]))


def page(body: str, *, lang: str = "en-GB", head: str = "") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>Test</title>'
        f'<link rel="stylesheet" href="/static/pdf/pdf.css">{head}</head><body>{body}</body></html>'
    )


def read(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def text_of(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in read(data).pages)


def every_stream(data: bytes) -> Iterator[bytes]:
    """The decompressed content of every stream in the PDF: page content, fonts, images, metadata, files."""
    reader = read(data)
    numbers = {number for entries in reader.xref.values() for number in entries} | set(reader.xref_objStm)
    for number in sorted(numbers):
        obj = reader.get_object(number)
        if isinstance(obj, StreamObject):
            yield obj.get_data()


def needs_the_fonts_and_text_shaping():
    """Which fonts a PDF embeds, and whether its text can be read back, depend on the machine: the Noto fonts
    (fonts-noto-core) and HarfBuzz's subsetter (libharfbuzz-subset0), which `make test` installs on Debian.
    Without them WeasyPrint falls back to DejaVu and fontTools; say so rather than fail."""
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig (fc-list) is not installed")
    families = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout
    if "Noto Sans" not in families or "Noto Naskh Arabic" not in families:
        pytest.skip("the Noto fonts are not installed (apt-get install fonts-noto-core)")
    if ctypes.util.find_library("harfbuzz-subset") is None:
        pytest.skip("HarfBuzz's font subsetter is not installed (apt-get install libharfbuzz-subset0)")


def font_names(data: bytes) -> set[str]:
    names = set()
    for pdf_page in read(data).pages:
        for font in pdf_page["/Resources"]["/Font"].values():
            # "/ABCDEF+Noto-Naskh-Arabic": a subset tag, then the font's name.
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def normalised(text: str) -> str:
    """Text as a reader means it: compatibility forms folded (NFKC turns Arabic presentation forms, the
    shaped letters some extractors return, back into the base letters), bidi control characters dropped
    (pdftotext wraps right-to-left runs in U+202B…U+202C; our footer wraps the date in U+2066…U+2069), and
    runs of whitespace made single spaces."""
    folded = unicodedata.normalize("NFKC", text)
    kept = "".join(
        c for c in folded if unicodedata.bidirectional(c) not in {"LRE", "RLE", "PDF", "LRO", "RLO"}
    )
    kept = "".join(c for c in kept if c not in "\u200e\u200f\u061c\u2066\u2067\u2068\u2069")
    return " ".join(kept.split())


def pdftotext(data: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    return subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


class RecordingHandler(http.server.BaseHTTPRequestHandler):
    """A loopback web server that would hand out a stylesheet, an image and a redirect to /etc/passwd, and
    records every request it gets. The tests expect it to get none."""

    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
            return
        body = b"@page { size: 20mm 20mm } body::before { content: 'FETCHED' }"
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_HEAD = do_GET

    def log_message(self, format: str, *args) -> None:
        pass


@pytest.fixture
def loopback_server() -> Iterator[tuple[str, list[str]]]:
    requests: list[str] = []
    handler = type("Handler", (RecordingHandler,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()


# ---------------------------------------------------------------------------------------------------------
# What a PDF may load (SECURITY.md item 13)


def test_a_hostile_document_loads_nothing_from_the_disk_or_the_network(static_root, loopback_server):
    server, requests = loopback_server
    hostile = page(
        f"""
        <p>Nothing below may load.</p>
        <img src="file:///etc/passwd" alt="passwd">
        <img src="{server}/image.png" alt="loopback image">
        <img src="{server}/redirect" alt="redirect">
        <img src="http://localhost:{server.rsplit(":", 1)[1]}/static/pdf/pdf.css" alt="our path, their port">
        <img src="/static/../../etc/passwd" alt="dot dot">
        <img src="/static/%2e%2e/%2e%2e/etc/passwd" alt="encoded dot dot">
        <a rel="attachment" href="file:///etc/passwd">passwd as an attachment</a>
        <a rel="attachment" href="/static/pdf/pdf.css">our own stylesheet as an attachment</a>
        <div style="background-image: url('{server}/background.png')">background</div>
        <svg width="20" height="20"><image href="file:///etc/passwd" width="20" height="20"/></svg>
        <object data="file:///etc/passwd" type="text/plain">object</object>
        <iframe src="file:///etc/passwd"></iframe>
        """,
        head=f"""
        <link rel="stylesheet" href="file:///etc/passwd">
        <link rel="stylesheet" href="{server}/style.css">
        <link rel="attachment" href="file:///etc/passwd">
        <link rel="attachment" href="{server}/attachment.txt">
        <link rel="attachment" href="/static/pdf/pdf.css">
        <style>
          @import url("{server}/imported.css");
          @import url("file:///etc/passwd");
          @font-face {{ font-family: Evil; src: url("{server}/font.woff2"); }}
          p {{ font-family: Evil, sans-serif; }}
        </style>
        """,
    )

    # The control: WeasyPrint's own fetcher, given the same document, embeds /etc/passwd and calls the
    # loopback server, so the checks below do see a leak when there is one.
    unguarded = weasyprint.HTML(string=hostile, base_url=STATIC_URL).write_pdf()
    leaked = b"".join(b"".join(files) for files in read(unguarded).attachments.values())
    assert PASSWD_MARKER.encode() in leaked
    assert requests and "FETCHED" in text_of(unguarded)
    requests.clear()

    data = render_pdf(hostile, static_root=static_root, base_url=STATIC_URL)

    assert requests == []  # the loopback server never heard from the renderer
    assert "Nothing below may load." in text_of(data)
    assert PASSWD_MARKER not in text_of(data)
    assert "FETCHED" not in text_of(data)  # the loopback stylesheet was not applied
    streams = list(every_stream(data))
    assert len(streams) > 5  # page content, fonts, metadata: the search below looks inside all of them
    for stream in streams:
        assert PASSWD_MARKER.encode() not in stream
    assert PASSWD_MARKER.encode() not in data
    reader = read(data)
    assert reader.attachments == {}
    assert b"/EmbeddedFile" not in data and b"/FileAttachment" not in data
    # The stylesheet loopback would have made the page 20 mm square; the page is A4 from our own sheet.
    assert [round(float(v), 2) for v in reader.pages[0].mediabox[2:]] == list(A4_POINTS)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "ftp://localhost/static/pdf/pdf.css",
        "http://127.0.0.1/static/pdf/pdf.css",  # loopback by another name
        "http://169.254.169.254/latest/meta-data/",  # a cloud metadata service
        "http://localhost:8080/static/pdf/pdf.css",  # our path on another port
        "https://localhost/static/pdf/pdf.css",  # another scheme is another origin
        "http://localhost.evil.example/static/pdf/pdf.css",
        "http://localhost/etc/passwd",  # our host, outside /static/
        "http://localhost/static/../../etc/passwd",  # as sent, before any normalising
        "http://localhost/static/%2e%2e/%2e%2e/etc/passwd",
        "http://localhost/static/%2fetc/passwd",
        "http://localhost/static/evil.css",  # a symbolic link out of the static folder
        "http://localhost/static/outside/passwd.css",  # a linked directory outside it
        "http://localhost/static/notes.txt",  # inside, but not a kind of file a PDF loads
        "http://localhost/static/page.html",
        "http://localhost/static/",
        "http://localhost/static/missing.css",
        "http://localhost:99999/static/pdf/pdf.css",  # not a port
        "http://localhost:css/static/pdf/pdf.css",
        "data:text/html,<script>alert(1)</script>",
        "data:text/plain;base64,cm9vdDp4OjA6MA==",
        "data:image/png;base64," + "A" * (pdf.MAX_DATA_URI_CHARS + 1),
        "javascript:alert(1)",
    ],
)
def test_the_fetcher_refuses_everything_but_static_files_and_small_data_uris(tmp_path, url):
    static = tmp_path / "static"
    (static / "pdf").mkdir(parents=True)
    (static / "pdf" / "pdf.css").write_text("p { color: black }")
    (static / "notes.txt").write_text("notes")
    (static / "page.html").write_text("<p>page</p>")
    (static / "evil.css").symlink_to("/etc/passwd")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd.css").write_text(PASSWD_MARKER)
    (static / "outside").symlink_to(outside, target_is_directory=True)

    with pytest.raises(RefusedURL):
        safe_url_fetcher(static).fetch(url)


def test_the_fetcher_serves_static_files_and_data_uris(tmp_path):
    static = tmp_path / "static"
    (static / "pdf").mkdir(parents=True)
    (static / "pdf" / "pdf.css").write_text("p { color: black }")
    (static / "pdf" / "linked.css").symlink_to(static / "pdf" / "pdf.css")  # a link that stays inside
    fetcher = safe_url_fetcher(static)
    png = base64.b64encode(b"\x89PNG fake").decode()

    css = fetcher.fetch("http://localhost/static/pdf/pdf.css?v=3")
    linked = fetcher.fetch("http://localhost/static/pdf/linked.css")
    image = fetcher.fetch(f"data:image/png;base64,{png}")

    assert (css.read(), css.content_type) == (b"p { color: black }", "text/css")
    assert linked.read() == b"p { color: black }"
    assert (image.read(), image.content_type) == (b"\x89PNG fake", "image/png")


def test_weasyprint_messages_reach_the_log_without_data_uris(static_root, caplog):
    # A data: URI may be a QR code holding a share link (SECURITY.md item 16). An image without alt text
    # makes WeasyPrint name its source in an error.
    secret_png = base64.b64encode(b"\x89PNG share-link-token-123").decode()
    html = page(f'<p>Text</p><img src="data:image/png;base64,{secret_png}">')

    with caplog.at_level(logging.WARNING, logger="passport.exports.pdf"):
        render_pdf(html, static_root=static_root, base_url=STATIC_URL)

    messages = " ".join(r.getMessage() for r in caplog.records if r.name == "passport.exports.pdf")
    assert "data:…" in messages
    assert secret_png not in messages and secret_png[:12] not in messages


# ---------------------------------------------------------------------------------------------------------
# What a reader gets


def test_the_print_stylesheet_sets_a4_and_wallet_card_pages(static_root):
    needs_the_fonts_and_text_shaping()
    a4 = render_pdf(page("<p>A4</p>"), static_root=static_root, base_url=STATIC_URL)
    card = render_pdf(page('<div class="pdf-card">Card</div>'), static_root=static_root, base_url=STATIC_URL)
    unstyled_card = render_pdf(
        page('<div class="pdf-card">Card</div>').replace("/static/pdf/pdf.css", "/static/pdf/missing.css"),
        static_root=static_root,
        base_url=STATIC_URL,
    )

    assert [round(float(v), 2) for v in read(a4).pages[0].mediabox[2:]] == list(A4_POINTS)
    assert [round(float(v), 2) for v in read(card).pages[0].mediabox[2:]] == [
        round(v, 2) for v in CARD_POINTS
    ]
    # Without the stylesheet the card is an A4 page: the size above came from static/pdf/pdf.css.
    assert [round(float(v), 2) for v in read(unstyled_card).pages[0].mediabox[2:]] == list(A4_POINTS)
    assert "Noto-Sans" in font_names(a4)  # the sheet's Latin face, not WeasyPrint's default serif


def test_english_arabic_and_tigrinya_come_back_as_text_in_the_right_fonts(app, static_root, pdf_templates):
    needs_the_fonts_and_text_shaping()
    with app.test_request_context("/"), force_locale("ar"):
        data = render_template_pdf(
            "tests/sample.html",
            title=ARABIC,
            heading=ARABIC,
            sentence="يحمل الشاب جواز السفر الصحي عند مغادرة الرعاية.",
            nhs_label="رقم الخدمة الصحية الوطنية",
            nhs_number=NHS_NUMBER,
            tigrinya=TIGRINYA,
            english=ENGLISH,
            filler="",
            pages=0,
            produced_on="01/06/2026",
        )

    # pypdf returns each run of one direction in logical order; pdftotext adds bidi embedding marks around
    # right-to-left runs. Both are compared after `normalised` (NFKC, bidi controls removed, whitespace
    # collapsed), so what is compared is the letters a reader reads, in reading order, within each run. The
    # order of runs on a mixed line, and of the sentence's final full stop, is visual (left to right) in
    # pypdf's output, so the sentence is compared without its full stop.
    for extracted in (text_of(data), pdftotext(data)):
        text = normalised(extracted)
        assert normalised(ARABIC) in text
        assert normalised("يحمل الشاب جواز السفر الصحي عند مغادرة الرعاية") in text
        assert TIGRINYA in text
        assert ENGLISH in text
        # Inside Arabic, the NHS number keeps its left-to-right order: without the .ltr span WeasyPrint
        # would lay the three groups out right to left, "0018 000 999".
        assert NHS_NUMBER in text
    fonts = font_names(data)
    assert "Noto-Naskh-Arabic" in fonts
    assert "Noto-Sans-Ethiopic" in fonts
    assert "Noto-Sans" in fonts  # the English sentence


def test_the_pdf_is_tagged_with_a_title_and_a_language(app, static_root, pdf_templates):
    with app.test_request_context("/"):
        english = render_template_pdf("tests/sample.html", **_sample("en"))
    with app.test_request_context("/"), force_locale("ar"):
        arabic = render_template_pdf("tests/sample.html", **_sample("ar"))

    for data, lang in ((english, "en-GB"), (arabic, "ar")):
        catalog = read(data).trailer["/Root"]
        assert catalog["/MarkInfo"]["/Marked"].value is True
        assert "/StructTreeRoot" in catalog
        assert catalog["/Lang"] == lang
        assert catalog["/ViewerPreferences"]["/DisplayDocTitle"]
    assert read(english).metadata.title == "Health Passport"


def test_the_footer_says_when_the_pdf_was_produced_on_every_page(app, static_root, pdf_templates):
    needs_the_fonts_and_text_shaping()
    with app.test_request_context("/"):
        data = render_template_pdf("tests/sample.html", **_sample("en", pages=2))

    reader = read(data)
    assert len(reader.pages) >= 2
    for number, pdf_page in enumerate(reader.pages, start=1):
        text = normalised(pdf_page.extract_text())
        assert "Produced from Health Passport on 1 June 2026" in text
        assert f"{number} / {len(reader.pages)}" in text


def test_render_template_pdf_works_outside_a_request(app, pdf_templates):
    # A command (no request) still gets the static stylesheet: the card is card-sized.
    data = render_template_pdf("tests/card.html", name="Robin Fairweather", nhs_number=NHS_NUMBER)

    assert [round(float(v), 2) for v in read(data).pages[0].mediabox[2:]] == [
        round(v, 2) for v in CARD_POINTS
    ]
    assert "Robin Fairweather" in text_of(data)


def test_user_text_stays_text(app, pdf_templates):
    # Autoescaping holds in PDFs too: markup in a field is printed, not obeyed, and loads nothing.
    payload = '"><img src="file:///etc/passwd"><script>alert(1)</script>'
    with app.test_request_context("/"):
        data = render_template_pdf("tests/card.html", name=payload, nhs_number=NHS_NUMBER)

    assert payload in text_of(data).replace("\n", "")
    assert PASSWD_MARKER not in text_of(data)


def test_when_tagging_fails_the_pdf_comes_untagged_and_the_log_says_so(static_root, monkeypatch):
    # No input we tried makes WeasyPrint 70's PDF/UA tagging fail, so the failure is simulated; the render
    # runs in this process (the worker's own code path) so the simulation can reach it.
    real_write = pdf._write

    def tagging_breaks(job, pdf_variant):
        if pdf_variant is not None:
            raise AssertionError("a tagging bug")
        return real_write(job, pdf_variant)

    monkeypatch.setattr(pdf, "_write", tagging_breaks)
    job = pdf._Job(
        page("<p>Still printed</p>"), str(static_root), STATIC_URL, pdf.DEFAULT_MAX_BYTES, "pdf/ua-1", False
    )

    outcome = pdf._render_here(job)

    assert outcome.error is None
    assert "Still printed" in text_of(outcome.pdf)
    assert "/StructTreeRoot" not in read(outcome.pdf).trailer["/Root"]
    assert (logging.WARNING, "pdf/ua-1 failed (AssertionError); the PDF is untagged") in outcome.log


# ---------------------------------------------------------------------------------------------------------
# Bounds


def test_a_render_that_overruns_is_stopped_on_time_and_the_next_one_works(static_root):
    pathological = page("<table>" + "<tr><td>cell</td><td>cell</td></tr>" * 200_000 + "</table>")
    timeout = 0.5

    started = time.monotonic()
    with pytest.raises(PdfRenderTimeout):
        render_pdf(pathological, static_root=static_root, base_url=STATIC_URL, timeout_seconds=timeout)
    elapsed = time.monotonic() - started

    # The time limit plus sending 7 MB of HTML and killing the worker; never the minutes a full render takes.
    assert elapsed < timeout + 1.0
    after = render_pdf(page("<p>Still working</p>"), static_root=static_root, base_url=STATIC_URL)
    assert "Still working" in text_of(after)


def test_a_render_waiting_for_a_busy_worker_gives_up_on_time(static_root, monkeypatch):
    # One worker, busy with a pathological render: a second request does not queue behind it for long.
    pool = pdf._get_pool()
    pdf.stop_render_workers()
    monkeypatch.setattr(pool, "size", 1)
    pdf.start_render_workers()
    pathological = page("<table>" + "<tr><td>cell</td></tr>" * 200_000 + "</table>")
    outcomes: list[str] = []

    def render_pathological() -> None:
        try:
            render_pdf(pathological, static_root=static_root, base_url=STATIC_URL, timeout_seconds=2)
        except PdfRenderTimeout:
            outcomes.append("timed out")

    busy = threading.Thread(target=render_pathological)
    busy.start()
    while pool._idle:  # until the busy render has taken the only worker
        time.sleep(0.01)

    started = time.monotonic()
    with pytest.raises(PdfRenderTimeout):
        render_pdf(page("<p>Waiting</p>"), static_root=static_root, base_url=STATIC_URL, timeout_seconds=0.3)
    assert time.monotonic() - started < 0.3 + 0.5
    busy.join()
    assert outcomes == ["timed out"]


def test_a_pdf_over_the_size_limit_is_refused(static_root):
    with pytest.raises(PdfTooLarge):
        render_pdf(
            page("<p>Small, but not that small</p>"),
            static_root=static_root,
            base_url=STATIC_URL,
            max_bytes=500,
        )


# ---------------------------------------------------------------------------------------------------------
# The download


@pytest.mark.parametrize(
    ("filename", "sent", "in_utf8"),
    [
        ("health-passport.pdf", "health-passport.pdf", None),
        ("Jesús O'Brien passport.pdf", "Jesus-O-Brien-passport.pdf", "Jes%C3%BAs-O-Brien-passport.pdf"),
        ('evil"\r\nSet-Cookie: x=1.pdf', "evil-Set-Cookie-x-1.pdf", None),
        ("جواز السفر", "health-passport.pdf", "%D8%AC%D9%88%D8%A7%D8%B2-%D8%A7%D9%84%D8%B3%D9%81%D8%B1.pdf"),
        ("../../etc/passwd", "etc-passwd.pdf", None),
        ("a/b\\c\x00d é.pdf", "a-b-c-d-e.pdf", "a-b-c-d-%C3%A9.pdf"),
    ],
)
def test_a_pdf_download_is_an_uncached_attachment_with_an_ascii_name(filename, sent, in_utf8):
    """ASCII for every browser; the same in UTF-8 (filename*) when it has letters ASCII lacks. Either is
    only ever a name: no quote, slash, line break or path survives."""
    response = pdf_response(b"%PDF-1.7 test", filename)

    assert response.headers["Content-Type"] == "application/pdf"
    expected = f'attachment; filename="{sent}"' + (f"; filename*=UTF-8''{in_utf8}" if in_utf8 else "")
    assert response.headers["Content-Disposition"] == expected
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_data() == b"%PDF-1.7 test"


# ---------------------------------------------------------------------------------------------------------
# Pictures for a person to look at


def test_samples_render_to_png_for_a_visual_check(app, pdf_templates):
    """Writes test-artifacts/pdf-sample-{en,ar,card}-N.png (pdftoppm at 60 dpi). Look at them when the
    stylesheet or the base template changes: the Arabic must be joined-up letters reading right to left with
    the NHS number in its usual order, and each A4 page must show the footer."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed")
    ARTIFACTS.mkdir(exist_ok=True)
    with app.test_request_context("/"):
        samples = {
            "en": render_template_pdf("tests/sample.html", **_sample("en", pages=1)),
            "card": render_template_pdf("tests/card.html", name="Robin Fairweather", nhs_number=NHS_NUMBER),
        }
        with force_locale("ar"):
            samples["ar"] = render_template_pdf("tests/sample.html", **_sample("ar", pages=1))

    for name, data in samples.items():
        for old in ARTIFACTS.glob(f"pdf-sample-{name}-*.png"):
            old.unlink()
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-", str(ARTIFACTS / f"pdf-sample-{name}")],
            input=data,
            check=True,
        )
        pictures = sorted(ARTIFACTS.glob(f"pdf-sample-{name}-*.png"))
        assert pictures and all(p.stat().st_size > 1000 for p in pictures)


def _sample(language: str, *, pages: int = 0) -> dict:
    if language == "ar":
        return {
            "heading": ARABIC,
            "sentence": "يحمل الشاب جواز السفر الصحي عند مغادرة الرعاية.",
            "nhs_label": "رقم الخدمة الصحية الوطنية",
            "nhs_number": NHS_NUMBER,
            "tigrinya": TIGRINYA,
            "english": ENGLISH,
            "filler": "سطر للملء",
            "pages": pages,
            "produced_on": "01/06/2026",
        }
    return {
        "heading": "Health Passport",
        "sentence": ENGLISH,
        "nhs_label": "NHS number",
        "nhs_number": NHS_NUMBER,
        "tigrinya": TIGRINYA,
        "english": ENGLISH,
        "filler": "A line to fill the page",
        "pages": pages,
        "produced_on": "1 June 2026",
    }
