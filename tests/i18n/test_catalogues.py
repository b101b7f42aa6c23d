"""The eight languages: every catalogue is complete, compiles, keeps every placeholder, has the right
number of plural forms, and says it is a draft until a native speaker has reviewed it. Dates and numbers
come out the way each language writes them."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
LOCALES = ("cy", "ar", "fa", "ps", "ti", "sq", "vi")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def catalogue(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


def template_ids() -> set:
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def test_the_template_is_up_to_date_with_the_code(tmp_path):
    """A string added to the code but not extracted would show in English to everyone: extract again and
    compare."""
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "N_", "-k", "N_plural:1,2", "--no-location", "-o", str(fresh), "."],
        cwd=ROOT, check=True, capture_output=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    with open(fresh, "rb") as handle:
        extracted = {m.id for m in read_po(handle) if m.id}
    assert extracted == template_ids(), "run `make update-messages` and translate the new strings"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated_with_its_placeholders(locale):
    messages = [m for m in catalogue(locale) if m.id]
    assert {m.id for m in messages} == template_ids()
    plurals = get_plural(locale).num_plurals
    problems = []
    for message in messages:
        if message.fuzzy:
            problems.append(("fuzzy", message.id))
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if isinstance(message.id, tuple) and len(strings) != catalogue(locale).num_plurals:
            problems.append(("plural forms", message.id))
        expected = set(PLACEHOLDER.findall(" ".join(ids)))
        for text in strings:
            if not text:
                problems.append(("empty", message.id))
            elif set(PLACEHOLDER.findall(text)) - expected or (
                not isinstance(message.id, tuple) and set(PLACEHOLDER.findall(text)) != expected
            ):
                problems.append(("placeholders", message.id, text))
    assert problems == []
    assert catalogue(locale).num_plurals == plurals


def test_arabic_has_six_plural_forms():
    assert catalogue("ar").num_plurals == 6


@pytest.mark.parametrize("locale", LOCALES)
def test_each_catalogue_says_it_is_a_draft(locale):
    header = (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")[:600]
    assert "DRAFT translation for review by a native speaker" in header


@pytest.mark.parametrize("locale", LOCALES)
def test_each_catalogue_compiles(locale, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "compile", "-l", locale,
         "-i", str(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"), "-o", str(tmp_path / "m.mo")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_dates_and_numbers_follow_the_language(client):
    from flask_babel import force_locale, format_date, format_number

    with client.application.test_request_context():
        with force_locale("cy"):
            assert format_date(date(2026, 3, 5), "d MMMM y") == "5 Mawrth 2026"
        with force_locale("ar"):
            assert "مارس" in format_date(date(2026, 3, 5), "d MMMM y")
        with force_locale("vi"):
            assert format_number(3150) == "3.150"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("num", [1, 2, 4, 11])
def test_the_vaccine_summary_is_in_the_language_for_any_count(client, locale, num):
    """The summary on the overview ("4 vaccines to check") is chosen with ngettext, which only finds an entry
    with plural forms: two separate strings would leave it in English in every language."""
    from flask_babel import force_locale, ngettext

    from passport.schedule import engine

    pairs = [
        (engine.MSG_SUMMARY_CATCH_UP, engine.MSG_SUMMARY_CATCH_UP_PLURAL),
        (engine.MSG_SUMMARY_CHECK, engine.MSG_SUMMARY_CHECK_PLURAL),
    ]
    with client.application.test_request_context():
        for singular, plural in pairs:
            english = ngettext(singular, plural, num)
            with force_locale(locale):
                shown = ngettext(singular, plural, num)
            assert shown != english and str(num) in shown, (locale, shown)
