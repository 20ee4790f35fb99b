"""Pure rules of the feedback package: the partners' themes in their order and words, the rating words,
the periods a manager can filter by, and how a select's value becomes an id."""

from __future__ import annotations

from datetime import date

import pytest

from portal.feedback.forms import id_or_none
from portal.feedback.models import Theme
from portal.feedback.services import RATING_WORDS, review_periods


def test_the_themes_are_the_partners_own_list_in_its_order():
    assert [t.label for t in Theme] == [
        "Keeping promises",
        "Listening and trust",
        "Reaching a manager or cover",
        "Respect, not being told off",
        "Not hearing how busy staff are",
        "Being told what happens next and the outcome",
        "Helpful, reflective consultation",
        "Communication",
    ]


def test_every_rating_from_1_to_5_has_words():
    assert sorted(RATING_WORDS) == [1, 2, 3, 4, 5]
    assert (RATING_WORDS[1], RATING_WORDS[5]) == ("Very poor", "Very good")


@pytest.mark.parametrize(
    ("today", "keys"),
    [
        (date(2026, 11, 22), ["2026-Q3", "2026-Q2", "2026-Q1", "2025-Q4", "2026", "2025"]),
        (date(2027, 1, 1), ["2026-Q4", "2026-Q3", "2026-Q2", "2026-Q1", "2026", "2025"]),
        (date(2026, 4, 1), ["2026-Q1", "2025-Q4", "2025-Q3", "2025-Q2", "2026", "2025"]),
    ],
)
def test_the_review_periods_are_the_last_four_quarters_then_two_financial_years(today, keys):
    assert [p.key for p in review_periods(today)] == keys


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), (" 7 ", 7), ("", None), (None, None), ("all", None), ("-3", None), ("²", None), ("1e3", None)],
)
def test_a_select_value_becomes_an_id_or_none(value, expected):
    assert id_or_none(value) == expected
