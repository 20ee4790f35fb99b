"""The upcoming sessions list filters by locality, type and London month, in the URL, with tags that remove each
filter; each filter returns exactly the expected sessions (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from portal.common import periods
from portal.common.roles import Role
from portal.common.times import LONDON, london_today
from portal.sessions.models import SessionKind


def titles(page: Any) -> list[str]:
    assert page.status_code == 200
    return [r.find("a").get_text(strip=True) for r in page.soup.select("#sessions tbody tr")]


def test_each_filter_and_their_combination_return_exactly_the_expected_sessions(client_for, world, make_session):
    this_month = periods.month(london_today())
    next_month = this_month.next()
    # Late on the last day of next month in London (BST or GMT): counts in next month, not the one after.
    last_evening = datetime.combine(next_month.end, time(23, 30), tzinfo=LONDON)
    first_of_after = datetime.combine(next_month.next().start, time(0, 30), tzinfo=LONDON)
    soon = datetime.combine(next_month.start, time(10), tzinfo=LONDON)
    made = [
        ("Shadowing here", world.locality, SessionKind.FRONT_DOOR_SHADOWING, soon),
        ("Open day here", world.locality, SessionKind.OPEN_DAY, last_evening),
        ("Open day there", world.other_locality, SessionKind.OPEN_DAY, soon + timedelta(days=1)),
        ("Shadowing there, later", world.other_locality, SessionKind.FRONT_DOOR_SHADOWING, first_of_after),
    ]
    for title, locality, kind, starts in made:
        make_session(title=title, locality=locality, kind=kind, starts_at=starts, ends_at=starts + timedelta(hours=1))
    client = client_for(Role.PARTNER)
    everything = titles(client.get("/sessions/"))
    assert everything == ["Shadowing here", "Open day there", "Open day here", "Shadowing there, later"]
    here = world.locality.id
    assert titles(client.get(f"/sessions/?locality={here}")) == ["Shadowing here", "Open day here"]
    assert titles(client.get("/sessions/?kind=open_day")) == ["Open day there", "Open day here"]
    assert titles(client.get(f"/sessions/?month={next_month.key}")) == [
        "Shadowing here",
        "Open day there",
        "Open day here",
    ]
    assert titles(client.get(f"/sessions/?month={next_month.next().key}")) == ["Shadowing there, later"]
    both = client.get(f"/sessions/?locality={here}&kind=open_day&month={next_month.key}")
    assert titles(both) == ["Open day here"]
    assert "1 upcoming session" in both.soup.select_one("#sessions caption").get_text()
    # Each chosen filter is a tag whose link removes only it.
    tags = {a.get_text(" ", strip=True): a["href"] for a in both.soup.select(".moj-filter__tag")}
    assert set(tags) == {
        f"Remove this filter {world.locality.name}",
        "Remove this filter Locality open day",
        f"Remove this filter {next_month.label}",
    }
    assert titles(client.get(tags["Remove this filter Locality open day"])) == ["Shadowing here", "Open day here"]
    # Malformed values count as not chosen; nothing matching says so, with a way back.
    assert titles(client.get("/sessions/?locality=x&kind=nope&month=1999-13")) == everything
    none = client.get(f"/sessions/?locality={here}&month={this_month.key}")
    assert titles(none) == [] and "No upcoming sessions match these filters" in none.get_data(as_text=True)


def test_the_filters_stay_on_every_page(client_for, world, make_session, monkeypatch):
    from portal.sessions import services

    monkeypatch.setattr(services, "UPCOMING_PAGE_SIZE", 2)
    start = datetime.combine(periods.month(london_today()).next().start, time(10), tzinfo=LONDON)
    for day in range(3):
        make_session(title=f"Open day {day}", kind=SessionKind.OPEN_DAY, starts_at=start + timedelta(days=day))
    make_session(title="Shadowing", kind=SessionKind.FRONT_DOOR_SHADOWING, starts_at=start)
    client = client_for(Role.PRACTITIONER)
    first = client.get("/sessions/?kind=open_day")
    assert titles(first) == ["Open day 0", "Open day 1"]
    following = first.soup.select_one(".govuk-pagination a[rel=next]")["href"]
    assert "kind=open_day" in following
    assert titles(client.get(following)) == ["Open day 2"]
