"""Meetings with every agency: an admin names meeting types and the organisation kinds they invite; a manager
schedules a multi-agency locality meeting inviting the locality's school and health team and a police unit of
another locality; the police partner sees it, answers, and owns an action they update. Each series keeps one
meeting per locality and quarter, beside the school partnership meeting."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from portal.common.models import OutboxMessage
from portal.common.periods import quarter
from portal.common.roles import Role
from portal.directory.models import OrganisationKind
from portal.extensions import db
from portal.meetings.models import MeetingAnswer, MeetingInvitation, MeetingType, PartnershipMeeting
from tests.integration.meetings.conftest import (
    audit_actions,
    body_of,
    held_meeting,
    ics_of,
    meeting_day,
    schedule_data,
)
from tests.meetings_factories import MeetingTypeFactory
from tests.support.db import count
from tests.support.forms import assert_error_page, post


@pytest.fixture
def agencies(world: Any, factories: Any) -> Any:
    f = factories
    health = f.OrganisationFactory(
        name="Northfield Health Visiting", kind=OrganisationKind.HEALTH, locality=world.locality
    )
    police = f.OrganisationFactory(
        name="Shire Police CAIU", kind=OrganisationKind.POLICE, locality=world.other_locality
    )
    nurse = f.UserFactory(role=Role.PARTNER, organisation=health, locality=world.locality, name="Nia Nurse")
    officer = f.UserFactory(role=Role.PARTNER, organisation=police, locality=world.other_locality, name="Olu Officer")
    multi = MeetingTypeFactory()
    db.session.commit()
    return {"health": health, "police": police, "nurse": nurse, "officer": officer, "multi": multi}


def test_an_admin_names_a_meeting_type_and_the_kinds_it_invites(client_for, world):
    admin = client_for(Role.ADMIN)
    assert_error_page(
        post(admin, "/meetings/types", {"name": " "}),
        "Enter the name of the meeting type",
        "Select the kinds of organisation it invites",
    )
    assert_error_page(
        post(admin, "/meetings/types", {"name": "Early help", "kinds": ["ambulance"]}),
        "Select kinds of organisation from the list",
    )
    assert count(MeetingType) == 0
    response = post(admin, "/meetings/types", {"name": "Early help partnership", "kinds": ["early_years", "health"]})
    assert response.status_code == 302
    [added] = db.session.scalars(select(MeetingType)).all()
    assert (added.name, added.kinds) == ("Early help partnership", ["health", "early_years"])
    assert_error_page(
        post(admin, "/meetings/types", {"name": "early help PARTNERSHIP", "kinds": ["health"]}),
        "There is already a meeting type with that name",
    )
    page = admin.get("/meetings/types")
    rows = [" ".join(r.get_text(" ").split()) for r in page.soup.select("#meeting-types tbody tr")]
    assert rows == ["School partnership meeting Schools", "Early help partnership Health, Early years"]
    assert "meeting_type.added" in audit_actions("meeting_type")


def test_a_multi_agency_meeting_invites_every_kind_and_the_agencies_chosen(client_for, world, agencies):
    manager = client_for(Role.MANAGER)
    form = manager.get("/meetings/schedule")
    offered = {i["value"] for i in form.soup.select("input[name=also_invite]")}
    assert offered == {str(agencies["health"].id), str(agencies["police"].id)}  # agencies of any locality, no schools
    response = post(
        manager,
        "/meetings/schedule",
        schedule_data(meeting_type=str(agencies["multi"].id), also_invite=[str(agencies["police"].id)]),
    )
    assert response.status_code == 302, response.soup.select_one(".govuk-error-summary")
    [meeting] = db.session.scalars(select(PartnershipMeeting)).all()
    assert meeting.meeting_type_id == agencies["multi"].id
    assert meeting.title.startswith("Northfield multi-agency locality meeting, ")
    invited = sorted(i.organisation.name for i in meeting.invitations)
    assert invited == ["Castle Rock High School", "Northfield Health Visiting", "Shire Police CAIU"]
    db.session.expire_all()
    recipients = set(db.session.scalars(select(OutboxMessage.recipient)))
    assert {world.partner.email, agencies["nurse"].email, agencies["officer"].email} <= recipients

    # The school partnership meeting of the same quarter is another series: it may still be scheduled.
    assert post(manager, "/meetings/schedule", schedule_data()).status_code == 302
    # A second multi-agency meeting in the quarter is not.
    period = quarter(meeting_day())
    assert_error_page(
        post(manager, "/meetings/schedule", schedule_data(meeting_type=str(agencies["multi"].id))),
        f"Northfield already has a multi-agency locality meeting in {period.label} ({period.long_label}). "
        "Choose a date in another quarter, or change that meeting",
    )
    assert count(PartnershipMeeting) == 2


def test_a_police_partner_of_another_locality_sees_answers_and_owns_an_action(client_for, world, agencies):
    manager = client_for(Role.MANAGER)
    post(
        manager,
        "/meetings/schedule",
        schedule_data(meeting_type=str(agencies["multi"].id), also_invite=[str(agencies["police"].id)]),
    )
    meeting = db.session.scalars(select(PartnershipMeeting)).one()
    officer = client_for(agencies["officer"])
    listing = officer.get("/meetings")
    assert meeting.title in listing.soup.get_text()
    response = post(officer, f"/meetings/{meeting.id}/answer", {"answer": "attending", "attendees": "DS Olu Officer"})
    assert response.status_code == 302
    db.session.expire_all()
    invitation = db.session.scalars(
        select(MeetingInvitation).where(MeetingInvitation.organisation_id == agencies["police"].id)
    ).one()
    assert invitation.answer is MeetingAnswer.ATTENDING
    # Another locality's partner who was not invited still cannot see it.
    assert client_for(world.other_partner).get(f"/meetings/{meeting.id}").status_code == 404

    held = held_meeting(world, schools=[world.school, agencies["police"]])
    page = manager.get(f"/meetings/{held.id}/actions/new")
    owners = {o["value"] for o in page.soup.select("select[name=owner] option")}
    assert f"organisation:{agencies['police'].id}" in owners


def test_the_type_and_the_agencies_must_come_from_the_lists(client_for, world, agencies):
    manager = client_for(Role.MANAGER)
    assert_error_page(
        post(manager, "/meetings/schedule", schedule_data(meeting_type="999")), "Select the kind of meeting"
    )
    assert_error_page(
        post(manager, "/meetings/schedule", schedule_data(also_invite=[str(world.other_school.id)])),
        "Select agencies from the list",
    )
    assert count(PartnershipMeeting) == 0


def test_the_invitation_is_worded_for_the_school_the_health_team_and_the_police_unit(
    client_for, world, agencies, send_mail, inbox
):
    manager = client_for(Role.MANAGER)
    response = post(
        manager,
        "/meetings/schedule",
        schedule_data(meeting_type=str(agencies["multi"].id), also_invite=[str(agencies["police"].id)]),
    )
    assert response.status_code == 302
    assert send_mail() == (3, 0)
    by_recipient = {m["To"]: m for m in inbox.wait_for(3)}
    expected = {
        world.partner.email: "your school",
        agencies["nurse"].email: "your team",
        agencies["officer"].email: "your unit",
    }
    assert set(by_recipient) == set(expected)
    for email, yours in expected.items():
        body = " ".join(body_of(by_recipient[email]).split())
        assert f"tell us whether {yours} will attend, and who will come" in body
        others = {"your school", "your team", "your unit"} - {yours}
        assert [other for other in others if other in body] == []
        calendar_text = " ".join(ics_of(by_recipient[email])[1].decode().replace("\r\n ", "").split())
        assert f"Answer for {yours} in the portal" in calendar_text

    # A change of time asks each to answer again, worded the same way.
    inbox.clear()
    meeting = db.session.scalars(select(PartnershipMeeting)).one()
    day = meeting_day(21)
    changed = post(manager, f"/meetings/{meeting.id}/change", schedule_data(day))
    assert changed.status_code == 302, changed.soup.select_one(".govuk-error-summary")
    assert send_mail() == (3, 0)
    for message in inbox.wait_for(3):
        body = " ".join(body_of(message).split())
        assert f"Please answer again for {expected[message['To']]}." in body


def test_the_answer_form_asks_each_partner_about_their_own_organisation(client_for, world, agencies):
    """The form on the meeting page and its errors speak of the school, the health team or the police unit."""
    manager = client_for(Role.MANAGER)
    post(
        manager,
        "/meetings/schedule",
        schedule_data(meeting_type=str(agencies["multi"].id), also_invite=[str(agencies["police"].id)]),
    )
    meeting = db.session.scalars(select(PartnershipMeeting)).one()
    for person, yours in (
        (world.partner, "your school"),
        (agencies["nurse"], "your team"),
        (agencies["officer"], "your unit"),
    ):
        partner = client_for(person)
        page = " ".join(partner.get(f"/meetings/{meeting.id}").soup.get_text().split())
        assert f"Will {yours} attend?" in page
        assert f"Send {yours}'s answer" in page
        others = {"your school", "your team", "your unit"} - {yours}
        assert [other for other in others if f"Will {other} attend?" in page] == []
        unanswered = post(partner, f"/meetings/{meeting.id}/answer", {"attendees": ""})
        assert_error_page(unanswered, f"Select whether {yours} will attend")
        nobody = post(partner, f"/meetings/{meeting.id}/answer", {"answer": "attending", "attendees": " "})
        assert_error_page(nobody, f"Enter who will come from {yours}")
