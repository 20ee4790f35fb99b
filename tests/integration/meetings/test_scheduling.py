"""A manager schedules the quarter's meeting: every school of the locality is invited and its contacts get an
e-mail with an iCalendar REQUEST (parsed back here); one meeting per locality and quarter; a change keeps the
UID and raises SEQUENCE; a cancellation is a CANCEL. Everything is audited; refused input writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.common.models import OutboxMessage
from portal.common.periods import quarter
from portal.common.roles import Role
from portal.directory.models import OrganisationKind
from portal.extensions import db
from portal.meetings.models import MeetingAnswer, MeetingInvitation, PartnershipMeeting
from tests.integration.meetings.conftest import (
    LONDON,
    attendees_of,
    audit_actions,
    body_of,
    ics_of,
    meeting_day,
    only_meeting,
    schedule_data,
    subject_of,
    vevent_of,
)
from tests.support.db import count, fresh
from tests.support.forms import assert_error_page, banner, post


@pytest.fixture
def locality_people(world: Any, factories: Any) -> Any:
    """A second school with two contacts (and one disabled), and a health agency that is not a school."""
    second = factories.OrganisationFactory(name="Broom Leys Primary School", locality=world.locality)
    colleague = factories.UserFactory(role=Role.PARTNER, organisation=second, name="Sam Senco")
    head = factories.UserFactory(role=Role.PARTNER, organisation=second, name="Hana Head")
    gone = factories.UserFactory(role=Role.PARTNER, organisation=second, name="Gone Person")
    gone.disabled_at = datetime.now(UTC)
    agency = factories.OrganisationFactory(name="School Nursing", kind=OrganisationKind.HEALTH, locality=world.locality)
    nurse = factories.UserFactory(role=Role.PARTNER, organisation=agency, name="Nia Nurse")
    db.session.commit()
    return {"second": second, "colleague": colleague, "head": head, "gone": gone, "nurse": nurse}


def _schedule(client_for: Any, **changes: Any) -> Any:
    return post(client_for(Role.MANAGER), "/meetings/schedule", schedule_data(**changes))


def test_scheduling_invites_every_school_and_e_mails_their_contacts_an_icalendar_request(
    client_for, world, locality_people, send_mail, inbox
):
    response = _schedule(client_for)

    meeting = only_meeting()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/meetings/{meeting.id}")
    day = meeting_day()
    assert meeting.quarter_start == quarter(day).start
    assert meeting.title == f"Northfield partnership meeting, {quarter(day).label}"
    assert (meeting.sequence, meeting.organiser_id, meeting.locality_id) == (0, world.manager.id, world.locality.id)
    assert meeting.starts_at == datetime.combine(day, time(15, 30), tzinfo=LONDON)
    invited = {i.organisation_id for i in meeting.invitations}
    assert invited == {world.school.id, locality_people["second"].id}  # schools only, this locality only
    assert all(i.answer is MeetingAnswer.NOT_ANSWERED for i in meeting.invitations)
    assert audit_actions() == ["meeting.scheduled"]

    contacts = {world.partner.email, locality_people["colleague"].email, locality_people["head"].email}
    assert send_mail() == (3, 0)
    messages = inbox.wait_for(3)
    assert {m["To"] for m in messages} == contacts  # not the disabled contact, the nurse or another locality
    for message in messages:
        assert subject_of(message) == f"Invitation: {meeting.title}"
        body = " ".join(body_of(message).split())
        assert f"http://localhost/meetings/{meeting.id}" in body
        assert "Answer in the portal" in body
        assert "do not answer with your calendar's Accept or Decline buttons" in body
        content_type, cal, event = vevent_of(message)
        assert "method=REQUEST" in content_type
        assert str(cal["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == meeting.uid == f"partnership-meeting-{meeting.id}@partner-portal"
        assert int(event["SEQUENCE"]) == 0
        assert str(event["SUMMARY"]) == meeting.title
        assert str(event["ORGANIZER"]).lower() == f"mailto:{world.manager.email}"
        # Each contact's own file: it lists them alone, and no other contact's address is anywhere in it.
        assert attendees_of(event) == [message["To"].lower()]
        assert [a.params["RSVP"] for a in event.attendees] == ["FALSE"]  # answers are given in the portal
        raw = ics_of(message)[1].decode().lower()
        assert not [other for other in contacts - {message["To"]} if other.lower() in raw]
        assert event["DTSTART"].params["TZID"] == "Europe/London"
        assert event.decoded("DTSTART").replace(tzinfo=None) == datetime.combine(day, time(15, 30))
        assert event.decoded("DTEND").replace(tzinfo=None) == datetime.combine(day, time(17))
        assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/London"]


def test_one_meeting_per_locality_and_quarter(client_for, world):
    assert _schedule(client_for).status_code == 302
    before = count(OutboxMessage)
    same_quarter = quarter(meeting_day())
    day = same_quarter.end if same_quarter.end != meeting_day() else same_quarter.end - timedelta(days=1)

    response = _schedule(client_for, on=[str(day.day), str(day.month), str(day.year)])

    assert_error_page(
        response,
        f"Northfield already has a meeting in {same_quarter.label} ({same_quarter.long_label}). Choose a date in"
        " another quarter, or change that meeting",
    )
    assert count(PartnershipMeeting) == 1 and count(OutboxMessage) == before
    # What the manager typed is kept.
    assert response.soup.find("input", attrs={"name": "location"})["value"] == "Castle Rock High School, the library"

    next_quarter = meeting_day(100)
    assert (
        _schedule(client_for, on=[str(next_quarter.day), str(next_quarter.month), str(next_quarter.year)]).status_code
        == 302
    )
    assert count(PartnershipMeeting) == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"on": ["", "", ""]}, "Enter the date of the meeting"),
        ({"on": ["31", "2", "2030"]}, "The date of the meeting must be a real date"),
        ({"starts": "teatime"}, "Enter a real start time, like 9:30am or 14:30"),
        ({"ends": "2pm"}, "The end time must be after the start time"),
        ({"location": "", "online_link": ""}, "Enter a place or an online link"),
        (
            {"online_link": "meet dot example"},
            "Enter the online link in the correct format, like https://meet.example.org/abc",
        ),
    ],
)
def test_refused_input_shows_gov_uk_errors_and_writes_nothing(client_for, world, changes, message):
    response = _schedule(client_for, **changes)

    assert_error_page(response, message)
    assert count(PartnershipMeeting) == 0 and count(OutboxMessage) == 0


def test_a_date_in_the_past_is_refused(client_for, world):
    yesterday = meeting_day(-1)
    response = _schedule(client_for, on=[str(yesterday.day), str(yesterday.month), str(yesterday.year)])
    assert_error_page(response, "The date of the meeting must be today or in the future")


def test_a_manager_of_two_localities_chooses_one_and_cannot_choose_another(client_for, world, factories):
    second = factories.LocalityFactory(name="Eastbrook", manager_id=world.manager.id)
    factories.OrganisationFactory(name="Eastbrook Academy", locality=second)
    client = client_for(Role.MANAGER)
    page = client.get("/meetings/schedule")
    offered = {int(r["value"]) for r in page.soup.select("input[name=locality_id]")}
    assert offered == {world.locality.id, second.id}

    refused = post(client, "/meetings/schedule", schedule_data(locality_id=str(world.other_locality.id)))
    assert_error_page(refused, "Select the locality")
    assert count(PartnershipMeeting) == 0

    assert post(client, "/meetings/schedule", schedule_data(locality_id=str(second.id))).status_code == 302
    meeting = only_meeting()
    assert meeting.locality_id == second.id
    assert [i.organisation.name for i in meeting.invitations] == ["Eastbrook Academy"]


def test_a_change_keeps_the_uid_raises_the_sequence_and_asks_for_new_answers(client_for, world, send_mail, inbox):
    _schedule(client_for)
    meeting = only_meeting()
    invitation = meeting.invitations[0]
    invitation.answer, invitation.attendees = MeetingAnswer.ATTENDING, "Pat Partner"
    db.session.commit()
    send_mail()
    inbox.clear()

    later = meeting_day(15)
    response = post(
        client_for(Role.MANAGER),
        f"/meetings/{meeting.id}/change",
        schedule_data(later, starts="9am", ends="10:30am", location="", online_link="https://meet.example.org/abc"),
    )

    assert response.status_code == 302
    meeting = only_meeting()
    assert meeting.sequence == 1
    assert meeting.online_link == "https://meet.example.org/abc"
    assert meeting.invitations[0].answer is MeetingAnswer.NOT_ANSWERED  # a new time: answer again
    assert audit_actions() == ["meeting.scheduled", "meeting.changed"]
    assert send_mail() == (1, 0)
    [message] = inbox.wait_for(1)
    assert subject_of(message) == f"Changed: {meeting.title}"
    assert "Please answer again" in body_of(message)
    _, cal, event = vevent_of(message)
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == meeting.uid
    assert int(event["SEQUENCE"]) == 1
    assert attendees_of(event) == [world.partner.email.lower()]
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("DTSTART").replace(tzinfo=None) == datetime.combine(later, time(9))


def test_changing_only_the_agenda_keeps_the_answers(client_for, world, send_mail):
    _schedule(client_for)
    meeting = only_meeting()
    meeting.invitations[0].answer = MeetingAnswer.NOT_ATTENDING
    db.session.commit()
    response = post(client_for(Role.MANAGER), f"/meetings/{meeting.id}/change", schedule_data(agenda="1. Welcome"))
    assert response.status_code == 302
    meeting = only_meeting()
    assert (meeting.sequence, meeting.agenda, meeting.invitations[0].answer) == (
        1,
        "1. Welcome",
        MeetingAnswer.NOT_ATTENDING,
    )


def test_saving_no_change_is_refused(client_for, world):
    _schedule(client_for)
    meeting = only_meeting()
    response = post(client_for(Role.MANAGER), f"/meetings/{meeting.id}/change", schedule_data())
    assert_error_page(response, "Change the time, the place or the agenda, or go back without saving")
    assert only_meeting().sequence == 0


def test_cancelling_sends_a_cancel_with_the_same_uid_and_a_higher_sequence(client_for, world, send_mail, inbox):
    _schedule(client_for)
    meeting = only_meeting()
    send_mail()
    inbox.clear()
    client = client_for(Role.MANAGER)

    response = post(client, f"/meetings/{meeting.id}/cancel", {"confirm": "yes"})

    assert response.status_code == 302
    meeting = only_meeting()
    assert meeting.cancelled_at is not None and meeting.sequence == 1
    assert audit_actions() == ["meeting.scheduled", "meeting.cancelled"]
    assert send_mail() == (1, 0)
    [message] = inbox.wait_for(1)
    assert subject_of(message) == f"Cancelled: {meeting.title}"
    content_type, cal, event = vevent_of(message)
    assert "method=CANCEL" in content_type
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == meeting.uid
    assert int(event["SEQUENCE"]) == 1
    assert attendees_of(event) == [world.partner.email.lower()]
    assert all("RSVP" not in a.params for a in event.attendees)
    assert "do not answer with your calendar" not in body_of(message)

    page = client.get(f"/meetings/{meeting.id}")
    assert page.soup.select_one("#meeting-status").get_text(strip=True) == "Cancelled"
    assert page.soup.find("a", href=f"/meetings/{meeting.id}/change") is None
    again = post(client, f"/meetings/{meeting.id}/cancel", {"confirm": "yes"})
    assert "cancelled" in banner(client.get(again.headers["Location"]))
    assert only_meeting().sequence == 1


def test_the_cancelled_quarter_can_be_scheduled_again_with_the_same_uid(client_for, world, send_mail, inbox):
    _schedule(client_for)
    meeting = only_meeting()
    post(client_for(Role.MANAGER), f"/meetings/{meeting.id}/cancel", {"confirm": "yes"})
    send_mail()
    inbox.clear()

    response = _schedule(client_for, starts="10am", ends="11am")

    assert response.status_code == 302
    again = only_meeting()
    assert (again.id, again.cancelled_at, again.sequence) == (meeting.id, None, 2)
    assert db.session.scalar(select(func.count()).select_from(MeetingInvitation)) == 1
    send_mail()
    [message] = inbox.wait_for(1)
    _, cal, event = vevent_of(message)
    assert (str(cal["METHOD"]), str(event["UID"]), int(event["SEQUENCE"])) == ("REQUEST", meeting.uid, 2)


def test_a_meeting_that_has_started_can_no_longer_be_changed_or_cancelled(client_for, world):
    from tests.integration.meetings.conftest import held_meeting

    meeting = held_meeting(world)
    client = client_for(Role.MANAGER)
    assert client.get(f"/meetings/{meeting.id}/change").status_code == 302
    post(client, f"/meetings/{meeting.id}/cancel", {"confirm": "yes"})
    db.session.expire_all()
    assert db.session.get(PartnershipMeeting, meeting.id).cancelled_at is None
    assert count(OutboxMessage) == 0


def test_the_list_shows_upcoming_and_past_meetings_and_what_is_left_to_schedule(client_for, world):
    from tests.integration.meetings.conftest import held_meeting

    past = held_meeting(world, starts_at=datetime.now(UTC) - timedelta(days=100))
    manager_page = client_for(Role.MANAGER).get("/meetings")
    assert manager_page.soup.select_one("#past").find("a", string=past.title) is not None
    assert "Northfield" in manager_page.soup.select_one("#unscheduled").get_text()

    _schedule(client_for)
    upcoming = db.session.scalar(select(PartnershipMeeting).where(PartnershipMeeting.id != past.id))
    partner_page = client_for(Role.PARTNER).get("/meetings")
    assert partner_page.soup.select_one("#upcoming").find("a", string=upcoming.title) is not None
    assert partner_page.soup.select_one("#unscheduled") is None
    other = client_for(world.other_partner).get("/meetings")
    assert other.soup.find("a", string=upcoming.title) is None


def test_moving_the_meeting_clears_who_was_coming_and_who_answered(client_for, world):
    _schedule(client_for)
    meeting = only_meeting()
    answered = post(
        client_for(Role.PARTNER), f"/meetings/{meeting.id}/answer", {"answer": "attending", "attendees": "Pat, DSL"}
    )
    assert answered.status_code == 302
    manager = client_for(Role.MANAGER)
    row = manager.get(f"/meetings/{meeting.id}").soup.select_one("#invitations tbody tr")
    assert " ".join(row.get_text(" ").split()) == "Castle Rock High School Attending: Pat, DSL"

    later = meeting_day(15)
    assert post(manager, f"/meetings/{meeting.id}/change", schedule_data(later)).status_code == 302

    invitation = fresh(MeetingInvitation, meeting.invitations[0].id)
    assert (invitation.answer, invitation.attendees, invitation.answered_by_id, invitation.answered_at) == (
        MeetingAnswer.NOT_ANSWERED,
        "",
        None,
        None,
    )
    row = manager.get(f"/meetings/{meeting.id}").soup.select_one("#invitations tbody tr")
    assert [" ".join(cell.get_text().split()) for cell in row.select("th, td")] == [
        "Castle Rock High School",
        "Not answered yet",
    ]
    partner_page = client_for(Role.PARTNER).get(f"/meetings/{meeting.id}")
    assert partner_page.soup.select_one("#current-answer") is None  # no "Answered by Pat Partner" any more


def test_the_manager_is_told_which_schools_nobody_could_be_e_mailed_at(client_for, world, factories):
    factories.OrganisationFactory(name="Hall Orchard", locality=world.locality)  # no contact at all
    quiet = factories.OrganisationFactory(name="Broom Leys Primary School", locality=world.locality)
    gone = factories.UserFactory(role=Role.PARTNER, organisation=quiet, name="Gone Person")
    gone.disabled_at = datetime.now(UTC)  # its only contact is disabled
    eastbrook = factories.LocalityFactory(name="Eastbrook", manager_id=world.manager.id)
    factories.OrganisationFactory(name="Eastbrook Academy", locality=eastbrook)
    db.session.commit()
    client = client_for(Role.MANAGER)

    response = post(client, "/meetings/schedule", schedule_data(locality_id=str(world.locality.id)))

    assert response.status_code == 302
    assert banner(client.get(response.headers["Location"])) == (
        "Success Meeting scheduled. 3 schools have been invited. 2 of them have no active contact in the portal, "
        "so nobody there has been e-mailed: Broom Leys Primary School, Hall Orchard."
    )
    assert {m.recipient for m in db.session.scalars(select(OutboxMessage))} == {world.partner.email}

    alone = post(client, "/meetings/schedule", schedule_data(locality_id=str(eastbrook.id)))
    assert banner(client.get(alone.headers["Location"])) == (
        "Success Meeting scheduled. 1 school has been invited. It has no active contact in the portal, "
        "so nobody has been e-mailed: Eastbrook Academy."
    )


def test_when_every_school_has_a_contact_the_message_says_only_how_many_were_invited(client_for, world):
    client = client_for(Role.MANAGER)
    response = post(client, "/meetings/schedule", schedule_data())
    assert banner(client.get(response.headers["Location"])) == "Success Meeting scheduled. 1 school has been invited."
