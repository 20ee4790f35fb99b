"""factory-boy factories for sessions and bookings (committed, so that requests see them)."""

from __future__ import annotations

from datetime import timedelta

import factory

from portal.models_base import utcnow
from portal.sessions.models import Booking, BookingStatus, Session, SessionKind
from tests.factories import Base, LocalityFactory, UserFactory


class SessionFactory(Base):
    class Meta:
        model = Session

    kind = SessionKind.OPEN_DAY
    title = factory.Sequence(lambda n: f"Locality open day {n}")
    description = "Meet the locality team and hear how requests are worked."
    starts_at = factory.LazyFunction(lambda: (utcnow() + timedelta(days=21)).replace(microsecond=0))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))
    location = "Coalville Family Hub, 12 Example Road"
    what_to_bring = "Photo ID"
    capacity = 8
    booked = 0
    sequence = 0
    locality = factory.SubFactory(LocalityFactory)
    host = factory.SubFactory(UserFactory)


class BookingFactory(Base):
    """A booking. For a confirmed one, the session's `booked` counter is raised too (as the service does)."""

    class Meta:
        model = Booking

    session = factory.SubFactory(SessionFactory)
    user = factory.SubFactory(UserFactory)
    status = BookingStatus.CONFIRMED
    confirmed_at = factory.LazyFunction(utcnow)
    sequence = 0

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        booking = super()._create(model_class, *args, **kwargs)
        if booking.status is BookingStatus.CONFIRMED:
            booking.session.booked += 1
            cls._meta.sqlalchemy_session_factory().commit()
        return booking
