"""The product rule of portal/access.py, proven in every domain: a manager manages every locality whose
manager they are, plus their own. Here the world's manager works in Northfield and is named manager of
Southmere too; Eastwick is a third locality with its own manager. The manager manages Northfield and
Southmere everywhere (requests, directory, sessions, meetings, feedback, dashboards) and nothing of
Eastwick (404, never data). A partner's locality is their organisation's, in feedback and meetings alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from portal import access
from portal.accounts.models import User
from portal.common.roles import Role
from portal.common.times import london_today
from portal.dashboards import services as dashboards_services
from portal.directory.models import Locality, Pod
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.feedback.models import Theme, YouSaidWeDid
from portal.meetings.models import PartnershipMeeting
from portal.models_base import utcnow
from portal.sessions.models import Session
from tests.feedback_factories import FeedbackFactory, YouSaidWeDidFactory
from tests.integration.meetings.conftest import schedule_data
from tests.meetings_factories import meeting_with_schools
from tests.sessions_factories import SessionFactory
from tests.support.db import count, fresh
from tests.support.forms import post

NORTH, SOUTH, EAST = "Northfield", "Southmere", "Eastwick"


@dataclass
class Third:
    """Eastwick: a locality the world's manager has nothing to do with."""

    locality: Any
    school: Any
    partner: Any
    practitioner: Any
    manager: Any


@pytest.fixture
def east(world: Any, factories: Any) -> Third:
    """The world's manager is named manager of Southmere (they work in Northfield); Eastwick is a third
    locality with its own school, partner, practitioner and manager."""
    f = factories
    locality = f.LocalityFactory(name=EAST)
    school = f.OrganisationFactory(name="Eastwick Academy", locality=locality)
    third = Third(
        locality=locality,
        school=school,
        partner=f.UserFactory(role=Role.PARTNER, organisation=school, locality=locality),
        practitioner=f.UserFactory(role=Role.PRACTITIONER, locality=locality, name="Eve Eastwick"),
        manager=f.UserFactory(role=Role.MANAGER, locality=locality),
    )
    locality.lead_id, locality.manager_id = third.practitioner.id, third.manager.id
    world.other_locality.manager_id = world.manager.id
    db.session.commit()
    return third


def names(localities: list[Locality]) -> list[str]:
    return [loc.name for loc in localities]


def option_values(page: Any, selector: str) -> set[int]:
    """The ids a select offers (not its "Select…" or "All…" choice)."""
    return {int(o["value"]) for o in page.soup.select(selector) if o.get("value", "").isdigit()} - {0}


# --- the rule -------------------------------------------------------------------------------------


def test_a_manager_manages_their_own_locality_and_every_one_naming_them_manager(world, east):
    manager = fresh(User, world.manager.id)
    assert names(access.managed_localities(manager)) == [NORTH, SOUTH]
    assert access.managed_locality_ids(manager) == sorted([world.locality.id, world.other_locality.id])
    assert [access.manages(manager, loc.id) for loc in (world.locality, world.other_locality, east.locality)] == [
        True,
        True,
        False,
    ]
    # Southmere's own manager still manages it (their own locality); the third manages only theirs.
    assert names(access.managed_localities(fresh(User, world.other_manager.id))) == [SOUTH]
    assert names(access.managed_localities(fresh(User, east.manager.id))) == [EAST]


def test_a_manager_named_on_a_locality_manages_it_without_working_there(world, east, factories):
    roaming = factories.UserFactory(role=Role.MANAGER, locality=None)
    east.locality.manager_id = roaming.id
    db.session.commit()
    assert names(access.managed_localities(fresh(User, roaming.id))) == [EAST]


def test_nobody_else_manages_a_locality_and_admins_maintain_every_directory_entry(world, east):
    for person in (world.practitioner, world.partner, world.admin):
        assert access.managed_locality_ids(fresh(User, person.id)) == []
    admin = fresh(User, world.admin.id)
    assert set(access.maintained_locality_ids(admin)) == {world.locality.id, world.other_locality.id, east.locality.id}
    assert access.maintained_locality_ids(fresh(User, world.practitioner.id)) == []


def test_the_staff_a_manager_may_choose_are_those_of_both_localities_and_no_others(world, east, factories):
    away = factories.UserFactory(role=Role.PRACTITIONER, locality=world.other_locality, disabled_at=utcnow())
    chosen = {u.id for u in access.choosable_staff(fresh(User, world.manager.id))}
    assert chosen == {world.practitioner.id, world.manager.id, world.other_practitioner.id, world.other_manager.id}
    assert away.id not in chosen
    assert access.is_choosable(world.other_practitioner.id, manager=fresh(User, world.manager.id))
    assert not access.is_choosable(east.practitioner.id, manager=fresh(User, world.manager.id))


# --- requests -------------------------------------------------------------------------------------


def test_requests_of_both_localities_are_in_the_managers_queue_and_a_thirds_are_not(client_for, world, east, factories):
    made = {
        loc: factories.ConsultationRequestFactory(organisation=school, created_by=partner)
        for loc, school, partner in (
            (NORTH, world.school, world.partner),
            (SOUTH, world.other_school, world.other_partner),
            (EAST, east.school, east.partner),
        )
    }
    client = client_for(world.manager)
    queue = client.get("/requests")
    listed = {a.get_text(strip=True) for a in queue.soup.select("table.govuk-table tbody th a")}
    assert listed == {made[NORTH].reference, made[SOUTH].reference}
    for loc in (NORTH, SOUTH):
        page = client.get(f"/requests/{made[loc].id}")
        assert page.status_code == 200
        assert page.soup.h1.get_text(strip=True) == f"Request {made[loc].reference}"
    assert client.get(f"/requests/{made[EAST].id}").status_code == 404
    # The control: Northfield's practitioner does not see Southmere's request; the rule is the manager's.
    assert client_for(world.practitioner).get(f"/requests/{made[SOUTH].id}").status_code == 404


def test_the_manager_assigns_southmeres_request_to_its_own_staff(client_for, world, east, factories):
    req = factories.ConsultationRequestFactory(organisation=world.other_school, created_by=world.other_partner)
    page = client_for(world.manager).get(f"/requests/{req.id}/acknowledge")
    assert page.status_code == 200
    offered = option_values(page, "select[name=worker_id] option")
    assert offered == {world.other_practitioner.id, world.other_manager.id, world.manager.id}


def test_the_lead_and_whoever_covers_the_lead_today_work_for_the_locality(client_for, world, east, factories):
    """Southmere's lead is its practitioner; Eastwick's practitioner covers them from today. A request of
    Southmere assigned to someone else is the cover's to see today, and was not before the absence."""
    world.other_locality.lead_id = world.other_practitioner.id
    db.session.commit()
    req = factories.ConsultationRequestFactory(
        organisation=world.other_school, created_by=world.other_partner, worker=world.other_manager
    )
    cover = fresh(User, east.practitioner.id)
    assert access.work_locality_ids(cover, on=london_today()) == [east.locality.id]
    assert client_for(east.practitioner).get(f"/requests/{req.id}").status_code == 404

    factories.StaffAbsenceFactory(
        user=world.other_practitioner, cover=east.practitioner, starts_on=london_today(), ends_on=london_today()
    )
    # They lead Eastwick, and cover Southmere's lead for today only.
    assert access.led_locality_ids(cover, on=london_today()) == sorted([east.locality.id, world.other_locality.id])
    assert access.led_locality_ids(cover, on=london_today() + timedelta(days=1)) == [east.locality.id]
    assert access.work_locality_ids(cover, on=london_today()) == sorted([east.locality.id, world.other_locality.id])
    assert client_for(east.practitioner).get(f"/requests/{req.id}").status_code == 200


# --- directory ------------------------------------------------------------------------------------


def _locality_data(locality: Any, manager_id: int, **changes: str) -> dict[str, str]:
    data = {
        "name": locality.name,
        "lead_id": str(locality.lead_id or 0),
        "manager_id": str(manager_id),
        "front_door_phone": locality.front_door_phone,
        "front_door_email": locality.front_door_email,
        "front_door_hours": "Monday to Friday, 9am to 5pm",
    }
    data.update(changes)
    return data


def test_the_manager_maintains_both_directory_entries_and_not_a_thirds(client_for, world, east):
    client = client_for(world.manager)
    listed = client.get("/localities")
    linked = {a.get_text(strip=True) for a in listed.soup.select("table tbody a")}
    assert linked == {NORTH, SOUTH}

    for locality in (world.locality, world.other_locality):
        assert client.get(f"/localities/{locality.id}/edit").status_code == 200
        response = post(
            client,
            f"/localities/{locality.id}/edit",
            _locality_data(locality, world.manager.id, front_door_hours=f"{locality.name} hours"),
        )
        assert response.status_code == 302, response.status_code
        assert fresh(Locality, locality.id).front_door_hours == f"{locality.name} hours"
    assert post(client, f"/localities/{world.other_locality.id}/pods", {"name": "South pod"}).status_code == 302
    assert db.session.scalar(select(Pod.locality_id).where(Pod.name == "South pod")) == world.other_locality.id

    third = east.locality
    for url in (f"/localities/{third.id}", f"/localities/{third.id}/edit"):
        assert client.get(url).status_code == 404
    refused = post(client, f"/localities/{third.id}/edit", _locality_data(third, east.manager.id, name="Taken"))
    assert refused.status_code == 404
    assert post(client, f"/localities/{third.id}/pods", {"name": "East pod"}).status_code == 404
    assert fresh(Locality, third.id).name == EAST
    assert count(Pod, Pod.locality_id == third.id) == 0


# --- sessions -------------------------------------------------------------------------------------


def _session_form(locality_id: int, host_id: int) -> dict[str, Any]:
    day = london_today() + timedelta(days=30)
    return {
        "kind": "open_day",
        "locality_id": str(locality_id),
        "title": "Locality open day",
        "description": "Meet the team.",
        "on": [str(day.day), str(day.month), str(day.year)],
        "starts": "9:30am",
        "ends": "12:30pm",
        "location": "The locality office",
        "capacity": "4",
        "host_id": str(host_id),
        "what_to_bring": "",
    }


def test_the_manager_publishes_and_manages_sessions_of_both_localities_and_not_a_thirds(client_for, world, east):
    client = client_for(world.manager)
    page = client.get("/sessions/new")
    assert option_values(page, "select[name=locality_id] option") == {world.locality.id, world.other_locality.id}
    assert east.practitioner.id not in option_values(page, "select[name=host_id] option")

    response = post(client, "/sessions/new", _session_form(world.other_locality.id, world.other_practitioner.id))
    assert response.status_code == 302
    published = db.session.scalar(select(Session).where(Session.locality_id == world.other_locality.id))
    assert published is not None and published.host_id == world.other_practitioner.id

    refused = post(client, "/sessions/new", _session_form(east.locality.id, east.practitioner.id))
    assert refused.status_code == 200
    assert count(Session, Session.locality_id == east.locality.id) == 0

    north = SessionFactory(locality=world.locality, host=world.practitioner)
    eastern = SessionFactory(locality=east.locality, host=east.practitioner)
    for session in (north, published):
        assert client.get(f"/sessions/{session.id}/edit").status_code == 200
        assert client.get(f"/sessions/{session.id}/bookings").status_code == 200
    assert post(client, f"/sessions/{published.id}/cancel", {"confirm": "yes"}).status_code == 302
    assert fresh(Session, published.id).cancelled_at is not None

    assert client.get(f"/sessions/{eastern.id}/edit").status_code == 404
    assert client.get(f"/sessions/{eastern.id}/bookings").status_code == 404
    assert post(client, f"/sessions/{eastern.id}/cancel", {"confirm": "yes"}).status_code == 404
    assert fresh(Session, eastern.id).cancelled_at is None


# --- meetings -------------------------------------------------------------------------------------


def test_the_manager_schedules_and_manages_meetings_of_both_localities_and_not_a_thirds(client_for, world, east):
    client = client_for(world.manager)
    page = client.get("/meetings/schedule")
    offered = {int(i["value"]) for i in page.soup.select("input[name=locality_id]")}
    assert offered == {world.locality.id, world.other_locality.id}

    response = post(client, "/meetings/schedule", schedule_data(locality_id=str(world.other_locality.id)))
    assert response.status_code == 302
    scheduled = db.session.scalar(
        select(PartnershipMeeting).where(PartnershipMeeting.locality_id == world.other_locality.id)
    )
    assert scheduled is not None
    assert [i.organisation_id for i in scheduled.invitations] == [world.other_school.id]

    refused = post(client, "/meetings/schedule", schedule_data(locality_id=str(east.locality.id)))
    assert refused.status_code == 200
    assert count(PartnershipMeeting, PartnershipMeeting.locality_id == east.locality.id) == 0

    eastern = meeting_with_schools(east.locality, [east.school], organiser=east.manager)
    assert client.get(f"/meetings/{scheduled.id}/change").status_code == 200
    assert post(client, f"/meetings/{scheduled.id}/cancel", {"confirm": "yes"}).status_code == 302
    assert fresh(PartnershipMeeting, scheduled.id).cancelled_at is not None
    for url in (f"/meetings/{eastern.id}", f"/meetings/{eastern.id}/change"):
        assert client.get(url).status_code == 404
    assert post(client, f"/meetings/{eastern.id}/cancel", {"confirm": "yes"}).status_code == 404
    assert fresh(PartnershipMeeting, eastern.id).cancelled_at is None


# --- feedback -------------------------------------------------------------------------------------


def _entry(locality: str) -> dict[str, str]:
    return {
        "theme": "reaching_a_manager",
        "locality": locality,
        "you_said": "You could not reach anyone when the lead was away.",
        "we_did": "We now name who covers on every request.",
    }


def test_the_manager_writes_you_said_we_did_for_both_localities_and_not_a_thirds(client_for, world, east):
    client = client_for(world.manager)
    page = client.get("/feedback/you-said-we-did/new")
    offered = option_values(page, "select[name=locality] option")
    assert offered == {world.locality.id, world.other_locality.id}

    response = post(client, "/feedback/you-said-we-did/new", _entry(str(world.other_locality.id)))
    assert response.status_code == 302
    entry = db.session.scalar(select(YouSaidWeDid).where(YouSaidWeDid.locality_id == world.other_locality.id))
    assert entry is not None
    assert post(client, f"/feedback/you-said-we-did/{entry.id}/publish").status_code == 302
    assert fresh(YouSaidWeDid, entry.id).published_at is not None

    refused = post(client, "/feedback/you-said-we-did/new", _entry(str(east.locality.id)))
    assert refused.status_code == 200
    assert count(YouSaidWeDid, YouSaidWeDid.locality_id == east.locality.id) == 0

    north = YouSaidWeDidFactory(locality=world.locality, author=world.manager)
    eastern = YouSaidWeDidFactory(locality=east.locality, author=east.manager)
    assert client.get(f"/feedback/you-said-we-did/{north.id}/edit").status_code == 200
    assert client.get(f"/feedback/you-said-we-did/{eastern.id}/edit").status_code == 404
    assert post(client, f"/feedback/you-said-we-did/{eastern.id}/publish").status_code == 404
    assert fresh(YouSaidWeDid, eastern.id).published_at is None


def test_the_managers_feedback_review_covers_both_localities_and_not_a_thirds(world, east, factories):
    for locality in (world.locality, world.other_locality, east.locality):
        FeedbackFactory(locality=locality)
    listing = feedback_services.review_feedback(fresh(User, world.manager.id))
    assert sorted(e.locality_id for e in listing.entries) == sorted([world.locality.id, world.other_locality.id])


# --- dashboards -----------------------------------------------------------------------------------


def test_both_localities_are_in_the_managers_dashboard_area_and_a_third_is_not(client_for, world, east, factories):
    area = dashboards_services.area_of(fresh(User, world.manager.id))
    assert names(area.localities) == [NORTH, SOUTH]
    assert world.other_practitioner.id in {u.id for u in area.practitioners}
    assert east.practitioner.id not in {u.id for u in area.practitioners}

    client = client_for(world.manager)
    page = client.get("/dashboards")
    assert option_values(page, "#locality option") == {world.locality.id, world.other_locality.id}
    chosen = client.get(f"/dashboards?locality={world.other_locality.id}")
    assert chosen.status_code == 200
    assert chosen.soup.select_one("#locality option[selected]").get_text(strip=True) == SOUTH
    east_pod = factories.PodFactory(locality=east.locality)
    for query in (f"locality={east.locality.id}", f"practitioner={east.practitioner.id}", f"pod={east_pod.id}"):
        assert client.get(f"/dashboards?{query}").status_code == 404, query


# --- a partner's locality -------------------------------------------------------------------------


def test_a_partners_locality_is_their_organisations_in_feedback_and_meetings_alike(client_for, world, factories):
    """The partner's account says Southmere (a copy made when they joined); their school is in Northfield
    now. Feedback and meetings both answer Northfield."""
    partner = factories.UserFactory(role=Role.PARTNER, organisation=world.school, locality=world.other_locality)
    assert access.partner_locality_id(fresh(User, partner.id)) == world.locality.id
    client = client_for(partner)

    form = client.get("/feedback/new")
    selected = form.soup.select_one("select[name=locality_id] option[selected]")
    assert selected is not None and int(selected["value"]) == world.locality.id
    given = feedback_services.give_feedback(
        by=fresh(User, partner.id),
        theme=Theme.COMMUNICATION,
        rating=4,
        text="Clear and quick.",
        request_id=None,
        locality_id=None,
        anonymous=False,
        confirmed=False,
    )
    assert given.locality_id == world.locality.id
    db.session.rollback()

    north = meeting_with_schools(world.locality, [world.school], organiser=world.manager)
    south = meeting_with_schools(world.other_locality, [world.other_school], organiser=world.other_manager)
    listed = client.get("/meetings")
    links = {a["href"] for a in listed.soup.select("main a[href^='/meetings/']")}
    assert f"/meetings/{north.id}" in links and f"/meetings/{south.id}" not in links
    assert client.get(f"/meetings/{north.id}").status_code == 200
    assert client.get(f"/meetings/{south.id}").status_code == 404

    now = utcnow()
    YouSaidWeDidFactory(locality=world.locality, author=world.manager, you_said="North said", published_at=now)
    YouSaidWeDidFactory(
        locality=world.other_locality, author=world.other_manager, you_said="South said", published_at=now
    )
    read = " ".join(client.get("/feedback/you-said-we-did").soup.get_text().split())
    assert "North said" in read and "South said" not in read
