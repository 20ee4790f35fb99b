"""Access table for the dashboards routes (see tests/access/__init__.py). Managers only: admins run the
system and see no case work, not even in aggregate."""

from __future__ import annotations

from typing import Any

from tests.access import M

MANAGER_ONLY = frozenset({M})

ACCESS: dict[str, frozenset[Any]] = {
    "dashboards.index": MANAGER_ONLY,
    "dashboards.report": MANAGER_ONLY,
    "dashboards.report_pdf": MANAGER_ONLY,
    "dashboards.report_csv": MANAGER_ONLY,
}


def url_values(world: Any, factories: Any) -> dict[str, Any]:
    """Values for this domain's URL parameters, for objects in the world's first locality (the routes
    take their filters from the query string, so there are none)."""
    return {}
