"""Plain English on the young person's pages: a reading age of about 9, short sentences.

Scored with the Flesch formulas over every message the young person's templates show. Syllables are counted
with a simple vowel-group rule (written here, so the score never needs a download); it is the same rule each
run, so the score moves only when the words do. Agreed scores: reading ease at least 80 ("easy") and a
Flesch-Kincaid grade of 4 or below (reading age 9); no sentence over 25 words."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_file

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
YOUNG_PERSONS_PAGES = [
    *sorted((TEMPLATES / "me").glob("*.html")),
    *sorted((TEMPLATES / "public").glob("*.html")),
    *sorted((TEMPLATES / "auth").glob("*.html")),
    *sorted((TEMPLATES / "offline").glob("*.html")),  # the copy kept on a phone
    *sorted((TEMPLATES / "messages").glob("*.html")),  # reminders: the young person's, and the stop link
    *(TEMPLATES / "macros" / name for name in ("items.html", "vaccines.html", "birth.html", "plan.html",
                                                "passport.html", "choose_sections.html")),
]  # fmt: skip
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def messages() -> list[str]:
    found = []
    for path in YOUNG_PERSONS_PAGES:
        for _line, message, _comments, _context in extract_from_file(
            "jinja2",
            str(path),
            keywords={"_": None, "ngettext": (1, 2)},
            options={"extensions": "jinja2.ext.i18n"},
        ):
            found.append(message if isinstance(message, str) else message[0])
    return [PLACEHOLDER.sub("it", m) for m in found]


def syllables(word: str) -> int:
    word = word.lower()
    count = len(re.findall(r"[aeiouy]+", word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(count, 1)


def sentences(texts: list[str]) -> list[str]:
    joined = " ".join(t if t.rstrip().endswith((".", "?", "!")) else t + "." for t in texts)
    return [s for s in re.split(r"(?<=[.!?])\s+", joined) if re.search(r"[A-Za-z]", s)]


def test_the_young_persons_pages_read_at_about_age_9():
    found = sentences(messages())
    words = [w for s in found for w in re.findall(r"[A-Za-z']+", s)]
    per_sentence = len(words) / len(found)
    per_word = sum(syllables(w) for w in words) / len(words)
    reading_ease = 206.835 - 1.015 * per_sentence - 84.6 * per_word
    grade = 0.39 * per_sentence + 11.8 * per_word - 15.59
    assert reading_ease >= 80, reading_ease
    assert grade <= 4, grade


def test_no_long_sentences():
    long_ones = [s for s in sentences(messages()) if len(re.findall(r"[A-Za-z']+", s)) > 25]
    assert long_ones == []


def test_the_scorer_tells_hard_from_easy():
    """The measure must be able to fail: a dense sentence scores far worse than a plain one."""
    plain = "You can see your vaccines here. Ask your nurse if you are not sure."
    dense = "Immunisation documentation discrepancies necessitate comprehensive reconciliation procedures."

    def ease(text):
        found = sentences([text])
        words = [w for s in found for w in re.findall(r"[A-Za-z']+", s)]
        return 206.835 - 1.015 * len(words) / len(found) - 84.6 * sum(map(syllables, words)) / len(words)

    assert ease(plain) > 80 > ease(dense)
