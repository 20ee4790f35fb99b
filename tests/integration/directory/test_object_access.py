"""Object-level checks: another locality's manager gets 404 — not 403, so that existence does not leak —
on every directory route that names an object of this locality, and changes nothing through it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from portal.common.times import london_today as today
from tests.support.db import row_counts
from tests.support.forms import post


@pytest.fixture
def objects(world: Any, factories: Any) -> dict[str, int]:
    pod = factories.PodFactory(locality=world.locality, name="North pod")
    member = factories.PodMemberFactory(pod=pod, user=world.practitioner)
    absence = factories.StaffAbsenceFactory(
        user=world.practitioner, cover=world.manager, starts_on=today(), ends_on=today() + timedelta(days=1)
    )
    return {"locality": world.locality.id, "pod": pod.id, "member": member.id, "absence": absence.id}


ROUTES = [
    ("GET", "/localities/{locality}", None),
    ("GET", "/localities/{locality}/edit", None),
    (
        "POST",
        "/localities/{locality}/edit",
        {
            "name": "Taken over",
            "lead_id": "0",
            "manager_id": "0",
            "front_door_phone": "1",
            "front_door_email": "a@example.org",
            "front_door_hours": "Never",
        },
    ),
    ("POST", "/localities/{locality}/pods", {"name": "Intruder pod"}),
    ("GET", "/pods/{pod}", None),
    ("POST", "/pods/{pod}", {"user_id": "{other_practitioner}", "pod_role": "social_worker"}),
    ("GET", "/pods/{pod}/members/{member}/remove", None),
    ("POST", "/pods/{pod}/members/{member}/remove", {"confirm": "yes"}),
    ("GET", "/absences/{absence}/delete", None),
    ("POST", "/absences/{absence}/delete", {"confirm": "yes"}),
]


def fill(template: str, objects: dict[str, int]) -> str:
    return template.format(**objects)


@pytest.mark.parametrize(("method", "url", "data"), ROUTES, ids=[f"{m} {u}" for m, u, _ in ROUTES])
def test_another_localitys_manager_gets_404_and_changes_nothing(client_for, world, objects, method, url, data):
    client = client_for(world.other_manager)
    values = {**objects, "other_practitioner": world.other_practitioner.id}
    before = row_counts()
    if method == "GET":
        response = client.get(fill(url, values))
    else:
        response = post(client, fill(url, values), {k: fill(str(v), values) for k, v in (data or {}).items()})
    assert response.status_code == 404
    assert response.soup.h1.get_text(strip=True) == "Page not found"
    assert row_counts() == before


@pytest.mark.parametrize(("method", "url", "data"), ROUTES, ids=[f"{m} {u}" for m, u, _ in ROUTES])
def test_the_localitys_own_manager_gets_through(client_for, world, objects, method, url, data):
    client = client_for(world.manager)
    values = {**objects, "other_practitioner": world.practitioner.id}
    if method == "GET":
        response = client.get(fill(url, values))
        assert response.status_code == 200
    else:
        response = post(client, fill(url, values), {k: fill(str(v), values) for k, v in (data or {}).items()})
        # Accepted (a redirect) or refused for its content (a form error), never for access.
        assert response.status_code in (200, 302, 400)
        assert response.status_code != 404


@pytest.mark.parametrize(
    "url",
    ["/localities/999999", "/localities/999999/edit", "/pods/999999", "/organisations/999999"],
)
def test_objects_that_do_not_exist_are_404(client_for, world, url):
    assert client_for(world.admin).get(url).status_code == 404
