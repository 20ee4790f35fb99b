"""Service-level clocks counted in working days in England and Wales.

Pure functions: no database, no Flask. Bank holidays come from the `holidays` package
(``country_holidays("GB", subdiv="ENG")``, which includes substitute days such as Monday 28 December
2026 for Boxing Day on a Saturday), computed offline and cached per year.

Conventions, used by every function here:

- A **working day** is Monday to Friday and not an England and Wales bank holiday.
- Clocks count whole **London dates**. Timestamps are stored in UTC and converted to Europe/London
  first, so 23:30 UTC on 14 July is already 15 July in London (BST).
- The **clock start** is the London date a request was received if that is a working day, otherwise
  the next working day: a request received at a weekend or on a bank holiday is treated as received
  on the next working day.
- The clock start itself is **day 0**; day 1 is the next working day after it. "Acknowledge within
  1 working day" for a request received on Friday afternoon is due by the end of Monday, or of
  Tuesday when that Monday is a bank holiday. A request received on Saturday is treated as received
  on Monday, so it is due on Tuesday.
- While a request waits on the partner its clock is **paused**. A working day is lost to pauses only
  when the clock was paused for the **whole** of that London day (00:00 to 24:00, or to the end of
  the measurement when that falls within the day). A pause from Friday 18:00 to Monday 08:00 loses
  nothing; one from Tuesday 17:30 to Friday 08:00 loses Wednesday and Thursday. Overlapping or
  back-to-back pauses are joined first, so two pauses that together cover a day lose it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "LONDON",
    "Pause",
    "add_working_days",
    "bank_holidays",
    "due_at",
    "due_date_with_pauses",
    "elapsed_working_days",
    "is_working_day",
    "local_date",
    "respond_by",
    "working_day_on_or_after",
    "working_days_between",
]

LONDON = "Europe/London"

Pause = tuple[datetime, datetime | None]
"""(paused at, resumed at); resumed at is None while the request is still waiting on the partner."""

_ONE_DAY = timedelta(days=1)


@functools.lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays in ``year``, substitute days included."""
    return _bank_holidays(year)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not an England and Wales bank holiday (substitute days included)."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def working_day_on_or_after(day: date) -> date:
    """``day`` itself if it is a working day, otherwise the next working day (the clock start)."""
    while not is_working_day(day):
        day += _ONE_DAY
    return day


def add_working_days(start: date, n: int) -> date:
    """The date ``n`` working days after ``start``: the n-th working day strictly after ``start``.

    ``n == 0`` gives ``start`` itself when it is a working day, otherwise the next working day. For
    ``n >= 1`` the start date is never counted, whether or not it is a working day: 1 working day
    after Friday 3 July 2026 is Monday 6 July; after Friday 22 May 2026 it is Tuesday 26 May, since
    Monday 25 May is the spring bank holiday. Raises ``ValueError`` for negative ``n``.
    """
    if n < 0:
        raise ValueError(f"n must be 0 or more, not {n}")
    if n == 0:
        return working_day_on_or_after(start)
    day = start
    while n:
        day += _ONE_DAY
        if is_working_day(day):
            n -= 1
    return day


def _weekdays_up_to(day: date) -> int:
    # date.min (ordinal 1) is a Monday, so every run of 7 ordinals holds exactly 5 weekdays.
    weeks, rest = divmod(day.toordinal(), 7)
    return 5 * weeks + min(rest, 5)


def working_days_between(start: date, end: date) -> int:
    """The number of working days after ``start`` up to and including ``end``; 0 when ``end <= start``.

    The inverse of :func:`add_working_days`: ``working_days_between(d, add_working_days(d, n)) == n``
    for every working day ``d`` and every ``n >= 0`` (and for every ``d`` when ``n >= 1``).
    """
    if end <= start:
        return 0
    weekdays = _weekdays_up_to(end) - _weekdays_up_to(start)
    holidays_on_weekdays = sum(
        1
        for year in range(start.year, end.year + 1)
        for holiday in _bank_holidays(year)
        if start < holiday <= end and holiday.weekday() < 5
    )
    return weekdays - holidays_on_weekdays


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (store timestamps in UTC)")


def local_date(moment: datetime, *, tz: str = LONDON) -> date:
    """The calendar date of the timezone-aware ``moment`` in ``tz`` (Europe/London by default)."""
    _require_aware(moment, "moment")
    return moment.astimezone(ZoneInfo(tz)).date()


def due_at(received: datetime, n: int, *, tz: str = LONDON) -> date:
    """The London date by the end of which a request received at ``received`` is due in ``n`` working days.

    ``received`` must be timezone-aware (UTC as stored). It is converted to its local date in ``tz``;
    if that is not a working day the clock starts on the next working day, which is day 0. The result
    is ``add_working_days(clock start, n)``: 1 working day from Friday 16:00 is Monday; 1 working day
    from Saturday is Tuesday (received, in effect, on Monday).
    """
    return add_working_days(working_day_on_or_after(local_date(received, tz=tz)), n)


def _paused_dates(pauses: Iterable[Pause], zone: ZoneInfo, until: datetime | None) -> list[tuple[date, date | None]]:
    """The runs of London dates wholly covered by ``pauses``, as inclusive (first, last) pairs.

    With ``until`` the pauses are cut off there, an open pause runs until it, and a day whose part
    before ``until`` is wholly paused counts as covered. Without it an open pause never ends
    (last is None). The runs come back in order and do not overlap.
    """
    intervals: list[tuple[datetime, datetime | None]] = []
    for paused, resumed in pauses:
        _require_aware(paused, "a pause's start")
        if resumed is not None:
            _require_aware(resumed, "a pause's end")
            if resumed < paused:
                raise ValueError("a pause cannot end before it starts")
        if until is not None:
            if paused >= until:
                continue
            resumed = until if resumed is None or resumed > until else resumed
        intervals.append((paused, resumed))

    # Join overlapping and touching pauses, so that a day covered by two of them together is lost.
    merged: list[tuple[datetime, datetime | None]] = []
    for paused, resumed in sorted(intervals, key=lambda interval: interval[0]):
        if merged:
            last_paused, last_resumed = merged[-1]
            if last_resumed is None:
                break  # an open pause already covers everything after it
            if paused <= last_resumed:
                ends = None if resumed is None else max(last_resumed, resumed)
                merged[-1] = (last_paused, ends)
                continue
        merged.append((paused, resumed))

    runs: list[tuple[date, date | None]] = []
    for paused, resumed in merged:
        local_paused = paused.astimezone(zone)
        first = local_paused.date() if local_paused.time() == time(0) else local_paused.date() + _ONE_DAY
        last: date | None
        if resumed is None:
            last = None
        elif until is not None and resumed >= until:
            last = until.astimezone(zone).date()
        else:
            # Resuming at any time on a date, midnight included, leaves that date unpaused for a while.
            last = resumed.astimezone(zone).date() - _ONE_DAY
        if last is None or first <= last:
            runs.append((first, last))
    return runs


def elapsed_working_days(start: datetime, end: datetime, pauses: Iterable[Pause] = (), *, tz: str = LONDON) -> int:
    """Working days a request's clock has run from ``start`` (received) to ``end`` (now, or closed).

    Counts the working days after the clock start (see :func:`due_at`) up to and including the local
    date of ``end``, except those the clock was paused for the whole of. ``pauses`` are
    (paused at, resumed at) pairs of timezone-aware datetimes; resumed at None means still paused, so
    the pause runs until ``end``, and so does a pause resumed after ``end``. A day is lost when it is
    paused from 00:00 to 24:00, or, for the date of ``end``, from 00:00 to ``end``. Pauses may
    overlap. 0 when ``end`` is on or before the clock start. Raises ``ValueError`` for naive datetimes
    or a pause that ends before it starts.
    """
    _require_aware(end, "end")
    zone = ZoneInfo(tz)
    clock_start = working_day_on_or_after(local_date(start, tz=tz))
    end_date = end.astimezone(zone).date()
    elapsed = working_days_between(clock_start, end_date)
    for first, last in _paused_dates(pauses, zone, until=end):
        paused_until = end_date if last is None else min(last, end_date)
        elapsed -= working_days_between(max(first - _ONE_DAY, clock_start), paused_until)
    return elapsed


def due_date_with_pauses(received: datetime, n: int, pauses: Iterable[Pause], *, tz: str = LONDON) -> date | None:
    """The due date of :func:`due_at`, pushed back by the working days lost to ``pauses``.

    It is the first date by the end of which ``n`` working days have elapsed in the sense of
    :func:`elapsed_working_days`: the clock start for ``n == 0``, otherwise the n-th working day after
    the clock start that is not wholly paused. Pauses that start after that date change nothing.
    ``None`` when an open pause (resumed at None) stops the clock before it runs out: no due date can
    be given while the request waits on the partner.
    """
    if n < 0:
        raise ValueError(f"n must be 0 or more, not {n}")
    zone = ZoneInfo(tz)
    day = working_day_on_or_after(local_date(received, tz=tz))
    runs = iter(_paused_dates(pauses, zone, until=None))
    run = next(runs, None)
    remaining = n
    while remaining:
        day += _ONE_DAY
        while run is not None and run[1] is not None and run[1] < day:
            run = next(runs, None)
        if run is not None and run[0] <= day:
            if run[1] is None:
                return None
            day = run[1]  # skip to the run's last date; the next day is the first unpaused one
            continue
        if is_working_day(day):
            remaining -= 1
    return day


def respond_by(asked: datetime, *, cutoff: time, same_day_by: time, next_day_by: time, tz: str = LONDON) -> datetime:
    """When a response asked for "today" at ``asked`` is due, in working hours (a timezone-aware moment).

    Asked on a working day by ``cutoff`` (London time; 2pm, say, that minute included): by ``same_day_by``
    that day (5pm). Asked after the cut-off: by ``next_day_by`` (noon) on the next working day. Asked on
    a weekend or a bank holiday: as if asked first thing on the next working day, so by ``same_day_by``
    then. Never before ``asked`` when ``cutoff < same_day_by``, and later or the same for a later
    ``asked`` when also ``next_day_by <= same_day_by`` (the service levels' form checks both).
    """
    _require_aware(asked, "asked")
    zone = ZoneInfo(tz)
    local = asked.astimezone(zone)
    day = local.date()
    if not is_working_day(day):
        due_day, due_time = working_day_on_or_after(day), same_day_by
    elif local.time().replace(second=0, microsecond=0) <= cutoff:
        due_day, due_time = day, same_day_by
    else:
        due_day, due_time = add_working_days(day, 1), next_day_by
    return datetime.combine(due_day, due_time, tzinfo=zone).astimezone(asked.tzinfo)
