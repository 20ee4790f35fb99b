"""The sessions' pure rules: when a reminder goes (two working days before, England and Wales bank
holidays skipped), a session's state, and how its time reads (Europe/London)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.common.permissions import NotFound
from portal.common.times import when_text
from portal.common.working_days import is_working_day, working_days_between
from portal.sessions.follow_up import reminder_day
from portal.sessions.models import BookingStatus, Session, SessionKind
from portal.sessions.services import (
    CONFIDENTIALITY_EXPECTATIONS,
    has_started,
    is_open,
    needs_confidentiality,
    status_label,
    uptake_period,
)


@pytest.mark.parametrize(
    ("session_day", "expected"),
    [
        (date(2027, 6, 7), date(2027, 6, 3)),  # Monday → Thursday
        (date(2027, 6, 9), date(2027, 6, 7)),  # Wednesday → Monday
        (date(2027, 6, 8), date(2027, 6, 4)),  # Tuesday → Friday
        (date(2026, 12, 29), date(2026, 12, 23)),  # Christmas, Boxing Day (substitute Mon 28) skipped
        (date(2027, 4, 1), date(2027, 3, 30)),  # Thursday before Easter
        (date(2027, 3, 30), date(2027, 3, 24)),  # Tuesday after Easter Monday: back over Good Friday
        (date(2027, 6, 5), date(2027, 6, 3)),  # a Saturday session: Thursday
    ],
)
def test_the_reminder_day_is_two_working_days_before(session_day, expected):
    assert reminder_day(session_day) == expected
    assert is_working_day(expected)


def test_the_reminder_day_agrees_with_the_working_day_count_over_two_years():
    day = date(2026, 1, 1)
    while day < date(2028, 1, 1):
        remind = reminder_day(day)
        assert is_working_day(remind) and remind < day
        # The working days after the reminder day, up to the session day: the one between, and the
        # session day itself when it is a working day.
        assert working_days_between(remind, day) == (2 if is_working_day(day) else 1), day
        day += timedelta(days=1)


def _session(**fields):
    starts = fields.pop("starts_at", datetime(2027, 3, 30, 8, 30, tzinfo=UTC))
    values = {
        "kind": SessionKind.OPEN_DAY,
        "title": "Open day",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=3),
        "capacity": 3,
        "booked": 0,
        "cancelled_at": None,
        "attendance_recorded_at": None,
    }
    values.update(fields)
    return Session(**values)


def test_the_state_of_a_session():
    before = datetime(2027, 3, 1, tzinfo=UTC)
    after = datetime(2027, 3, 31, tzinfo=UTC)
    assert status_label(_session(), now=before) == "Open for booking"
    assert status_label(_session(booked=3), now=before) == "Full"
    assert status_label(_session(), now=after) == "Taken place"
    assert status_label(_session(attendance_recorded_at=after), now=after) == "Attendance recorded"
    assert status_label(_session(cancelled_at=before), now=before) == "Cancelled"
    assert is_open(_session(), now=before) and not is_open(_session(), now=after)
    assert not is_open(_session(cancelled_at=before), now=before)
    assert has_started(_session(), now=after)
    full = _session(booked=3)
    assert (full.places_left, full.is_full) == (0, True)


def test_times_read_in_london_time_either_side_of_the_clock_change():
    # 30 March 2027 is after the clocks go forward (28 March): 08:30 UTC is 9:30am in London.
    assert when_text(_session()) == "30 March 2027 at 9:30am to 12:30pm"
    winter = _session(starts_at=datetime(2027, 1, 12, 14, 0, tzinfo=UTC))
    assert when_text(winter) == "12 January 2027 at 2pm to 5pm"


def test_only_shadowing_needs_the_confidentiality_expectations():
    assert needs_confidentiality(_session(kind=SessionKind.FRONT_DOOR_SHADOWING))
    assert not needs_confidentiality(_session(kind=SessionKind.OPEN_DAY))
    assert len(CONFIDENTIALITY_EXPECTATIONS) >= 4
    assert any("record" in line for line in CONFIDENTIALITY_EXPECTATIONS)
    assert BookingStatus.WAITLISTED.label == "On the waiting list"


def test_the_uptake_page_offers_recent_quarters_and_years_and_reads_any_period_key():
    today = date(2026, 11, 20)  # in Q3 of the financial year 2026-27
    period, choices = uptake_period("", today=today)
    assert [p.key for p in choices] == ["2026-Q3", "2026-Q2", "2026-Q1", "2025-Q4", "2026", "2025"]
    assert period == choices[0]
    assert uptake_period("2025", today=today)[0] == choices[-1]
    older, _ = uptake_period("2024-Q2", today=today)  # not offered, but a period all the same
    assert (older.start, older.end) == (date(2024, 7, 1), date(2024, 9, 30))
    for nonsense in ("nonsense", "2026-Q9", "<script>"):
        with pytest.raises(NotFound):
            uptake_period(nonsense, today=today)
