"""Object-level access: another locality's manager gets 404 on every meeting and action route, a partner or
practitioner of another locality 404 on the meeting page, and nothing is changed or sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from portal.common.models import OutboxMessage
from portal.meetings.models import MeetingAction, PartnershipMeeting
from tests.integration.meetings.conftest import ago, held_meeting, post
from tests.meetings_factories import MeetingActionFactory, meeting_with_schools
from tests.support.db import count, fresh


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
    return {"held": held, "upcoming": upcoming, "action": action}


def test_another_localitys_manager_gets_404_on_every_meeting_and_action_route(client_for, world, meetings):
    held, upcoming, action = meetings["held"], meetings["upcoming"], meetings["action"]
    client = client_for(world.other_manager)
    gets = [
        f"/meetings/{held.id}",
        f"/meetings/{upcoming.id}",
        f"/meetings/{upcoming.id}/change",
        f"/meetings/{held.id}/register",
        f"/meetings/{held.id}/minutes",
        f"/meetings/{held.id}/actions/new",
        f"/meetings/{held.id}/actions/{action.id}",
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = {
        f"/meetings/{upcoming.id}/change": {"starts": "9am"},
        f"/meetings/{upcoming.id}/cancel": {},
        f"/meetings/{held.id}/register": {},
        f"/meetings/{held.id}/minutes": {"minutes": "Taken over", "publish": "y"},
        f"/meetings/{held.id}/actions/new": {"text": "x", "rag": "red"},
        f"/meetings/{held.id}/actions/{action.id}": {"rag": "red", "done": "y"},
    }
    for url, data in posts.items():
        assert post(client, url, data).status_code == 404, url
    assert fresh(PartnershipMeeting, upcoming.id).cancelled_at is None
    assert fresh(PartnershipMeeting, held.id).minutes == ""
    assert fresh(MeetingAction, action.id).done_at is None
    assert count(MeetingAction) == 1 and count(OutboxMessage) == 0
    listing = client.get("/meetings")
    assert listing.soup.find("a", string=held.title) is None


def test_people_of_another_locality_get_404_on_the_meeting_page(client_for, world, meetings):
    for person in (world.other_partner, world.other_practitioner):
        client = client_for(person)
        assert client.get(f"/meetings/{meetings['held'].id}").status_code == 404
        assert client.get(f"/meetings/{meetings['upcoming'].id}").status_code == 404
    answer = {"answer": "attending", "attendees": "Someone"}
    assert (
        post(client_for(world.other_partner), f"/meetings/{meetings['upcoming'].id}/answer", answer).status_code == 404
    )


def test_an_action_of_another_locality_is_404_through_a_meeting_the_manager_manages(client_for, world, meetings):
    theirs = meeting_with_schools(world.other_locality, [], organiser=world.other_manager, starts_at=ago(hours=2))
    foreign = MeetingActionFactory(raised_at_meeting=theirs, owner_user_id=world.other_practitioner.id)
    client = client_for(world.manager)
    assert client.get(f"/meetings/{meetings['held'].id}/actions/{foreign.id}").status_code == 404
    assert client.get(f"/meetings/{theirs.id}").status_code == 404
