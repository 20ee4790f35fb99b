"""Access table for the dashboards routes (see tests/access/__init__.py)."""

from __future__ import annotations

from typing import Any

from tests.access import ANY_SIGNED_IN, EVERYONE, MANAGERS, PARTNERS, PEOPLE, STAFF  # noqa: F401

ACCESS: dict[str, frozenset[Any]] = {}


def url_values(world: Any, factories: Any) -> dict[str, Any]:
    """Values for this domain's URL parameters, for objects in the world's first locality."""
    return {}
