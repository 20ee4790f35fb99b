"""Times as people type them ("9:30am", "2pm", "14:30", "midday"), put on a date in London time, and
the shape of an online meeting link. Shared by the forms and services of every domain that arranges
a meeting: pod invites, sessions and partnership meetings."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
ONLINE_LINK = re.compile(r"https?://[^\s/]+\S*", re.IGNORECASE)


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
