"""Working-day clocks in England and Wales: bank holidays, due dates, paused clocks (no database).

The bank holiday dates below were read from ``holidays.country_holidays("GB", subdiv="ENG")``
(holidays 0.109) and match the published England and Wales calendars.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.common.working_days import (
    Pause,
    add_working_days,
    bank_holidays,
    due_at,
    due_date_with_pauses,
    elapsed_working_days,
    is_working_day,
    local_date,
    working_day_on_or_after,
    working_days_between,
)

LONDON = ZoneInfo("Europe/London")

# More examples than the default 100: the calendar's rare cases (substitute days, Easter near a
# bank holiday weekend) need them, and each example is cheap.
PROPERTY = settings(max_examples=300)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A London wall-clock time, returned in UTC as the portal stores it."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)


# --- the calendar ---------------------------------------------------------------------------------


def test_2027_bank_holidays_include_the_christmas_substitute_days() -> None:
    assert bank_holidays(2027) == {
        date(2027, 1, 1),  # New Year's Day, Friday
        date(2027, 3, 26),  # Good Friday
        date(2027, 3, 29),  # Easter Monday
        date(2027, 5, 3),  # early May bank holiday
        date(2027, 5, 31),  # spring bank holiday
        date(2027, 8, 30),  # summer bank holiday
        date(2027, 12, 25),  # Christmas Day, Saturday
        date(2027, 12, 26),  # Boxing Day, Sunday
        date(2027, 12, 27),  # substitute for Christmas Day
        date(2027, 12, 28),  # substitute for Boxing Day
    }


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 12, 25),  # Christmas Day, Friday
        date(2026, 12, 28),  # Monday, substitute for Boxing Day on Saturday 26th
        date(2027, 1, 1),  # New Year's Day, Friday
        date(2027, 3, 26),  # Good Friday
        date(2027, 3, 29),  # Easter Monday
        date(2026, 5, 4),  # early May bank holiday
        date(2026, 5, 25),  # spring bank holiday
        date(2027, 5, 3),  # early May bank holiday
        date(2027, 5, 31),  # spring bank holiday
        date(2026, 8, 31),  # summer bank holiday
        date(2027, 12, 27),  # substitute for Christmas Day on Saturday
        date(2027, 12, 28),  # substitute for Boxing Day on Sunday
        date(2028, 1, 3),  # substitute for New Year's Day on Saturday
        date(2026, 12, 26),  # Saturday
        date(2027, 12, 25),  # Saturday
        date(2026, 7, 12),  # an ordinary Sunday
    ],
)
def test_bank_holidays_and_weekends_are_not_working_days(day: date) -> None:
    assert not is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 12, 24),  # Thursday before Christmas
        date(2026, 12, 29),  # Tuesday after the substitute Monday
        date(2027, 3, 25),  # Maundy Thursday is not a bank holiday
        date(2027, 3, 30),  # Tuesday after Easter
        date(2027, 12, 24),  # Christmas Eve, Friday
        date(2027, 12, 29),  # first working day after Christmas 2027
        date(2027, 12, 31),  # New Year's Eve, Friday
        date(2028, 1, 4),  # first working day of 2028
        date(2026, 7, 13),  # an ordinary Monday
    ],
)
def test_ordinary_weekdays_are_working_days(day: date) -> None:
    assert is_working_day(day)


# --- adding and counting working days -------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 7, 10), 1, date(2026, 7, 13)),  # Friday + 1 → Monday
        (date(2026, 7, 10), 5, date(2026, 7, 17)),
        (date(2026, 12, 24), 0, date(2026, 12, 24)),  # a working day is its own day 0
        (date(2026, 12, 25), 0, date(2026, 12, 29)),  # Christmas Day rolls on past the substitute Monday
        (date(2026, 12, 24), 1, date(2026, 12, 29)),  # over Christmas, the weekend and Monday 28th
        (date(2026, 12, 24), 2, date(2026, 12, 30)),
        (date(2026, 12, 1), 20, date(2026, 12, 31)),
        (date(2027, 3, 25), 1, date(2027, 3, 30)),  # over Good Friday and Easter Monday
        (date(2027, 3, 25), 3, date(2027, 4, 1)),
        (date(2027, 4, 30), 1, date(2027, 5, 4)),  # over the early May bank holiday
        (date(2027, 5, 28), 1, date(2027, 6, 1)),  # over the spring bank holiday
        (date(2027, 12, 24), 1, date(2027, 12, 29)),  # both 2027 substitute days
        (date(2027, 12, 31), 1, date(2028, 1, 4)),  # New Year's Day substitute, into the next year
        (date(2026, 7, 11), 0, date(2026, 7, 13)),  # Saturday's day 0 is Monday
        (date(2026, 7, 11), 1, date(2026, 7, 13)),  # the start date itself is never counted
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert add_working_days(start, n) == expected


def test_add_working_days_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        add_working_days(date(2026, 7, 10), -1)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 12, 24), date(2026, 12, 29), 1),
        (date(2026, 12, 18), date(2027, 1, 4), 8),  # 21–24, 29–31 December and 4 January
        (date(2027, 12, 24), date(2028, 1, 4), 4),  # 29–31 December and 4 January
        (date(2027, 3, 25), date(2027, 4, 1), 3),
        (date(2026, 7, 11), date(2026, 7, 13), 1),  # Saturday to Monday
        (date(2026, 7, 13), date(2026, 7, 13), 0),
        (date(2026, 7, 17), date(2026, 7, 13), 0),  # end before start
        (date(2025, 12, 31), date(2026, 12, 31), 253),  # 2026: 261 weekdays less 8 bank holidays on weekdays
    ],
)
def test_working_days_between(start: date, end: date, expected: int) -> None:
    assert working_days_between(start, end) == expected


def test_working_day_on_or_after() -> None:
    assert working_day_on_or_after(date(2026, 7, 13)) == date(2026, 7, 13)
    assert working_day_on_or_after(date(2027, 12, 25)) == date(2027, 12, 29)


# --- due dates from timestamps --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "n", "expected"),
    [
        # Friday afternoon, "acknowledge within 1 working day": Monday.
        (london(2026, 7, 10, 16), 1, date(2026, 7, 13)),
        # Friday afternoon before the spring bank holiday: Tuesday.
        (london(2026, 5, 22, 16), 1, date(2026, 5, 26)),
        # Friday afternoon before the summer bank holiday: Tuesday.
        (london(2026, 8, 28, 16), 1, date(2026, 9, 1)),
        # Saturday: treated as received on Monday, so 1 working day is Tuesday.
        (london(2026, 7, 11, 10), 1, date(2026, 7, 14)),
        (london(2026, 7, 11, 10), 0, date(2026, 7, 13)),
        # Christmas Day 2026: the clock starts on Tuesday 29th.
        (london(2026, 12, 25, 12), 1, date(2026, 12, 30)),
        # 23:30 UTC on Thursday in July is 00:30 on Friday in London (BST): day 0 is Friday.
        (utc(2026, 7, 16, 23, 30), 1, date(2026, 7, 20)),
        # 23:30 UTC on Friday in July is already Saturday in London: the clock starts on Monday.
        (utc(2026, 7, 17, 23, 30), 1, date(2026, 7, 21)),
        # In winter London is on GMT: 23:30 UTC on Thursday is still Thursday.
        (utc(2026, 12, 3, 23, 30), 1, date(2026, 12, 4)),
        # A request received in another offset is converted too: 09:00 in New York is 14:00 in London.
        (datetime(2026, 7, 10, 9, tzinfo=ZoneInfo("America/New_York")), 1, date(2026, 7, 13)),
    ],
)
def test_due_at(received: datetime, n: int, expected: date) -> None:
    assert due_at(received, n) == expected


def test_local_date_uses_london_time() -> None:
    assert local_date(utc(2026, 7, 14, 23, 30)) == date(2026, 7, 15)
    assert local_date(utc(2026, 12, 14, 23, 30)) == date(2026, 12, 14)


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due_at(datetime(2026, 7, 10, 16), 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        elapsed_working_days(utc(2026, 7, 10), datetime(2026, 7, 20))


# --- paused clocks --------------------------------------------------------------------------------

# Received Monday 1 June 2026, 10:00 London; 10 working days are due Monday 15 June.
RECEIVED = london(2026, 6, 1, 10)
FRIDAY_12_JUNE_NOON = london(2026, 6, 12, 12)


def test_unpaused_clock() -> None:
    assert elapsed_working_days(RECEIVED, FRIDAY_12_JUNE_NOON) == 9
    assert due_at(RECEIVED, 10) == date(2026, 6, 15)
    assert due_date_with_pauses(RECEIVED, 10, []) == date(2026, 6, 15)


def test_a_pause_over_a_weekend_changes_nothing() -> None:
    pauses: list[Pause] = [(london(2026, 6, 5, 18), london(2026, 6, 8, 8))]  # Friday evening to Monday morning
    assert elapsed_working_days(RECEIVED, FRIDAY_12_JUNE_NOON, pauses) == 9
    assert due_date_with_pauses(RECEIVED, 10, pauses) == date(2026, 6, 15)


def test_a_pause_over_working_days_extends_the_due_date_by_those_days() -> None:
    # Tuesday 17:30 to Friday 08:00: Wednesday and Thursday are wholly paused; Tuesday and Friday are not.
    pauses: list[Pause] = [(london(2026, 6, 2, 17, 30), london(2026, 6, 5, 8))]
    assert elapsed_working_days(RECEIVED, FRIDAY_12_JUNE_NOON, pauses) == 7
    assert due_date_with_pauses(RECEIVED, 10, pauses) == date(2026, 6, 17)
    assert due_date_with_pauses(RECEIVED, 10, pauses) == add_working_days(due_at(RECEIVED, 10), 2)


def test_a_pause_over_a_bank_holiday_weekend_loses_only_the_working_days() -> None:
    # Thursday 21 May 2026 18:00 to Tuesday 26 May 08:00: Friday, the weekend and the spring bank holiday.
    received = london(2026, 5, 18, 10)
    pauses: list[Pause] = [(london(2026, 5, 21, 18), london(2026, 5, 26, 8))]
    assert due_at(received, 5) == date(2026, 5, 26)
    assert due_date_with_pauses(received, 5, pauses) == date(2026, 5, 27)


def test_a_pause_must_cover_the_whole_london_day() -> None:
    # Midnight to midnight in London (BST) is 23:00 to 23:00 UTC: Wednesday 3 June is lost.
    london_day: list[Pause] = [(utc(2026, 6, 2, 23), utc(2026, 6, 3, 23))]
    assert elapsed_working_days(RECEIVED, FRIDAY_12_JUNE_NOON, london_day) == 8
    # Midnight to midnight UTC leaves the first hour of Wednesday in London unpaused: nothing is lost.
    utc_day: list[Pause] = [(utc(2026, 6, 3), utc(2026, 6, 4))]
    assert elapsed_working_days(RECEIVED, FRIDAY_12_JUNE_NOON, utc_day) == 9


def test_back_to_back_pauses_that_together_cover_a_day_lose_it() -> None:
    pauses: list[Pause] = [
        (london(2026, 6, 2, 17), london(2026, 6, 3, 12)),
        (london(2026, 6, 3, 12), london(2026, 6, 4, 8)),
    ]
    assert elapsed_working_days(RECEIVED, FRIDAY_12_JUNE_NOON, pauses) == 8
    assert due_date_with_pauses(RECEIVED, 10, pauses) == date(2026, 6, 16)


def test_overlapping_pauses_are_not_counted_twice() -> None:
    pauses: list[Pause] = [
        (london(2026, 6, 2, 17), london(2026, 6, 5, 8)),
        (london(2026, 6, 3, 10), london(2026, 6, 4, 10)),
    ]
    assert elapsed_working_days(RECEIVED, FRIDAY_12_JUNE_NOON, pauses) == 7
    assert due_date_with_pauses(RECEIVED, 10, pauses) == date(2026, 6, 17)


def test_an_open_pause_stops_the_clock_until_the_end() -> None:
    # Paused since Tuesday 17:30 and still waiting on the partner: only Tuesday has elapsed.
    pauses: list[Pause] = [(london(2026, 6, 2, 17, 30), None)]
    assert elapsed_working_days(RECEIVED, FRIDAY_12_JUNE_NOON, pauses) == 1
    assert due_date_with_pauses(RECEIVED, 10, pauses) is None


def test_an_open_pause_after_the_due_date_leaves_it_alone() -> None:
    pauses: list[Pause] = [(london(2026, 6, 16, 9), None)]
    assert due_date_with_pauses(RECEIVED, 10, pauses) == date(2026, 6, 15)


def test_a_pause_running_past_the_end_counts_the_end_day_as_paused() -> None:
    # Measured at Friday noon while a pause from Thursday 17:00 to next Monday is still running.
    pauses: list[Pause] = [(london(2026, 6, 11, 17), london(2026, 6, 15, 9))]
    assert elapsed_working_days(RECEIVED, FRIDAY_12_JUNE_NOON, pauses) == 8


def test_a_pause_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot end before it starts"):
        elapsed_working_days(RECEIVED, FRIDAY_12_JUNE_NOON, [(london(2026, 6, 3), london(2026, 6, 2))])


def test_due_date_with_pauses_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        due_date_with_pauses(RECEIVED, -1, [])


# --- properties -----------------------------------------------------------------------------------

DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))
COUNTS = st.integers(min_value=0, max_value=30)


def _brute_force_working_days(start: date, end: date) -> int:
    """An independent count straight from the holidays package, one day at a time."""
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=range(start.year, end.year + 1))
    count, day = 0, start + timedelta(days=1)
    while day <= end:
        if day.weekday() < 5 and day not in calendar:
            count += 1
        day += timedelta(days=1)
    return count


@PROPERTY
@given(DAYS, COUNTS)
def test_adding_then_counting_round_trips(start: date, n: int) -> None:
    if is_working_day(start) or n >= 1:
        assert working_days_between(start, add_working_days(start, n)) == n


@PROPERTY
@given(DAYS, COUNTS)
def test_adding_lands_on_a_working_day_never_a_bank_holiday(start: date, n: int) -> None:
    result = add_working_days(start, n)
    assert is_working_day(result)
    assert result.weekday() < 5
    assert result not in holidays.country_holidays("GB", subdiv="ENG", years=result.year)


@PROPERTY
@given(DAYS, COUNTS)
def test_adding_is_monotonic_in_n(start: date, n: int) -> None:
    earlier, later = add_working_days(start, n), add_working_days(start, n + 1)
    if n == 0 and not is_working_day(start):
        assert earlier == later  # day 0 and day 1 of a non-working start are both its next working day
    else:
        assert earlier < later
    assert start <= earlier


@PROPERTY
@given(DAYS, DAYS)
def test_counting_matches_a_day_by_day_count(start: date, end: date) -> None:
    assert working_days_between(start, end) == _brute_force_working_days(start, end)


@PROPERTY
@given(DAYS, COUNTS)
def test_nothing_is_skipped_between_start_and_the_result(start: date, n: int) -> None:
    result = add_working_days(start, n)
    assert _brute_force_working_days(start, result) == max(n, 1 if not is_working_day(start) else 0)


# Pauses on the hour, within a few weeks of a request received in 2026.
HOURS = st.integers(min_value=0, max_value=24 * 60)
BASE = london(2026, 3, 2, 9)


@st.composite
def pause_lists(draw: st.DrawFn) -> list[Pause]:
    pauses: list[Pause] = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        begins = draw(HOURS)
        length = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=24 * 10)))
        pauses.append(
            (BASE + timedelta(hours=begins), None if length is None else BASE + timedelta(hours=begins + length))
        )
    return pauses


def _wholly_paused(day: date, pauses: list[Pause], end: datetime) -> bool:
    """Whether the pauses cover ``day`` in London from 00:00 to 24:00 (or to ``end``), by sweeping."""
    cursor = datetime.combine(day, time(0), LONDON).astimezone(UTC)
    day_end = min(datetime.combine(day + timedelta(days=1), time(0), LONDON).astimezone(UTC), end)
    if cursor == day_end:
        # Measured at the stroke of midnight: the day is lost if the clock is paused at that moment.
        return any(paused < end <= (end if resumed is None else resumed) for paused, resumed in pauses)
    moved = True
    while cursor < day_end and moved:
        moved = False
        for paused, resumed in pauses:
            resumed_at = end if resumed is None else resumed
            if paused <= cursor < resumed_at:
                cursor, moved = resumed_at, True
    return cursor >= day_end


@PROPERTY
@given(st.integers(min_value=0, max_value=24 * 20), st.integers(min_value=0, max_value=24 * 60), pause_lists())
def test_elapsed_working_days_matches_a_day_by_day_count(received_hours: int, length: int, pauses: list[Pause]) -> None:
    received = BASE + timedelta(hours=received_hours)
    end = received + timedelta(hours=length)
    clock_start = working_day_on_or_after(local_date(received))
    expected, day = 0, clock_start + timedelta(days=1)
    while day <= local_date(end):
        if is_working_day(day) and not _wholly_paused(day, pauses, end):
            expected += 1
        day += timedelta(days=1)
    assert elapsed_working_days(received, end, pauses) == expected


@PROPERTY
@given(st.integers(min_value=0, max_value=24 * 20), COUNTS, pause_lists())
def test_due_date_with_pauses_is_when_the_paused_clock_runs_out(
    received_hours: int, n: int, pauses: list[Pause]
) -> None:
    received = BASE + timedelta(hours=received_hours)
    due = due_date_with_pauses(received, n, pauses)
    if due is None:
        # Only an open pause stops the clock for good: a year on, n working days have still not elapsed.
        assert any(resumed is None for _, resumed in pauses)
        assert elapsed_working_days(received, received + timedelta(days=365), pauses) < n
        return
    assert due >= due_at(received, n)
    assert is_working_day(due)
    # By the end of the due date n working days have elapsed; by the end of the day before, fewer.
    assert elapsed_working_days(received, _end_of(due), pauses) == n
    if n:
        assert elapsed_working_days(received, _end_of(due - timedelta(days=1)), pauses) < n


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), LONDON).astimezone(UTC)
