"""Bookable sessions (Front Door shadowing, locality open days), their bookings, waiting lists and feedback."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models_base import Base, TimestampMixin, str_enum, utcnow

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.directory.models import Locality


class SessionKind(enum.StrEnum):
    FRONT_DOOR_SHADOWING = "front_door_shadowing"
    OPEN_DAY = "open_day"

    @property
    def label(self) -> str:
        return {"front_door_shadowing": "Front Door shadowing", "open_day": "Locality open day"}[self.value]


class Session(TimestampMixin, Base):
    """A bookable event with a capacity. `booked` counts confirmed places and is only ever changed by a
    conditional UPDATE (`booked < capacity`), so concurrent bookings can never exceed the capacity."""

    __tablename__ = "engagement_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SessionKind] = mapped_column(str_enum(SessionKind, 30))
    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(300))
    what_to_bring: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0, server_default="0")
    host_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Raised with every change sent to the people booked, so calendars replace the old version.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    cancelled_at: Mapped[datetime | None]
    attendance_recorded_at: Mapped[datetime | None]

    locality: Mapped[Locality] = relationship()
    host: Mapped[User] = relationship(foreign_keys=[host_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    bookings: Mapped[list[Booking]] = relationship(
        back_populates="session", order_by="Booking.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.booked, 0)

    @property
    def is_full(self) -> bool:
        return self.booked >= self.capacity

    @property
    def full_title(self) -> str:
        """The title with its kind in front, unless the title already says it: "Front Door shadowing: a
        morning with the duty team", never "Front Door shadowing: Front Door shadowing: a morning …"."""
        if self.kind.label.lower() in self.title.lower():
            return self.title
        return f"{self.kind.label}: {self.title}"


class BookingStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"confirmed": "Booked", "waitlisted": "On the waiting list", "cancelled": "Cancelled"}[self.value]


class Booking(Base):
    """One person's place (or place on the waiting list) on a session. One row per person and session:
    booking again after cancelling reuses it, and a second post of the same booking finds it."""

    __tablename__ = "session_booking"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("engagement_session.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[BookingStatus] = mapped_column(str_enum(BookingStatus, 20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The waiting list is ordered by when each person joined it.
    waitlisted_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    confidentiality_accepted_at: Mapped[datetime | None]
    # Raised with every calendar file sent for this booking (the UID stays the same).
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    reminder_sent_at: Mapped[datetime | None]
    attended: Mapped[bool | None]
    feedback_requested_at: Mapped[datetime | None]

    session: Mapped[Session] = relationship(back_populates="bookings")
    user: Mapped[User] = relationship()
    feedback: Mapped[SessionFeedback | None] = relationship(back_populates="booking", cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        Index("ix_session_booking_queue", "session_id", "status", "waitlisted_at"),
    )

    @property
    def uid(self) -> str:
        return f"session-booking-{self.id}@partner-portal"


class SessionFeedback(Base):
    """What an attendee thought of a session, asked for after it."""

    __tablename__ = "session_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("session_booking.id", ondelete="CASCADE"), unique=True)
    rating: Mapped[int]
    comments: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    booking: Mapped[Booking] = relationship(back_populates="feedback")

    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)
