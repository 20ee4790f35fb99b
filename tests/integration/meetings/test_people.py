"""Meetings invite named people as well as organisations: a manager adds any active partner account (a school
of another locality, a voluntary organisation ...) to a meeting; each is e-mailed their own invitation over the
real SMTP server, sees the meeting and answers for themselves; the register lists them and the attendance by
agency counts them by their organisation's kind (counted by hand below). A colleague of theirs, invited by
nobody, still gets 404."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from portal.common.periods import quarter
from portal.common.roles import Role
from portal.common.times import london_today
from portal.directory.models import OrganisationKind
from portal.extensions import db
from portal.meetings.models import MeetingAnswer, MeetingInvitation, PartnershipMeeting
from tests.integration.meetings.conftest import (
    ago,
    attendees_of,
    body_of,
    held_meeting,
    meeting_day,
    schedule_data,
    vevent_of,
)
from tests.meetings_factories import MeetingInvitationFactory
from tests.support.db import count
from tests.support.forms import assert_error_page, banner, post


@pytest.fixture
def people(world: Any, factories: Any) -> Any:
    f = factories
    charity = f.OrganisationFactory(
        name="Shire Young Carers", kind=OrganisationKind.VOLUNTARY, locality=world.other_locality, urn=None
    )
    volunteer = f.UserFactory(role=Role.PARTNER, organisation=charity, name="Vic Volunteer")
    gone = f.UserFactory(role=Role.PARTNER, organisation=charity, name="Gone Volunteer")
    gone.disabled_at = ago(days=1)
    # A colleague of the other locality's partner: their school is not invited, only that partner by name.
    colleague = f.UserFactory(role=Role.PARTNER, organisation=world.other_school, name="Cal Colleague")
    db.session.commit()
    return {"charity": charity, "volunteer": volunteer, "gone": gone, "colleague": colleague}


def _schedule(manager: Any, *person_ids: int) -> Any:
    return post(manager, "/meetings/schedule", schedule_data(also_invite_people=[str(i) for i in person_ids]))


def test_the_schedule_form_offers_every_active_partner_by_name_with_a_filter(client_for, world, people):
    page = client_for(Role.MANAGER).get("/meetings/schedule")
    boxes = page.soup.select("[data-portal-filter] input[name=also_invite_people]")
    offered = {int(box["value"]) for box in boxes}
    partners = {world.partner.id, world.other_partner.id, people["volunteer"].id, people["colleague"].id}
    assert offered == partners  # not the disabled account, nor any member of staff
    labels = {" ".join(label.get_text().split()) for label in page.soup.select("label[for^=also_invite_people]")}
    assert "Vic Volunteer, Shire Young Carers (voluntary)" in labels


def test_named_people_are_invited_e_mailed_answer_and_are_counted_by_agency(
    client_for, world, people, send_mail, inbox
):
    manager = client_for(Role.MANAGER)
    # Only partners' accounts may be invited by name: a member of staff, or a disabled account, is refused.
    for refused in (world.practitioner.id, people["gone"].id):
        assert_error_page(_schedule(manager, refused), "Select people from the list")
    assert count(PartnershipMeeting) == 0

    volunteer, teacher = people["volunteer"], world.other_partner
    response = _schedule(manager, volunteer.id, teacher.id)
    assert response.status_code == 302
    page = manager.get(response.headers["Location"])
    assert "1 school has been invited. 2 people have been invited by name." in banner(page)
    meeting = db.session.scalars(select(PartnershipMeeting)).one()
    invited = {(i.organisation_id, i.user_id) for i in meeting.invitations}
    assert invited == {
        (world.school.id, None),  # the locality's school, as for every school partnership meeting
        (people["charity"].id, volunteer.id),  # each person with their own organisation
        (world.other_school.id, teacher.id),
    }

    # Each gets their own e-mail and calendar file, worded for them; the colleague, and the disabled
    # account, get nothing.
    assert send_mail() == (3, 0)
    by_recipient = {m["To"]: m for m in inbox.wait_for(3)}
    assert set(by_recipient) == {world.partner.email, volunteer.email, teacher.email}
    for email in (volunteer.email, teacher.email):
        body = " ".join(body_of(by_recipient[email]).split())
        assert "tell us whether you will attend, and who will come" in body
        assert f"http://localhost/meetings/{meeting.id}" in body
        _, _, event = vevent_of(by_recipient[email])
        assert attendees_of(event) == [email.lower()]
    assert "tell us whether your school will attend" in " ".join(body_of(by_recipient[world.partner.email]).split())
    # A new time asks each to answer again, in their own words.
    inbox.clear()
    changed = post(manager, f"/meetings/{meeting.id}/change", schedule_data(meeting_day(21)))
    assert changed.status_code == 302
    assert send_mail() == (3, 0)
    again = {m["To"]: " ".join(body_of(m).split()) for m in inbox.wait_for(3)}
    assert "The partnership meeting has changed. Please answer again. " in again[volunteer.email]
    assert "Please answer again for your school." in again[world.partner.email]

    # They see it (the teacher's school is in another locality) and answer for themselves; their colleague
    # does not see it.
    vic = client_for(volunteer)
    assert meeting.title in vic.get("/meetings").soup.get_text()
    form = vic.get(f"/meetings/{meeting.id}")
    assert " ".join(form.soup.select_one("#your-answer").get_text().split()) == "Your answer"
    assert form.soup.find("legend", string=lambda t: t and "Will you attend?" in t) is not None
    answered = post(vic, f"/meetings/{meeting.id}/answer", {"answer": "attending", "attendees": ""})
    assert answered.status_code == 302
    refused = post(client_for(teacher), f"/meetings/{meeting.id}/answer", {"answer": ""})
    assert_error_page(refused, "Select whether you will attend")
    assert post(client_for(teacher), f"/meetings/{meeting.id}/answer", {"answer": "not_attending"}).status_code == 302
    colleague = client_for(people["colleague"])
    assert colleague.get(f"/meetings/{meeting.id}").status_code == 404
    assert (
        post(colleague, f"/meetings/{meeting.id}/answer", {"answer": "attending", "attendees": "Cal"}).status_code
        == 404
    )
    db.session.expire_all()
    answers = {i.user_id: (i.answer, i.attendees) for i in db.session.scalars(select(MeetingInvitation))}
    assert answers == {
        None: (MeetingAnswer.NOT_ANSWERED, ""),
        volunteer.id: (MeetingAnswer.ATTENDING, "Vic Volunteer"),  # comes themselves
        teacher.id: (MeetingAnswer.NOT_ATTENDING, ""),
    }

    # The meeting takes place (moved into the past as only a test can); the register lists each person.
    held = db.session.get(PartnershipMeeting, meeting.id)
    held.starts_at, held.ends_at = ago(hours=2), ago(hours=1)
    held.quarter_start = quarter(london_today()).start
    db.session.commit()
    register = manager.get(f"/meetings/{meeting.id}/register")
    legends = [" ".join(lg.get_text().split()) for lg in register.soup.select("legend")]
    assert f"Was {volunteer.name} (Shire Young Carers) represented?" in legends
    assert f"Was {teacher.name} ({world.other_school.name}) represented?" in legends
    hints = " ".join(register.soup.get_text().split())
    assert "They said they would attend: Vic Volunteer" in hints and "They said they could not attend." in hints
    ids = {i.user_id: i.id for i in held.invitations}
    data = {
        f"represented_{ids[None]}": "yes",
        f"by_{ids[None]}": "Pat Partner, DSL",
        f"represented_{ids[volunteer.id]}": "yes",
        f"by_{ids[volunteer.id]}": "Vic Volunteer",
        f"represented_{ids[teacher.id]}": "no",
        f"by_{ids[teacher.id]}": "",
    }
    assert post(manager, f"/meetings/{meeting.id}/register", data).status_code == 302
    table = manager.get(f"/meetings/{meeting.id}").soup.select_one("#invitations")
    rows = [" ".join(th.get_text().split()) for th in table.select("tbody th")]
    assert f"{volunteer.name} (Shire Young Carers)" in rows and f"{teacher.name} ({world.other_school.name})" in rows

    # Attendance by agency, counted by hand: education is the locality's school (not answered, came) and the
    # teacher (not attending, did not come): 2 invited, 0 said they would come, 2 on the register, 1 came;
    # "other" is the volunteer (voluntary): 1, 1, 1, 1. Schools represented at partnership meetings count the
    # schools' own invitations: 1 of 1.
    report = manager.get(f"/dashboards/report?period={quarter(london_today()).key}&locality={world.locality.id}")
    agencies = {
        " ".join(tr.th.get_text().split()): [" ".join(td.get_text().split()) for td in tr.find_all("td")]
        for tr in report.soup.select("#table-agencies tbody tr")
    }
    assert agencies == {
        "Education": ["2", "0", "2", "1", "50%"],
        "Health": ["0", "0", "0", "0", "No data"],
        "Police": ["0", "0", "0", "0", "No data"],
        "Other": ["1", "1", "1", "1", "100%"],
    }
    headlines = {
        " ".join(tr.th.get_text().split()): " ".join(tr.find("td").get_text().split())
        for tr in report.soup.select("#table-headlines tbody tr")
    }
    assert headlines["Schools represented at partnership meetings"] == "100%"
    assert headlines["Invited organisations represented at meetings"] == "67%"  # 2 of 3


def test_a_person_is_invited_once_and_beside_their_organisation(client_for, world, people, send_mail, inbox):
    # The partner of the locality's school, invited by name as well: two invitations (their school's and
    # theirs), one e-mail, and they answer for themselves.
    manager = client_for(Role.MANAGER)
    assert _schedule(manager, world.partner.id).status_code == 302
    meeting = db.session.scalars(select(PartnershipMeeting)).one()
    assert sorted((i.organisation_id, i.user_id or 0) for i in meeting.invitations) == [
        (world.school.id, 0),
        (world.school.id, world.partner.id),
    ]
    assert send_mail() == (1, 0)
    [message] = inbox.wait_for(1)
    assert message["To"] == world.partner.email
    assert (
        post(client_for(Role.PARTNER), f"/meetings/{meeting.id}/answer", {"answer": "not_attending"}).status_code == 302
    )
    db.session.expire_all()
    answers = {i.user_id: i.answer for i in db.session.scalars(select(MeetingInvitation))}
    assert answers == {None: MeetingAnswer.NOT_ANSWERED, world.partner.id: MeetingAnswer.NOT_ATTENDING}


def test_a_person_invited_by_name_may_own_an_action_and_their_organisation_may_not(client_for, world, people):
    # Invited by name from another locality: offered as an owner in person; their organisation, and so their
    # colleagues, are not (it was not invited).
    meeting = held_meeting(world)
    MeetingInvitationFactory(meeting=meeting, organisation=people["charity"], user=people["volunteer"])
    page = client_for(Role.MANAGER).get(f"/meetings/{meeting.id}/actions/new")
    offered = {option["value"] for option in page.soup.select("select[name=owner] option") if option["value"]}
    assert f"user:{people['volunteer'].id}" in offered
    assert f"organisation:{people['charity'].id}" not in offered
    assert f"user:{people['colleague'].id}" not in offered and f"user:{world.other_partner.id}" not in offered
