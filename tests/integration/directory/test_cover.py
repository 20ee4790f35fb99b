"""'Who do I contact' always answers with someone who is in today: the lead, their cover, the cover's
cover, and the locality manager when the chain goes round in a circle. And the organisation page asks
the database the same number of questions however many pods and members the locality has."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from typing import Any

from portal.common.roles import Role
from portal.common.times import london_today as today
from portal.directory.models import PodRole
from portal.extensions import db
from portal.models_base import utcnow
from tests.support.db import counting_queries
from tests.support.forms import post


def contact_today(client: Any, world: Any) -> str:
    """The name in the "Contact today" row of the organisation page."""
    page = client.get(f"/organisations/{world.school.id}")
    assert page.status_code == 200
    for row in page.soup.select("#who-to-contact .govuk-summary-list__row"):
        if row.select_one(".govuk-summary-list__key").get_text(strip=True) == "Contact today":
            value = row.select_one(".govuk-summary-list__value")
            return value.contents[0].strip() if value.contents else ""
    raise AssertionError("no Contact today row")


def away(factories: Any, user: Any, cover: Any, *, starts: int = 0, ends: int = 2) -> Any:
    return factories.StaffAbsenceFactory(
        user=user, cover=cover, starts_on=today() + timedelta(days=starts), ends_on=today() + timedelta(days=ends)
    )


def test_the_lead_is_the_contact_when_in(client_for, world):
    assert contact_today(client_for(world.partner), world) == "Lee Lead"


def test_an_absence_recorded_through_the_form_makes_the_cover_the_contact(client_for, world, staff_in):
    cover = staff_in(world.locality, name="Cora Cover", job_title="Senior practitioner")
    partner = client_for(world.partner)
    assert contact_today(partner, world) == "Lee Lead"

    response = post(
        client_for(Role.MANAGER),
        "/absences/new",
        {
            "user_id": world.practitioner.id,
            "cover_id": cover.id,
            "starts_on": [str(today().day), str(today().month), str(today().year)],
            "ends_on": [str(today().day), str(today().month), str(today().year)],
        },
    )
    assert response.status_code == 302

    page = partner.get(f"/organisations/{world.school.id}")
    assert contact_today(partner, world) == "Cora Cover"
    inset = page.soup.select_one(".govuk-inset-text").get_text(" ", strip=True)
    assert "Lee Lead" in inset and "Cora Cover" in inset and "covering" in inset


def test_an_absence_that_has_not_started_changes_nothing(client_for, world, factories, staff_in):
    away(factories, world.practitioner, staff_in(world.locality, name="Cora Cover"), starts=1, ends=3)
    assert contact_today(client_for(world.partner), world) == "Lee Lead"


def test_when_the_cover_is_away_too_their_cover_is_the_contact(client_for, world, factories, staff_in):
    cora = staff_in(world.locality, name="Cora Cover")
    bo = staff_in(world.locality, name="Bo Backup")
    away(factories, world.practitioner, cora)
    away(factories, cora, bo)
    assert contact_today(client_for(world.partner), world) == "Bo Backup"


def test_a_longer_chain_is_followed_to_someone_who_is_in(client_for, world, factories, staff_in):
    people = [staff_in(world.locality, name=f"Person {n}") for n in range(4)]
    away(factories, world.practitioner, people[0])
    for absent, cover in pairwise(people):
        away(factories, absent, cover)
    assert contact_today(client_for(world.partner), world) == "Person 3"


def test_when_the_chain_comes_back_round_the_manager_is_the_contact(client_for, world, factories, staff_in):
    cora = staff_in(world.locality, name="Cora Cover")
    away(factories, world.practitioner, cora)
    away(factories, cora, world.practitioner)
    assert contact_today(client_for(world.partner), world) == "Max Manager"


def test_a_chain_that_loops_further_on_also_falls_back_to_the_manager(client_for, world, factories, staff_in):
    cora = staff_in(world.locality, name="Cora Cover")
    bo = staff_in(world.locality, name="Bo Backup")
    away(factories, world.practitioner, cora)
    away(factories, cora, bo)
    away(factories, bo, cora)
    assert contact_today(client_for(world.partner), world) == "Max Manager"


def test_a_disabled_cover_is_skipped_for_the_manager(client_for, world, factories, staff_in):
    cora = staff_in(world.locality, name="Cora Cover")
    away(factories, world.practitioner, cora)
    cora.disabled_at = utcnow()
    db.session.commit()
    assert contact_today(client_for(world.partner), world) == "Max Manager"


# --- no query per pod or member -------------------------------------------------------------------


def add_members(factories: Any, world: Any, pod: Any, members: range) -> None:
    roles = list(PodRole)
    for m in members:
        factories.PodMemberFactory(
            pod=pod,
            user=factories.UserFactory(role=Role.PRACTITIONER, locality=world.locality, name=f"{pod.name} member {m}"),
            pod_role=roles[m % len(roles)],
        )


def organisation_page_queries(client: Any, world: Any) -> int:
    url = f"/organisations/{world.school.id}"  # outside the count: the test's own session may reload the school
    with counting_queries() as statements:
        page = client.get(url)
    assert page.status_code == 200
    return len(statements)


def test_the_organisation_page_makes_the_same_queries_for_one_small_pod_as_for_five_big_ones(
    client_for, world, factories, staff_in
):
    # The lead is away and so is their cover, so the cover chain is walked too.
    cora = staff_in(world.locality, name="Cora Cover")
    away(factories, world.practitioner, cora)
    away(factories, cora, staff_in(world.locality, name="Bo Backup"))
    client = client_for(world.partner)

    first_pod = factories.PodFactory(locality=world.locality, name="Pod 0")
    add_members(factories, world, first_pod, range(3))
    client.get(f"/organisations/{world.school.id}")  # warm up: anything done once per process
    small = organisation_page_queries(client, world)
    text = client.get(f"/organisations/{world.school.id}").soup.get_text()
    assert "Pod 0 member 2" in text

    add_members(factories, world, first_pod, range(3, 10))
    for n in range(1, 5):
        add_members(factories, world, factories.PodFactory(locality=world.locality, name=f"Pod {n}"), range(10))
    large = organisation_page_queries(client, world)
    text = client.get(f"/organisations/{world.school.id}").soup.get_text()
    assert "Pod 0 member 9" in text and "Pod 4 member 9" in text

    assert large == small
