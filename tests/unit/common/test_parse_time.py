"""parse_time reads the times people type: 9:30am, 2pm, 14:30, 14.30, midday."""

from __future__ import annotations

from datetime import time

import pytest

from portal.common.times import parse_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2pm", time(14, 0)),
        ("2 pm", time(14, 0)),
        ("2PM", time(14, 0)),
        ("9:30am", time(9, 30)),
        ("9.30am", time(9, 30)),
        ("09:30", time(9, 30)),
        ("14:30", time(14, 30)),
        ("14.30", time(14, 30)),
        ("  14:30  ", time(14, 30)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("12:15am", time(0, 15)),
        ("12:45pm", time(12, 45)),
        ("midday", time(12, 0)),
        ("Noon", time(12, 0)),
        ("12 noon", time(12, 0)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("9", time(9, 0)),
    ],
)
def test_times_people_type_are_read(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "pm",
        "25pm",
        "13pm",
        "0am",
        "24:00",
        "14:60",
        "9:5:00",
        "half past two",
        "2:3o",
        "-1:00",
        "14:30pm:",
        "1４:30",
        "²pm",
        "2:³0",
    ],
)
def test_anything_else_is_not_a_time(text):
    assert parse_time(text) is None
