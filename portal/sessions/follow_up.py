"""After booking: reminders before a session, attendance once it has started, feedback once it has ended.

Kept apart from `portal.sessions.services` (booking and the waiting list) because this is the part that
runs on the clock: the scheduled jobs (`portal.sessions.cli.run_jobs`) send the reminders and the feedback
requests, and recording attendance asks for feedback at once when the session has already ended. Recording
attendance takes the session-row lock first, as every writer does (see the docstring of
`portal.sessions.services`). Like every service here: checks first, then changes, audit rows and e-mails;
flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from portal import access
from portal.accounts.models import User
from portal.common import audit, outbox
from portal.common.errors import DomainError
from portal.common.identifiers import check_free_text
from portal.common.links import public_url_for
from portal.common.permissions import NotFound
from portal.common.roles import Role
from portal.common.working_days import is_working_day, local_date
from portal.extensions import db
from portal.models_base import utcnow
from portal.sessions import notices
from portal.sessions.models import Booking, BookingStatus, Session, SessionFeedback
from portal.sessions.notices import when_text
from portal.sessions.services import (
    TEXT_MAX,
    can_record_attendance,
    has_started,
    lock_session,
    session_bookings,
)

REMINDER_WORKING_DAYS = 2
FEEDBACK_REQUEST_DAYS = 30


# --- sessions to follow up ------------------------------------------------------------------------


def list_to_follow_up(user: User, *, now: datetime | None = None, days: int = 90) -> list[Session]:
    """Sessions of the last `days` days whose attendance `user` may record (host, or manager of the area)."""
    now = now or utcnow()
    condition = Session.host_id == user.id
    areas = access.managed_locality_ids(user)
    if areas:
        condition = condition | Session.locality_id.in_(areas)
    return list(
        db.session.scalars(
            select(Session)
            .where(
                condition,
                Session.starts_at <= now,
                Session.starts_at > now - timedelta(days=days),
                Session.cancelled_at.is_(None),
            )
            .order_by(Session.starts_at.desc(), Session.id)
            .options(selectinload(Session.locality))
        )
    )


# --- attendance and feedback ----------------------------------------------------------------------


def has_ended(session: Session, *, now: datetime | None = None) -> bool:
    return session.ends_at <= (now or utcnow())


def ensure_attendance_can_be_recorded(session: Session) -> None:
    """Attendance is recorded once a session has started, never for a cancelled one."""
    if session.cancelled_at is not None:
        raise DomainError("This session was cancelled: there is no attendance to record")
    if not has_started(session):
        raise DomainError("You can record attendance once the session has started", field="attended")


def record_attendance(session: Session, *, by: User, attended_booking_ids: Iterable[int]) -> Session:
    """Who came, once the session has started; recording again replaces the record. Each attendee is asked
    for feedback once, after the session has ended: at once if it has, otherwise by the scheduled job
    (`send_feedback_requests`) when it ends."""
    if not can_record_attendance(by, session):
        raise NotFound
    ensure_attendance_can_be_recorded(session)
    lock_session(session.id)  # the session row first, then its bookings: the order every writer here keeps
    confirmed, _, _ = session_bookings(session)
    attended = set(attended_booking_ids)
    if not attended <= {b.id for b in confirmed}:
        raise DomainError("Select people from the list", field="attended")
    now = utcnow()
    for booking in confirmed:
        booking.attended = booking.id in attended
    session.attendance_recorded_at = now
    audit.record("session.attendance_recorded", obj=session, attended=len(attended), booked=len(confirmed))
    db.session.flush()
    if has_ended(session, now=now):
        _request_feedback([b.id for b in confirmed if b.attended and b.user.is_active], now=now)
    db.session.flush()
    return session


def get_attended_booking(session_id: int, *, user: User) -> Booking:
    """`user`'s booking on the session when they attended it; NotFound otherwise."""
    booking = db.session.scalar(
        select(Booking)
        .where(Booking.session_id == session_id, Booking.user_id == user.id, Booking.attended.is_(True))
        .options(selectinload(Booking.session), selectinload(Booking.feedback))
    )
    if booking is None or user.role is not Role.PARTNER:
        raise NotFound
    return booking


def give_feedback(booking: Booking, *, by: User, rating: int, comments: str, confirmed: bool) -> SessionFeedback:
    """An attendee says how the session was (once). Comments that look as if they identify a child raise
    IdentifiersFound, and nothing is saved, unless `confirmed` (the attendee has checked them)."""
    if booking.user_id != by.id or booking.attended is not True:
        raise NotFound
    if booking.feedback is not None:
        raise DomainError("You have already given feedback on this session")
    if not 1 <= rating <= 5:
        raise DomainError("Select a rating from 1 to 5", field="rating")
    comments = comments.strip()
    if len(comments) > TEXT_MAX:
        raise DomainError(f"Your comments must be {TEXT_MAX} characters or fewer", field="comments")
    check_free_text(comments=comments, confirmed=confirmed)
    feedback = SessionFeedback(booking_id=booking.id, rating=rating, comments=comments)
    booking.feedback = feedback
    db.session.add(feedback)
    db.session.flush()
    audit.record(
        "session.feedback_given",
        obj=feedback,
        session_id=booking.session_id,
        rating=rating,
        identifiers_confirmed=confirmed,
    )
    return feedback


# --- the scheduled jobs: reminders and feedback requests -----------------------------------------
#
# Each booking is reminded, and asked for feedback, once: one conditional UPDATE marks every booking due
# whose mark is still empty and returns the ids it marked, so two workers running at once never both send
# one. The marked bookings are then loaded with their session, host and person in a fixed number of
# queries, so a job costs the same number of queries whatever the number of bookings.


def _mark(
    booking_ids: list[int],
    column: InstrumentedAttribute[datetime | None],
    *,
    now: datetime,
    also: tuple[ColumnElement[bool], ...] = (),
) -> list[int]:
    """Set `column` to `now` on those of `booking_ids` still confirmed with `column` empty (and matching
    `also`): the ids this call marked (RETURNING, on SQLite and PostgreSQL alike)."""
    if not booking_ids:
        return []
    marked = db.session.execute(
        update(Booking)
        .where(Booking.id.in_(booking_ids), column.is_(None), Booking.status == BookingStatus.CONFIRMED, *also)
        .values({column: now})
        .returning(Booking.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(marked.scalars())


def _with_people(booking_ids: list[int]) -> list[Booking]:
    """The bookings with what their e-mails need (the session, its host, the person), in three queries."""
    if not booking_ids:
        return []
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.id.in_(booking_ids))
            .order_by(Booking.id)
            .options(selectinload(Booking.session).joinedload(Session.host), selectinload(Booking.user))
            .execution_options(populate_existing=True)
        )
    )


def _request_feedback(booking_ids: list[int], *, now: datetime) -> int:
    """Ask those of `booking_ids` who attended and have not been asked yet for feedback; the number asked."""
    asked = _with_people(_mark(booking_ids, Booking.feedback_requested_at, now=now, also=(Booking.attended.is_(True),)))
    for booking in asked:
        session = booking.session
        audit.record("session.feedback_requested", obj=booking, session_id=session.id)
        outbox.enqueue(
            to=booking.user,
            subject=f"How was it? {session.title}",
            template="emails/session_feedback_request.txt",
            name=booking.user.name,
            title=session.full_title,
            when=when_text(session),
            link=public_url_for("sessions.give_feedback", session_id=session.id),
        )
    return len(asked)


def reminder_day(session_day: date, working_days: int = REMINDER_WORKING_DAYS) -> date:
    """The working day `working_days` working days before `session_day`: Thursday for a Monday session."""
    day, left = session_day, working_days
    while left:
        day -= timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def send_session_reminders(now: datetime | None = None) -> int:
    """Remind everyone booked, two working days before their session (or later, if that was missed, up to
    the start), each booking once (see above). The number reminded."""
    now = now or utcnow()
    today = local_date(now)
    due = db.session.execute(
        select(Booking.id, Session.starts_at)
        .join(Session, Booking.session_id == Session.id)
        .where(
            Booking.status == BookingStatus.CONFIRMED,
            Booking.reminder_sent_at.is_(None),
            Session.cancelled_at.is_(None),
            Session.starts_at > now,
            Session.starts_at < now + timedelta(days=14),
        )
        .order_by(Booking.id)
    ).all()
    ids = [booking_id for booking_id, starts_at in due if reminder_day(local_date(starts_at)) <= today]
    reminded = _with_people(_mark(ids, Booking.reminder_sent_at, now=now))
    for booking in reminded:
        audit.record("session.reminder_sent", obj=booking, session_id=booking.session_id)
        notices.send_plain(
            booking,
            subject=f"Reminder: {booking.session.title}",
            what="A reminder of the session you are booked on.",
            template="emails/session_reminder.txt",
        )
    db.session.flush()
    return len(reminded)


def send_feedback_requests(now: datetime | None = None) -> int:
    """Ask those who attended for feedback once their session has ended, when attendance was recorded
    before the end (otherwise `record_attendance` has asked already); each booking once (see above).
    Sessions that ended more than FEEDBACK_REQUEST_DAYS ago are left: too late to ask. The number asked."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Booking.id)
        .join(Session, Booking.session_id == Session.id)
        .join(User, Booking.user_id == User.id)
        .where(
            Booking.status == BookingStatus.CONFIRMED,
            Booking.attended.is_(True),
            Booking.feedback_requested_at.is_(None),
            Session.cancelled_at.is_(None),
            Session.ends_at <= now,
            Session.ends_at > now - timedelta(days=FEEDBACK_REQUEST_DAYS),
            User.disabled_at.is_(None),
        )
        .order_by(Booking.id)
    )
    asked = _request_feedback(list(due), now=now)
    db.session.flush()
    return asked
