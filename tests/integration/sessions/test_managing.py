"""Managers publish, change and cancel the sessions of their area; the host or the locality's manager
records attendance, and attendees are asked for feedback. Changes reach everyone booked as calendar
updates (same UID, higher SEQUENCE), cancellations as CANCEL. Refused input shows GOV.UK errors and
writes nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.common.errors import DomainError
from portal.common.models import AuditEvent
from portal.common.roles import Role
from portal.extensions import db
from portal.models_base import utcnow
from portal.sessions import follow_up, publishing
from portal.sessions.models import BookingStatus, Session, SessionFeedback, SessionKind
from tests.integration.sessions.conftest import (
    bookings,
    calendars,
    count,
    ended_session,
    fresh,
    outbox_to,
    started_session,
    vevent,
)
from tests.support.forms import assert_error_page, banner, post

LONDON = ZoneInfo("Europe/London")


def all_of(model: Any) -> list[Any]:
    db.session.expire_all()
    return list(db.session.scalars(select(model)))


def session_day() -> date:
    return datetime.now(LONDON).date() + timedelta(days=30)


def form(**changes: Any) -> dict[str, Any]:
    day = changes.pop("day", session_day())
    data: dict[str, Any] = {
        "kind": "front_door_shadowing",
        "locality_id": "",
        "title": "Front Door shadowing: a morning with the duty team",
        "description": "Sit with a duty social worker as calls come in.",
        "on": [str(day.day), str(day.month), str(day.year)],
        "starts": "9:30am",
        "ends": "12:30pm",
        "location": "County Hall, Glenfield, reception B",
        "capacity": "4",
        "host_id": "",
        "what_to_bring": "Photo ID",
    }
    data.update(changes)
    return data


def test_a_manager_publishes_a_session_in_their_locality(client_for, world):
    client = client_for(Role.MANAGER)
    page = client.get("/sessions/new")
    assert page.status_code == 200
    offered = [int(o["value"]) for o in page.soup.select("select[name=locality_id] option")]
    assert offered == [world.locality.id]  # their one locality, so no "Select" choice

    response = post(
        client, "/sessions/new", form(locality_id=str(world.locality.id), host_id=str(world.practitioner.id))
    )

    assert response.status_code == 302
    [session] = all_of(Session)
    assert session.kind is SessionKind.FRONT_DOOR_SHADOWING
    assert (session.locality_id, session.host_id, session.published_by_id) == (
        world.locality.id,
        world.practitioner.id,
        world.manager.id,
    )
    assert session.starts_at == datetime.combine(session_day(), time(9, 30), tzinfo=LONDON)
    assert session.ends_at == datetime.combine(session_day(), time(12, 30), tzinfo=LONDON)
    assert (session.capacity, session.booked, session.sequence) == (4, 0, 0)
    assert count(AuditEvent, AuditEvent.action == "session.published") == 1
    assert "The session is published" in banner(client.get(response.headers["Location"]))


def test_publishing_refuses_bad_input_and_keeps_what_was_typed(client_for, world):
    client = client_for(Role.MANAGER)
    yesterday = datetime.now(LONDON).date() - timedelta(days=1)
    response = post(
        client,
        "/sessions/new",
        form(
            kind="",
            title="",
            day=yesterday,
            ends="9am",
            capacity="lots",
            host_id="999999",
            locality_id=str(world.other_locality.id),
            location="Somewhere kept",
        ),
    )
    assert_error_page(
        response,
        "Select what kind of session it is",
        "Enter a title",
        "The date of the session must be today or in the future",
        "The end time must be after the start time",
        "The number of places must be a whole number, like 8",
        "Select who hosts the session",
        "Select a locality you manage",
    )
    assert response.soup.find("input", attrs={"name": "location"})["value"] == "Somewhere kept"
    assert count(Session) == 0

    too_many = post(
        client, "/sessions/new", form(capacity="0", locality_id=str(world.locality.id), host_id=str(world.manager.id))
    )
    assert_error_page(too_many, "The number of places must be between 1 and 200")
    assert count(Session) == 0


def test_partners_and_practitioners_cannot_publish(client_for):
    assert client_for(Role.PARTNER).get("/sessions/new").status_code == 403
    assert client_for(Role.PRACTITIONER).get("/sessions/new").status_code == 403


def test_a_change_sends_everyone_booked_a_calendar_update(client_for, world, make_session, sf, partners):
    session = make_session(capacity=2, title="Open day")
    booked = partners(2)
    rows = [sf.BookingFactory(session=session, user=p) for p in booked]
    waiting = partners(2)
    for n, person in enumerate(waiting):
        sf.BookingFactory(
            session=session,
            user=person,
            status=BookingStatus.WAITLISTED,
            confirmed_at=None,
            waitlisted_at=datetime.now(LONDON) + timedelta(seconds=n),
        )
    client = client_for(Role.MANAGER)
    edit = client.get(f"/sessions/{session.id}/edit")
    assert edit.soup.find("input", attrs={"name": "title"})["value"] == "Open day"

    new_day = session_day() + timedelta(days=1)
    data = form(day=new_day, title="Open day (moved)", capacity="3", host_id=str(world.practitioner.id))
    data.pop("kind"), data.pop("locality_id")
    response = post(client, f"/sessions/{session.id}/edit", data)

    assert response.status_code == 302
    changed = fresh(Session, session.id)
    assert (changed.title, changed.sequence, changed.capacity) == ("Open day (moved)", 1, 3)
    # The extra place went to the first on the waiting list.
    statuses = {b.user_id: b.status for b in bookings(session.id)}
    assert statuses[waiting[0].id] is BookingStatus.CONFIRMED and statuses[waiting[1].id] is BookingStatus.WAITLISTED
    assert changed.booked == 3
    for person, row in zip(booked, rows, strict=True):
        [update] = [m for m in outbox_to(person.email) if m.subject.startswith("Changed")]
        [cal] = calendars(update)
        event = vevent(cal)
        assert str(cal["METHOD"]) == "REQUEST"
        assert (str(event["UID"]), int(event["SEQUENCE"])) == (row.uid, 1)
        assert event.decoded("DTSTART").replace(tzinfo=None) == datetime.combine(new_day, time(9, 30))
        assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert count(AuditEvent, AuditEvent.action == "session.changed") == 1


def test_places_cannot_go_below_those_booked(client_for, world, make_session, sf, partners):
    session = make_session(capacity=3)
    for person in partners(2):
        sf.BookingFactory(session=session, user=person)
    data = form(capacity="1", host_id=str(world.practitioner.id))
    response = post(client_for(Role.MANAGER), f"/sessions/{session.id}/edit", data)
    assert response.status_code == 200
    assert "2 places are booked" in response.soup.select_one(".govuk-error-summary").get_text()
    assert fresh(Session, session.id).capacity == 3


def test_cancelling_a_session_sends_cancel_to_everyone_booked_and_tells_those_waiting(
    client_for, make_session, sf, partners
):
    session = make_session(capacity=1)
    holder, waiting = partners(2)
    row = sf.BookingFactory(session=session, user=holder)
    sf.BookingFactory(
        session=session,
        user=waiting,
        status=BookingStatus.WAITLISTED,
        confirmed_at=None,
        waitlisted_at=datetime.now(LONDON),
    )
    client = client_for(Role.MANAGER)
    response = post(client, f"/sessions/{session.id}/cancel", {"confirm": "yes"})
    assert response.status_code == 302
    again = post(client, f"/sessions/{session.id}/cancel", {"confirm": "yes"})
    assert "cancelled" in banner(client.get(again.headers["Location"]))

    cancelled = fresh(Session, session.id)
    assert cancelled.cancelled_at is not None and cancelled.booked == 0
    assert {b.status for b in bookings(session.id)} == {BookingStatus.CANCELLED}
    [cancel] = [m for m in outbox_to(holder.email) if m.subject.startswith("Cancelled")]
    [cal] = calendars(cancel)
    assert str(cal["METHOD"]) == "CANCEL"
    assert (str(vevent(cal)["UID"]), int(vevent(cal)["SEQUENCE"])) == (row.uid, 1)
    assert str(vevent(cal)["STATUS"]) == "CANCELLED"
    [told] = outbox_to(waiting.email)
    assert told.subject.startswith("Cancelled") and calendars(told) == []
    assert count(AuditEvent, AuditEvent.action == "session.cancelled") == 1


def test_the_bookings_page_shows_who_is_booked_and_the_waiting_list_in_order(client_for, make_session, sf, partners):
    session = make_session(capacity=1)
    holder, first, second = partners(3)
    sf.BookingFactory(session=session, user=holder)
    now = datetime.now(LONDON)
    sf.BookingFactory(
        session=session,
        user=second,
        status=BookingStatus.WAITLISTED,
        confirmed_at=None,
        waitlisted_at=now + timedelta(minutes=1),
    )
    sf.BookingFactory(
        session=session, user=first, status=BookingStatus.WAITLISTED, confirmed_at=None, waitlisted_at=now
    )
    page = client_for(Role.MANAGER).get(f"/sessions/{session.id}/bookings")
    assert [r.th.get_text(strip=True) for r in page.soup.select("#booked-table tbody tr")] == [holder.name]
    assert [r.th.get_text(strip=True) for r in page.soup.select("#waiting-table tbody tr")] == [first.name, second.name]


def test_the_host_records_attendance_and_attendees_are_asked_for_feedback(
    client_for, world, make_session, sf, partners
):
    session = ended_session(make_session, host=world.practitioner)
    came, missed = partners(2)
    came_row = sf.BookingFactory(session=session, user=came)
    sf.BookingFactory(session=session, user=missed)
    host = client_for(Role.PRACTITIONER)
    page = host.get(f"/sessions/{session.id}/attendance")
    assert page.status_code == 200
    response = post(host, f"/sessions/{session.id}/attendance", {"attended_ids": [str(came_row.id)]})
    assert response.status_code == 302
    assert "Everyone who came has been asked for feedback" in banner(host.get(response.headers["Location"]))
    assert {b.user_id: b.attended for b in bookings(session.id)} == {came.id: True, missed.id: False}
    assert fresh(Session, session.id).attendance_recorded_at is not None
    [ask] = outbox_to(came.email)
    assert ask.subject.startswith("How was it?") and f"/sessions/{session.id}/feedback" in ask.body_text
    assert outbox_to(missed.email) == []
    # Recording again asks nobody twice.
    post(host, f"/sessions/{session.id}/attendance", {"attended_ids": [str(came_row.id)]})
    assert len(outbox_to(came.email)) == 1

    attendee = client_for(came)
    refused = post(attendee, f"/sessions/{session.id}/feedback", {"rating": "", "comments": "kept text"})
    assert_error_page(refused, "Select how useful the session was")
    assert refused.soup.find("textarea", attrs={"name": "comments"}).get_text() == "kept text"
    done = post(attendee, f"/sessions/{session.id}/feedback", {"rating": "5", "comments": "Very useful."})
    assert done.status_code == 302
    [feedback] = all_of(SessionFeedback)
    assert (feedback.booking_id, feedback.rating, feedback.comments) == (came_row.id, 5, "Very useful.")
    assert client_for(missed).get(f"/sessions/{session.id}/feedback").status_code == 404
    assert count(SessionFeedback) == 1


def test_attendance_waits_for_the_session_and_is_refused_to_strangers(client_for, world, make_session, factories, sf):
    upcoming = make_session()
    response = client_for(Role.PRACTITIONER).get(f"/sessions/{upcoming.id}/attendance")
    assert response.status_code == 302
    started = started_session(make_session)
    sf.BookingFactory(session=started, user=world.partner)
    stranger = factories.UserFactory(role=Role.PRACTITIONER, locality=world.locality)
    assert client_for(stranger).get(f"/sessions/{started.id}/attendance").status_code == 404
    assert client_for(Role.MANAGER).get(f"/sessions/{started.id}/attendance").status_code == 200
    assert client_for(world.other_manager).get(f"/sessions/{started.id}/attendance").status_code == 404
    tampered = post(client_for(Role.MANAGER), f"/sessions/{started.id}/attendance", {"attended_ids": ["999999"]})
    assert_error_page(tampered, "Select people from the list")
    assert [b.attended for b in bookings(started.id)] == [None]
    assert fresh(Session, started.id).attendance_recorded_at is None


def test_a_title_with_line_breaks_cannot_inject_an_email_header(client_for, world, make_session, partners, sf):
    session = make_session(capacity=2)
    [person] = partners(1)
    sf.BookingFactory(session=session, user=person)
    title_before = fresh(Session, session.id).title
    data = form(title="Open day\r\nBcc: someone@example.invalid", host_id=str(world.practitioner.id))
    response = post(client_for(Role.MANAGER), f"/sessions/{session.id}/edit", data)
    # A one-line text refuses line breaks, as every other control character (portal.common.forms.PortalForm):
    # the header never gets them, and nothing is saved or sent.
    assert_error_page(
        response, "Title must not include hidden control characters, like a null byte: check it and try again"
    )
    assert fresh(Session, session.id).title == title_before
    assert [m for m in outbox_to(person.email) if m.subject.startswith("Changed")] == []


def test_attendance_recorded_during_the_session_asks_for_feedback_once_it_has_ended(
    app, client_for, world, make_session, sf, partners
):
    session = started_session(make_session, host=world.practitioner)  # ends in two hours
    came, missed = partners(2)
    came_row = sf.BookingFactory(session=session, user=came)
    sf.BookingFactory(session=session, user=missed)
    host = client_for(Role.PRACTITIONER)
    response = post(host, f"/sessions/{session.id}/attendance", {"attended_ids": [str(came_row.id)]})
    assert "will be asked for feedback when the session ends" in banner(host.get(response.headers["Location"]))
    assert outbox_to(came.email) == []

    ends_at = fresh(Session, session.id).ends_at
    with app.test_request_context():
        assert follow_up.send_feedback_requests(ends_at - timedelta(minutes=1)) == 0  # not yet over
        db.session.commit()
        assert follow_up.send_feedback_requests(ends_at + timedelta(minutes=1)) == 1
        db.session.commit()
        assert follow_up.send_feedback_requests(ends_at + timedelta(hours=1)) == 0  # asked once
        db.session.commit()
    [ask] = outbox_to(came.email)
    assert ask.subject == f"How was it? {session.title}" and f"/sessions/{session.id}/feedback" in ask.body_text
    assert outbox_to(missed.email) == []
    assert fresh(type(came_row), came_row.id).feedback_requested_at is not None
    # Recording attendance again, after the end, asks nobody twice.
    post(host, f"/sessions/{session.id}/attendance", {"attended_ids": [str(came_row.id)]})
    assert len(outbox_to(came.email)) == 1


def test_feedback_comments_that_name_a_child_are_caught_until_confirmed(client_for, world, make_session, sf):
    session = ended_session(make_session)
    row = sf.BookingFactory(session=session, user=world.partner, attended=True)
    attendee = client_for(Role.PARTNER)
    named = "Useful. We talked about how Jayden Smith's referral was screened."

    response = post(attendee, f"/sessions/{session.id}/feedback", {"rating": "4", "comments": named})

    assert_error_page(response, "Remove the name (Jayden Smith). Use initials instead")
    assert count(SessionFeedback) == 0
    assert response.soup.find("textarea", attrs={"name": "comments"}).get_text().strip() == named
    assert response.soup.find("input", attrs={"name": "confirm_identifiers"}) is not None

    confirmed = post(
        attendee, f"/sessions/{session.id}/feedback", {"rating": "4", "comments": named, "confirm_identifiers": "y"}
    )
    assert confirmed.status_code == 302
    [feedback] = all_of(SessionFeedback)
    assert (feedback.booking_id, feedback.comments) == (row.id, named)
    [given] = [e for e in all_of(AuditEvent) if e.action == "session.feedback_given"]
    assert given.detail["identifiers_confirmed"] is True


def test_a_new_time_lets_the_reminders_go_again_and_other_changes_do_not(client_for, world, make_session, sf, partners):
    starts = datetime.combine(session_day(), time(9, 30), tzinfo=LONDON)
    session = make_session(capacity=2, starts_at=starts, ends_at=starts + timedelta(hours=3))
    [person] = partners(1)
    row = sf.BookingFactory(session=session, user=person, reminder_sent_at=utcnow())
    client = client_for(Role.MANAGER)
    retitled = form(title="Open day (renamed)", host_id=str(world.practitioner.id))  # the same day and times
    assert post(client, f"/sessions/{session.id}/edit", retitled).status_code == 302
    assert fresh(type(row), row.id).reminder_sent_at is not None

    moved = form(day=session_day() + timedelta(days=2), host_id=str(world.practitioner.id))
    assert post(client, f"/sessions/{session.id}/edit", moved).status_code == 302
    assert fresh(type(row), row.id).reminder_sent_at is None


def test_a_change_tells_those_still_waiting_without_a_calendar_file(client_for, world, make_session, sf, partners):
    session = make_session(capacity=1, title="Open day")
    holder, first, second = partners(3)
    sf.BookingFactory(session=session, user=holder)
    for n, person in enumerate((first, second)):
        sf.BookingFactory(
            session=session,
            user=person,
            status=BookingStatus.WAITLISTED,
            confirmed_at=None,
            waitlisted_at=datetime.now(LONDON) + timedelta(seconds=n),
        )
    data = form(
        day=session_day() + timedelta(days=1), title="Open day", capacity="2", host_id=str(world.practitioner.id)
    )
    assert post(client_for(Role.MANAGER), f"/sessions/{session.id}/edit", data).status_code == 302

    # The first on the list got the new place, with its calendar file; the second is told of the change.
    [promoted] = outbox_to(first.email)
    assert promoted.subject == "You have a place: Open day" and len(calendars(promoted)) == 1
    [told] = outbox_to(second.email)
    assert told.subject == "Changed: Open day" and calendars(told) == []
    assert "still on the waiting list" in told.body_text
    assert f"http://localhost/sessions/{session.id}" in told.body_text
    assert (session_day() + timedelta(days=1)).strftime("%B") in told.body_text


def test_hosts_are_the_staff_of_the_managers_area(app, client_for, world, factories):
    away = factories.UserFactory(role=Role.PRACTITIONER, locality=world.locality, disabled_at=utcnow())
    page = client_for(Role.MANAGER).get("/sessions/new")
    offered = {int(o["value"]) for o in page.soup.select("select[name=host_id] option")} - {0}
    assert offered == {world.practitioner.id, world.manager.id}
    assert away.id not in offered

    refused = post(
        client_for(Role.MANAGER),
        "/sessions/new",
        form(locality_id=str(world.locality.id), host_id=str(world.other_practitioner.id)),
    )
    assert_error_page(refused, "Select who hosts the session")
    assert count(Session) == 0
    # The service refuses another area's staff too, whatever the form offered.
    manager = db.session.get(type(world.manager), world.manager.id)
    starts = utcnow() + timedelta(days=10)
    for host in (world.other_practitioner, away):
        with pytest.raises(DomainError) as refused_host:
            publishing.publish_session(
                by=manager,
                kind=SessionKind.OPEN_DAY,
                locality_id=world.locality.id,
                title="Open day",
                description="",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                location="Coalville",
                what_to_bring="",
                capacity=4,
                host_id=host.id,
            )
        assert refused_host.value.field == "host_id"
    db.session.rollback()
    assert count(Session) == 0


def test_a_sessions_host_from_elsewhere_stays_a_choice_when_it_is_changed(client_for, world, make_session):
    session = make_session(host=world.other_practitioner)
    page = client_for(Role.MANAGER).get(f"/sessions/{session.id}/edit")
    offered = {int(o["value"]) for o in page.soup.select("select[name=host_id] option")} - {0}
    assert offered == {world.practitioner.id, world.manager.id, world.other_practitioner.id}
