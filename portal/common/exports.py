"""Files people download (CSV): every text cell is written so that a spreadsheet will not run it as a formula."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable
from decimal import Decimal

# What a spreadsheet reads as the start of a formula (OWASP's list). Their full-width and small forms ("＝",
# "﹦") count too: NFKC folds them to these, and some spreadsheets fold them the same way.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _starts_formula(text: str) -> bool:
    first = text.lstrip(" \u3000")[:1]  # spaces (the ideographic one too) before a formula do not stop it
    return bool(first) and (
        text.startswith(FORMULA_STARTS) or unicodedata.normalize("NFKC", first).startswith(FORMULA_STARTS)
    )


def safe_cell(value: object) -> str | int | Decimal:
    """A CSV cell that a spreadsheet will not run as a formula: a leading apostrophe neutralises text.
    Numbers are written as numbers (a negative change stays -2): a number is never a formula."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    return "'" + text if _starts_formula(text) else text


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """The rows as CSV text, each cell through `safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
