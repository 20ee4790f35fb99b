"""Reminders two working days before a session (once per booking, even with two workers at once), the
e-mails delivered by real SMTP with their calendar files, and the uptake figures by locality and
organisation type."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from icalendar import Calendar

from portal.app.cli import run_scheduled_jobs
from portal.common import outbox
from portal.common.roles import Role
from portal.directory.models import OrganisationKind
from portal.extensions import db
from portal.models_base import utcnow
from portal.sessions import follow_up, services
from portal.sessions.cli import run_jobs
from portal.sessions.models import BookingStatus, SessionKind
from tests.integration.sessions.conftest import bookings, outbox_to
from tests.support.db import counting_queries
from tests.support.forms import post
from tests.support.mail import body_of

LONDON = ZoneInfo("Europe/London")


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)


# Monday 7 June 2027: reminders go on Thursday 3 June (two working days before).
MONDAY = date(2027, 6, 7)


def test_the_reminder_goes_two_working_days_before_and_only_once(app, world, sf, partners):
    session = sf.SessionFactory(
        locality=world.locality, host=world.practitioner, starts_at=at(MONDAY, 9), ends_at=at(MONDAY, 12)
    )
    booked, cancelled = partners(2)
    sf.BookingFactory(session=session, user=booked)
    sf.BookingFactory(session=session, user=cancelled, status=BookingStatus.CANCELLED)

    with app.test_request_context():
        assert follow_up.send_session_reminders(at(date(2027, 6, 2), 18)) == 0  # Wednesday: too early
        db.session.commit()
        assert follow_up.send_session_reminders(at(date(2027, 6, 3), 7)) == 1  # Thursday
        db.session.commit()
        assert follow_up.send_session_reminders(at(date(2027, 6, 4), 7)) == 0  # already reminded
        db.session.commit()
    [reminder] = outbox_to(booked.email)
    assert reminder.subject == f"Reminder: {session.title}"
    assert "7 June 2027 at 9am to midday" in reminder.body_text
    assert outbox_to(cancelled.email) == []
    assert bookings(session.id, BookingStatus.CONFIRMED)[0].reminder_sent_at is not None


def test_two_workers_at_once_send_each_reminder_and_feedback_request_once(
    app, world, sf, partners, make_app, database_url
):
    day = datetime.now(LONDON).date() + timedelta(days=1)
    session = sf.SessionFactory(
        locality=world.locality, host=world.practitioner, starts_at=at(day), ends_at=at(day, 12)
    )
    ended = utcnow() - timedelta(hours=1)
    past = sf.SessionFactory(
        locality=world.locality, host=world.practitioner, starts_at=ended - timedelta(hours=3), ends_at=ended
    )
    people = partners(6)
    for person in people:
        sf.BookingFactory(session=session, user=person)
        sf.BookingFactory(session=past, user=person, attended=True)
    workers = [make_app("testing", SQLALCHEMY_DATABASE_URI=database_url) for _ in range(2)]
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def work(worker: Flask) -> None:
        with worker.app_context():
            barrier.wait(timeout=30)
            counts.append(run_jobs())

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(counts)[-1] >= 1 and sum(counts) == 12  # run_jobs counts reminders and feedback requests
    for person in people:
        assert len([m for m in outbox_to(person.email) if m.subject.startswith("Reminder")]) == 1
        assert len([m for m in outbox_to(person.email) if m.subject.startswith("How was it?")]) == 1


def test_the_jobs_cost_the_same_queries_whatever_the_number_of_bookings(app, world, sf, factories, partners):
    """Each booking's session, host and person are loaded with the others, not one by one, and the bookings
    are marked with one UPDATE."""

    def queries(job: Any, n: int, *, ended: bool) -> int:
        starts = utcnow() + (timedelta(hours=-4) if ended else timedelta(days=1))
        session = sf.SessionFactory(
            locality=world.locality,
            host=factories.UserFactory(role=Role.PRACTITIONER),
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            capacity=20,
        )
        for person in partners(n):
            sf.BookingFactory(session=session, user=person, attended=True if ended else None)
        db.session.expire_all()
        with app.test_request_context(), counting_queries() as statements:
            assert job(utcnow()) == n
            db.session.flush()
        db.session.commit()
        # The e-mails and audit rows are one INSERT each (batched on PostgreSQL): count what is read and marked.
        return len([q for q in statements if not q.lstrip().upper().startswith("INSERT")])

    reminders = follow_up.send_session_reminders
    assert queries(reminders, 2, ended=False) == queries(reminders, 9, ended=False)
    requests = follow_up.send_feedback_requests
    assert queries(requests, 2, ended=True) == queries(requests, 9, ended=True)


def test_the_scheduled_jobs_send_the_session_reminders(app, world, sf):
    day = datetime.now(LONDON).date() + timedelta(days=1)
    session = sf.SessionFactory(
        locality=world.locality, host=world.practitioner, starts_at=at(day), ends_at=at(day, 12)
    )
    sf.BookingFactory(session=session, user=world.partner)
    run_scheduled_jobs()
    assert [m.subject for m in outbox_to(world.partner.email)] == [f"Reminder: {session.title}"]


def test_the_confirmation_arrives_by_smtp_with_its_calendar_file(app, world, make_session, client_for, inbox):
    session = make_session(kind=SessionKind.FRONT_DOOR_SHADOWING, title="Shadowing the duty desk")
    post(client_for(Role.PARTNER), f"/sessions/{session.id}/book", {"confidentiality": "y"})
    with app.app_context():
        assert outbox.send_due() == (1, 0)
    [message] = inbox.wait_for(1)
    assert message["To"] == world.partner.email
    assert message["Subject"] == "Booked: Shadowing the duty desk"
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    cal = Calendar.from_ical(part.get_payload(decode=True))
    event = next(iter(cal.walk("VEVENT")))
    [booking] = bookings(session.id)
    assert (str(event["UID"]), int(event["SEQUENCE"])) == (booking.uid, 0)
    assert str(event["SUMMARY"]) == "Front Door shadowing: Shadowing the duty desk"
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert next(iter(cal.walk("VTIMEZONE")))["TZID"] == "Europe/London"


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        ("Front Door shadowing: a morning with the duty team", "Front Door shadowing: a morning with the duty team"),
        ("Shadowing the duty desk", "Front Door shadowing: Shadowing the duty desk"),
    ],
)
def test_the_confirmation_names_the_session_once(app, world, make_session, client_for, inbox, title, shown):
    """The kind was put before a title that already said it: "Front Door shadowing: Front Door shadowing: …"."""
    session = make_session(kind=SessionKind.FRONT_DOOR_SHADOWING, title=title)
    post(client_for(Role.PARTNER), f"/sessions/{session.id}/book", {"confidentiality": "y"})
    with app.app_context():
        assert outbox.send_due() == (1, 0)
    [message] = inbox.wait_for(1)
    assert message["Subject"] == f"Booked: {title}"
    lines = body_of(message).splitlines()
    assert f"Session: {shown}" in lines
    assert body_of(message).count("Front Door shadowing") == 1


def test_uptake_counts_places_and_attendance_by_locality_and_organisation_type(app, world, factories, sf):
    police = factories.OrganisationFactory(kind=OrganisationKind.POLICE, locality=world.locality, urn=None)
    officer = factories.UserFactory(role=Role.PARTNER, organisation=police, locality=world.locality)
    teacher = world.partner
    elsewhere = world.other_partner
    in_june, in_july = at(date(2026, 6, 10)), at(date(2026, 7, 1))

    def session(kind: SessionKind, when: datetime, **fields: Any) -> Any:
        return sf.SessionFactory(
            kind=kind,
            locality=world.locality,
            host=world.practitioner,
            starts_at=when,
            ends_at=when + timedelta(hours=2),
            **fields,
        )

    shadowing = session(SessionKind.FRONT_DOOR_SHADOWING, in_june)
    open_day = session(SessionKind.OPEN_DAY, in_june)
    sf.BookingFactory(session=shadowing, user=teacher, attended=True)
    sf.BookingFactory(session=shadowing, user=officer, attended=False)
    sf.BookingFactory(session=open_day, user=teacher, attended=True)
    sf.BookingFactory(session=open_day, user=elsewhere, attended=True)  # another locality's partner
    sf.BookingFactory(session=session(SessionKind.OPEN_DAY, in_june), user=officer, status=BookingStatus.CANCELLED)
    sf.BookingFactory(session=session(SessionKind.OPEN_DAY, in_june, cancelled_at=in_june), user=officer)
    sf.BookingFactory(session=session(SessionKind.OPEN_DAY, in_july), user=officer)  # after the period

    with app.app_context():
        rows = services.uptake([world.locality.id], date(2026, 4, 1), date(2026, 6, 30))
    assert [(r.organisation_kind, r.session_kind, r.confirmed, r.attended) for r in rows] == [
        (OrganisationKind.POLICE, SessionKind.FRONT_DOOR_SHADOWING, 1, 0),
        (OrganisationKind.SCHOOL, SessionKind.FRONT_DOOR_SHADOWING, 1, 1),
        (OrganisationKind.SCHOOL, SessionKind.OPEN_DAY, 1, 1),
    ]
    assert {r.locality_name for r in rows} == {world.locality.name}
    with app.app_context():
        both = services.uptake([world.locality.id, world.other_locality.id], date(2026, 4, 1), date(2026, 6, 30))
        assert services.uptake([], date(2026, 4, 1), date(2026, 6, 30)) == []
    assert [(r.locality_name, r.confirmed) for r in both if r.locality_id == world.other_locality.id] == [
        (world.other_locality.name, 1)
    ]


def test_the_uptake_page_shows_the_managers_localities_for_the_chosen_period(world, sf, client_for):
    when = at(date(2026, 6, 10))
    shadowing = sf.SessionFactory(
        kind=SessionKind.FRONT_DOOR_SHADOWING,
        locality=world.locality,
        host=world.practitioner,
        starts_at=when,
        ends_at=when + timedelta(hours=2),
    )
    sf.BookingFactory(session=shadowing, user=world.partner, attended=True)
    client = client_for(Role.MANAGER)
    page = client.get("/sessions/uptake?period=2026-Q1")
    assert page.status_code == 200
    cells = [c.get_text(strip=True) for c in page.soup.select(f"#uptake-{world.locality.id} tbody td")]
    assert cells == ["Front Door shadowing", "1", "1"]
    assert page.soup.find(id=f"uptake-{world.other_locality.id}") is None
    assert client.get("/sessions/uptake?period=nonsense").status_code == 404
    assert client.get("/sessions/uptake").status_code == 200


def test_booked_arrives_before_cancelled_even_after_an_outage(app, world, make_session, client_for, inbox):
    """After an SMTP outage a partner read "Cancelled" before "Booked": one person's messages about one
    session are one thread, sent in the order they were written."""
    from tests.support.servers import free_port

    app.config["OUTBOX_BACKOFF_SECONDS"] = 3600
    session = make_session(title="Open day at the hub")
    partner = client_for(Role.PARTNER)
    post(partner, f"/sessions/{session.id}/book")
    with app.app_context():
        mail = app.extensions["mail"]
        real_port, mail.port = mail.port, free_port()
        assert outbox.send_due() == (0, 1)  # the mail server is down: "Booked" waits an hour
        mail.port = real_port
    post(partner, f"/sessions/{session.id}/cancel-booking", {"confirm": "yes"})
    booked, cancelled = outbox_to(world.partner.email)
    assert booked.thread_key == cancelled.thread_key is not None
    with app.app_context():
        assert outbox.send_due() == (0, 0)  # "Cancelled" does not overtake "Booked"
        booked = db.session.get(type(booked), booked.id)
        booked.next_attempt_at = utcnow()
        db.session.commit()
        assert outbox.send_due() == (2, 0)
    assert [m["Subject"] for m in inbox.wait_for(2)] == [
        "Booked: Open day at the hub",
        "Cancelled: your place on Open day at the hub",
    ]
