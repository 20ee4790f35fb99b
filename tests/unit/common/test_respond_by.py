"""A "today" request's response in working hours (portal.common.working_days.respond_by), and the due
dates each urgency gives a new request (portal.requests.services.due_dates): no database.

Asked by 2pm on a working day, answered by 5pm that day; after 2pm, by midday on the next working day;
at a weekend or on a bank holiday, as if asked first thing on the next working day. Bank holidays as in
tests/unit/common/test_working_days.py (holidays 0.109): Christmas 2026 is Friday 25 December and Boxing
Day's substitute Monday 28 December; the spring bank holiday 2026 is Monday 25 May.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.common.working_days import is_working_day, respond_by
from portal.requests.models import Urgency
from portal.requests.services import due_dates

LONDON = ZoneInfo("Europe/London")
RULE = {"cutoff": time(14, 0), "same_day_by": time(17, 0), "next_day_by": time(12, 0)}


def london(day: date, hour: int, minute: int = 0) -> datetime:
    """A London wall-clock moment as the UTC timestamp the database stores."""
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def answered_by(asked: datetime) -> datetime:
    return respond_by(asked, **RULE).astimezone(LONDON)


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        # Wednesday 2 December 2026 (GMT): 1:59pm is by the cut-off, 2:01pm after it.
        (london(date(2026, 12, 2), 13, 59), datetime(2026, 12, 2, 17, 0, tzinfo=LONDON)),
        (london(date(2026, 12, 2), 14, 1), datetime(2026, 12, 3, 12, 0, tzinfo=LONDON)),
        # 2pm itself is "by 2pm".
        (london(date(2026, 12, 2), 14, 0), datetime(2026, 12, 2, 17, 0, tzinfo=LONDON)),
        # In British Summer Time the cut-off is London's 2pm, not UTC's: Wednesday 15 July 2026.
        (london(date(2026, 7, 15), 13, 59), datetime(2026, 7, 15, 17, 0, tzinfo=LONDON)),
        (london(date(2026, 7, 15), 14, 1), datetime(2026, 7, 16, 12, 0, tzinfo=LONDON)),
        # A Friday: by the cut-off, that afternoon; after it, Monday midday.
        (london(date(2026, 12, 4), 13, 59), datetime(2026, 12, 4, 17, 0, tzinfo=LONDON)),
        (london(date(2026, 12, 4), 14, 1), datetime(2026, 12, 7, 12, 0, tzinfo=LONDON)),
        # The day before a bank holiday: Thursday 24 December 2026. After the cut-off the next working day
        # is Tuesday 29 December (Christmas on Friday, Boxing Day's substitute on Monday).
        (london(date(2026, 12, 24), 13, 59), datetime(2026, 12, 24, 17, 0, tzinfo=LONDON)),
        (london(date(2026, 12, 24), 14, 1), datetime(2026, 12, 29, 12, 0, tzinfo=LONDON)),
        # Friday before the spring bank holiday: Tuesday 26 May 2026 at midday.
        (london(date(2026, 5, 22), 16, 30), datetime(2026, 5, 26, 12, 0, tzinfo=LONDON)),
        # At a weekend or on a bank holiday: as if asked first thing on the next working day.
        (london(date(2026, 12, 5), 10, 0), datetime(2026, 12, 7, 17, 0, tzinfo=LONDON)),
        (london(date(2026, 12, 25), 15, 0), datetime(2026, 12, 29, 17, 0, tzinfo=LONDON)),
        # Before the office opens on a working day: that afternoon.
        (london(date(2026, 12, 2), 6, 45), datetime(2026, 12, 2, 17, 0, tzinfo=LONDON)),
    ],
)
def test_a_today_request_is_answered_in_working_hours(asked: datetime, expected: datetime) -> None:
    assert answered_by(asked) == expected


def test_the_localitys_own_times_are_used() -> None:
    asked = london(date(2026, 12, 2), 14, 30)
    rule = {"cutoff": time(15, 0), "same_day_by": time(16, 30), "next_day_by": time(10, 0)}
    assert respond_by(asked, **rule).astimezone(LONDON) == datetime(2026, 12, 2, 16, 30, tzinfo=LONDON)
    later = london(date(2026, 12, 2), 15, 1)
    assert respond_by(later, **rule).astimezone(LONDON) == datetime(2026, 12, 3, 10, 0, tzinfo=LONDON)


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        respond_by(datetime(2026, 12, 2, 13, 0), **RULE)


# --- properties -----------------------------------------------------------------------------------

START = datetime(2026, 1, 1, tzinfo=UTC)
MOMENTS = st.integers(min_value=0, max_value=60 * 24 * 800).map(lambda minutes: START + timedelta(minutes=minutes))
PROPERTY = settings(max_examples=400)


@PROPERTY
@given(MOMENTS)
def test_the_response_is_never_due_before_it_was_asked(asked: datetime) -> None:
    due = answered_by(asked)
    assert due > asked
    assert is_working_day(due.date())
    assert due.time() in (RULE["same_day_by"], RULE["next_day_by"])


@PROPERTY
@given(MOMENTS, st.integers(min_value=0, max_value=60 * 24 * 10))
def test_asking_later_is_never_due_sooner(asked: datetime, minutes_later: int) -> None:
    # A later request is never due sooner: the queue's order by due time follows the order of asking.
    assert answered_by(asked + timedelta(minutes=minutes_later)) >= answered_by(asked)


def _locality(**levels: object) -> SimpleNamespace:
    values = {
        "sla_acknowledge_days": 1,
        "sla_consult_days": 5,
        "sla_outcome_days": 10,
        "sla_soon_days": 1,
        "today_rule": (RULE["cutoff"], RULE["same_day_by"], RULE["next_day_by"]),
    }
    values.update(levels)
    return SimpleNamespace(**values)


@PROPERTY
@given(MOMENTS, st.sampled_from(list(Urgency)), st.integers(min_value=1, max_value=5))
def test_no_due_date_is_before_the_day_asked_and_urgency_only_brings_them_sooner(
    asked: datetime, urgency: Urgency, soon_days: int
) -> None:
    locality = _locality(sla_soon_days=soon_days)
    dues = due_dates(locality, received=asked, urgency=urgency)  # type: ignore[arg-type]
    routine = due_dates(locality, received=asked, urgency=Urgency.ROUTINE)  # type: ignore[arg-type]
    asked_on = asked.astimezone(LONDON).date()
    for step in ("acknowledge_due", "consult_due", "outcome_due"):
        assert dues[step] >= asked_on  # type: ignore[operator]
        assert dues[step] <= routine[step]  # type: ignore[operator]
    assert dues["acknowledge_due"] <= dues["consult_due"] <= dues["outcome_due"]  # type: ignore[operator]
    if urgency is Urgency.TODAY:
        assert dues["respond_by_at"] is not None and dues["respond_by_at"] > asked  # type: ignore[operator]
        assert dues["acknowledge_due"] == dues["respond_by_at"].astimezone(LONDON).date()  # type: ignore[union-attr]
    else:
        assert dues["respond_by_at"] is None


def test_within_a_working_day_is_due_the_next_working_day_for_acknowledging_and_consulting() -> None:
    friday_afternoon = london(date(2026, 12, 4), 16, 0)
    dues = due_dates(_locality(), received=friday_afternoon, urgency=Urgency.WITHIN_A_WORKING_DAY)  # type: ignore[arg-type]
    assert dues["acknowledge_due"] == dues["consult_due"] == date(2026, 12, 7)
    assert dues["outcome_due"] == date(2026, 12, 18)
