"""Access table for the site's own pages (see tests/access/__init__.py)."""

from __future__ import annotations

from typing import Any

from tests.access import ADMINS, EVERYONE, MANAGERS

ACCESS: dict[str, frozenset[Any]] = {
    "pages.home": EVERYONE,
    "pages.accessibility": EVERYONE,
    "pages.privacy": EVERYONE,
    "pages.cookies": EVERYONE,
    "pages.feedback_contact": EVERYONE,
    "pages.healthz": EVERYONE,
    "pages.favicon": EVERYONE,
    "pages.admin": MANAGERS,
    "pages.failed_messages": ADMINS,
    "pages.retry_message": ADMINS,
}


def url_values(world: Any, factories: Any) -> dict[str, Any]:
    """Values for this domain's URL parameters: a message id (none need exist for the access decision)."""
    return {"message_id": 1}
