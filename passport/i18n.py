"""Languages: which one a request is shown in, and which way it reads.

The choice order is: what the person picked (kept in their session, and on their account once signed in),
then the browser's Accept-Language, then English (en-GB).
"""

from __future__ import annotations

import functools
import unicodedata
from datetime import date

from babel.dates import format_date as format_date_in
from flask import Flask, current_app, g, has_request_context, request, session, url_for
from flask_babel import format_date, get_locale, get_translations
from flask_login import current_user

from passport.config import RTL_LOCALES, SUPPORTED_LOCALES
from passport.extensions import babel

# Each language named in its own script, so a person finds theirs without reading English.
LANGUAGE_NAMES = {
    "en_GB": "English",
    "cy": "Cymraeg",
    "ar": "العربية",
    "fa": "فارسی",
    "ps": "پښتو",
    "ti": "ትግርኛ",
    "sq": "Shqip",
    "vi": "Tiếng Việt",
}
# Catalogues not yet checked by a native speaker; the language menu says so.
DRAFT_LOCALES = frozenset(SUPPORTED_LOCALES) - {"en_GB"}


def select_locale() -> str:
    if not has_request_context():  # commands and background work speak the source language
        return "en_GB"
    chosen = session.get("locale")
    if chosen in SUPPORTED_LOCALES:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False):
        preferred = current_user.preferred_locale
        if preferred in SUPPORTED_LOCALES:
            return preferred
    best = request.accept_languages.best_match(
        [code.replace("_", "-") for code in SUPPORTED_LOCALES] + ["en"]
    )
    if best is None or best == "en":
        return "en_GB"
    return best.replace("-", "_")


def text_direction() -> str:
    locale = get_locale()
    return "rtl" if locale is not None and locale.language in RTL_LOCALES else "ltr"


def direction_of(text: str) -> str | None:
    """The direction a piece of typed text reads in, from its first letter (Unicode's rule for a paragraph):
    "ltr", "rtl", or None when it has no letters (a number, a dash)."""
    for character in text:
        kind = unicodedata.bidirectional(character)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None


def as_written(value):
    """Show text someone typed in the direction it was typed, whatever the page's language: "2 puffs" stays
    "2 puffs" on an Arabic page, and an Arabic note stays right to left on an English one. The direction is
    worked out here, not with dir="auto", because WeasyPrint does not support dir="auto" and the PDFs must
    read the same as the pages. The HTML comes from a template macro, so autoescape does the escaping."""
    macros = current_app.jinja_env.get_template("macros/text.html").module
    return macros.as_written(value)


def format_day(value, pattern: str) -> str:
    """A date written the way the page's language writes it ("4 March 2009", "٤ مارس ٢٠٠٩"); "" for none.
    A datetime goes through Flask-Babel, which first moves it to the reader's time zone; a plain date is
    remembered per language, since a staff list writes fifty of them and Flask-Babel's way cost 30 µs each."""
    if not value:
        return ""
    if type(value) is not date:
        return format_date(value, pattern)
    return _day_in(value, pattern, str(get_locale() or "en_GB"))


@functools.lru_cache(maxsize=8192)
def _day_in(value: date, pattern: str, locale: str) -> str:
    return format_date_in(value, pattern, locale=locale)


def html_lang() -> str:
    locale = get_locale()
    return str(locale).replace("_", "-") if locale is not None else "en-GB"


def language_page_href() -> str:
    """Where the header's language link goes: the language page, told to come back here afterwards. A page
    shown after a POST (a form with errors) comes back to its address, as a GET."""
    if request.endpoint == "public.language":
        from passport.public.views import _safe_return_path

        here = _safe_return_path(request.args.get("next"))
    elif request.method == "GET":
        here = request.full_path.rstrip("?")
    else:
        here = request.path
    return url_for("public.language", next=here)


def _page_translations():
    """The catalogue the page is being written in. Flask-Babel finds it afresh for every string (three
    context lookups and the locale's name each time), and a staff list translates several hundred strings:
    a fifth of its template's time. Here it is found once per locale per request. The locale is compared
    by identity, so `force_locale` (which sets another locale, then puts the first one back) is honoured."""
    state = g.get("_flask_babel") if g else None  # where Flask-Babel keeps the request's locale
    locale = getattr(state, "babel_locale", None)
    if locale is None:  # not chosen yet: Flask-Babel chooses it now
        return get_translations()
    remembered = g.get("_page_translations")
    if remembered is None or remembered[0] is not locale:
        remembered = (locale, get_translations())
        g._page_translations = remembered
    return remembered[1]


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    # The same callables Flask-Babel installs, over the remembered catalogue.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _page_translations().ugettext(s),
        ngettext=lambda s, p, n: _page_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _page_translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.filters["as_written"] = as_written
    app.jinja_env.filters["direction_of"] = lambda value: direction_of(str(value))

    @app.context_processor
    def language_context():
        return {
            "text_direction": text_direction(),
            "html_lang": html_lang(),
            "language_names": LANGUAGE_NAMES,
            "supported_locales": current_app.config["SUPPORTED_LOCALES"],
            "draft_locales": DRAFT_LOCALES,
            "current_locale": str(get_locale()),
            "language_page_href": language_page_href,
        }
