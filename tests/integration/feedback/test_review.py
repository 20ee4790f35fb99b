"""The managers' review: feedback about their area only (their locality and any they manage), latest
first, filtered by theme, locality and period, paginated; other roles are refused."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from portal.common import periods
from portal.common.roles import Role
from portal.common.times import london_midnight, london_today
from portal.directory.models import OrganisationKind
from portal.extensions import db
from portal.feedback import services
from portal.feedback.models import Feedback, Theme
from portal.feedback.services import REVIEW_PAGE_SIZE
from portal.models_base import utcnow
from tests.feedback_factories import FeedbackFactory, RecognitionFactory, YouSaidWeDidFactory
from tests.support.db import counting_queries


def texts(response) -> list[str]:
    assert response.status_code == 200
    return [row.select("td")[-1].get_text().strip() for row in response.soup.select("#review tbody tr")]


@pytest.fixture
def manager(client_for):
    return client_for(Role.MANAGER)


def test_a_manager_sees_only_their_areas_feedback_latest_first(manager, world, factories):
    today = london_midnight(london_today())
    FeedbackFactory(
        text="Older, ours", locality=world.locality, organisation=world.school, created_at=today - timedelta(days=3)
    )
    FeedbackFactory(text="Newer, ours", locality=world.locality, anonymous=True, created_at=today - timedelta(days=1))
    FeedbackFactory(text="Theirs", locality=world.other_locality, organisation=world.other_school, created_at=today)

    page = manager.get("/feedback/review")
    assert texts(page) == ["Newer, ours", "Older, ours"]
    froms = [row.select_one("td.portal-from").get_text(" ", strip=True) for row in page.soup.select("#review tbody tr")]
    assert froms[0].startswith("Anonymous") and froms[1].startswith(world.school.name)
    assert "2 entries" in page.soup.select_one("#review-summary").get_text()

    # Managing a second locality widens the area.
    world.other_locality.manager_id = world.manager.id
    db.session.commit()
    assert texts(manager.get("/feedback/review")) == ["Theirs", "Newer, ours", "Older, ours"]


def test_filters_by_theme_locality_and_period(manager, world):
    world.other_locality.manager_id = world.manager.id
    db.session.commit()
    today = london_today()
    last_quarter = periods.quarter(today).previous()
    FeedbackFactory(
        text="Promises now", theme=Theme.KEEPING_PROMISES, locality=world.locality, created_at=london_midnight(today)
    )
    FeedbackFactory(
        text="Respect now", theme=Theme.RESPECT, locality=world.other_locality, created_at=london_midnight(today)
    )
    FeedbackFactory(
        text="Promises before",
        theme=Theme.KEEPING_PROMISES,
        locality=world.locality,
        created_at=london_midnight(last_quarter.end),
    )

    assert texts(manager.get("/feedback/review?theme=keeping_promises")) == ["Promises now", "Promises before"]
    assert texts(manager.get(f"/feedback/review?locality={world.other_locality.id}")) == ["Respect now"]
    assert texts(manager.get(f"/feedback/review?period={last_quarter.key}")) == ["Promises before"]
    assert texts(manager.get(f"/feedback/review?period={last_quarter.key}&theme=respect")) == []
    # The chosen filters stay chosen.
    page = manager.get(f"/feedback/review?period={last_quarter.key}&theme=respect")
    assert page.soup.select_one("#period option[selected]")["value"] == last_quarter.key
    assert page.soup.select_one("#theme option[selected]")["value"] == "respect"
    # Unknown values, and a locality outside the area, are ignored rather than trusted.
    outsider = world.other_locality.id + 1000
    assert len(texts(manager.get(f"/feedback/review?theme=nonsense&period=2026-Q9&locality={outsider}"))) == 3


def test_a_locality_outside_the_area_cannot_be_chosen(manager, world):
    FeedbackFactory(text="Theirs", locality=world.other_locality)
    page = manager.get(f"/feedback/review?locality={world.other_locality.id}")
    assert texts(page) == []
    options = [o["value"] for o in page.soup.select("#locality option")]
    assert str(world.other_locality.id) not in options


def test_the_review_is_paginated_and_keeps_the_filters(manager, world):
    start = london_midnight(london_today())
    for n in range(REVIEW_PAGE_SIZE + 3):
        FeedbackFactory(text=f"Entry {n}", locality=world.locality, created_at=start - timedelta(hours=n))
    first = manager.get("/feedback/review?theme=keeping_promises")
    assert len(texts(first)) == REVIEW_PAGE_SIZE
    assert texts(first)[0] == "Entry 0"
    next_link = first.soup.select_one(".govuk-pagination__next a")["href"]
    assert "theme=keeping_promises" in next_link and "page=2" in next_link
    assert texts(manager.get(next_link)) == [f"Entry {n}" for n in range(REVIEW_PAGE_SIZE, REVIEW_PAGE_SIZE + 3)]


@pytest.mark.parametrize("role", [Role.PARTNER, Role.PRACTITIONER, Role.ADMIN])
def test_only_managers_review_feedback(client_for, role):
    assert client_for(role).get("/feedback/review").status_code == 403


def queries(client: Any, url: str) -> int:
    with counting_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_pages_cost_the_same_queries_whatever_the_number_of_entries(manager, client_for, world, make_request):
    partner = client_for(Role.PARTNER)

    def add(n: int) -> None:
        for i in range(n):
            req = make_request()
            FeedbackFactory(locality=world.locality, organisation=world.school, author=world.partner, request=req)
            FeedbackFactory(locality=world.locality, anonymous=True, theme=Theme.RESPECT)
            RecognitionFactory(organisation=world.school, from_user=world.practitioner, text=f"Thanks {i}")
            YouSaidWeDidFactory(author=world.manager, locality=world.locality, published_at=utcnow())

    add(2)
    few = {
        url: queries(c, url)
        for c, url in ((manager, "/feedback/review"), (partner, "/feedback"), (partner, "/feedback/you-said-we-did"))
    }
    add(12)
    many = {
        url: queries(c, url)
        for c, url in ((manager, "/feedback/review"), (partner, "/feedback"), (partner, "/feedback/you-said-we-did"))
    }
    assert many == few


def test_the_average_rating_is_rounded_half_up_as_on_the_dashboard(manager, world):
    # 4, 3, 3 and 3: 13 / 4 = 3.25, which Python's own rounding would show as 3.2.
    for rating in (4, 3, 3, 3):
        FeedbackFactory(rating=rating, locality=world.locality, organisation=world.school)
    summary = manager.get("/feedback/review").soup.select_one("#review-summary").get_text()
    assert "4 entries, average rating 3.3 out of 5." in " ".join(summary.split())


def test_an_anonymous_entry_never_shows_a_request_even_if_one_were_linked(manager, world, make_request, monkeypatch):
    """The database refuses anonymous feedback linked to a request; the page does not rely on it."""
    req = make_request()
    entry = Feedback(
        id=1,
        theme=Theme.RESPECT,
        rating=3,
        text="Anonymous words",
        anonymous=True,
        organisation_kind=OrganisationKind.SCHOOL,
        locality=world.locality,
        request=req,
        created_at=london_midnight(london_today()),
    )
    listing = services.FeedbackPage([entry], 1, 1, 1, Decimal("3.0"))
    monkeypatch.setattr(services, "review_feedback", lambda *args, **kwargs: listing)
    page = manager.get("/feedback/review")
    assert texts(page) == ["Anonymous words"]
    assert req.reference not in page.get_data(as_text=True)
    assert page.soup.select("#review a") == []
