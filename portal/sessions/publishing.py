"""Publishing, changing and cancelling sessions: what a manager does to a session as a whole.

Kept apart from `portal.sessions.services` (booking and the waiting list) because it is the manager's side:
checking a session's details and telling everyone booked or waiting when it changes or is called off (a
calendar update or CANCEL for those with a place, an e-mail for those waiting). Changing a session takes
the session-row lock first and hands any new places to the waiting list, as the booking services do (see
the docstring of `portal.sessions.services`). Like every service here: checks first, then changes, audit
rows and e-mails; flush, never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from portal import access
from portal.accounts.models import User
from portal.common import audit
from portal.common.errors import DomainError
from portal.common.permissions import NotFound
from portal.extensions import db
from portal.models_base import utcnow
from portal.sessions import notices
from portal.sessions.models import Booking, BookingStatus, Session, SessionKind
from portal.sessions.services import (
    CAPACITY_MAX,
    LOCATION_MAX,
    TITLE_MAX,
    can_manage,
    ensure_open,
    lock_session,
    promote_waiting_list,
    refresh_session,
    session_bookings,
)

# --- checks ---------------------------------------------------------------------------------------


def _check_details(
    *,
    by: User,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    capacity: int,
    host_id: int,
    keep_host_id: int | None = None,
) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("session times must be timezone-aware")
    if not title:
        raise DomainError("Enter a title", field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(f"The title must be {TITLE_MAX} characters or fewer", field="title")
    if starts_at <= utcnow():
        raise DomainError("The start time must be in the future", field="starts_at")
    if ends_at <= starts_at:
        raise DomainError("The end time must be after the start time", field="ends_at")
    if not location:
        raise DomainError("Enter where the session is", field="location")
    if len(location) > LOCATION_MAX:
        raise DomainError(f"The place must be {LOCATION_MAX} characters or fewer", field="location")
    if not 1 <= capacity <= CAPACITY_MAX:
        raise DomainError(f"The number of places must be between 1 and {CAPACITY_MAX}", field="capacity")
    if not access.is_choosable(host_id, manager=by, keep=keep_host_id):
        raise DomainError("Select who hosts the session", field="host_id")


def _one_line(text: str) -> str:
    """Titles and places go into e-mail subjects and calendar lines: any run of whitespace, line breaks
    included, becomes one space (a header cannot be injected)."""
    return " ".join(text.split())


def _ensure_manager_of(user: User, session: Session) -> None:
    if not can_manage(user, session):
        raise NotFound


# --- publishing, changing, cancelling -------------------------------------------------------------


def publish_session(
    *,
    by: User,
    kind: SessionKind,
    locality_id: int,
    title: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    what_to_bring: str,
    capacity: int,
    host_id: int,
) -> Session:
    """A manager publishes a session in a locality of their area; partners can book it at once."""
    if not access.manages(by, locality_id):
        raise DomainError("Select a locality you manage", field="locality_id")
    title, location = _one_line(title), _one_line(location)
    _check_details(
        by=by, title=title, starts_at=starts_at, ends_at=ends_at, location=location, capacity=capacity, host_id=host_id
    )
    session = Session(
        kind=kind,
        locality_id=locality_id,
        title=title,
        description=description.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        what_to_bring=what_to_bring.strip(),
        capacity=capacity,
        booked=0,
        host_id=host_id,
        published_by_id=by.id,
        sequence=0,
    )
    db.session.add(session)
    db.session.flush()
    audit.record("session.published", obj=session, kind=kind.value, locality_id=locality_id, capacity=capacity)
    return session


def change_session(
    session: Session,
    *,
    by: User,
    title: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    what_to_bring: str,
    capacity: int,
    host_id: int,
) -> Session:
    """Change a session. Everyone booked gets the new details with a calendar update (the same UID, a
    higher SEQUENCE) when the time, place or details change, and everyone still waiting an e-mail without
    one; more places go to the waiting list. A new time means the reminders go again."""
    _ensure_manager_of(by, session)
    ensure_open(session)
    title, location = _one_line(title), _one_line(location)
    description, what_to_bring = description.strip(), what_to_bring.strip()
    _check_details(
        by=by,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        capacity=capacity,
        host_id=host_id,
        keep_host_id=session.host_id,
    )
    lock_session(session.id)
    refresh_session(session)
    if capacity < session.booked:
        raise DomainError(
            f"{session.booked} places are booked: the number of places cannot be fewer. "
            "Ask people to cancel, or cancel the session",
            field="capacity",
        )
    details = (title, description, starts_at, ends_at, location, what_to_bring, host_id)
    before = (
        session.title,
        session.description,
        session.starts_at,
        session.ends_at,
        session.location,
        session.what_to_bring,
        session.host_id,
    )
    if details == before and capacity == session.capacity:
        raise DomainError("Change something, or go back without saving", field="title")
    changed = details != before
    moved = (starts_at, ends_at) != (session.starts_at, session.ends_at)
    session.title, session.description, session.location, session.what_to_bring = (
        title,
        description,
        location,
        what_to_bring,
    )
    session.starts_at, session.ends_at, session.host_id = starts_at, ends_at, host_id
    session.capacity = capacity
    if changed:
        session.sequence += 1
    db.session.flush()
    db.session.refresh(session, ["host"])
    audit.record("session.changed", obj=session, sequence=session.sequence, capacity=capacity, details=changed)
    if moved:
        db.session.execute(
            update(Booking)
            .where(Booking.session_id == session.id, Booking.reminder_sent_at.is_not(None))
            .values(reminder_sent_at=None)
            .execution_options(synchronize_session=False)
        )
    if changed:
        confirmed, _, _ = session_bookings(session)
        for booking in confirmed:
            booking.sequence += 1
            notices.send_calendar(
                booking,
                "REQUEST",
                subject=f"Changed: {session.title}",
                what="A session you are booked on has changed. The attached calendar file updates it in your calendar.",
            )
    promote_waiting_list(session)
    if changed:
        # Told after the promotions: whoever got a place has just had the new details with it.
        _, waiting, _ = session_bookings(session)
        for booking in waiting:
            notices.send_plain(
                booking,
                subject=f"Changed: {session.title}",
                what="A session you are on the waiting list for has changed: the new details are below. You are "
                "still on the waiting list. If a place comes free, the first person on the list gets it "
                "automatically, and we will email you with a calendar file if that is you.",
            )
    refresh_session(session)
    db.session.flush()
    return session


def cancel_session(session: Session, *, by: User) -> Session:
    """Call the session off: everyone booked gets a calendar CANCEL, everyone waiting is told."""
    _ensure_manager_of(by, session)
    ensure_open(session)
    result = db.session.execute(
        update(Session)
        .where(Session.id == session.id, Session.cancelled_at.is_(None))
        .values(cancelled_at=utcnow(), booked=0, sequence=Session.sequence + 1)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        raise DomainError("This session has been cancelled")
    refresh_session(session)
    confirmed, waiting, _ = session_bookings(session)
    now = utcnow()
    for booking in confirmed + waiting:
        was = booking.status
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        if was is BookingStatus.CONFIRMED:
            booking.sequence += 1
            notices.send_calendar(
                booking,
                "CANCEL",
                subject=f"Cancelled: {session.title}",
                what="This session has been cancelled. The attached calendar file removes it from your calendar.",
            )
        else:
            notices.send_plain(
                booking,
                subject=f"Cancelled: {session.title}",
                what="This session, which you were on the waiting list for, has been cancelled.",
            )
    audit.record("session.cancelled", obj=session, booked=len(confirmed), waiting=len(waiting))
    db.session.flush()
    return session
