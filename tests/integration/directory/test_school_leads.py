"""A lead for each school. A locality has several leads, each with their schools; a request goes to the
school's lead, else who covers them today (and their cover's cover), else the locality's duty lead (or who
covers them), else the manager. Managers and admins give schools their lead in bulk; GIAS imports keep
it; the school page and the partner's home show the school's own lead; staff see a school's contacts by
their role in it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from portal.accounts.models import ContactRole
from portal.common.errors import DomainError
from portal.common.models import AuditEvent
from portal.common.roles import Role
from portal.common.times import london_today
from portal.directory import services
from portal.directory.gias import import_gias
from portal.directory.models import DistrictMapping, Organisation
from portal.extensions import db
from portal.models_base import utcnow
from portal.requests.models import ConsultationRequest, RequestKind, RequestStatus
from portal.requests.services import get_request, list_requests, submit_request
from tests.fixtures.gias import gias_csv, school
from tests.support.forms import errors, post


@pytest.fixture
def leads(world: Any, factories: Any) -> Any:
    """Northfield's three leads: Sam leads the world's school, Tess another school; the world's practitioner
    (Lee Lead) is the duty lead. Cora and Cal may cover."""

    class Leads:
        sam = factories.UserFactory(role=Role.PRACTITIONER, locality=world.locality, name="Sam School-Lead")
        tess = factories.UserFactory(role=Role.PRACTITIONER, locality=world.locality, name="Tess Other-Lead")
        cora = factories.UserFactory(role=Role.PRACTITIONER, locality=world.locality, name="Cora Cover")
        cal = factories.UserFactory(role=Role.PRACTITIONER, locality=world.locality, name="Cal Second-Cover")
        other_school = factories.OrganisationFactory(name="Brook Street Primary", locality=world.locality)

    world.school.lead_id = Leads.sam.id
    Leads.other_school.lead_id = Leads.tess.id
    db.session.commit()
    return Leads


def away(factories: Any, user: Any, cover: Any) -> Any:
    return factories.StaffAbsenceFactory(
        user=user, cover=cover, starts_on=london_today() - timedelta(days=1), ends_on=london_today() + timedelta(days=1)
    )


def routed(world: Any, partner: Any | None = None) -> str:
    req = submit_request(
        by=partner or world.partner,
        kind=RequestKind.CONSULTATION,
        child_initials="KM",
        child_birth_year=2015,
        case_reference="",
        summary="Attendance has dropped this term.",
        help_wanted="",
        confirmed=False,
    )
    db.session.commit()
    return req.routed_to.name if req.routed_to else "nobody"


# --- routing --------------------------------------------------------------------------------------------------


def test_a_request_goes_to_the_schools_own_lead_not_the_duty_lead(world, leads):
    assert routed(world) == "Sam School-Lead"


def test_a_school_without_a_lead_of_its_own_goes_to_the_duty_lead(world, leads, factories):
    world.school.lead_id = None
    db.session.commit()
    assert routed(world) == "Lee Lead"


def test_an_absent_schools_lead_hands_to_their_cover_and_the_covers_cover(world, leads, factories):
    away(factories, leads.sam, leads.cora)
    assert routed(world) == "Cora Cover"
    away(factories, leads.cora, leads.cal)
    assert routed(world) == "Cal Second-Cover"


def test_a_cover_chain_that_goes_round_in_a_circle_falls_back_to_the_duty_lead(world, leads, factories):
    away(factories, leads.sam, leads.cora)
    away(factories, leads.cora, leads.sam)
    assert routed(world) == "Lee Lead"


def test_with_the_chain_broken_and_the_duty_lead_away_their_cover_answers(world, leads, factories):
    away(factories, leads.sam, leads.cora)
    away(factories, leads.cora, leads.sam)
    away(factories, world.practitioner, leads.cal)
    assert routed(world) == "Cal Second-Cover"


def test_with_no_one_in_the_manager_answers(world, leads, factories):
    away(factories, leads.sam, leads.cora)
    away(factories, leads.cora, leads.sam)
    world.locality.lead_id = None
    db.session.commit()
    assert routed(world) == "Max Manager"


def test_a_disabled_schools_lead_counts_as_none(world, leads):
    leads.sam.disabled_at = utcnow()
    db.session.commit()
    assert routed(world) == "Lee Lead"


def test_each_school_reaches_its_own_lead(world, leads, factories):
    other_partner = factories.UserFactory(role=Role.PARTNER, organisation=leads.other_school, locality=world.locality)
    assert routed(world, other_partner) == "Tess Other-Lead"
    assert routed(world) == "Sam School-Lead"


def test_a_schools_lead_works_for_its_locality_and_sees_its_requests(world, leads, factories):
    outsider = factories.UserFactory(role=Role.PRACTITIONER, locality=world.other_locality, name="Oz Outside")
    req = factories.ConsultationRequestFactory(organisation=world.school, created_by=world.partner)
    world.school.lead_id = outsider.id  # a lead of another locality's staff, given this school by an admin
    db.session.commit()
    assert get_request(req.id, user=outsider).id == req.id
    assert [r.id for r in list_requests(outsider).requests] == [req.id]
    world.school.lead_id = leads.sam.id
    db.session.commit()
    assert list_requests(outsider).requests == []


# --- the pages ------------------------------------------------------------------------------------------------


def contact_rows(page: Any, selector: str = "#who-to-contact") -> dict[str, str]:
    return {
        row.select_one(".govuk-summary-list__key").get_text(" ", strip=True): row.select_one(
            ".govuk-summary-list__value"
        ).get_text(" ", strip=True)
        for row in page.soup.select(f"{selector} .govuk-summary-list__row")
    }


def test_the_school_page_and_the_partners_home_show_the_schools_own_lead(world, leads, client_for, factories):
    partner = client_for(world.partner)
    rows = contact_rows(partner.get(f"/organisations/{world.school.id}"))
    assert rows["Contact today"].startswith("Sam School-Lead")
    home = partner.get("/home")
    contact = home.soup.select_one("#contact-today").get_text(" ", strip=True)
    assert contact.startswith("Sam School-Lead")
    assert "your school's lead" in home.soup.select_one("#your-contacts").parent.get_text(" ", strip=True)

    away(factories, leads.sam, leads.cora)
    rows = contact_rows(partner.get(f"/organisations/{world.school.id}"))
    assert rows["Contact today"].startswith("Cora Cover")
    assert rows["School's locality lead"].startswith("Sam School-Lead (away until")
    assert partner.get("/home").soup.select_one("#contact-today").get_text(" ", strip=True).startswith("Cora Cover")


def test_staff_see_a_schools_contacts_by_role_and_partners_do_not(world, client_for, factories):
    factories.UserFactory(
        role=Role.PARTNER,
        organisation=world.school,
        name="Dee Safeguarding",
        contact_role=ContactRole.DSL,
        phone="0116 496 0456",
    )
    factories.UserFactory(
        role=Role.PARTNER, organisation=world.school, name="Ann Head", contact_role=ContactRole.HEAD_TEACHER
    )
    factories.UserFactory(
        role=Role.PARTNER, organisation=world.other_school, name="Else Where", contact_role=ContactRole.DSL
    )
    page = client_for(Role.PRACTITIONER).get(f"/organisations/{world.school.id}")
    rows = page.soup.select("#school-contacts .govuk-summary-list__row")
    shown = [
        (
            r.select_one(".govuk-summary-list__key").get_text(strip=True),
            r.select_one(".govuk-summary-list__value").get_text(" ", strip=True).split(" ")[0:2],
        )
        for r in rows
    ]
    assert shown == [
        ("Designated safeguarding lead", ["Dee", "Safeguarding"]),
        ("Head teacher", ["Ann", "Head"]),
        ("Role not given", ["Pat", "Partner"]),
    ]
    assert page.soup.select_one('#school-contacts a[href="tel:01164960456"]') is not None
    assert page.soup.select_one("#school-contacts") is not None
    assert client_for(Role.PARTNER).get(f"/organisations/{world.school.id}").soup.select_one("#school-contacts") is None


def test_a_partner_gives_their_role_and_phone(world, client_for):
    partner = client_for(Role.PARTNER)
    refused = post(partner, "/account/contact-details", {"contact_role": "bursar", "phone": "call me"})
    assert refused.status_code == 200
    assert errors(refused) == [
        "Select your role at your organisation",
        "Enter a phone number using only numbers, spaces, brackets, + and -",
    ]
    db.session.expire_all()
    assert world.partner.contact_role is None

    saved = post(
        partner, "/account/contact-details", {"contact_role": "senco", "job_title": "SENCO", "phone": "0116 496 0789"}
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert (world.partner.contact_role, world.partner.phone) == (ContactRole.SENCO, "0116 496 0789")
    assert "SENCO" in contact_rows(partner.get("/account"), "#account-details")["Your role there"]


# --- giving schools their lead --------------------------------------------------------------------------------


def test_a_manager_gives_schools_a_lead_in_bulk_and_waiting_requests_follow(world, leads, client_for, factories):
    third = factories.OrganisationFactory(name="Castle Hill Academy", locality=world.locality)
    waiting = factories.ConsultationRequestFactory(
        organisation=world.school, created_by=world.partner, routed_to=leads.sam, status=RequestStatus.SUBMITTED
    )
    taken = factories.ConsultationRequestFactory(
        organisation=world.school, worker=leads.sam, routed_to=leads.sam, status=RequestStatus.ACKNOWLEDGED
    )
    manager = client_for(Role.MANAGER)
    page = manager.get(f"/localities/{world.locality.id}/school-leads")
    assert page.status_code == 200
    assert "Sam School-Lead" in page.soup.select_one("#leads-now").get_text(" ", strip=True)

    response = post(
        manager,
        f"/localities/{world.locality.id}/school-leads",
        {"organisation_ids": [str(world.school.id), str(third.id)], "lead_id": str(leads.tess.id)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert {
        o.name: o.lead_id
        for o in db.session.scalars(select(Organisation).where(Organisation.locality_id == world.locality.id))
    } == {
        "Castle Rock High School": leads.tess.id,
        "Castle Hill Academy": leads.tess.id,
        "Brook Street Primary": leads.tess.id,
    }
    assert db.session.get(ConsultationRequest, waiting.id).routed_to_id == leads.tess.id
    assert db.session.get(ConsultationRequest, taken.id).worker_id == leads.sam.id  # taken-on work stays
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "organisation.leads_assigned")).one()
    assert audit.actor_id == world.manager.id

    # Back to the duty lead: no lead of their own.
    post(
        manager, f"/localities/{world.locality.id}/school-leads", {"organisation_ids": [str(third.id)], "lead_id": "-1"}
    )
    db.session.expire_all()
    assert db.session.get(Organisation, third.id).lead_id is None


def test_refused_assignments_change_nothing(world, leads, client_for, factories):
    outsider = factories.UserFactory(role=Role.PRACTITIONER, locality=world.other_locality)
    manager = client_for(Role.MANAGER)
    url = f"/localities/{world.locality.id}/school-leads"
    nothing = post(manager, url, {"lead_id": str(leads.tess.id)})
    assert errors(nothing) == ["Select at least one school"]
    elsewhere = post(manager, url, {"organisation_ids": [str(world.other_school.id)], "lead_id": str(leads.tess.id)})
    assert errors(elsewhere) == ["Select schools from the list"]
    not_area = post(manager, url, {"organisation_ids": [str(world.school.id)], "lead_id": str(outsider.id)})
    assert errors(not_area) == ["Select a lead from the list"]
    db.session.expire_all()
    assert db.session.get(Organisation, world.school.id).lead_id == leads.sam.id
    assert db.session.get(Organisation, world.other_school.id).lead_id is None
    # The service refuses the same, whatever the form allowed.
    with pytest.raises(DomainError):
        services.assign_school_leads(
            world.locality, by=world.manager, organisation_ids=[world.school.id], lead_id=outsider.id
        )
    # Another locality's manager does not find this one.
    assert client_for(world.other_manager).get(url).status_code == 404


def test_gias_imports_keep_a_schools_lead_and_a_school_that_moves_leaves_it(
    app, world, leads, factories, tmp_path: Path
):
    db.session.add_all(
        [
            DistrictMapping(district="Charnwood", locality_id=world.locality.id),
            DistrictMapping(district="Blaby", locality_id=world.other_locality.id),
        ]
    )
    world.school.urn, leads.other_school.urn = 990301, 990302
    db.session.commit()
    path = tmp_path / "edubasealldata.csv"
    path.write_bytes(
        gias_csv(
            [
                school(990301, "Castle Rock High School", Postcode="ZZ1 1AA"),
                school(990302, "Brook Street Primary", **{"DistrictAdministrative (name)": "Blaby"}),
            ]
        )
    )
    report = import_gias(path, skip_bad_rows=False)
    db.session.commit()
    assert report.updated == 2
    db.session.expire_all()
    kept = db.session.get(Organisation, world.school.id)
    moved = db.session.get(Organisation, leads.other_school.id)
    assert (kept.postcode, kept.lead_id) == ("ZZ1 1AA", leads.sam.id)
    assert (moved.locality_id, moved.lead_id) == (world.other_locality.id, None)
