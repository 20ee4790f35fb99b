"""Access table for the meetings routes (see tests/access/__init__.py)."""

from __future__ import annotations

from typing import Any

from portal.common.roles import Role
from tests.access import PEOPLE, M, P

MANAGER_ONLY = frozenset({M})

ACCESS: dict[str, frozenset[Any]] = {
    "meetings.list_meetings": PEOPLE,
    "meetings.schedule_meeting": MANAGER_ONLY,
    "meetings.meeting_page": PEOPLE,
    "meetings.change_meeting": MANAGER_ONLY,
    "meetings.confirm_cancel_meeting": MANAGER_ONLY,
    "meetings.cancel_meeting": MANAGER_ONLY,
    "meetings.answer_meeting": frozenset({P}),
    "meetings.record_register": MANAGER_ONLY,
    "meetings.write_minutes": MANAGER_ONLY,
    "meetings.add_action": MANAGER_ONLY,
    "meetings.update_action": MANAGER_ONLY,
    "meetings.coverage": frozenset({M, Role.ADMIN}),
    "meetings.my_actions": PEOPLE,
    "meetings.action_page": PEOPLE,
    "meetings.meeting_types": frozenset({Role.ADMIN}),
}


def url_values(world: Any, factories: Any) -> dict[str, Any]:
    """Values for this domain's URL parameters, for objects in the world's first locality: a meeting that
    has taken place (the register, minutes and actions can be recorded), with an action raised at it."""
    from datetime import UTC, datetime, timedelta

    from tests.meetings_factories import MeetingActionFactory, meeting_with_schools

    starts = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    meeting = meeting_with_schools(world.locality, [world.school], organiser=world.manager, starts_at=starts)
    action = MeetingActionFactory(raised_at_meeting=meeting, owner_user_id=world.practitioner.id)
    return {"meeting_id": meeting.id, "action_id": action.id}
