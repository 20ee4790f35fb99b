"""The dashboards' arithmetic and safety helpers, and the SVG charts, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from portal.common.arithmetic import average, nearest_rank, percent
from portal.common.exports import safe_cell
from portal.common.periods import month, quarter
from portal.dashboards import charts
from portal.dashboards.figures import months_of
from portal.dashboards.services import suppressed, utc_bounds


def test_nearest_rank_percentiles_by_hand():
    # 1, 1, 2, 3, 3, 3, 4, 9, 10, 12: the 5th value is 3, the 9th is 10.
    histogram = {1: 2, 2: 1, 3: 3, 4: 1, 9: 1, 10: 1, 12: 1}
    assert nearest_rank(histogram, 50) == 3
    assert nearest_rank(histogram, 90) == 10
    assert nearest_rank({7: 1}, 50) == 7
    assert nearest_rank({}, 50) is None
    # Four values: the median is the 2nd, the 90th percentile the 4th.
    assert nearest_rank({0: 1, 1: 1, 3: 2}, 50) == 1
    assert nearest_rank({0: 1, 1: 1, 3: 2}, 90) == 3


@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=200), st.sampled_from([50, 90]))
def test_nearest_rank_agrees_with_sorting_the_values(values, percentile):
    histogram: dict[int, int] = {}
    for v in values:
        histogram[v] = histogram.get(v, 0) + 1
    rank = -(-percentile * len(values) // 100)
    assert nearest_rank(histogram, percentile) == sorted(values)[rank - 1]


def test_percentages_and_averages_round_half_up():
    assert percent(1, 8) == 13  # 12.5
    assert percent(2, 3) == 67
    assert percent(1, 3) == 33
    assert percent(0, 0) is None
    assert average(11, 3) == Decimal("3.7")
    assert average(5, 2) == Decimal("2.5")
    assert average(1, 8) == Decimal("0.1")  # 0.125
    assert average(0, 0) is None


def test_counts_below_five_are_suppressed():
    assert [suppressed(n) for n in (0, 1, 4, 5, 17)] == ["0", "fewer than 5", "fewer than 5", "5", "17"]


def test_numbers_stay_numbers_so_a_fall_is_not_turned_into_text():
    assert [safe_cell(x) for x in (5, -2, 0, Decimal("-0.5"), Decimal("3.7"))] == [
        5,
        -2,
        0,
        Decimal("-0.5"),
        Decimal("3.7"),
    ]
    assert [type(safe_cell(x)) for x in (-2, Decimal("-0.5"))] == [int, Decimal]
    # Text that looks like a number is still text, and neutralised: only numbers are trusted.
    assert safe_cell("-2") == "'-2"


def test_period_bounds_are_london_midnights_in_utc():
    start, end = utc_bounds(quarter(date(2025, 10, 1)))
    # 1 October is in British Summer Time; 1 January is not.
    assert start == datetime(2025, 9, 30, 23, tzinfo=UTC)
    assert end == datetime(2026, 1, 1, tzinfo=UTC)
    assert [m.key for m in months_of(quarter(date(2026, 2, 1)))] == ["2026-01", "2026-02", "2026-03"]
    assert [m.key for m in months_of(month(date(2026, 2, 1)))] == ["2026-02"]


def test_a_bar_chart_is_an_image_labelled_by_its_summary_and_escapes_labels():
    svg = charts.bar_chart("summary-1", [("<Acknowledge>", 50), ("Consult", None), ("Outcome", 100)], unit="%")
    soup = BeautifulSoup(str(svg), "html.parser")
    root = soup.find("svg")
    assert (root["role"], root["aria-labelledby"]) == ("img", "summary-1")
    texts = [t.get_text() for t in soup.find_all("text")]
    assert texts == ["<Acknowledge>", "50%", "Consult", "No data", "Outcome", "100%"]
    widths = [float(r["width"]) for r in soup.find_all("rect")]
    assert widths == [charts.BAR_AREA / 2, charts.BAR_AREA]
    assert "<Acknowledge>" not in str(svg)
    assert "style=" not in str(svg)


def test_a_chart_given_a_title_carries_it_escaped_as_its_first_child_for_the_pdfs_alternate_text():
    for svg in (
        charts.bar_chart("s", [("A", 1)], title="Requests <by> month"),
        charts.stacked_bar_chart("s", [("A", [1])], ["One"], title="Requests <by> month"),
    ):
        root = BeautifulSoup(str(svg), "html.parser").find("svg")
        first = next(child for child in root.children if child.name)
        assert (first.name, first.get_text()) == ("title", "Requests <by> month")
        assert "<by>" not in str(svg)
    assert BeautifulSoup(str(charts.bar_chart("s", [("A", 1)])), "html.parser").find("title") is None


def test_a_stacked_chart_draws_one_segment_per_non_zero_value_and_a_legend():
    svg = charts.stacked_bar_chart("s", [("October", [6, 0, 0, 0]), ("December", [1, 0, 1, 0])], ["A", "B", "C", "D"])
    soup = BeautifulSoup(str(svg), "html.parser")
    rects = soup.find_all("rect")
    assert len(rects) == 3 + 4  # segments, then the legend's keys
    assert float(rects[0]["width"]) == charts.BAR_AREA
    assert [t.get_text() for t in soup.find_all("text")][:2] == ["October", "6"]


@pytest.mark.parametrize(
    ("now", "then", "suffix", "higher_is_better", "words"),
    [
        (3, 2, " working days", False, "1 working day slower"),
        (2, 5, " working days", False, "3 working days faster"),
        (70, 67, "%", True, "3 percentage points better"),
        (66, 67, "%", True, "1 percentage point worse"),
        (12, 9, "", None, "3 more"),
        (8, 9, "", None, "1 fewer"),
        (4, 2, "", False, "2 more, worse"),
        (1, 2, "", False, "1 fewer, better"),
        (Decimal("3.7"), Decimal("3.0"), "", True, "0.7 higher, better"),
        (5, 5, "%", True, "No change"),
        (None, 5, "%", True, "No comparison"),
    ],
)
def test_trends_are_worded_as_better_or_worse_with_their_units(now, then, suffix, higher_is_better, words):
    from portal.dashboards.report import Headline

    assert Headline("A measure", now, then, suffix, higher_is_better=higher_is_better).trend == words
