"""Cancelling a place or a session asks first: the question page changes nothing, a post that is not its
"Yes" changes nothing and leads to the question, and the "Yes" does what the page said."""

from __future__ import annotations

from datetime import date, timedelta

from portal.common.roles import Role
from portal.common.times import london_today
from portal.models_base import utcnow
from portal.sessions.models import BookingStatus, Session
from tests.integration.sessions.conftest import bookings, fresh
from tests.support.db import row_counts
from tests.support.forms import banner, post


def test_cancelling_a_place_asks_first_and_the_yes_gives_it_to_the_first_waiting(
    client_for, world, make_session, sf, partners
):
    session = make_session(capacity=1)
    sf.BookingFactory(session=session, user=world.partner)
    [waiting] = partners(1)
    sf.BookingFactory(
        session=session, user=waiting, status=BookingStatus.WAITLISTED, confirmed_at=None, waitlisted_at=utcnow()
    )
    client = client_for(Role.PARTNER)

    page = client.get(f"/sessions/{session.id}")
    link = page.soup.find("a", string=lambda s: s and s.strip() == "Cancel my place")
    assert link is not None and link["href"] == f"/sessions/{session.id}/cancel-booking"
    assert page.soup.select("form[action$='/cancel-booking']") == []  # no one-click cancel any more

    before = row_counts()
    question = client.get(link["href"])
    assert question.status_code == 200
    assert question.soup.h1.get_text(strip=True) == "Are you sure you want to cancel your place?"
    assert "goes to the first person on it" in question.soup.main.get_text()
    assert question.soup.select_one("main form button").get_text(strip=True) == "Yes, cancel my place"
    no = question.soup.find("a", id="confirm-no")
    assert (no.get_text(strip=True), no["href"]) == ("No, keep it", f"/sessions/{session.id}")

    # The old one-click post (no "Yes") is not a confirmation: it asks the question and changes nothing.
    old = post(client, f"/sessions/{session.id}/cancel-booking")
    assert old.status_code == 302 and old.headers["Location"].endswith(f"/sessions/{session.id}/cancel-booking")
    assert row_counts() == before
    assert [b.status for b in bookings(session.id)] == [BookingStatus.CONFIRMED, BookingStatus.WAITLISTED]

    yes = post(client, f"/sessions/{session.id}/cancel-booking", {"confirm": "yes"})
    assert "Your place is cancelled" in banner(client.get(yes.headers["Location"]))
    assert [b.status for b in bookings(session.id)] == [BookingStatus.CANCELLED, BookingStatus.CONFIRMED]


def test_leaving_the_waiting_list_asks_in_its_own_words(client_for, world, make_session, sf, partners):
    session = make_session(capacity=1)
    sf.BookingFactory(session=session, user=partners(1)[0])
    sf.BookingFactory(
        session=session, user=world.partner, status=BookingStatus.WAITLISTED, confirmed_at=None, waitlisted_at=utcnow()
    )
    client = client_for(Role.PARTNER)
    question = client.get(f"/sessions/{session.id}/cancel-booking")
    assert question.soup.h1.get_text(strip=True) == "Are you sure you want to leave the waiting list?"
    assert "number 1 on the waiting list" in question.soup.main.get_text()
    assert question.soup.select_one("main form button").get_text(strip=True) == "Yes, leave the waiting list"
    left = post(client, f"/sessions/{session.id}/cancel-booking", {"confirm": "yes"})
    assert "You have left the waiting list" in banner(client.get(left.headers["Location"]))
    assert bookings(session.id, BookingStatus.WAITLISTED) == []


def test_with_no_place_to_cancel_the_question_is_not_asked(client_for, make_session):
    session = make_session()
    response = client_for(Role.PARTNER).get(f"/sessions/{session.id}/cancel-booking")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/sessions/{session.id}")


def test_cancelling_a_session_asks_first_and_says_who_will_be_told(client_for, world, make_session, sf, partners):
    session = make_session(capacity=1)
    sf.BookingFactory(session=session, user=world.partner)
    sf.BookingFactory(
        session=session, user=partners(1)[0], status=BookingStatus.WAITLISTED, confirmed_at=None, waitlisted_at=utcnow()
    )
    client = client_for(Role.MANAGER)

    page = client.get(f"/sessions/{session.id}/bookings")
    link = page.soup.find("a", string=lambda s: s and s.strip() == "Cancel the session")
    assert link is not None and link["href"] == f"/sessions/{session.id}/cancel"

    before = row_counts()
    question = client.get(link["href"])
    assert question.soup.h1.get_text(strip=True) == "Are you sure you want to cancel the session?"
    rows = {
        " ".join(r.dt.get_text().split()): " ".join(r.dd.get_text().split())
        for r in question.soup.select(".govuk-summary-list__row")
    }
    assert (rows["Places booked"], rows["On the waiting list"]) == ("1", "1")
    assert question.soup.find("a", id="confirm-no")["href"] == f"/sessions/{session.id}/bookings"

    old = post(client, f"/sessions/{session.id}/cancel")
    assert old.headers["Location"].endswith(f"/sessions/{session.id}/cancel")
    assert row_counts() == before and fresh(Session, session.id).cancelled_at is None

    post(client, f"/sessions/{session.id}/cancel", {"confirm": "yes"})
    assert fresh(Session, session.id).cancelled_at is not None
    assert {b.status for b in bookings(session.id)} == {BookingStatus.CANCELLED}
    # Once cancelled there is nothing to ask.
    assert client.get(f"/sessions/{session.id}/cancel").status_code == 302


def test_your_bookings_lists_what_is_to_come_first_soonest_first_then_the_past(client_for, world, make_session, sf):
    now = utcnow()
    past = make_session(
        title="Last month", starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=30, hours=-1)
    )
    later = make_session(
        title="In a month", starts_at=now + timedelta(days=30), ends_at=now + timedelta(days=30, hours=1)
    )
    soon = make_session(title="Next week", starts_at=now + timedelta(days=7), ends_at=now + timedelta(days=7, hours=1))
    for session in (past, later, soon):
        sf.BookingFactory(session=session, user=world.partner)
    page = client_for(Role.PARTNER).get("/sessions/mine")
    titles = [row.th.get_text(strip=True) for row in page.soup.select("#bookings tbody tr")]
    assert titles == ["Next week", "In a month", "Last month"]


def test_date_hints_are_in_the_future(client_for, make_session):
    page = client_for(Role.MANAGER).get("/sessions/new")
    hint = page.soup.find(id="on-hint").get_text(strip=True)
    day, month, year = (int(n) for n in hint.removeprefix("For example, ").split())
    assert date(year, month, day) > london_today()
