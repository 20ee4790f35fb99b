"""Each dashboard figure that names requests links to the request list filtered to exactly those requests:
the count the link shows is the number of rows the list holds, for every scope and period; and for the known
quarter (tests/dashboards_factories.py) the rows are the requests counted by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from portal.common.roles import Role
from portal.extensions import db
from portal.requests.models import Escalation, EscalationKind, Promise
from tests.dashboards_factories import QUARTER, Known, at, build_known_quarter

LINKS = ("overdue-now", "missed-requests", "escalated-requests", "disagreed-requests")


@pytest.fixture
def known(world: Any, factories: Any) -> Known:
    known = build_known_quarter(world, factories)
    r = known.requests
    # A second missed promise and a second "speak to a manager" on requests already counted: the figures
    # count promises and escalations, the links count the requests (R2 and R3; R2 once).
    db.session.add_all(
        [
            Promise(
                request_id=r["R3"].id,
                locality_id=r["R3"].locality_id,
                made_by_id=r["R3"].worker_id,
                text="I will send the notes",
                due_on=date(2025, 11, 21),
            ),
            Escalation(
                request_id=r["R2"].id,
                kind=EscalationKind.SPEAK_TO_MANAGER,
                raised_at=at(2025, 11, 2),
                text="Still waiting.",
            ),
        ]
    )
    db.session.commit()
    return known


def listed(client: Any, href: str) -> list[str]:
    """Every reference the list shows, following its pages."""
    references: list[str] = []
    while href:
        page = client.get(href)
        assert page.status_code == 200
        references += [a.get_text() for a in page.soup.select("#requests tbody th a")]
        following = page.soup.select_one(".govuk-pagination__next a")
        href = following["href"] if following else ""
    return references


def linked_counts(client: Any, query: str) -> dict[str, tuple[int, list[str]]]:
    page = client.get(f"/dashboards?{query}")
    assert page.status_code == 200
    found = {}
    for name in LINKS:
        link = page.soup.select_one(f"#link-{name}")
        assert link is not None, name
        found[name] = (int(link.get_text().split()[0]), listed(client, link["href"]))
    return found


def test_the_known_quarters_linked_counts_are_the_requests_counted_by_hand(client_for, world, known):
    manager = client_for(Role.MANAGER)
    r = known.requests
    found = linked_counts(manager, f"period={QUARTER}")
    overdue_now = [ref for ref in found["overdue-now"][1] if ref != r["R1"].reference]
    assert found["overdue-now"][0] == 2 and len(overdue_now) == 1  # R1 and the request overdue today
    count, references = found["missed-requests"]
    assert (count, sorted(references)) == (2, sorted([r["R2"].reference, r["R3"].reference]))
    assert found["escalated-requests"] == (1, [r["R2"].reference])
    assert found["disagreed-requests"] == (1, [r["R4"].reference])
    # The figures themselves still count promises and escalations.
    page = manager.get(f"/dashboards?period={QUARTER}")
    rows = {
        " ".join(tr.th.get_text().split()): [" ".join(td.get_text().split()) for td in tr.find_all("td")]
        for tr in page.soup.select("#table-promises tbody tr")
    }
    assert rows["Promises missed (not kept by their due date)"] == ["3 (60%), 1 of them kept late", "2 requests"]
    assert rows["Asked to speak to a manager"] == ["2", "1 request"]
    assert rows["Overdue now"] == ["2", "2 requests"]


SCOPES = (
    "",
    "locality={locality}",
    "pod={pod}",
    "practitioner={second}",
    "practitioner={lead}",
    "pod={pod}&practitioner={lead}",
)


def test_every_linked_count_equals_the_rows_of_the_list_it_links_to(client_for, world, known):
    manager = client_for(Role.MANAGER)
    names = {
        "locality": world.locality.id,
        "pod": known.pod.id,
        "second": known.second.id,
        "lead": world.practitioner.id,
    }
    nonzero = 0
    for period in (QUARTER, "2025"):
        for scope in SCOPES:
            for name, (count, references) in linked_counts(manager, f"period={period}&{scope.format(**names)}").items():
                assert count == len(references) == len(set(references)), (period, scope, name, count, references)
                nonzero += count > 0
    assert nonzero >= 12  # the sweep compares real lists, not empty ones


def test_a_linked_list_names_its_filters_and_each_can_be_removed(client_for, world, known):
    manager = client_for(Role.MANAGER)
    page = manager.get(f"/dashboards?period={QUARTER}&practitioner={known.second.id}")
    listing = manager.get(page.soup.select_one("#link-disagreed-requests")["href"])
    tags = [" ".join(a.get_text().split()) for a in listing.soup.select(".moj-filter__tag")]
    assert f"Remove this filter {known.second.name}" in tags
    assert "Remove this filter Disagreed with the outcome in October to December 2025" in tags
    removed = next(a["href"] for a in listing.soup.select(".moj-filter__tag") if known.second.name in a.get_text())
    assert "practitioner=" not in removed and "raised=" in removed
