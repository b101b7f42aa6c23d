"""A Babel extractor for the plain-English strings kept in data files (the immunisation schedule, the
leaving-pack checklist and the clinical terms list), so they are translated like every other message. Named in
babel.cfg."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path


def extract_data_strings(
    fileobj, keywords, comment_tags, options
) -> Iterator[tuple[int, str | None, str, list]]:
    name = Path(getattr(fileobj, "name", "")).name
    if name == "leaving_pack.yaml":
        from passport.readiness import translatable_strings
    elif name in ("schedule.yaml", "vaccines.yaml"):
        from passport.schedule import translatable_strings
    elif name == "clinical_terms.yaml":
        from passport.clinical_terms import translatable_strings
    else:
        return
    for message in translatable_strings():
        yield 0, None, message, [f"from {name}"]
