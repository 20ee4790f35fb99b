from __future__ import annotations

from datetime import timedelta

from portal.common.times import london_today as today
from portal.extensions import db


def test_anyone_sees_locality_and_front_door_but_not_the_named_lead(client, world):
    page = client.get(f"/organisations/{world.school.id}")
    assert page.status_code == 200
    text = page.soup.get_text(" ")
    assert "Northfield" in text
    assert "0116 496 0000" in text
    assert "Lee Lead" not in text
    assert "Max Manager" not in text


def test_signed_in_partner_sees_the_named_lead_and_manager(client_for, world):
    page = client_for(world.partner).get(f"/organisations/{world.school.id}")
    contact = page.soup.find(id="who-to-contact").get_text(" ")
    assert "Lee Lead" in contact
    assert "Max Manager" in contact


def test_cover_is_shown_while_the_lead_is_absent_and_not_after(client_for, world, factories):
    cover = factories.UserFactory(role=world.practitioner.role, name="Cora Cover", locality=world.locality)
    absence = factories.StaffAbsenceFactory(
        user=world.practitioner, cover=cover, starts_on=today(), ends_on=today() + timedelta(days=2)
    )
    client = client_for(world.partner)
    contact = client.get(f"/organisations/{world.school.id}").soup.find(id="who-to-contact").get_text(" ")
    assert "Cora Cover" in contact
    assert "away until" in contact

    absence.starts_on = today() - timedelta(days=5)
    absence.ends_on = today() - timedelta(days=1)
    db.session.commit()
    contact = client.get(f"/organisations/{world.school.id}").soup.find(id="who-to-contact").get_text(" ")
    assert "Cora Cover" not in contact
    assert "Lee Lead" in contact


def test_search_finds_school_by_name_as_people_type_it(client, world):
    page = client.get("/schools", query_string={"q": "castle rock"})
    links = [a.get_text(strip=True) for a in page.soup.select(".portal-results a")]
    assert links[0] == "Castle Rock High School"


def test_empty_search_says_what_to_fix(client, world):
    page = client.get("/schools", query_string={"q": ""})
    assert page.soup.select_one(".govuk-error-summary") is not None
    assert "Enter a school name, URN or postcode" in page.soup.get_text()
