"""Access table for the dashboards routes (see tests/access/__init__.py). Managers (their area) and senior
leaders (every locality, read only): admins run the system and see no case work, not even in aggregate."""

from __future__ import annotations

from typing import Any

from tests.access import READERS, A, M

ACCESS: dict[str, frozenset[Any]] = {
    "dashboards.index": READERS,
    "dashboards.report": READERS,
    "dashboards.report_pdf": READERS,
    "dashboards.report_csv": READERS,
    "dashboards.report_year_csv": READERS,
    "dashboards.report_year_pdf": READERS,
    "dashboards.targets": frozenset({A}),
    "dashboards.commentary": frozenset({M}),
}


def url_values(world: Any, factories: Any) -> dict[str, Any]:
    """Values for this domain's URL parameters, for objects in the world's first locality (the routes
    take their filters from the query string, so there are none)."""
    return {}
