"""The meetings list filters by locality and quarter, in the URL, with tags that remove each filter; each returns
exactly the expected meetings, and nothing outside the person's own localities (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from portal.common.periods import quarter
from portal.common.roles import Role
from portal.common.times import london_today
from portal.extensions import db
from tests.meetings_factories import PartnershipMeetingFactory


def titles(page: Any) -> list[str]:
    assert page.status_code == 200
    return [a.get_text(strip=True) for a in page.soup.select("#upcoming tbody th a, #past tbody th a")]


def test_locality_and_quarter_return_exactly_the_expected_meetings(client_for, world, factories):
    second = factories.LocalityFactory(name="Westbrook", manager_id=world.manager.id)
    db.session.commit()
    this_quarter = quarter(london_today())
    now = datetime.now(UTC).replace(microsecond=0)
    before = this_quarter.previous()
    earlier = datetime.combine(before.start + timedelta(days=20), datetime.min.time(), tzinfo=UTC)
    for title, locality, starts in (
        ("Northfield now", world.locality, now + timedelta(minutes=5)),
        ("Northfield before", world.locality, earlier),
        ("Westbrook before", second, earlier + timedelta(days=1)),
        ("Southmere now", world.other_locality, now + timedelta(minutes=10)),
    ):
        PartnershipMeetingFactory(title=title, locality=locality, starts_at=starts, organiser=world.manager)
    manager = client_for(Role.MANAGER)
    everything = titles(manager.get("/meetings"))
    assert everything == ["Northfield now", "Westbrook before", "Northfield before"]  # upcoming, then past
    assert titles(manager.get(f"/meetings?locality={world.locality.id}")) == ["Northfield now", "Northfield before"]
    assert titles(manager.get(f"/meetings?quarter={before.key}")) == ["Westbrook before", "Northfield before"]
    both = manager.get(f"/meetings?locality={second.id}&quarter={before.key}")
    assert titles(both) == ["Westbrook before"]
    tags = {a.get_text(" ", strip=True): a["href"] for a in both.soup.select(".moj-filter__tag")}
    assert set(tags) == {"Remove this filter Westbrook", f"Remove this filter {before.label} ({before.long_label})"}
    assert titles(manager.get(tags["Remove this filter Westbrook"])) == ["Westbrook before", "Northfield before"]
    # The choices are the person's own localities and the quarters their meetings are in.
    options = [o.get_text() for o in manager.get("/meetings").soup.select("#locality option")]
    assert options == ["Any locality", "Northfield", "Westbrook"]
    quarters = [o["value"] for o in manager.get("/meetings").soup.select("#quarter option")]
    assert quarters == ["", this_quarter.key, before.key]
    # Another area's locality finds nothing and names nothing; malformed values count as not chosen.
    elsewhere = manager.get(f"/meetings?locality={world.other_locality.id}")
    assert titles(elsewhere) == [] and "Southmere" not in elsewhere.get_data(as_text=True)
    assert titles(manager.get("/meetings?locality=abc&quarter=2026-Q9")) == everything
    assert (
        titles(manager.get(f"/meetings?quarter={this_quarter.start.year}-05")) == everything
    )  # a month, not a quarter
    # A partner sees their own locality's meetings only, filtered the same way.
    partner = client_for(Role.PARTNER)
    assert titles(partner.get(f"/meetings?quarter={before.key}")) == ["Northfield before"]
