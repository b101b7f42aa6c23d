"""CSV files the app hands out (the designated-nurse report), written so a spreadsheet never runs them.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel, LibreOffice and
Google Sheets as a formula, so a team called `=HYPERLINK("https://evil.example", "Click")` would become a live
link, or worse, in the designated nurse's spreadsheet. Every such cell is written with a `'` in front, as
OWASP advises ("CSV Injection"); a spreadsheet shows the text as typed. Numbers stay numbers.

Every CSV the app writes goes through `csv_bytes`: tests/web/test_csv_exports.py fails if any other module
calls `csv.writer`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """The cell as a spreadsheet should show it: text that would start a formula gets a `'` in front."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A UTF-8 CSV file of `header` and `rows`, every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue().encode("utf-8")
