"""CSV cells a spreadsheet would run as a formula are neutralised, whatever form the formula character takes."""

from __future__ import annotations

import csv
import io

import pytest

from portal.common.exports import csv_text, safe_cell

FORMULAS = ["=1+1", "+44", "-3", "@SUM(A1)", "\tx", "\rx", "\nx", " =1+1"]
# Full-width and small forms, which some spreadsheets fold to the ASCII character.
WIDE_FORMULAS = ["＝1+1", "＋44", "－3", "＠SUM(A1)", "﹦1+1", "﹢1", "﹣1", "﹫x", "\u3000=1+1"]


@pytest.mark.parametrize("text", FORMULAS + WIDE_FORMULAS)
def test_formula_cells_are_neutralised(text):
    assert safe_cell(text) == "'" + text


def test_other_cells_are_left_alone():
    assert [safe_cell(x) for x in ("Castle Rock", None, "4-5", "", "   ", "Ünïcödé")] == [
        "Castle Rock",
        "",
        "4-5",
        "",
        "   ",
        "Ünïcödé",
    ]


def test_csv_text_neutralises_every_cell_and_keeps_numbers():
    text = csv_text([["name", "count"], ['＝HYPERLINK("http://x.invalid")', -2], ["Castle Rock", 5]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["name", "count"], ['\'＝HYPERLINK("http://x.invalid")', "-2"], ["Castle Rock", "5"]]
