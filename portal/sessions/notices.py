"""The e-mails of sessions and bookings, and the calendar files they carry (RFC 5545/5546).

One UID per booking (`Booking.uid`), stable for its life; each booking keeps its own SEQUENCE, which the
services raise before every calendar file after the first. E-mails say what changed and link to the
portal; they carry no case details (sessions have none) and nothing typed by another partner.
"""

from __future__ import annotations

from typing import Any

from portal.common import calendar, outbox
from portal.common.links import public_url_for
from portal.common.times import format_date, when_text
from portal.sessions.models import Booking, Session


def session_link(session: Session) -> str:
    return public_url_for("sessions.session_page", session_id=session.id)


def calendar_event(booking: Booking) -> calendar.CalendarEvent:
    """The booking as its calendar files describe it: one UID per booking, its own SEQUENCE."""
    session = booking.session
    description = session.kind.label + "."
    if session.what_to_bring:
        description += f"\n\nWhat to bring: {session.what_to_bring}"
    return calendar.CalendarEvent(
        uid=booking.uid,
        sequence=booking.sequence,
        summary=session.full_title,
        start=session.starts_at,
        end=session.ends_at,
        location=session.location,
        url=session_link(session),
        organizer_email=session.host.email,
        organizer_name=session.host.name,
        attendees=(calendar.Attendee(email=booking.user.email, name=booking.user.name, status="ACCEPTED"),),
        description=description,
    )


def _context(booking: Booking) -> dict[str, Any]:
    session = booking.session
    return {
        "name": booking.user.name,
        "title": session.full_title,
        "when": when_text(session),
        "where": session.location,
        "host": session.host.name,
        "what_to_bring": session.what_to_bring,
        "link": session_link(session),
        "day": format_date(session.starts_at),
    }


def _thread(booking: Booking) -> str:
    """One person's messages about one session arrive in the order written ("Booked" before "Cancelled")."""
    return outbox.thread_of("session", booking.session_id, booking.user.email)


def send_calendar(booking: Booking, method: calendar.Method, *, subject: str, what: str) -> None:
    if not booking.user.is_active:
        return
    build = calendar.build_request if method == "REQUEST" else calendar.build_cancel
    attachment = outbox.Attachment(calendar.ICS_FILENAME, calendar.content_type(method), build(calendar_event(booking)))
    outbox.enqueue(
        to=booking.user,
        subject=subject,
        template="emails/session_booking.txt",
        attachments=[attachment],
        what=what,
        cancelled=method == "CANCEL",
        expectations=(),
        thread=_thread(booking),
        **_context(booking),
    )


def send_confirmation(booking: Booking, *, promoted: bool, expectations: tuple[str, ...]) -> None:
    session = booking.session
    if not booking.user.is_active:
        return
    what = (
        "A place has come free and, as the first on the waiting list, it is now yours."
        if promoted
        else "Your place is booked."
    )
    attachment = outbox.Attachment(
        calendar.ICS_FILENAME, calendar.content_type("REQUEST"), calendar.build_request(calendar_event(booking))
    )
    outbox.enqueue(
        to=booking.user,
        subject=f"{'You have a place' if promoted else 'Booked'}: {session.title}",
        template="emails/session_booking.txt",
        attachments=[attachment],
        what=what,
        cancelled=False,
        expectations=expectations,
        thread=_thread(booking),
        **_context(booking),
    )


def send_plain(booking: Booking, *, subject: str, what: str, template: str = "emails/session_notice.txt") -> None:
    if not booking.user.is_active:
        return
    outbox.enqueue(
        to=booking.user,
        subject=subject,
        template=template,
        what=what,
        thread=_thread(booking),
        **_context(booking),
    )
