"""Booking rules through the real app on both databases: a place each, one booking per person however
often it is posted, the confidentiality expectations for Front Door shadowing, the waiting list and its
automatic promotion, and the calendar files that go with each change (parsed back with icalendar)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.accounts.models import User
from portal.common.models import AuditEvent
from portal.common.roles import Role
from portal.extensions import db
from portal.sessions import services
from portal.sessions.models import Booking, BookingStatus, Session
from tests.integration.sessions.conftest import SHADOWING, bookings, calendars, count, fresh, outbox_to, vevent
from tests.support.db import count as count_rows
from tests.support.forms import banner, post

LONDON = ZoneInfo("Europe/London")


def url(session: Session, action: str = "") -> str:
    return f"/sessions/{session.id}" + (f"/{action}" if action else "")


def test_a_partner_books_a_place_and_gets_a_calendar_request(client_for, world, make_session):
    session = make_session(capacity=5)
    client = client_for(Role.PARTNER)

    page = client.get(url(session))
    assert page.status_code == 200
    assert page.soup.select_one("form[action$='/book'] button").get_text(strip=True) == "Book a place"

    response = post(client, url(session, "book"))
    assert response.status_code == 302
    assert "Your place is booked" in banner(client.get(response.headers["Location"]))
    [booking] = bookings(session.id)
    assert (booking.user_id, booking.status, booking.sequence) == (world.partner.id, BookingStatus.CONFIRMED, 0)
    assert fresh(Session, session.id).booked == 1
    assert count_rows(AuditEvent, AuditEvent.action == "session.booked") == 1

    [message] = outbox_to(world.partner.email)
    assert message.subject == f"Booked: {session.title}"
    assert f"http://localhost/sessions/{session.id}" in message.body_text
    [cal] = calendars(message)
    event = vevent(cal)
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == booking.uid == f"session-booking-{booking.id}@partner-portal"
    assert int(event["SEQUENCE"]) == 0
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("DTSTART").replace(tzinfo=None) == session.starts_at.astimezone(LONDON).replace(tzinfo=None)
    assert str(event["ORGANIZER"]).lower() == f"mailto:{world.practitioner.email}"


def test_posting_the_same_booking_twice_makes_one_booking(client_for, world, make_session):
    session = make_session(capacity=5)
    client = client_for(Role.PARTNER)
    post(client, url(session, "book"))
    again = post(client, url(session, "book"))

    assert again.status_code == 302
    assert "You already have a place" in banner(client.get(again.headers["Location"]))
    assert len(bookings(session.id)) == 1
    assert fresh(Session, session.id).booked == 1
    assert len(outbox_to(world.partner.email)) == 1
    # Joining the waiting list while holding a place changes nothing either.
    post(client, url(session, "waiting-list"))
    assert [b.status for b in bookings(session.id)] == [BookingStatus.CONFIRMED]


def test_shadowing_needs_the_confidentiality_expectations_accepted(client_for, world, make_session):
    session = make_session(kind=SHADOWING, title="Front Door shadowing morning")
    client = client_for(Role.PARTNER)
    page = client.get(url(session))
    expectations = page.soup.find(id="confidentiality-expectations").find_next("ul").get_text(" ", strip=True)
    assert "stays at the Front Door" in expectations
    assert "not record" in expectations

    refused = post(client, url(session, "book"))
    assert refused.status_code == 200
    assert refused.soup.title.get_text().strip().startswith("Error: ")
    message = "Confirm that you will follow the confidentiality expectations of the Front Door"
    assert message in refused.soup.select_one(".govuk-error-summary").get_text()
    assert message in refused.soup.select_one(".govuk-error-message").get_text()
    assert bookings(session.id) == [] and fresh(Session, session.id).booked == 0

    accepted = post(client, url(session, "book"), {"confidentiality": "y"})
    assert accepted.status_code == 302
    [booking] = bookings(session.id)
    assert booking.status is BookingStatus.CONFIRMED and booking.confidentiality_accepted_at is not None
    [message_row] = outbox_to(world.partner.email)
    assert "stays at the Front Door" in message_row.body_text


def test_a_full_session_offers_the_waiting_list_and_a_cancellation_promotes_the_first(
    client_for, world, make_session, partners
):
    session = make_session(capacity=2)
    first, second, third, fourth = partners(4)
    for person in (first, second):
        assert post(client_for(person), url(session, "book")).status_code == 302

    late = client_for(third)
    told = post(late, url(session, "book"))
    assert "this session is full" in banner(late.get(told.headers["Location"])).lower()
    assert count(Booking, Booking.user_id == third.id) == 0
    page = late.get(url(session))
    assert page.soup.select_one("form[action$='/waiting-list'] button").get_text(strip=True) == "Join the waiting list"

    post(late, url(session, "waiting-list"))
    post(client_for(fourth), url(session, "waiting-list"))
    assert [b.user_id for b in bookings(session.id, BookingStatus.WAITLISTED)] == [third.id, fourth.id]
    assert "number 2" in client_for(fourth).get(url(session)).soup.find(id="place-status").get_text()

    leaving = client_for(first)
    response = post(leaving, url(session, "cancel-booking"), {"confirm": "yes"})
    assert "Your place is cancelled" in banner(leaving.get(response.headers["Location"]))
    statuses = {b.user_id: b.status for b in bookings(session.id)}
    assert statuses == {
        first.id: BookingStatus.CANCELLED,
        second.id: BookingStatus.CONFIRMED,
        third.id: BookingStatus.CONFIRMED,
        fourth.id: BookingStatus.WAITLISTED,
    }
    assert fresh(Session, session.id).booked == 2

    cancel_mail = outbox_to(first.email)[-1]
    [cal] = calendars(cancel_mail)
    assert str(cal["METHOD"]) == "CANCEL"
    booking_first = next(b for b in bookings(session.id) if b.user_id == first.id)
    assert str(vevent(cal)["UID"]) == booking_first.uid and int(vevent(cal)["SEQUENCE"]) == 1

    promoted_mail = outbox_to(third.email)[-1]
    assert promoted_mail.subject == f"You have a place: {session.title}"
    [cal] = calendars(promoted_mail)
    assert str(cal["METHOD"]) == "REQUEST"
    assert (
        "You have a place on this session"
        in client_for(third).get(url(session)).soup.find(id="place-status").get_text()
    )
    assert count_rows(AuditEvent, AuditEvent.action == "session.promoted") == 1


def test_cancelling_the_same_booking_twice_frees_one_place(client_for, make_session, partners):
    session = make_session(capacity=1)
    holder, waiting_a, waiting_b = partners(3)
    client = client_for(holder)
    post(client, url(session, "book"))
    post(client_for(waiting_a), url(session, "waiting-list"))
    post(client_for(waiting_b), url(session, "waiting-list"))

    post(client, url(session, "cancel-booking"), {"confirm": "yes"})
    again = post(client, url(session, "cancel-booking"), {"confirm": "yes"})
    assert again.status_code == 302
    statuses = [b.status for b in bookings(session.id)]
    assert statuses == [BookingStatus.CANCELLED, BookingStatus.CONFIRMED, BookingStatus.WAITLISTED]
    assert fresh(Session, session.id).booked == 1


def test_booking_again_after_cancelling_reuses_the_row_and_raises_the_sequence(client_for, world, make_session):
    session = make_session(capacity=3)
    client = client_for(Role.PARTNER)
    post(client, url(session, "book"))
    post(client, url(session, "cancel-booking"), {"confirm": "yes"})
    post(client, url(session, "book"))

    [booking] = bookings(session.id)
    assert (booking.status, booking.sequence) == (BookingStatus.CONFIRMED, 2)
    sequences = [int(vevent(calendars(m)[0])["SEQUENCE"]) for m in outbox_to(world.partner.email)]
    methods = [str(calendars(m)[0]["METHOD"]) for m in outbox_to(world.partner.email)]
    assert sequences == [0, 1, 2] and methods == ["REQUEST", "CANCEL", "REQUEST"]
    assert len({str(vevent(calendars(m)[0])["UID"]) for m in outbox_to(world.partner.email)}) == 1


def test_leaving_the_waiting_list_frees_no_place(client_for, make_session, partners):
    session = make_session(capacity=1)
    holder, waiting = partners(2)
    post(client_for(holder), url(session, "book"))
    client = client_for(waiting)
    post(client, url(session, "waiting-list"))
    post(client, url(session, "cancel-booking"), {"confirm": "yes"})

    assert [b.status for b in bookings(session.id)] == [BookingStatus.CONFIRMED, BookingStatus.CANCELLED]
    assert fresh(Session, session.id).booked == 1
    assert calendars(outbox_to(waiting.email)[-1]) == []


def test_a_started_or_cancelled_session_cannot_be_booked(client_for, world, make_session):
    starts = datetime.now(LONDON) - timedelta(minutes=5)
    started = make_session(starts_at=starts, ends_at=starts + timedelta(hours=2))
    cancelled = make_session(cancelled_at=datetime.now(LONDON))
    client = client_for(Role.PARTNER)
    for session in (started, cancelled):
        response = post(client, url(session, "book"))
        assert response.status_code == 302
        assert bookings(session.id) == []
        assert client.get(url(session)).soup.select_one("form[action$='/book']") is None


def test_staff_cannot_book(client_for, make_session):
    session = make_session()
    assert post(client_for(Role.MANAGER), url(session, "book")).status_code == 403
    assert bookings(session.id) == []


def test_your_bookings_lists_places_and_waiting(client_for, world, make_session):
    open_day = make_session(title="Open day in Northfield")
    full = make_session(title="Popular shadowing", kind=SHADOWING, capacity=1)
    client = client_for(Role.PARTNER)
    other = client_for(world.other_partner)
    post(other, url(full, "book"), {"confidentiality": "y"})
    post(client, url(open_day, "book"))
    post(client, url(full, "waiting-list"), {"confidentiality": "y"})

    page = client.get("/sessions/mine")
    rows = [" ".join(r.get_text(" ", strip=True).split()) for r in page.soup.select("#bookings tbody tr")]
    assert len(rows) == 2
    assert any("Open day in Northfield" in r and "Booked" in r for r in rows)
    assert any("Popular shadowing" in r and "On the waiting list" in r for r in rows)
    listing = client.get("/sessions/")
    marks = {
        r.find("a").get_text(strip=True): r.find_all("td")[-1].get_text(strip=True)
        for r in listing.soup.select("#sessions tbody tr")
    }
    assert marks == {"Open day in Northfield": "Booked", "Popular shadowing": "On the waiting list"}
    assert db.session.scalar(select(Booking).where(Booking.user_id == world.partner.id)) is not None


def test_a_promotion_after_an_earlier_cancel_raises_the_sequence_again(client_for, world, make_session, partners):
    session = make_session(capacity=1)
    [other] = partners(1)
    me, them = client_for(Role.PARTNER), client_for(other)
    post(me, url(session, "book"))
    post(me, url(session, "cancel-booking"), {"confirm": "yes"})
    post(them, url(session, "book"))
    post(me, url(session, "waiting-list"))
    post(them, url(session, "cancel-booking"), {"confirm": "yes"})

    mine = next(b for b in bookings(session.id) if b.user_id == world.partner.id)
    assert (mine.status, mine.sequence) == (BookingStatus.CONFIRMED, 2)
    files = [calendars(m) for m in outbox_to(world.partner.email)]
    assert [(str(c[0]["METHOD"]), int(vevent(c[0])["SEQUENCE"])) for c in files if c] == [
        ("REQUEST", 0),
        ("CANCEL", 1),
        ("REQUEST", 2),
    ]


def test_booking_again_after_cancelling_starts_the_reminder_and_feedback_afresh(client_for, world, make_session):
    session = make_session(capacity=3)
    client = client_for(Role.PARTNER)
    post(client, url(session, "book"))
    post(client, url(session, "cancel-booking"), {"confirm": "yes"})
    [booking] = bookings(session.id)
    booking.reminder_sent_at = booking.feedback_requested_at = datetime.now(LONDON)
    db.session.commit()

    post(client, url(session, "book"))

    [booking] = bookings(session.id)
    assert booking.status is BookingStatus.CONFIRMED
    assert (booking.reminder_sent_at, booking.feedback_requested_at) == (None, None)


def test_a_freed_place_passes_over_a_disabled_account_on_the_waiting_list(client_for, make_session, partners):
    session = make_session(capacity=1)
    holder, gone, next_in_line = partners(3)
    post(client_for(holder), url(session, "book"))
    post(client_for(gone), url(session, "waiting-list"))
    post(client_for(next_in_line), url(session, "waiting-list"))
    db.session.get(User, gone.id).disabled_at = datetime.now(LONDON)
    db.session.commit()

    post(client_for(holder), url(session, "cancel-booking"), {"confirm": "yes"})

    statuses = {b.user_id: b.status for b in bookings(session.id)}
    assert statuses == {
        holder.id: BookingStatus.CANCELLED,
        gone.id: BookingStatus.WAITLISTED,
        next_in_line.id: BookingStatus.CONFIRMED,
    }
    assert fresh(Session, session.id).booked == 1
    assert outbox_to(next_in_line.email)[-1].subject == f"You have a place: {session.title}"


def test_the_list_of_upcoming_sessions_is_paged_soonest_first(client_for, world, make_session, sf, monkeypatch):
    monkeypatch.setattr(services, "UPCOMING_PAGE_SIZE", 2)
    soon = datetime.now(LONDON).replace(microsecond=0)
    for days in (3, 1, 2):
        make_session(
            title=f"In {days} days", starts_at=soon + timedelta(days=days), ends_at=soon + timedelta(days=days, hours=2)
        )
    last = make_session(
        title="In 4 days", starts_at=soon + timedelta(days=4), ends_at=soon + timedelta(days=4, hours=2)
    )
    sf.BookingFactory(session=last, user=world.partner)
    client = client_for(Role.PARTNER)

    def titles(page: Any) -> list[str]:
        return [r.find("a").get_text(strip=True) for r in page.soup.select("#sessions tbody tr")]

    first = client.get("/sessions/")
    assert titles(first) == ["In 1 days", "In 2 days"]
    assert "Page 1 of 2" in first.soup.select_one(".govuk-pagination").get_text()
    second = client.get(first.soup.select_one(".govuk-pagination a[rel=next]")["href"])
    assert titles(second) == ["In 3 days", "In 4 days"]
    assert second.soup.select("#sessions tbody tr")[-1].find_all("td")[-1].get_text(strip=True) == "Booked"
    assert titles(client.get("/sessions/?page=99")) == ["In 3 days", "In 4 days"]
