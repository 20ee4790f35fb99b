"""The dashboard's filters: a GET form of four selects, rendered with the GOV.UK select macro.

Choices come from the manager's area only; the service refuses (404) any value outside it, so a
hand-made URL cannot reach another area's figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.dashboards.services import Filters, period_choices


@dataclass(frozen=True)
class Choices:
    locality: list[dict[str, object]]
    pod: list[dict[str, object]]
    practitioner: list[dict[str, object]]
    period: list[dict[str, object]]


def _items(options: list[tuple[str, str]], selected: str) -> list[dict[str, object]]:
    return [{"value": value, "text": text, "selected": value == selected} for value, text in options]


def filter_choices(filters: Filters, *, period_value: str | None = None) -> Choices:
    area = filters.area
    locality = str(filters.locality.id) if filters.locality else ""
    pod = str(filters.pod.id) if filters.pod else ""
    person = str(filters.practitioner.id) if filters.practitioner else ""
    several = len(area.localities) > 1
    pods = [(str(p.id), f"{p.name} ({p.locality.name})" if several else p.name) for p in area.pods]
    people = [(str(u.id), u.name + (" (no longer active)" if u.disabled_at else "")) for u in area.practitioners]
    selected_period = filters.period.key if period_value is None else period_value
    return Choices(
        locality=_items(
            [("", "All localities in your area"), *((str(x.id), x.name) for x in area.localities)], locality
        ),
        pod=_items([("", "All pods"), *pods], pod),
        practitioner=_items([("", "All practitioners"), *people], person),
        period=_items(period_choices(filters.today, filters.period), selected_period),
    )
