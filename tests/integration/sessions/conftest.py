"""Helpers for the session tests: sessions in the world's locality, partners to fill them, and reading
bookings and the outbox as the database has them."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portal.common.models import OutboxMessage
from portal.common.roles import Role
from portal.extensions import db
from portal.models_base import utcnow
from portal.sessions.models import Booking, BookingStatus, Session, SessionKind
from tests import sessions_factories
from tests.support.db import count, fresh  # noqa: F401


@pytest.fixture
def sf(app: Any) -> Any:
    return sessions_factories


@pytest.fixture
def make_session(sf: Any, world: Any) -> Any:
    """make_session(**fields): a session in the world's locality, hosted by its practitioner, in three weeks."""

    def make(**fields: Any) -> Session:
        values: dict[str, Any] = {"locality": world.locality, "host": world.practitioner}
        values.update(fields)
        return sf.SessionFactory(**values)  # type: ignore[no-any-return]

    return make


@pytest.fixture
def partners(factories: Any, world: Any) -> Any:
    """partners(n): n more partner users of the world's school."""

    def make(n: int) -> list[Any]:
        return [
            factories.UserFactory(role=Role.PARTNER, organisation=world.school, locality=world.locality)
            for _ in range(n)
        ]

    return make


def bookings(session_id: int, status: BookingStatus | None = None) -> list[Booking]:
    db.session.expire_all()
    query = select(Booking).where(Booking.session_id == session_id)
    if status is not None:
        query = query.where(Booking.status == status)
    return list(db.session.scalars(query.order_by(Booking.id)))


def outbox_to(email: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id))
    )


def calendars(message: OutboxMessage) -> list[Calendar]:
    """The calendar files attached to an outbox message, parsed back."""
    return [
        Calendar.from_ical(base64.b64decode(a["data"]))
        for a in message.attachments
        if a["content_type"].startswith("text/calendar")
    ]


def vevent(cal: Calendar) -> Any:
    return next(c for c in cal.walk("VEVENT"))


def started_session(make_session: Any, **fields: Any) -> Session:
    """A session that started an hour ago."""
    starts = utcnow() - timedelta(hours=1)
    return make_session(starts_at=starts, ends_at=starts + timedelta(hours=3), **fields)


SHADOWING = SessionKind.FRONT_DOOR_SHADOWING


def ended_session(make_session: Any, **fields: Any) -> Session:
    """A session that ended an hour ago."""
    starts = utcnow() - timedelta(hours=4)
    return make_session(starts_at=starts, ends_at=starts + timedelta(hours=3), **fields)
