"""Coverage: per locality, schools × the last four quarters (represented / not represented / no meeting held),
the schools not represented for two quarters or more first; managers see their area, admins every locality."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import event

from portal.accounts.models import User
from portal.common.periods import recent_quarters
from portal.common.roles import Role
from portal.common.times import london_today
from portal.extensions import db
from portal.meetings.coverage import CoverageStatus, coverage, coverage_for
from portal.meetings.models import MeetingInvitation
from tests.integration.meetings.conftest import LONDON
from tests.meetings_factories import PartnershipMeetingFactory

R, N, X = CoverageStatus.REPRESENTED, CoverageStatus.NOT_REPRESENTED, CoverageStatus.NO_MEETING


def _meeting_in(world: Any, period: Any, represented: dict[Any, bool | None], *, recorded: bool = True) -> Any:
    """A meeting held on the quarter's first day, with a register (school → represented, None: not invited)."""
    starts = datetime.combine(period.start + timedelta(days=1), time(9), tzinfo=LONDON)
    meeting = PartnershipMeetingFactory(locality=world.locality, organiser=world.manager, starts_at=starts)
    for school, came in represented.items():
        if came is not None:
            db.session.add(MeetingInvitation(meeting_id=meeting.id, organisation_id=school.id, represented=came))
    meeting.register_recorded_at = starts + timedelta(hours=3) if recorded else None
    db.session.commit()
    return meeting


def test_coverage_orders_the_schools_not_represented_twice_or_more_first(world, factories):
    quarters = recent_quarters(london_today(), 4)
    a = world.school  # Castle Rock High School: missed one
    b = factories.OrganisationFactory(name="Willow Primary", locality=world.locality)  # missed three
    c = factories.OrganisationFactory(name="Beacon Academy", locality=world.locality)  # missed two (once not invited)
    d = factories.OrganisationFactory(name="Abbey Primary", locality=world.locality)  # missed one
    _meeting_in(world, quarters[0], {a: True, b: False, c: None, d: False})
    _meeting_in(world, quarters[1], {a: False, b: False, c: False, d: True})
    _meeting_in(world, quarters[2], {a: True, b: False, c: True, d: True})
    # The current quarter's meeting has no register yet: it counts as no meeting held.
    _meeting_in(world, quarters[3], {a: True, b: True, c: True, d: True}, recorded=False)
    # Outside the four quarters, and in another locality: not counted.
    _meeting_in(world, quarters[0].previous(), {a: False, b: False, c: False, d: False})
    factories.OrganisationFactory(name="Elsewhere School", locality=world.other_locality)

    grid = coverage(world.locality.id, quarters)

    assert grid.quarters == tuple(quarters)
    assert grid.held == (True, True, True, False)
    assert [(row.school_name, row.statuses, row.missed, row.flagged) for row in grid.rows] == [
        ("Willow Primary", (N, N, N, X), 3, True),
        ("Beacon Academy", (N, N, R, X), 2, True),
        ("Abbey Primary", (N, R, R, X), 1, False),
        ("Castle Rock High School", (R, N, R, X), 1, False),
    ]
    assert grid.represented_counts == (1, 1, 3, 0)
    assert grid.summary == (
        "3 meetings held. 2 of 4 schools were not represented at two or more: Willow Primary, Beacon Academy."
    )


def test_a_cancelled_meeting_is_no_meeting_held(world):
    quarters = recent_quarters(london_today(), 4)
    meeting = _meeting_in(world, quarters[0], {world.school: True})
    meeting.cancelled_at = meeting.starts_at
    db.session.commit()
    assert coverage(world.locality.id, quarters).rows[0].statuses == (X, X, X, X)


def test_the_coverage_page_is_a_table_with_headers_and_words_not_colour_alone(client_for, world, factories):
    quarters = recent_quarters(london_today(), 4)
    missing = factories.OrganisationFactory(name="Willow Primary", locality=world.locality)
    _meeting_in(world, quarters[1], {world.school: True, missing: False})
    _meeting_in(world, quarters[2], {world.school: True, missing: False})

    page = client_for(Role.MANAGER).get("/meetings/coverage")

    assert page.status_code == 200
    table = page.soup.select_one(f"#coverage-{world.locality.id}")
    headers = [" ".join(th.get_text().split()) for th in table.select("thead th")]
    assert headers[0] == "School" and all(th["scope"] == "col" for th in table.select("thead th"))
    assert headers[1].startswith(quarters[0].label) and "no meeting held" in headers[1]
    rows = table.select("tbody tr")
    assert [row.th["scope"] for row in rows] == ["row", "row"]
    first = [" ".join(cell.get_text().split()) for cell in rows[0].select("th, td")]
    assert first == [
        "Willow Primary Two quarters or more",
        "No meeting held",
        "Not represented",
        "Not represented",
        "No meeting held",
        "2",
    ]
    assert "Willow Primary" in page.soup.select_one(f"#summary-{world.locality.id}").get_text()
    assert page.soup.select_one(f"#coverage-{world.other_locality.id}") is None  # not the manager's area


def test_admins_see_every_locality_and_managers_their_area(client_for, world, factories):
    admin_page = client_for(Role.ADMIN).get("/meetings/coverage")
    assert {h.get_text() for h in admin_page.soup.select("h2[id^=locality-]")} == {"Northfield", "Southmere"}
    factories.LocalityFactory(name="Eastbrook", manager_id=world.manager.id)
    manager_page = client_for(Role.MANAGER).get("/meetings/coverage")
    assert {h.get_text() for h in manager_page.soup.select("h2[id^=locality-]")} == {"Northfield", "Eastbrook"}


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements run while the block runs."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def _queries_for_coverage(user_id: int) -> tuple[int, list[Any]]:
    db.session.remove()  # nothing remembered from before: every row is read afresh
    user = db.session.get(User, user_id)
    with statements() as seen:
        grids = coverage_for(user)
    return len(seen), grids


def test_the_number_of_queries_does_not_grow_with_the_number_of_localities(world, factories):
    quarters = recent_quarters(london_today(), 4)
    _meeting_in(world, quarters[1], {world.school: True})
    one, grids = _queries_for_coverage(world.manager.id)
    assert [grid.locality_name for grid in grids] == ["Northfield"]

    for name in ("Eastbrook", "Westgate"):
        locality = factories.LocalityFactory(name=name, manager_id=world.manager.id)
        came = factories.OrganisationFactory(name=f"{name} Academy", locality=locality)
        missed = factories.OrganisationFactory(name=f"{name} Primary", locality=locality)
        starts = datetime.combine(quarters[1].start + timedelta(days=1), time(9), tzinfo=LONDON)
        meeting = PartnershipMeetingFactory(locality=locality, organiser=world.manager, starts_at=starts)
        db.session.add_all(
            [
                MeetingInvitation(meeting_id=meeting.id, organisation_id=came.id, represented=True),
                MeetingInvitation(meeting_id=meeting.id, organisation_id=missed.id, represented=False),
            ]
        )
        meeting.register_recorded_at = starts + timedelta(hours=3)
    db.session.commit()
    three, grids = _queries_for_coverage(world.manager.id)

    assert [grid.locality_name for grid in grids] == ["Eastbrook", "Northfield", "Westgate"]
    assert three == one, f"{one} queries for one locality, {three} for three"
    eastbrook = grids[0]
    assert [(row.school_name, row.statuses) for row in eastbrook.rows] == [
        ("Eastbrook Academy", (X, R, X, X)),
        ("Eastbrook Primary", (X, N, X, X)),
    ]
    assert [(row.school_name, row.statuses) for row in grids[1].rows] == [("Castle Rock High School", (X, R, X, X))]
