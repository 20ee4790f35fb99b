"""CSV cells a spreadsheet will not run: every export writes its text cells through `safe_cell`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

# What makes a spreadsheet read a cell as a formula, and the full-width forms some spreadsheets treat the same.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_cell(value: object) -> str | int | Decimal:
    """A CSV cell that a spreadsheet will not run as a formula: a leading apostrophe neutralises text.
    Numbers are written as numbers (a negative change stays -2): a number is never a formula."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """Rows as CSV text, every cell through `safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
