"""A service-level clock's state: done on time or late, paused while waiting, otherwise on time until the
due date has passed."""

from __future__ import annotations

from datetime import date

import pytest

from portal.requests.services import Clock

DUE = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("done", "paused", "today", "state", "overdue"),
    [
        (None, False, date(2026, 11, 19), "On time", False),
        (None, False, DUE, "On time", False),
        (None, False, date(2026, 11, 21), "Overdue", True),
        (None, True, date(2026, 11, 21), "Paused", False),
        (DUE, False, date(2026, 11, 30), "Done on time", False),
        (date(2026, 11, 23), False, date(2026, 11, 30), "Done late", False),
        (date(2026, 11, 23), True, date(2026, 11, 30), "Done late", False),
    ],
)
def test_the_clock_state(done, paused, today, state, overdue):
    clock = Clock("Consult", DUE, done, paused)
    assert clock.state(today) == state
    assert clock.is_overdue(today) is overdue
