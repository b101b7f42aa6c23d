"""Benchmark: render a realistic 2-page A4 passport and a wallet card, with and without the time bound.

Run from the repository root: ``python bench/bench_pdf_render.py``. Prints one markdown table row per
document: the median of 10 renders in this process (WeasyPrint called directly, no time bound) and through
`render_pdf` (a warm worker process that is killed if it overruns), and the difference, which is the price
of the bound. Targets (issue 7), checked against the `render_pdf` figure since that is what a request pays:
2-page passport < 0.6 s, wallet card < 0.2 s, on 2 cores. This is a benchmark, not a timed test, because
timings on a shared CI machine are noise.

Both documents go through the real template (templates/pdf/_base.html), stylesheet (static/pdf/pdf.css),
fonts and url_fetcher. The people in them are invented.
"""

from __future__ import annotations

import base64
import statistics
import sys
import time
from pathlib import Path

# A plain script: make the repository importable without installing it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import render_template_string

from passport import create_app
from passport.exports import pdf
from passport.exports.qr import qr_data_uri

RUNS = 10
TARGETS = {"2-page A4 passport": 0.6, "wallet card": 0.2}

PASSPORT = """{% extends "pdf/_base.html" %}
{% block content %}
<h1>Health Passport: {{ name }}</h1>
<table>
  <tr><th>Date of birth</th><td><span class="ltr">14/03/2009</span></td></tr>
  <tr><th>NHS number</th><td><span class="ltr">999 000 0018</span></td></tr>
  <tr><th>GP practice</th><td>Northbridge Medical Centre, 1 High Street, Northbridge NB1 2AB</td></tr>
  <tr><th>GP phone</th><td><span class="ltr">01632 960 123</span></td></tr>
</table>
<h2>Allergies</h2>
<table>
  <tr><th>Substance</th><th>Reaction</th><th>Severity</th><th>Recorded</th></tr>
  {% for i in range(6) %}<tr><td>Substance {{ i }}</td><td>Rash and swelling of the lips and face</td>
  <td>moderate</td><td><span class="ltr">0{{ i + 1 }}/02/2020</span></td></tr>{% endfor %}
</table>
<h2>Conditions</h2>
<ul>{% for i in range(5) %}<li>Condition {{ i }}: diagnosed in <span class="ltr">201{{ i }}</span>, reviewed
every year by the school nurse, with a care plan the young person has read and agreed.</li>{% endfor %}</ul>
<h2>Medicines</h2>
<table>
  <tr><th>Medicine</th><th>Dose</th><th>How often</th></tr>
  {% for i in range(8) %}<tr><td>Medicine {{ i }} 100 mg tablets</td><td>One tablet</td>
  <td>Twice a day, morning and evening, with food</td></tr>{% endfor %}
</table>
<h2>Immunisations</h2>
<table>
  <tr><th>Vaccine</th><th>Date</th><th>Where</th></tr>
  {% for i in range(14) %}<tr><td>Vaccine {{ i }}</td>
  <td><span class="ltr">1{{ i % 10 }}/0{{ i % 9 + 1 }}/20{{ 10 + i % 9 }}</span></td>
  <td>Northbridge Medical Centre</td></tr>{% endfor %}
</table>
<h2>People who help me</h2>
<p>{% for i in range(4) %}Contact {{ i }}, personal adviser,
<span class="ltr">07700 900 12{{ i }}</span>. {% endfor %}</p>
{% endblock %}
"""

CARD = """{% extends "pdf/_base.html" %}
{% block body_class %}pdf-card{% endblock %}
{% block footer %}{% endblock %}
{% block content %}
<img src="{{ qr }}" alt="QR code" style="float: inline-end; width: 22mm; height: 22mm">
<p><strong>{{ name }}</strong><br>Born <span class="ltr">14/03/2009</span><br>
NHS number <span class="ltr">999 000 0018</span></p>
<p>Allergies: penicillin (rash), peanuts (anaphylaxis: carries an adrenaline pen)</p>
<p>In an emergency: <span class="ltr">07700 900 123</span></p>
{% endblock %}
"""


def _qr_data_uri() -> str:
    png = qr_data_uri("https://passport.example/s/" + "x" * 43, scale=4)
    assert base64.b64decode(png.split(",", 1)[1])  # a real PNG, as the card template will have
    return png


def _median(render, html: str) -> tuple[float, int]:
    render(html)  # the first render in a process loads fonts; time the steady state
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = render(html)
        times.append(time.perf_counter() - started)
    return statistics.median(times), len(result)


def main() -> None:
    app = create_app("test")
    static_root = Path(app.static_folder)
    with app.test_request_context("/"):
        documents = {
            "2-page A4 passport": render_template_string(
                PASSPORT, name="Robin Fairweather", produced_on="1/6/2026"
            ),
            "wallet card": render_template_string(CARD, name="Robin Fairweather", qr=_qr_data_uri()),
        }
    base_url = "http://localhost/static/"

    def direct(html: str) -> bytes:
        # The baseline: the same render, in this thread, with no time bound (what render_pdf does inside its
        # worker process).
        job = pdf._Job(
            html, str(static_root), base_url, pdf.DEFAULT_MAX_BYTES, pdf.DEFAULT_PDF_VARIANT, False
        )
        outcome = pdf._render_here(job)
        assert outcome.pdf is not None, outcome
        return outcome.pdf

    def bounded(html: str) -> bytes:
        return pdf.render_pdf(html, static_root=static_root, base_url=base_url)

    pdf.start_render_workers()
    for name, html in documents.items():
        plain, _ = _median(direct, html)
        bounded_seconds, size = _median(bounded, html)
        pages = _page_count(bounded(html))
        verdict = "met" if bounded_seconds < TARGETS[name] else "NOT met"
        print(
            f"| PDF {name} | {pages} page(s), {size // 1024} KB | median of {RUNS}: in-process "
            f"{plain * 1000:.0f} ms | render_pdf (worker process) {bounded_seconds * 1000:.0f} ms "
            f"| bound costs {(bounded_seconds - plain) * 1000:+.1f} ms "
            f"| target < {TARGETS[name] * 1000:.0f} ms: {verdict} |"
        )
    pdf.stop_render_workers()


def _page_count(data: bytes) -> int:
    from io import BytesIO

    from pypdf import PdfReader

    return len(PdfReader(BytesIO(data)).pages)


if __name__ == "__main__":
    main()
