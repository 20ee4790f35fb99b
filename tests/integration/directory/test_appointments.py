"""No one appoints beyond their area: a manager makes lead, manager or cover only the staff of their own area
(portal.access), an admin is never a locality's lead or manager, and changing the lead re-routes what nobody has
acknowledged yet while leaving the old lead no access through it. Each refusal is a GOV.UK error (or the person is
not offered), and nothing is saved."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from portal.common.errors import DomainError
from portal.common.roles import Role
from portal.common.times import london_today
from portal.directory import services
from portal.directory.models import Locality, PodMember, PodRole, StaffAbsence
from portal.extensions import db
from portal.requests.models import ConsultationRequest, RequestStatus
from tests.support.db import count, fresh, row_counts
from tests.support.forms import assert_error_page, post


def _locality_form(world: Any, **changes: Any) -> dict[str, Any]:
    loc = world.locality
    data = {
        "name": loc.name,
        "front_door_phone": "0116 000 0000",
        "front_door_email": "frontdoor@example.org",
        "front_door_hours": "9am to 5pm",
        "lead_id": loc.lead_id or 0,
        "manager_id": loc.manager_id or 0,
    }
    return {**data, **changes}


def _offered(response: Any, field: str) -> set[int]:
    return {int(o["value"]) for o in response.soup.select(f"select[name={field}] option") if o["value"] != "0"}


def test_a_manager_is_offered_only_the_staff_of_their_area(client_for, world):
    page = client_for(Role.MANAGER).get(f"/localities/{world.locality.id}/edit")
    assert page.status_code == 200
    assert _offered(page, "lead_id") == {world.practitioner.id, world.manager.id}
    assert _offered(page, "manager_id") == {world.manager.id}


@pytest.mark.parametrize(
    ("field", "who", "message"),
    [
        ("lead_id", "other_practitioner", "Select a locality lead from the list"),
        ("manager_id", "other_manager", "Select a locality manager from the list"),
        ("manager_id", "admin", "Select a locality manager from the list"),
        ("lead_id", "admin", "Select a locality lead from the list"),
    ],
)
def test_a_manager_cannot_appoint_beyond_their_area(client_for, world, field, who, message):
    client = client_for(Role.MANAGER)
    before = row_counts(skip=("audit_event", "user_session"))
    response = post(
        client, f"/localities/{world.locality.id}/edit", _locality_form(world, **{field: getattr(world, who).id})
    )
    assert_error_page(response, message)
    assert row_counts(skip=("audit_event", "user_session")) == before
    loc = fresh(Locality, world.locality.id)
    assert (loc.lead_id, loc.manager_id) == (world.practitioner.id, world.manager.id)


@pytest.mark.parametrize(
    ("field", "who", "message"),
    [
        ("lead_id", "other_practitioner", "Choose a locality lead who works in your area"),
        ("manager_id", "other_manager", "Choose a locality manager who works in your area"),
        ("manager_id", "admin", "Choose a locality manager who works in your area"),
    ],
)
def test_the_service_refuses_a_manager_appointing_beyond_their_area(world, field, who, message):
    # The rule is the service's: a forged post that got past the form's list would still be refused.
    ids = {"lead_id": world.practitioner.id, "manager_id": world.manager.id, field: getattr(world, who).id}
    with pytest.raises(DomainError, match=message) as refused:
        services.save_locality(
            world.locality,
            by=world.manager,
            name="Northfield",
            front_door_phone="0116 000 0000",
            front_door_email="frontdoor@example.org",
            front_door_hours="9am to 5pm",
            **ids,
        )
    assert refused.value.field == field
    db.session.rollback()
    loc = fresh(Locality, world.locality.id)
    assert (loc.lead_id, loc.manager_id) == (world.practitioner.id, world.manager.id)


def test_an_admin_is_never_a_localitys_lead_or_manager(world):
    for field, role_words in (("lead_id", "practitioner or manager"), ("manager_id", "manager")):
        ids = {"lead_id": None, "manager_id": None, field: world.admin.id}
        with pytest.raises(DomainError, match=f"Choose a {role_words} as the locality"):
            services.save_locality(
                world.locality,
                by=world.admin,
                name="Northfield",
                front_door_phone="0116 000 0000",
                front_door_email="frontdoor@example.org",
                front_door_hours="9am to 5pm",
                **ids,
            )
        db.session.rollback()
    assert world.admin.id not in {u.id for u in services.lead_choices(world.admin, world.locality)}
    assert world.admin.id not in {u.id for u in services.manager_choices(world.admin, world.locality)}


def test_only_an_admin_appoints_staff_of_another_locality(client_for, world):
    response = post(
        client_for(Role.ADMIN),
        f"/localities/{world.locality.id}/edit",
        _locality_form(world, lead_id=world.other_practitioner.id),
    )
    assert response.status_code == 302
    assert fresh(Locality, world.locality.id).lead_id == world.other_practitioner.id


def test_a_manager_cannot_choose_cover_from_another_locality(client_for, world):
    client = client_for(Role.MANAGER)
    page = client.get("/absences/new")
    assert world.other_practitioner.id not in _offered(page, "cover_id")
    assert world.admin.id not in _offered(page, "cover_id")
    assert world.practitioner.id in _offered(page, "cover_id")
    starts = london_today() + timedelta(days=1)
    response = post(
        client,
        "/absences/new",
        {
            "user_id": world.practitioner.id,
            "cover_id": world.other_practitioner.id,
            "starts_on": [starts.day, starts.month, starts.year],
            "ends_on": [starts.day, starts.month, starts.year],
        },
    )
    assert_error_page(response, "Select who will cover from the list")
    assert count(StaffAbsence) == 0
    with pytest.raises(DomainError, match="Select who will cover"):
        services.record_absence(
            by=world.manager,
            user_id=world.practitioner.id,
            cover_id=world.other_practitioner.id,
            starts_on=starts,
            ends_on=starts,
        )
    db.session.rollback()
    assert count(StaffAbsence) == 0


def test_a_practitioner_chooses_cover_from_their_own_locality_only(world, factories):
    colleague = factories.UserFactory(role=Role.PRACTITIONER, locality=world.locality)
    offered = {u.id for u in services.cover_people(world.practitioner)}
    assert colleague.id in offered
    assert world.other_practitioner.id not in offered
    assert world.admin.id not in offered


def test_changing_the_lead_reroutes_what_nobody_acknowledged_and_leaves_no_access(client_for, world, factories):
    # An admin made a worker of another locality the lead; the lead-ship is what gave them access here.
    old_lead, new_lead = world.other_practitioner, world.practitioner
    world.locality.lead_id = old_lead.id
    waiting = factories.ConsultationRequestFactory(organisation=world.school, routed_to_id=old_lead.id)
    taken = factories.ConsultationRequestFactory(
        organisation=world.school, routed_to_id=old_lead.id, worker_id=old_lead.id, status=RequestStatus.ACKNOWLEDGED
    )
    db.session.commit()
    old_client = client_for(old_lead)
    assert old_client.get(f"/requests/{waiting.id}").status_code == 200

    response = post(
        client_for(Role.ADMIN), f"/localities/{world.locality.id}/edit", _locality_form(world, lead_id=new_lead.id)
    )
    assert response.status_code == 302
    assert fresh(ConsultationRequest, waiting.id).routed_to_id == new_lead.id
    taken_now = fresh(ConsultationRequest, taken.id)
    assert (taken_now.routed_to_id, taken_now.worker_id) == (old_lead.id, old_lead.id)  # acknowledged: kept
    assert old_client.get(f"/requests/{waiting.id}").status_code == 404
    assert old_client.get(f"/requests/{taken.id}").status_code == 200  # their own work, not the lead-ship
    assert client_for(new_lead).get(f"/requests/{waiting.id}").status_code == 200


def test_a_manager_cannot_put_another_localitys_worker_in_their_pod(client_for, world, factories):
    pod = factories.PodFactory(locality=world.locality)
    db.session.commit()
    client = client_for(Role.MANAGER)
    page = client.get(f"/pods/{pod.id}")
    assert world.other_practitioner.id not in _offered(page, "user_id")
    response = post(
        client, f"/pods/{pod.id}", {"user_id": world.other_practitioner.id, "pod_role": PodRole.SOCIAL_WORKER.value}
    )
    assert_error_page(response, "Select a member of staff from the list")
    with pytest.raises(DomainError, match="Select a member of staff"):
        services.add_pod_member(
            pod, by=world.manager, user_id=world.other_practitioner.id, pod_role=PodRole.SOCIAL_WORKER
        )
    db.session.rollback()
    assert count(PodMember) == 0
