"""The requests list filters and searches with known data: each filter returns exactly the expected
requests, the filters live in the URL, and pagination keeps them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from portal.common.roles import Role
from portal.common.times import london_today
from portal.extensions import db
from portal.models_base import utcnow
from portal.requests import filters
from portal.requests.models import EscalationKind, RequestKind, RequestStatus


def _shown(client: Any, query: str = "") -> set[str]:
    page = client.get("/requests" + query)
    assert page.status_code == 200
    return {a.get_text(strip=True) for a in page.soup.select("#requests tbody th a")}


@pytest.fixture
def cases(world: Any, factories: Any) -> dict[str, Any]:
    today = london_today()
    f = factories.ConsultationRequestFactory
    made = {
        "mine_new": f(organisation=world.school, routed_to=world.practitioner, child_initials="AB"),
        "mine_overdue": f(
            organisation=world.school,
            routed_to=world.practitioner,
            worker=world.practitioner,
            status=RequestStatus.ACKNOWLEDGED,
            acknowledged_at=utcnow(),
            consult_due=today - timedelta(days=3),
            kind=RequestKind.POD_INVITE,
        ),
        "unassigned_old": f(
            organisation=world.school,
            routed_to=world.manager,
            received_at=utcnow() - timedelta(days=40),
            child_initials="",
            case_reference="CR-7788",
        ),
        "closed": f(organisation=world.school, status=RequestStatus.CLOSED, closed_at=utcnow(), worker=world.manager),
        "query": f(
            organisation=world.school,
            kind=RequestKind.QUERY,
            worker=world.manager,
            status=RequestStatus.ACKNOWLEDGED,
            acknowledged_at=utcnow(),
        ),
        "elsewhere": f(organisation=world.other_school),
    }
    factories.EscalationFactory(request=made["query"], raised_by=world.partner, kind=EscalationKind.SPEAK_TO_MANAGER)
    db.session.commit()
    return {name: req.reference for name, req in made.items()}


def test_the_default_list_is_the_open_work_of_the_area(client_for, cases):
    expected = {cases[n] for n in ("mine_new", "mine_overdue", "unassigned_old", "query")}
    assert _shown(client_for(Role.MANAGER)) == expected
    assert _shown(client_for(Role.PARTNER)) == expected


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("?status=closed", ["closed"]),
        ("?status=submitted&status=closed", ["mine_new", "unassigned_old", "closed"]),
        ("?closed=1", ["mine_new", "mine_overdue", "unassigned_old", "query", "closed"]),
        ("?kind=query", ["query"]),
        ("?worker=unassigned", ["mine_new", "unassigned_old"]),
        ("?worker=any", ["mine_new", "mine_overdue", "unassigned_old", "query"]),
        ("?only=overdue", ["mine_overdue"]),
        ("?only=escalated", ["query"]),
        ("?only=overdue&only=escalated", []),
        ("?received=30", ["mine_new", "mine_overdue", "query"]),
        ("?q=AB", ["mine_new"]),
        ("?q=cr-7788", ["unassigned_old"]),
        ("?q=castle+rock", ["mine_new", "mine_overdue", "unassigned_old", "query"]),
        ("?q=meadow", []),  # another area's school: still only what the manager may see
        (
            "?status=bogus&kind=nothing&worker=everyone&received=9999&only=x",
            ["mine_new", "mine_overdue", "unassigned_old", "query"],
        ),
    ],
)
def test_each_filter_and_the_search_return_exactly_the_expected_requests(client_for, cases, query, names):
    assert _shown(client_for(Role.MANAGER), query) == {cases[n] for n in names}


def test_mine_is_the_practitioners_own_and_those_sent_to_them(client_for, cases):
    assert _shown(client_for(Role.PRACTITIONER), "?worker=mine") == {cases["mine_new"], cases["mine_overdue"]}


def test_a_reference_finds_its_request_and_the_school_filter_one_school(client_for, world, cases):
    manager = client_for(Role.MANAGER)
    reference = cases["query"]
    assert _shown(manager, f"?q={reference}") == {reference}
    assert _shown(manager, f"?q={int(reference.split('-')[1])}") == {reference}
    assert _shown(manager, f"?school={world.school.id}&status=closed") == {cases["closed"]}
    assert _shown(manager, f"?school={world.other_school.id}") == set()


def test_the_filters_show_as_tags_that_remove_themselves(client_for, cases):
    page = client_for(Role.MANAGER).get("/requests?kind=query&only=escalated")
    tags = {a.get_text(" ", strip=True): a["href"] for a in page.soup.select(".moj-filter__tag")}
    assert set(tags) == {"Remove this filter Query", "Remove this filter Waiting for a manager"}
    removed = [href for text, href in tags.items() if text.endswith("Waiting for a manager")]
    assert removed == ["/requests?kind=query"]
    assert page.soup.select_one("input[name=kind][value=query]").has_attr("checked")


def test_pagination_keeps_the_filters(client_for, world, factories):
    for _ in range(55):
        factories.ConsultationRequestFactory(organisation=world.school, kind=RequestKind.QUERY)
    db.session.commit()
    page = client_for(Role.MANAGER).get("/requests?kind=query")
    next_link = page.soup.select_one(".govuk-pagination__next a")["href"]
    assert next_link == "/requests?page=2&kind=query"
    assert len(_shown(client_for(Role.MANAGER), "?kind=query&page=2")) == 5


@pytest.mark.parametrize("few_schools", [0, 500], ids=["many-schools-checked-per-request", "few-schools-by-index"])
def test_a_school_search_finds_the_same_requests_whichever_way_it_reads_them(
    client_for, cases, monkeypatch, few_schools
):
    """A name matching few schools finds their requests by id; one matching many checks each request's school."""
    monkeypatch.setattr(filters, "FEW_SCHOOLS", few_schools)
    manager = client_for(Role.MANAGER)
    assert _shown(manager, "?q=castle+rock") == {
        cases[n] for n in ("mine_new", "mine_overdue", "unassigned_old", "query")
    }
    assert _shown(manager, "?q=CASTLE&status=closed") == {cases["closed"]}
    assert _shown(manager, "?q=Cr-7788") == {cases["unassigned_old"]}
