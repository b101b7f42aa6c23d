"""Checks every HTML page the tests fetch must pass: one <h1>, a <title> that starts with it (after an
"Error: " prefix when the form has errors), and no duplicate ids."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.h1s: list[str] = []
        self.title = ""
        self.ids: Counter[str] = Counter()
        self._in: str | None = None
        self._buffer: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value:
                self.ids[value] += 1
        if tag in ("h1", "title"):
            self._in = tag
            self._buffer = []

    def handle_endtag(self, tag):
        if tag == self._in:
            text = " ".join("".join(self._buffer).split())
            if tag == "h1":
                self.h1s.append(text)
            elif not self.title:  # the page's own <title>, not one inside an SVG
                self.title = text
            self._in = None

    def handle_data(self, data):
        if self._in:
            self._buffer.append(data)


def page_problems(html: str) -> list[str]:
    parser = _PageParser()
    parser.feed(html)
    problems = []
    if len(parser.h1s) != 1:
        problems.append(f"expected one <h1>, found {len(parser.h1s)}: {parser.h1s}")
    elif parser.h1s[0]:
        title = parser.title.removeprefix("Error: ")
        if not title.startswith(parser.h1s[0]):
            problems.append(f"<title> {parser.title!r} does not start with <h1> {parser.h1s[0]!r}")
    duplicates = [i for i, n in parser.ids.items() if n > 1]
    if duplicates:
        problems.append(f"duplicate ids: {duplicates}")
    return problems


def page_text(html: str) -> str:
    """The visible text of a page, whitespace collapsed, for assertions about what a person reads."""

    class _Text(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []
            self._skip = 0

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "style", "title"):
                self._skip += 1

        def handle_endtag(self, tag):
            if tag in ("script", "style", "title"):
                self._skip -= 1

        def handle_data(self, data):
            if not self._skip:
                self.parts.append(data)

    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def main_text(html: str) -> str:
    """The visible text of the page's <main> only: without the header, language menu and footer."""
    start = html.find("<main")
    end = html.find("</main>")
    return page_text(html[start:end] if start != -1 and end != -1 else html)
