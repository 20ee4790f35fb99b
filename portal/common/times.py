"""The one clock: London time (`LONDON`, `london_today()`, `london_date()`), times as people type them
("9:30am", "2pm", "14:30", "midday") put on a date in London time, the shape of an online meeting link,
and how a meeting's time and place read in a sentence. Shared by every domain that shows a date or
arranges a meeting: pod invites, sessions and partnership meetings.

`london_today()` reads `portal.models_base.utcnow` when called, so a test that moves that clock moves
every page's "today" with it."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

from portal import models_base

LONDON = ZoneInfo("Europe/London")
ONLINE_LINK = re.compile(r"https?://[^\s/]+\S*", re.IGNORECASE)


def london(moment: datetime) -> datetime:
    """A stored (UTC) moment in London time."""
    return moment.astimezone(LONDON)


def london_date(moment: datetime) -> date:
    """The London calendar day of a stored (UTC) moment."""
    return moment.astimezone(LONDON).date()


def london_midnight(day: date) -> datetime:
    """London midnight at the start of `day`, as the UTC moment the database stores."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(ZoneInfo("UTC"))


def london_today() -> date:
    """Today in London, by the portal's clock."""
    return models_base.utcnow().astimezone(LONDON).date()


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit()


def parse_time(text: str) -> time | None:
    """'9:30am', '2pm', '14:30', '14.30', 'midday' → a time, or None."""
    value = text.strip().lower().replace(" ", "").replace(".", ":")
    if value in ("midday", "noon", "12noon"):
        return time(12, 0)
    suffix = ""
    if value.endswith(("am", "pm")):
        value, suffix = value[:-2], value[-2:]
    hours, _, minutes = value.partition(":")
    # ASCII digits only: str.isdigit() also accepts "²", which int() then refuses with a ValueError.
    if not _is_number(hours) or (minutes and not _is_number(minutes)):
        return None
    hour, minute = int(hours), int(minutes or 0)
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def on_day_at(day: date | None, text: str) -> datetime | None:
    """The typed time on the day, in London time; None when either is missing or not real."""
    moment = parse_time(text)
    if day is None or moment is None:
        return None
    return datetime.combine(day, moment, tzinfo=LONDON)


def format_date(value: date | datetime | None) -> str:
    """GOV.UK style: 5 January 2026."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = london(value)
    return f"{value.day} {value:%B %Y}"


def format_datetime(value: datetime | None) -> str:
    """GOV.UK style: 5 January 2026 at 2:30pm."""
    if value is None:
        return ""
    local = london(value)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    time = f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"
    if local.hour == 12 and local.minute == 0:
        time = "midday"
    return f"{format_date(local)} at {time}"


class Timed(Protocol):
    """Anything that starts and ends: a pod invite, a session, a partnership meeting."""

    @property
    def starts_at(self) -> datetime: ...

    @property
    def ends_at(self) -> datetime: ...


class Placed(Protocol):
    """Anything held somewhere, online or both."""

    @property
    def location(self) -> str: ...

    @property
    def online_link(self) -> str: ...


def when_text(event: Timed) -> str:
    """'5 January 2027 at 2pm to 3:30pm' (Europe/London); the end's date only when it is another day."""
    end = format_datetime(event.ends_at)
    if london_date(event.starts_at) == london_date(event.ends_at):
        end = end.rsplit(" at ", 1)[-1]
    return f"{format_datetime(event.starts_at)} to {end}"


def where_text(event: Placed) -> str:
    """'Coalville Library, or online', 'Coalville Library' or 'Online'."""
    if event.location and event.online_link:
        return f"{event.location}, or online"
    return event.location or "Online"
