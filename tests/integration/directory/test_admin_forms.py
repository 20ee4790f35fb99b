"""Maintaining the directory through its forms, as a manager and as an admin: localities (with their
lead and manager), pods and their members, and the district → locality mappings. Every refused post
shows a GOV.UK error summary that links to its fields, and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from portal.common.models import AuditEvent
from portal.common.roles import Role
from portal.directory.models import DistrictMapping, Locality, Pod, PodMember, PodRole
from portal.extensions import db
from tests.support.db import count, fresh, row_counts
from tests.support.forms import assert_error_page, post, summary_links


def locality_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Charnwood",
        "lead_id": "0",
        "manager_id": "0",
        "front_door_phone": "0116 305 0005",
        "front_door_email": "Charnwood.FrontDoor@example.org",
        "front_door_hours": "Monday to Friday, 8:30am to 5pm",
    }
    data.update(changes)
    return data


def audit_actions(object_type: str, object_id: int) -> list[str]:
    db.session.expire_all()
    query = select(AuditEvent.action).where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


# --- creating a locality --------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_the_lead_and_manager_are_chosen_from_staff_never_an_admin(client_for, world, role):
    """A manager appoints the staff of their area; an admin any locality's practitioners and managers; nobody
    appoints an admin (who runs the system) or a partner, even by forging the post."""
    client = client_for(role)
    page = client.get(f"/localities/{world.locality.id}/edit")
    offered = {o["value"] for o in page.soup.select("#lead_id option")} - {"0"}
    assert str(world.admin.id) not in offered and str(world.partner.id) not in offered
    assert {str(world.practitioner.id), str(world.manager.id)} <= offered
    assert (str(world.other_practitioner.id) in offered) is (role is Role.ADMIN)
    for someone in (world.admin, world.partner) if role is Role.ADMIN else (world.admin, world.other_practitioner):
        before = row_counts()
        page = post(
            client,
            f"/localities/{world.locality.id}/edit",
            locality_data(name=world.locality.name, lead_id=someone.id, manager_id=world.manager.id),
        )
        assert_error_page(page, "Select a locality lead from the list")
        assert row_counts() == before


def test_an_admin_adds_a_locality_with_its_lead_and_manager(client_for, world):
    client = client_for(Role.ADMIN)
    assert client.get("/localities/new").status_code == 200

    response = post(
        client, "/localities/new", locality_data(lead_id=world.practitioner.id, manager_id=world.manager.id)
    )

    assert response.status_code == 302
    created = db.session.scalar(select(Locality).where(Locality.name == "Charnwood"))
    assert created is not None
    assert response.headers["Location"].endswith(f"/localities/{created.id}")
    assert (created.lead_id, created.manager_id) == (world.practitioner.id, world.manager.id)
    assert created.front_door_email == "charnwood.frontdoor@example.org"
    assert (created.front_door_phone, created.front_door_hours) == ("0116 305 0005", "Monday to Friday, 8:30am to 5pm")
    assert audit_actions("Locality", created.id) == ["locality.saved"]
    page = client.get(response.headers["Location"])
    assert "Charnwood has been saved." in page.soup.select_one(".govuk-notification-banner").get_text()


def test_a_manager_may_not_add_a_locality(client_for, world):
    client = client_for(Role.MANAGER)
    assert client.get("/localities/new").status_code == 403
    before = row_counts()
    assert post(client, "/localities/new", locality_data()).status_code == 403
    after = row_counts()
    # Only the record of the refusal is written.
    assert after.pop("audit_event") == before.pop("audit_event") + 1
    assert after == before


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"name": "", "front_door_phone": "", "front_door_email": "", "front_door_hours": ""},
            {
                "Enter the locality's name": "#name",
                "Enter the Front Door's phone number": "#front_door_phone",
                "Enter the Front Door's email address": "#front_door_email",
                "Enter the Front Door's opening hours": "#front_door_hours",
            },
        ),
        (
            {"front_door_email": "frontdoor.example.org"},
            {"Enter an email address in the correct format, like frontdoor@example.org": "#front_door_email"},
        ),
        ({"name": "N" * 121}, {"Name must be 120 characters or fewer": "#name"}),
        ({"lead_id": "999999"}, {"Select a locality lead from the list": "#lead_id"}),
        ({"manager_id": "not-a-number"}, {"Select a locality manager from the list": "#manager_id"}),
        ({"name": "Southmere"}, {"There is already a locality with this name": "#name"}),
        ({"name": "  SOUTHMERE "}, {"There is already a locality with this name": "#name"}),
    ],
    ids=["empty", "bad-email", "long-name", "unknown-lead", "garbled-manager", "same-name", "same-name-other-case"],
)
def test_a_refused_new_locality_says_why_and_saves_nothing(client_for, world, changes, errors):
    client = client_for(Role.ADMIN)
    before = row_counts()

    page = post(client, "/localities/new", locality_data(**changes))

    assert page.status_code == 200
    assert_error_page(page, *errors)
    assert summary_links(page) == errors
    assert row_counts() == before


def test_a_partner_cannot_be_made_locality_lead(client_for, world):
    client = client_for(Role.ADMIN)
    before = row_counts()
    page = post(client, "/localities/new", locality_data(lead_id=world.partner.id))
    assert_error_page(page, "Select a locality lead from the list")
    assert row_counts() == before


# --- editing a locality ---------------------------------------------------------------------------


def test_a_manager_edits_their_own_locality_and_sets_its_lead(client_for, world, staff_in):
    new_lead = staff_in(world.locality, name="Nia Newlead")
    client = client_for(Role.MANAGER)
    form = client.get(f"/localities/{world.locality.id}/edit")
    assert form.status_code == 200
    # The form shows what is saved now.
    assert form.soup.find(id="name")["value"] == "Northfield"
    assert form.soup.select_one("#lead_id option[selected]")["value"] == str(world.practitioner.id)

    response = post(
        client,
        f"/localities/{world.locality.id}/edit",
        locality_data(name="Northfield", lead_id=new_lead.id, manager_id=world.manager.id, front_door_phone="0116 1"),
    )

    assert response.status_code == 302
    locality = fresh(Locality, world.locality.id)
    assert (locality.lead_id, locality.manager_id, locality.front_door_phone) == (
        new_lead.id,
        world.manager.id,
        "0116 1",
    )
    assert audit_actions("Locality", world.locality.id) == ["locality.saved"]
    # Partners now see the new lead.
    contact = client_for(world.partner).get(f"/organisations/{world.school.id}").soup.find(id="who-to-contact")
    assert "Nia Newlead" in contact.get_text()


def test_a_manager_cannot_edit_another_locality(client_for, world):
    client = client_for(world.other_manager)
    assert client.get(f"/localities/{world.locality.id}/edit").status_code == 404
    before = row_counts()
    response = post(client, f"/localities/{world.locality.id}/edit", locality_data(name="Taken over"))
    assert response.status_code == 404
    assert fresh(Locality, world.locality.id).name == "Northfield"
    assert row_counts() == before


def test_an_admin_edits_any_locality_and_can_clear_its_lead(client_for, world):
    client = client_for(Role.ADMIN)
    response = post(
        client,
        f"/localities/{world.other_locality.id}/edit",
        locality_data(name="Southmere Vale", lead_id="0", manager_id=world.other_manager.id),
    )
    assert response.status_code == 302
    locality = fresh(Locality, world.other_locality.id)
    assert (locality.name, locality.lead_id, locality.manager_id) == ("Southmere Vale", None, world.other_manager.id)


def test_renaming_a_locality_only_changes_its_case(client_for, world):
    client = client_for(Role.ADMIN)
    response = post(client, f"/localities/{world.locality.id}/edit", locality_data(name="NORTHFIELD"))
    assert response.status_code == 302
    assert fresh(Locality, world.locality.id).name == "NORTHFIELD"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Enter the locality's name"),
        ({"name": "southmere"}, "There is already a locality with this name"),
        ({"lead_id": "999999"}, "Select a locality lead from the list"),
        ({"front_door_email": "nope"}, "Enter an email address in the correct format, like frontdoor@example.org"),
    ],
)
def test_a_refused_locality_edit_changes_nothing(client_for, world, changes, message):
    client = client_for(Role.MANAGER)
    before = row_counts()
    page = post(
        client,
        f"/localities/{world.locality.id}/edit",
        locality_data(**{"name": "Northfield Renamed", "lead_id": world.practitioner.id, **changes}),
    )
    assert page.status_code == 200
    assert_error_page(page, message)
    assert row_counts() == before
    locality = fresh(Locality, world.locality.id)
    assert (locality.name, locality.front_door_phone, locality.lead_id, locality.manager_id) == (
        "Northfield",
        "0116 496 0000",
        world.practitioner.id,
        world.manager.id,
    )


# --- pods -----------------------------------------------------------------------------------------


def test_a_manager_adds_a_pod_then_members_with_roles_then_removes_one(client_for, world, staff_in):
    sam = staff_in(world.locality, name="Sam Senior")
    wes = staff_in(world.locality, name="Wes Worker")
    client = client_for(Role.MANAGER)

    response = post(client, f"/localities/{world.locality.id}/pods", {"name": "Coalville pod"})
    assert response.status_code == 302
    pod = db.session.scalar(select(Pod).where(Pod.name == "Coalville pod"))
    assert pod is not None and pod.locality_id == world.locality.id
    assert response.headers["Location"].endswith(f"/pods/{pod.id}")
    assert audit_actions("Pod", pod.id) == ["pod.created"]

    for user, role in [(sam, PodRole.SENIOR_PRACTITIONER), (wes, PodRole.SOCIAL_WORKER)]:
        response = post(client, f"/pods/{pod.id}", {"user_id": user.id, "pod_role": role.value})
        assert response.status_code == 302
    db.session.expire_all()
    members = {m.user_id: m.pod_role for m in db.session.scalars(select(PodMember).where(PodMember.pod_id == pod.id))}
    assert members == {sam.id: PodRole.SENIOR_PRACTITIONER, wes.id: PodRole.SOCIAL_WORKER}

    page = client.get(f"/pods/{pod.id}")
    rows = {
        r.th.get_text(strip=True): r.find_all("td")[0].get_text(strip=True) for r in page.soup.select("table tbody tr")
    }
    assert rows == {"Sam Senior": "Senior practitioner", "Wes Worker": "Social worker"}
    locality_page = client.get(f"/localities/{world.locality.id}")
    assert "Coalville pod" in locality_page.soup.get_text()

    wes_member = db.session.scalar(select(PodMember).where(PodMember.user_id == wes.id))
    response = post(client, f"/pods/{pod.id}/members/{wes_member.id}/remove", {"confirm": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    assert [m.user_id for m in db.session.scalars(select(PodMember).where(PodMember.pod_id == pod.id))] == [sam.id]
    assert db.session.get(type(wes), wes.id) is not None  # leaving a pod does not remove the person
    assert audit_actions("Pod", pod.id) == ["pod.created", "pod.member_added", "pod.member_added", "pod.member_removed"]


def test_an_admin_adds_a_pod_in_any_locality(client_for, world):
    client = client_for(Role.ADMIN)
    response = post(client, f"/localities/{world.other_locality.id}/pods", {"name": "South pod"})
    assert response.status_code == 302
    assert db.session.scalar(select(Pod).where(Pod.name == "South pod")).locality_id == world.other_locality.id


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter the pod's name"),
        ("P" * 121, "Name must be 120 characters or fewer"),
        ("north POD", "This locality already has a pod with this name"),
    ],
)
def test_a_refused_pod_says_why_and_saves_nothing(client_for, world, factories, name, message):
    factories.PodFactory(locality=world.locality, name="North pod")
    client = client_for(Role.MANAGER)
    before = row_counts()
    page = post(client, f"/localities/{world.locality.id}/pods", {"name": name})
    assert_error_page(page, message, status=400)
    assert summary_links(page) == {message: "#name"}
    assert row_counts() == before


def test_the_same_pod_name_may_be_used_in_another_locality(client_for, world, factories):
    factories.PodFactory(locality=world.other_locality, name="North pod")
    response = post(client_for(Role.MANAGER), f"/localities/{world.locality.id}/pods", {"name": "North pod"})
    assert response.status_code == 302
    db.session.expire_all()
    pods = db.session.scalars(select(Pod.locality_id).where(Pod.name == "North pod").order_by(Pod.id)).all()
    assert pods == [world.other_locality.id, world.locality.id]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"user_id": "0", "pod_role": ""},
            {"Select a member of staff": "#user_id", "Select their role in the pod": "#pod_role"},
        ),
        ({}, {"Select a member of staff": "#user_id", "Select their role in the pod": "#pod_role"}),
        ({"user_id": "member", "pod_role": "social_worker"}, {"Select a member of staff": "#user_id"}),
        ({"user_id": "{other}", "pod_role": "social_worker"}, {"Select a member of staff from the list": "#user_id"}),
        ({"user_id": "{partner}", "pod_role": "social_worker"}, {"Select a member of staff from the list": "#user_id"}),
        ({"user_id": "{admin}", "pod_role": "social_worker"}, {"Select a member of staff from the list": "#user_id"}),
        ({"user_id": "{lead}", "pod_role": "boss"}, {"Select their role in the pod": "#pod_role"}),
        ({"user_id": "{member}", "pod_role": "social_worker"}, {"Lee Lead is already in this pod": "#user_id"}),
    ],
    ids=["empty", "missing", "garbled", "other-locality", "partner", "admin", "unknown-role", "already-in"],
)
def test_a_refused_pod_member_says_why_and_saves_nothing(client_for, world, factories, data, errors):
    pod = factories.PodFactory(locality=world.locality)
    factories.PodMemberFactory(pod=pod, user=world.practitioner)
    ids = {
        "{other}": world.other_practitioner.id,
        "{partner}": world.partner.id,
        "{admin}": world.admin.id,
        "{lead}": world.manager.id,
        "{member}": world.practitioner.id,
    }
    data = {k: ids.get(v, v) for k, v in data.items()}
    client = client_for(Role.MANAGER)
    before = row_counts()
    page = post(client, f"/pods/{pod.id}", data)
    assert page.status_code == 200
    assert_error_page(page, *errors)
    assert summary_links(page) == errors
    assert row_counts() == before


def test_a_member_of_another_pod_cannot_be_removed_through_this_one(client_for, world, factories):
    pod = factories.PodFactory(locality=world.locality)
    other_pod = factories.PodFactory(locality=world.locality)
    member = factories.PodMemberFactory(pod=other_pod, user=world.practitioner)
    client = client_for(Role.MANAGER)
    before = row_counts()
    assert post(client, f"/pods/{pod.id}/members/{member.id}/remove", {"confirm": "yes"}).status_code == 404
    assert fresh(PodMember, member.id).pod_id == other_pod.id
    assert row_counts() == before


# --- district mappings ----------------------------------------------------------------------------


def test_an_admin_maps_a_district_changes_it_and_deletes_it(client_for, world):
    client = client_for(Role.ADMIN)
    assert client.get("/districts").status_code == 200

    response = post(client, "/districts", {"district": "North West Leicestershire", "locality_id": world.locality.id})
    assert response.status_code == 302
    mapping = db.session.scalar(select(DistrictMapping))
    assert (mapping.district, mapping.locality_id) == ("North West Leicestershire", world.locality.id)
    mapping_id = mapping.id

    # The same district, however it is typed, is moved rather than added twice.
    response = post(
        client, "/districts", {"district": " north west leicestershire ", "locality_id": world.other_locality.id}
    )
    assert response.status_code == 302
    db.session.expire_all()
    mappings = list(db.session.scalars(select(DistrictMapping)))
    assert [(m.district, m.locality_id) for m in mappings] == [("North West Leicestershire", world.other_locality.id)]
    page = client.get("/districts")
    assert "North West Leicestershire" in page.soup.select_one("table").get_text()

    # Deleting asks first: the question changes nothing, a post without yes goes back to it, yes deletes.
    link = client.get("/districts").soup.select_one("table a")["href"]
    question = client.get(link)
    assert question.status_code == 200 and "North West Leicestershire" in question.soup.h1.get_text()
    assert post(client, f"/districts/{mapping_id}/delete").headers["Location"] == link
    assert count(DistrictMapping) == 1
    assert post(client, f"/districts/{mapping_id}/delete", {"confirm": "yes"}).status_code == 302
    assert count(DistrictMapping) == 0
    assert audit_actions("DistrictMapping", mapping_id) == [
        "district_mapping.saved",
        "district_mapping.saved",
        "district_mapping.deleted",
    ]
    assert post(client, f"/districts/{mapping_id}/delete", {"confirm": "yes"}).status_code == 404
    assert client.get(link).status_code == 404


def test_a_manager_may_not_map_districts(client_for, world):
    client = client_for(Role.MANAGER)
    assert client.get("/districts").status_code == 403
    before = row_counts()
    response = post(client, "/districts", {"district": "Charnwood", "locality_id": world.locality.id})
    assert response.status_code == 403
    assert row_counts()["district_mapping"] == before["district_mapping"] == 0


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"district": "", "locality_id": "0"},
            {"Enter the district's name": "#district", "Select a locality": "#locality_id"},
        ),
        ({}, {"Enter the district's name": "#district", "Select a locality": "#locality_id"}),
        ({"district": "D" * 121, "locality_id": "{loc}"}, {"District must be 120 characters or fewer": "#district"}),
        ({"district": "Charnwood", "locality_id": "999999"}, {"Select a locality from the list": "#locality_id"}),
        ({"district": "Charnwood", "locality_id": "x"}, {"Select a locality": "#locality_id"}),
    ],
    ids=["empty", "missing", "long", "unknown-locality", "garbled-locality"],
)
def test_a_refused_district_mapping_says_why_and_saves_nothing(client_for, world, data, errors):
    data = {k: world.locality.id if v == "{loc}" else v for k, v in data.items()}
    client = client_for(Role.ADMIN)
    before = row_counts()
    page = post(client, "/districts", data)
    assert page.status_code == 200
    assert_error_page(page, *errors)
    assert summary_links(page) == errors
    assert row_counts() == before
