"""Capacity under real concurrency, on a file SQLite database and on PostgreSQL: many partners, each in
their own thread with their own signed-in HTTP session, post to the real app served on loopback
(werkzeug, threaded) at the same moment. Exactly the free places are booked, everyone else is told the
session is full, nobody sees an error page, and the counter agrees with the rows. Racing cancellations
promote different people from the waiting list, each once."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from portal.common.models import OutboxMessage
from portal.extensions import db
from portal.models_base import utcnow
from portal.sessions.models import BookingStatus, Session
from tests.factories import PASSWORD
from tests.integration.sessions.conftest import bookings, fresh
from tests.support.servers import free_port

THREADS = 40


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Visitor:
    """One person's HTTP session with the live server (its own cookie jar)."""

    base: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def open(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode()

    def token(self, path: str) -> str:
        status, _, html = self.open(path)
        assert status == 200, (path, status)
        found = BeautifulSoup(html, "html.parser").find("input", attrs={"name": "csrf_token"})
        assert found is not None
        return str(found["value"])

    def sign_in(self, email: str) -> None:
        token = self.token("/sign-in")
        status, location, _ = self.open("/sign-in", {"email": email, "password": PASSWORD, "csrf_token": token})
        assert status == 302 and "/sign-in" not in location, (email, status, location)

    def banner(self, location: str) -> str:
        status, _, html = self.open(urllib.parse.urlparse(location).path)
        assert status == 200, status
        soup = BeautifulSoup(html, "html.parser")
        return " ".join(" ".join(b.get_text().split()) for b in soup.select(".govuk-notification-banner"))


@pytest.fixture
def live(app: Flask, database_url: str, make_app: Any, smtp_server: Any) -> Iterator[str]:
    """The app served on loopback by werkzeug's threaded server, on the same database as `app`."""
    served = make_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        SERVER_NAME=None,
        RATELIMIT_ENABLED=False,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
    )
    server = make_server("127.0.0.1", free_port(), served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def signed_in(live: str, people: list[Any]) -> list[Visitor]:
    """A visitor per person, signed in (several at a time: signing in is not what is tested here)."""
    visitors = [Visitor(live) for _ in people]
    emails = [person.email for person in people]  # read here: the threads have no app context
    all_at_once(visitors, lambda v: v.sign_in(emails[visitors.index(v)]))
    return visitors


def all_at_once(visitors: list[Visitor], act: Callable[[Visitor], Any]) -> list[Any]:
    """Run act(visitor) in one thread per visitor, released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(visitors))
    results: list[Any] = [None] * len(visitors)
    errors: list[BaseException] = []

    def run(i: int, visitor: Visitor) -> None:
        try:
            barrier.wait(timeout=60)
            results[i] = act(visitor)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, v)) for i, v in enumerate(visitors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_forty_partners_race_for_the_last_three_places(live, world, make_session, partners, sf):
    session = make_session(capacity=10, title="Front Door open morning")
    for person in partners(7):
        sf.BookingFactory(session=session, user=person)
    assert fresh(Session, session.id).places_left == 3
    racers = partners(THREADS)
    session_id = session.id  # the threads have no app context: no ORM attribute may load in them
    visitors = signed_in(live, racers)
    tokens = all_at_once(visitors, lambda v: v.token(f"/sessions/{session_id}"))
    by_visitor = dict(zip(map(id, visitors), tokens, strict=True))

    def book(visitor: Visitor) -> tuple[int, str]:
        status, location, _ = visitor.open(f"/sessions/{session_id}/book", {"csrf_token": by_visitor[id(visitor)]})
        return status, visitor.banner(location) if status == 302 else ""

    results = all_at_once(visitors, book)

    assert all(status == 302 for status, _ in results), sorted({s for s, _ in results})
    booked = [text for _, text in results if "Your place is booked" in text]
    full = [text for _, text in results if "this session is full" in text.lower()]
    assert (len(booked), len(full)) == (3, THREADS - 3)
    confirmed = bookings(session.id, BookingStatus.CONFIRMED)
    assert len(confirmed) == 10
    assert fresh(Session, session.id).booked == 10
    winners = {b.user_id for b in confirmed} & {p.id for p in racers}
    assert len(winners) == 3
    db.session.expire_all()
    mailed = set(db.session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.subject.startswith("Booked"))))
    assert mailed == {p.email for p in racers if p.id in winners}

    # Everyone told it is full now joins the waiting list at once: all queued, in some order, no place taken.
    losers = [v for v, (_, text) in zip(visitors, results, strict=True) if "full" in text.lower()]
    queued = all_at_once(
        losers,
        lambda v: v.open(f"/sessions/{session_id}/waiting-list", {"csrf_token": by_visitor[id(v)]})[0],
    )
    assert set(queued) == {302}
    assert len(bookings(session.id, BookingStatus.WAITLISTED)) == THREADS - 3
    assert fresh(Session, session.id).booked == 10


def test_one_person_posting_the_booking_many_times_at_once_gets_one_place(live, world, make_session):
    session = make_session(capacity=5)
    visitors = signed_in(live, [world.partner] * 10)
    tokens = {id(v): v.token(f"/sessions/{session.id}") for v in visitors}
    statuses = all_at_once(visitors, lambda v: v.open(f"/sessions/{session.id}/book", {"csrf_token": tokens[id(v)]})[0])

    assert set(statuses) == {302}
    [booking] = bookings(session.id)
    assert booking.status is BookingStatus.CONFIRMED
    assert fresh(Session, session.id).booked == 1


def test_racing_cancellations_promote_different_people_each_once(live, world, make_session, partners, sf):
    session = make_session(capacity=3)
    holders = partners(3)
    for person in holders:
        sf.BookingFactory(session=session, user=person)
    waiting = partners(5)
    start = utcnow()
    for n, person in enumerate(waiting):
        sf.BookingFactory(
            session=session,
            user=person,
            status=BookingStatus.WAITLISTED,
            confirmed_at=None,
            waitlisted_at=start + timedelta(seconds=n),
        )
    # Two people cancel at the same moment, and the first of them posts the cancellation twice.
    a, b = holders[0], holders[1]
    visitors = signed_in(live, [a, a, b])
    tokens = {id(v): v.token(f"/sessions/{session.id}/cancel-booking") for v in visitors}
    statuses = all_at_once(
        visitors,
        lambda v: v.open(f"/sessions/{session.id}/cancel-booking", {"csrf_token": tokens[id(v)], "confirm": "yes"})[0],
    )

    assert set(statuses) == {302}
    rows = {row.user_id: row.status for row in bookings(session.id)}
    assert [rows[p.id] for p in holders] == [BookingStatus.CANCELLED, BookingStatus.CANCELLED, BookingStatus.CONFIRMED]
    assert [rows[p.id] for p in waiting] == [BookingStatus.CONFIRMED] * 2 + [BookingStatus.WAITLISTED] * 3
    assert fresh(Session, session.id).booked == 3
    db.session.expire_all()
    promotions = list(
        db.session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.subject.startswith("You have a place")))
    )
    assert sorted(promotions) == sorted([waiting[0].email, waiting[1].email])
    assert re.fullmatch(r"session-booking-\d+@partner-portal", bookings(session.id)[0].uid)
