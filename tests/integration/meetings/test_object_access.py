"""Object-level access, on every meetings route with a meeting id (and an action id) found by walking the URL
map: another locality's manager, practitioner and partner get 404 wherever their role may use the route, and
nothing is changed, audited or sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask, url_for

from portal.common.models import AuditEvent, OutboxMessage
from portal.common.roles import Role
from portal.meetings.models import MeetingAction, MeetingAnswer, PartnershipMeeting, Rag
from tests.access.meetings import ACCESS
from tests.integration.meetings.conftest import ago, held_meeting
from tests.meetings_factories import MeetingActionFactory, meeting_with_schools
from tests.support.db import count, fresh
from tests.support.forms import post


@pytest.fixture
def meetings(world: Any) -> dict[str, Any]:
    held = held_meeting(world)
    action = MeetingActionFactory(raised_at_meeting=held, owner_user_id=world.practitioner.id)
    upcoming = meeting_with_schools(
        world.locality,
        [world.school],
        organiser=world.manager,
        starts_at=datetime.now(UTC).replace(microsecond=0) + timedelta(days=100),
    )
    return {
        "held": held,
        "upcoming": upcoming,
        "action": action,
        "ids": {"action_id": action.id},
        "location": upcoming.location,
    }


def meeting_routes(app: Flask, values: dict[str, int]) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every meetings route that takes a meeting id (and an action id), found by
    walking the URL map, so that a new route is checked without being listed here."""
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("meetings.") or "meeting_id" not in rule.arguments:
                continue
            url = url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                routes.append((rule.endpoint, method, url))
    return routes


# Whatever a form might hold, so that a POST that got past the access check would change something.
POSTED = {
    "on": ["1", "1", "2031"],
    "starts": "9am",
    "ends": "10am",
    "location": "Taken over",
    "answer": "attending",
    "attendees": "Someone",
    "minutes": "Taken over",
    "publish": "y",
    "text": "Taken over",
    "owner": "",
    "due_on": ["1", "1", "2031"],
    "rag": "red",
    "done": "y",
    "note": "Taken over",
    "confirm_identifiers": "y",
}


MEETING_AUDIT = (AuditEvent.action.like("meeting%"),)


def _nothing_changed(meetings: dict[str, Any]) -> None:
    upcoming = fresh(PartnershipMeeting, meetings["upcoming"].id)
    held = fresh(PartnershipMeeting, meetings["held"].id)
    action = fresh(MeetingAction, meetings["action"].id)
    assert (upcoming.cancelled_at, upcoming.sequence, upcoming.location) == (None, 0, meetings["location"])
    assert (held.minutes, held.register_recorded_at) == ("", None)
    assert (action.done_at, action.rag, action.update_note) == (None, Rag.AMBER, "")
    assert count(MeetingAction) == 1 and count(OutboxMessage) == 0 and count(AuditEvent, *MEETING_AUDIT) == 0
    invitations = [i for m in (upcoming, held) for i in m.invitations]
    assert all(i.answer is MeetingAnswer.NOT_ANSWERED and i.represented is None for i in invitations)


@pytest.mark.parametrize("meeting", ["held", "upcoming"])
@pytest.mark.parametrize("who", ["other_manager", "other_practitioner", "other_partner"])
def test_people_of_another_locality_get_404_on_every_meeting_route(app, client_for, world, meetings, meeting, who):
    user = getattr(world, who)
    client = client_for(user)
    checked = []
    for endpoint, method, url in meeting_routes(app, {"meeting_id": meetings[meeting].id, **meetings["ids"]}):
        if user.role not in ACCESS[endpoint]:
            continue  # the role may not use the route anywhere: 403, tested by the access table
        response = post(client, url, POSTED) if method == "POST" else client.get(url)
        assert response.status_code == 404, (who, endpoint, method, url, response.status_code)
        checked.append(endpoint)
    expected = {
        "other_manager": 7,  # the page, change, cancel, register, minutes, add and update an action
        "other_practitioner": 1,  # the page
        "other_partner": 2,  # the page and the answer
    }[who]
    assert len(set(checked)) >= expected, checked
    _nothing_changed(meetings)
    assert client.get("/meetings").soup.find("a", string=meetings[meeting].title) is None


@pytest.mark.parametrize("meeting", ["held", "upcoming"])
def test_the_localitys_own_manager_gets_past_the_check_on_every_route_the_walk_finds(
    app, client_for, world, meetings, meeting
):
    """The other half of the test above: the 404s there come from the locality check, not from a bad URL."""
    client = client_for(world.manager)
    for endpoint, method, url in meeting_routes(app, {"meeting_id": meetings[meeting].id, **meetings["ids"]}):
        if method == "GET" and Role.MANAGER in ACCESS[endpoint]:
            assert client.get(url).status_code in (200, 302), (endpoint, url)


def test_an_action_of_another_locality_is_404_through_a_meeting_the_manager_manages(client_for, world, meetings):
    theirs = meeting_with_schools(world.other_locality, [], organiser=world.other_manager, starts_at=ago(hours=2))
    foreign = MeetingActionFactory(raised_at_meeting=theirs, owner_user_id=world.other_practitioner.id)
    client = client_for(world.manager)
    assert client.get(f"/meetings/{meetings['held'].id}/actions/{foreign.id}").status_code == 404
    assert client.get(f"/meetings/{theirs.id}").status_code == 404
