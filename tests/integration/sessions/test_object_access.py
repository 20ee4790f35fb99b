"""Object-level access on every session route with a session id, found by walking the URL map: another
locality's manager (and a practitioner who is not the host) get 404 wherever their role may use the
route, and change nothing; a manager of a locality managed through `Locality.manager_id` gets in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from portal.common.roles import Role
from portal.extensions import db
from portal.models_base import utcnow
from portal.sessions.models import Session
from tests.access.sessions import ACCESS
from tests.integration.sessions.conftest import bookings, fresh
from tests.support.forms import post


def session_routes(app: Flask, session_id: int) -> list[tuple[str, str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("sessions.") and "session_id" in rule.arguments:
            url = rule.rule.replace("<int:session_id>", str(session_id))
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                routes.append((rule.endpoint, method, url))
    return routes


# Routes that work on a session anyone who books or runs sessions may see (all sessions are open to all).
OPEN_TO_ALL = {
    "sessions.session_page",
    "sessions.book_session",
    "sessions.join_waiting_list",
    "sessions.cancel_booking",
    "sessions.confirm_cancel_booking",
}


@pytest.mark.parametrize("who", ["other_manager", "other_practitioner", "stranger_practitioner"])
def test_staff_outside_the_session_get_404_on_every_route_that_manages_it(app, world, factories, sf, client_for, who):
    starts = utcnow() - timedelta(hours=1)  # started: the attendance routes would otherwise redirect
    session = sf.SessionFactory(
        locality=world.locality, host=world.practitioner, starts_at=starts, ends_at=starts + timedelta(hours=2)
    )
    booking = sf.BookingFactory(session=session, user=world.partner)
    user = (
        factories.UserFactory(role=Role.PRACTITIONER, locality=world.locality)
        if who == "stranger_practitioner"
        else getattr(world, who)
    )
    client = client_for(user)
    checked = 0
    for endpoint, method, url in session_routes(app, session.id):
        if endpoint in OPEN_TO_ALL or user.role not in ACCESS[endpoint]:
            continue
        data = {"attended_ids": [str(booking.id)], "title": "Taken over", "capacity": "1"}
        response = post(client, url, data) if method == "POST" else client.get(url)
        assert response.status_code == 404, (who, endpoint, method, response.status_code)
        checked += 1
    assert checked >= (4 if user.role is Role.MANAGER else 1)
    unchanged = fresh(Session, session.id)
    assert (unchanged.cancelled_at, unchanged.attendance_recorded_at, unchanged.title) == (None, None, session.title)
    assert [b.attended for b in bookings(session.id)] == [None]


def test_a_manager_of_another_locality_by_manager_id_may_manage_it(world, sf, client_for):
    world.other_locality.manager_id = world.manager.id
    db.session.commit()
    session = sf.SessionFactory(locality=world.other_locality, host=world.other_practitioner)
    client = client_for(Role.MANAGER)
    assert client.get(f"/sessions/{session.id}/bookings").status_code == 200
    assert client.get(f"/sessions/{session.id}/edit").status_code == 200
    assert client_for(world.other_manager).get(f"/sessions/{session.id}/bookings").status_code == 200


def test_partners_see_every_session_but_manage_none(world, sf, client_for):
    session = sf.SessionFactory(locality=world.other_locality, host=world.other_practitioner)
    client = client_for(Role.PARTNER)
    page = client.get(f"/sessions/{session.id}")
    assert page.status_code == 200
    assert page.soup.find("a", string="Bookings and waiting list") is None
    for path in ("bookings", "edit", "attendance"):
        assert client.get(f"/sessions/{session.id}/{path}").status_code == 403
    assert post(client, f"/sessions/{session.id}/cancel").status_code == 403
    assert fresh(Session, session.id).cancelled_at is None


def test_another_partners_feedback_page_is_404(world, sf, client_for, make_session: Any):
    starts = utcnow() - timedelta(hours=1)
    session = make_session(starts_at=starts, ends_at=starts + timedelta(hours=1))
    sf.BookingFactory(session=session, user=world.partner, attended=True)
    assert client_for(world.partner).get(f"/sessions/{session.id}/feedback").status_code == 200
    assert client_for(world.other_partner).get(f"/sessions/{session.id}/feedback").status_code == 404
