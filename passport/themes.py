"""The colour themes a young person can choose for their passport ("a look they chose").

Each theme colours the header of their own pages, the band with their passport's name, their PDF's cover
and their wallet card; staff pages never wear one. Every colour pair a theme puts text on keeps WCAG 2.2 AA
contrast (4.5:1 for normal text): tests/unit/test_themes.py checks each pair below and that static/app.css
and static/pdf/pdf.css use exactly these colours.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

TEXT = "#212b32"  # the NHS text colour, on the light tint
WHITE = "#ffffff"
AA_NORMAL_TEXT = 4.5


@dataclass(frozen=True)
class Theme:
    name: str
    label: object  # a lazy string: the colour's name in the reader's language
    colour: str  # the header and the cover; white text sits on it, and it is used as text on white
    dark: str  # a darker shade, behind the header's account links; white text on it
    tint: str  # a light band behind the passport's name; TEXT and `colour` sit on it

    def text_pairs(self) -> list[tuple[str, str, str]]:
        """(what, foreground, background) for every place this theme puts text on a colour."""
        return [
            ("white on the header", WHITE, self.colour),
            ("white on the account links", WHITE, self.dark),
            ("the theme colour as text on white", self.colour, WHITE),
            ("text on the name band", TEXT, self.tint),
            ("the theme colour as text on the name band", self.colour, self.tint),
        ]


THEMES: dict[str, Theme] = {
    theme.name: theme
    for theme in (
        Theme("blue", _l("Blue"), "#005eb8", "#004b93", "#e8f1f8"),
        Theme("green", _l("Green"), "#00703c", "#005a30", "#e6f2ec"),
        Theme("purple", _l("Purple"), "#6b2c6e", "#532256", "#f3ebf3"),
        Theme("pink", _l("Pink"), "#a3195b", "#82144a", "#fbe9f0"),
        Theme("teal", _l("Teal"), "#006066", "#004b50", "#e5f2f3"),
        Theme("orange", _l("Orange"), "#a33d00", "#823100", "#fcefe6"),
        Theme("charcoal", _l("Charcoal"), "#212b32", "#10161a", "#eceff1"),
    )
}
DEFAULT_THEME = "blue"


def theme_or_default(name: str | None) -> Theme:
    return THEMES.get(name or DEFAULT_THEME, THEMES[DEFAULT_THEME])


def relative_luminance(colour: str) -> float:
    """WCAG 2.2 relative luminance of an sRGB colour written #rrggbb."""
    value = colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
