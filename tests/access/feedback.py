"""Access table for the feedback routes (see tests/access/__init__.py)."""

from __future__ import annotations

from typing import Any

from portal.common.roles import Role
from tests.access import ANY_SIGNED_IN, CASEWORK, EVERYONE, MANAGERS, PARTNERS, PEOPLE, STAFF  # noqa: F401

ONLY_MANAGERS = frozenset({Role.MANAGER})  # admins run the system; feedback review is the service's own

ACCESS: dict[str, frozenset[Any]] = {
    "feedback.index": PEOPLE,
    "feedback.give_feedback": PARTNERS,
    "feedback.pulse": PARTNERS,
    "feedback.review": ONLY_MANAGERS,
    "feedback.new_recognition": CASEWORK,
    "feedback.you_said_we_did": PEOPLE | {Role.SENIOR},
    "feedback.new_entry": ONLY_MANAGERS,
    "feedback.edit_entry": ONLY_MANAGERS,
    "feedback.publish_entry": ONLY_MANAGERS,
}


def url_values(world: Any, factories: Any) -> dict[str, Any]:
    """Values for this domain's URL parameters, for objects in the world's first locality."""
    from tests.feedback_factories import YouSaidWeDidFactory

    entry = YouSaidWeDidFactory(locality=world.locality, author=world.manager)
    return {"entry_id": entry.id}
