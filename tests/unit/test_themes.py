"""Every colour theme a young person can choose keeps WCAG AA contrast wherever it puts text, and the
stylesheets use exactly the theme's colours (passport/themes.py is the one list)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from passport import themes

STATIC = Path(__file__).resolve().parents[2] / "static"


@pytest.mark.parametrize("theme", themes.THEMES.values(), ids=list(themes.THEMES))
def test_every_text_colour_pair_of_every_theme_passes_aa(theme):
    failing = {
        what: round(themes.contrast_ratio(fg, bg), 2)
        for what, fg, bg in theme.text_pairs()
        if themes.contrast_ratio(fg, bg) < themes.AA_NORMAL_TEXT
    }
    assert failing == {}


def test_the_contrast_sums_are_right():
    """Known values, so the check above cannot pass by being wrong."""
    assert round(themes.contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert round(themes.contrast_ratio("#ffffff", "#ffffff"), 1) == 1.0
    assert round(themes.contrast_ratio("#005eb8", "#ffffff"), 2) == 6.38  # NHS blue on white
    assert themes.contrast_ratio("#ffeb3b", "#ffffff") < themes.AA_NORMAL_TEXT  # NHS yellow fails, rightly


@pytest.mark.parametrize("theme", themes.THEMES.values(), ids=list(themes.THEMES))
def test_the_pages_stylesheet_uses_the_themes_colours(theme):
    css = (STATIC / "app.css").read_text(encoding="utf-8")
    rule = re.search(rf"\.app-theme--{theme.name} \{{([^}}]*)\}}", css).group(1)
    assert f"--app-theme: {theme.colour};" in rule
    assert f"--app-theme-dark: {theme.dark};" in rule
    assert f"--app-theme-tint: {theme.tint};" in rule
    assert re.search(rf"\.app-swatch--{theme.name} \{{ background: {theme.colour}; \}}", css)


@pytest.mark.parametrize("theme", themes.THEMES.values(), ids=list(themes.THEMES))
def test_the_pdf_stylesheet_uses_the_themes_colours(theme):
    css = (STATIC / "pdf" / "pdf.css").read_text(encoding="utf-8")
    assert (
        f".pdf-cover--{theme.name} {{ border-inline-start-color: {theme.colour}; background: {theme.tint}; }}"
        in css
    )
    assert (
        f".pdf-cover--{theme.name} .pdf-cover__title, .card-title--{theme.name} {{ color: {theme.colour}; }}"
        in css
    )
    assert f".card-face--{theme.name} {{ border-inline-start-color: {theme.colour}; }}" in css


def test_no_stylesheet_has_a_theme_the_list_does_not():
    named = set(re.findall(r"\.app-theme--([a-z]+)", (STATIC / "app.css").read_text(encoding="utf-8")))
    named |= set(
        re.findall(r"\.pdf-cover--([a-z]+)", (STATIC / "pdf" / "pdf.css").read_text(encoding="utf-8"))
    )
    assert named == set(themes.THEMES)


def test_an_unknown_or_missing_theme_is_the_default():
    assert themes.theme_or_default(None).name == themes.DEFAULT_THEME
    assert themes.theme_or_default("neon").name == themes.DEFAULT_THEME
