"""Helpers for the meetings tests: make meetings in any state (the past included, which the forms
refuse), deliver the outbox by real SMTP and read the calendar files back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from email.message import Message
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from icalendar import Calendar
from sqlalchemy import select

from portal.common import outbox
from portal.common.models import AuditEvent
from portal.common.times import london_today
from portal.extensions import db
from portal.meetings.models import PartnershipMeeting
from tests.meetings_factories import meeting_with_schools
from tests.support.mail import body_of as body_of  # the tests import them from here
from tests.support.mail import ics_of as ics_of
from tests.support.mail import subject_of as subject_of

LONDON = ZoneInfo("Europe/London")


def meeting_day(days: int = 14) -> date:
    return london_today() + timedelta(days=days)


def schedule_data(day: date | None = None, **changes: Any) -> dict[str, Any]:
    day = day or meeting_day()
    data: dict[str, Any] = {
        "on": [str(day.day), str(day.month), str(day.year)],
        "starts": "3:30pm",
        "ends": "5pm",
        "location": "Castle Rock High School, the library",
        "online_link": "",
        "agenda": "1. Welcome\n2. The action log",
    }
    data.update(changes)
    return data


def london_at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def ago(**delta: Any) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(**delta)


def held_meeting(world: Any, *, starts_at: datetime | None = None, schools: list[Any] | None = None) -> Any:
    """A meeting of the world's locality that started two hours ago (or at `starts_at`), the world's school invited."""
    return meeting_with_schools(
        world.locality,
        schools if schools is not None else [world.school],
        organiser=world.manager,
        starts_at=starts_at or ago(hours=2),
    )


def only_meeting() -> PartnershipMeeting:
    db.session.expire_all()
    [meeting] = db.session.scalars(select(PartnershipMeeting)).all()
    return meeting


def audit_actions(prefix: str = "meeting") -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like(f"{prefix}%")).order_by(AuditEvent.id)
        )
    )


def vevent_of(message: Message) -> tuple[str, Calendar, Any]:
    """The calendar attachment's content type, the calendar and its one VEVENT, parsed back with icalendar."""
    content_type, payload = ics_of(message)
    cal = Calendar.from_ical(payload)
    [event] = cal.walk("VEVENT")
    return content_type, cal, event


def attendees_of(event: Any) -> list[str]:
    """The VEVENT's attendees' addresses, lower case, without "mailto:"."""
    return [str(address).lower().removeprefix("mailto:") for address in event.attendees]


@pytest.fixture
def send_mail(app: Flask) -> Any:
    """Run the outbox worker once in its own app context, as `flask outbox work --once` does."""

    def run() -> tuple[int, int]:
        with app.app_context():
            return outbox.send_due()

    return run
