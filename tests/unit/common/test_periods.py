"""Reporting periods: months, financial-year quarters (April–June is Q1) and financial years, their keys
(which round-trip), labels and neighbours."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.common.periods import Period, PeriodKind, financial_year, month, quarter, recent_quarters


@pytest.mark.parametrize(
    ("day", "key", "label", "start", "end"),
    [
        (date(2026, 4, 1), "2026-Q1", "Q1 2026–27", date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 9, 30), "2026-Q2", "Q2 2026–27", date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 11, 22), "2026-Q3", "Q3 2026–27", date(2026, 10, 1), date(2026, 12, 31)),
        (date(2027, 2, 28), "2026-Q4", "Q4 2026–27", date(2027, 1, 1), date(2027, 3, 31)),
        (date(2027, 3, 31), "2026-Q4", "Q4 2026–27", date(2027, 1, 1), date(2027, 3, 31)),
    ],
)
def test_financial_quarters(day, key, label, start, end):
    q = quarter(day)
    assert (q.key, q.label, q.start, q.end, q.kind) == (key, label, start, end, PeriodKind.QUARTER)


def test_months_and_financial_years():
    assert month(date(2024, 2, 10)) == Period(date(2024, 2, 1), date(2024, 2, 29), PeriodKind.MONTH)
    assert month(date(2026, 12, 31)).key == "2026-12"
    assert month(date(2026, 12, 31)).label == "December 2026"
    fy = financial_year(date(2027, 3, 31))
    assert (fy.key, fy.label, fy.start, fy.end) == ("2026", "2026–27", date(2026, 4, 1), date(2027, 3, 31))
    assert financial_year(date(2027, 4, 1)).key == "2027"
    assert quarter(date(2027, 1, 5)).long_label == "January to March 2027"
    assert fy.long_label == "April 2026 to March 2027"


def test_neighbours_cross_year_ends():
    assert quarter(date(2026, 4, 1)).previous().key == "2025-Q4"
    assert quarter(date(2027, 1, 1)).previous().key == "2026-Q3"
    assert quarter(date(2026, 12, 1)).next().key == "2026-Q4"
    assert month(date(2027, 1, 1)).previous().key == "2026-12"
    assert financial_year(date(2026, 5, 1)).previous().key == "2025"
    assert [q.key for q in recent_quarters(date(2026, 5, 1))] == ["2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]


@given(st.dates(min_value=date(2000, 4, 1), max_value=date(2100, 12, 31)), st.sampled_from(list(PeriodKind)))
def test_every_key_parses_back_to_its_period(day, kind):
    period = {PeriodKind.MONTH: month, PeriodKind.QUARTER: quarter, PeriodKind.FINANCIAL_YEAR: financial_year}[kind](
        day
    )
    assert Period.parse(period.key) == period
    assert period.contains(day)
    assert period.next().start == period.end + timedelta(days=1)
    assert period.previous().end == period.start - timedelta(days=1)


@pytest.mark.parametrize(
    "key",
    ["", "2026-Q0", "2026-Q5", "2026-13", "2026-00", "Q3", "2026-Q", "abc", "2026-11-05", "2026-Q1-x", "-5"]
    # Out of range or not ASCII digits: 500s once (no period before 0001-01, none after 9999-12).
    + ["99999999999999999999", "0000-Q4", "0001-01", "9999-12", "9999", "1999-Q4", "2101", "١٢٣٤", "2_026", " 2026"],
)
def test_anything_else_is_refused(key):
    with pytest.raises(ValueError, match="not a period"):
        Period.parse(key)
