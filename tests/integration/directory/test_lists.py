"""The list pages show their rows: localities with lead and manager, and a locality's schools."""

from __future__ import annotations

from portal.common.roles import Role


def _cells(page, caption):
    table = next(t for t in page.soup.find_all("table") if caption in t.caption.get_text())
    return [[c.get_text(" ", strip=True) for c in row.find_all(["th", "td"])] for row in table.tbody.find_all("tr")]


def test_localities_list_shows_each_locality_with_its_lead_and_manager(client_for, world):
    rows = _cells(client_for(Role.ADMIN).get("/localities"), "Localities")
    assert ["Northfield", "Lee Lead", "Max Manager"] in rows
    assert any(row[0] == "Southmere" for row in rows)


def test_locality_page_lists_its_schools(client_for, world, factories):
    factories.OrganisationFactory(name="Brookside Infant School", locality=world.locality, urn=700123)
    rows = _cells(client_for(Role.MANAGER).get(f"/localities/{world.locality.id}"), "Schools and organisations")
    names = [row[0] for row in rows]
    assert names == sorted(["Castle Rock High School", "Brookside Infant School"])
    assert world.other_school.name not in names
