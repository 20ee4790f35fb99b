"""Access table for each person's own pages: their home and notifications (see tests/access/__init__.py)."""

from __future__ import annotations

from typing import Any

from tests.access import ANY_SIGNED_IN

ACCESS: dict[str, frozenset[Any]] = {
    "home.index": ANY_SIGNED_IN,
    "home.list_notifications": ANY_SIGNED_IN,
    "home.open_notification": ANY_SIGNED_IN,
    "home.mark_all_read": ANY_SIGNED_IN,
}


def url_values(world: Any, factories: Any) -> dict[str, Any]:
    """A notification id: another person's is a 404, so none need exist for the access decision."""
    return {"notification_id": 1}
