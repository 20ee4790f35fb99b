"""Access table for the sessions routes (see tests/access/__init__.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.access import CASEWORK, PARTNERS, PEOPLE, M

ONLY_MANAGERS = frozenset({M})  # admins run the system; sessions belong to the managers of an area

ACCESS: dict[str, frozenset[Any]] = {
    "sessions.list_sessions": PEOPLE,
    "sessions.my_bookings": PARTNERS,
    "sessions.session_page": PEOPLE,
    "sessions.book_session": PARTNERS,
    "sessions.join_waiting_list": PARTNERS,
    "sessions.confirm_cancel_booking": PARTNERS,
    "sessions.cancel_booking": PARTNERS,
    "sessions.give_feedback": PARTNERS,
    "sessions.new_session": ONLY_MANAGERS,
    "sessions.edit_session": ONLY_MANAGERS,
    "sessions.confirm_cancel_session": ONLY_MANAGERS,
    "sessions.cancel_session": ONLY_MANAGERS,
    "sessions.session_bookings": ONLY_MANAGERS,
    "sessions.uptake": ONLY_MANAGERS,
    "sessions.record_attendance": CASEWORK,  # the host, or a manager of the session's locality
}


def url_values(world: Any, factories: Any) -> dict[str, Any]:
    """Values for this domain's URL parameters, for objects in the world's first locality: a session that
    has taken place, hosted by the world's practitioner, which the world's partner attended."""
    from portal.models_base import utcnow
    from tests.sessions_factories import BookingFactory, SessionFactory

    starts = utcnow() - timedelta(hours=2)
    session = SessionFactory(
        locality=world.locality, host=world.practitioner, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    BookingFactory(session=session, user=world.partner, attended=True)
    return {"session_id": session.id}
