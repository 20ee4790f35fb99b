"""Pod invites: a practitioner invites partner contacts to a meeting on a request. Invitees get an e-mail
with an iCalendar invitation (a change keeps the UID and raises SEQUENCE; a cancellation is a CANCEL),
answer in the portal, and staff record attendance after the meeting. Object checks give 404 to other
localities and schools; refused input shows GOV.UK errors and writes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from icalendar import Calendar
from sqlalchemy import select

from portal.common import outbox
from portal.common.models import AuditEvent
from portal.common.roles import Role
from portal.extensions import db
from portal.requests.models import (
    ConsultationRequest,
    EventKind,
    InviteResponse,
    PodInvite,
    PodInvitee,
    RequestEvent,
)
from tests.support.db import row_counts
from tests.support.forms import assert_error_page, post
from tests.support.mail import body_of, ics_of

LONDON = ZoneInfo("Europe/London")
SUMMARY = "Quentin has been withdrawn and tearful since the half-term holiday."
INITIALS = "QZ"


# --- helpers --------------------------------------------------------------------------------------


def meeting_day() -> date:
    return datetime.now(LONDON).date() + timedelta(days=14)


def form_data(people: list[int], *, day: date | None = None, **changes: Any) -> dict[str, Any]:
    day = day or meeting_day()
    data: dict[str, Any] = {
        "on": [str(day.day), str(day.month), str(day.year)],
        "starts": "10am",
        "ends": "11:30am",
        "location": "Castle Rock High School, meeting room 2",
        "online_link": "",
        "invitee_ids": [str(i) for i in people],
    }
    data.update(changes)
    return data


def fresh_invite(invite_id: int) -> PodInvite:
    db.session.expire_all()
    invite = db.session.get(PodInvite, invite_id)
    assert invite is not None
    return invite


def only_invite() -> PodInvite:
    db.session.expire_all()
    [invite] = db.session.scalars(select(PodInvite)).all()
    return invite


def vevent_of(data: bytes) -> tuple[Calendar, Any]:
    cal = Calendar.from_ical(data)
    [event] = cal.walk("VEVENT")
    return cal, event


def assert_no_case_details(*texts: str | bytes) -> None:
    for text in texts:
        value = text.decode() if isinstance(text, bytes) else text
        for detail in (SUMMARY, "Quentin", "withdrawn", f"{INITIALS}, born", "born 2014"):
            assert detail not in value, f"{detail!r} leaked: {value!r}"


@pytest.fixture
def send_mail(app: Flask) -> Any:
    """Run the outbox worker once in its own app context, as `flask outbox work --once` does."""

    def run() -> tuple[int, int]:
        with app.app_context():
            return outbox.send_due()

    return run


@pytest.fixture
def req(world: Any, factories: Any) -> ConsultationRequest:
    made: ConsultationRequest = factories.ConsultationRequestFactory(
        organisation=world.school,
        created_by=world.partner,
        routed_to=world.practitioner,
        worker=world.practitioner,
        child_initials=INITIALS,
        child_birth_year=2014,
        summary=SUMMARY,
    )
    return made


@pytest.fixture
def urls(req: ConsultationRequest) -> Any:
    def make(invite_id: int | None = None, action: str = "") -> str:
        base = f"/requests/{req.id}/pod-invites"
        if invite_id is None:
            return f"{base}/new"
        return f"{base}/{invite_id}" + (f"/{action}" if action else "")

    return make


def make_invite(req: ConsultationRequest, organiser: Any, invitees: list[Any], *, starts_at: datetime) -> PodInvite:
    """An invite written straight to the database (for times the form would refuse, such as the past)."""
    invite = PodInvite(
        request_id=req.id,
        organiser_id=organiser.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        location="Castle Rock High School",
    )
    invite.invitees = [PodInvitee(user_id=user.id) for user in invitees]
    db.session.add(invite)
    db.session.commit()
    return invite


@pytest.fixture
def sent(client_for: Any, world: Any, req: ConsultationRequest, urls: Any) -> PodInvite:
    """An invite the practitioner has sent to the world's partner through the form."""
    response = post(client_for(Role.PRACTITIONER), urls(), form_data([world.partner.id]))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return only_invite()


# --- sending --------------------------------------------------------------------------------------


def test_staff_see_send_a_pod_invite_on_the_request_page_and_partners_do_not(client_for, req, urls):
    page = client_for(Role.PRACTITIONER).get(f"/requests/{req.id}")
    link = page.soup.find("a", string="Send a pod invite")
    assert link is not None and link["href"] == urls()
    assert client_for(Role.PARTNER).get(f"/requests/{req.id}").soup.find("a", string="Send a pod invite") is None


def test_the_form_lists_active_partners_of_the_locality_only(client_for, world, factories, req, urls):
    colleague = factories.UserFactory(role=Role.PARTNER, organisation=world.school, name="Sam Senco")
    gone = factories.UserFactory(role=Role.PARTNER, organisation=world.school, name="Gone Person")
    gone.disabled_at = datetime.now(UTC)
    db.session.commit()

    page = client_for(Role.PRACTITIONER).get(urls())

    assert page.status_code == 200
    offered = {int(box["value"]) for box in page.soup.select("input[name=invitee_ids]")}
    assert offered == {world.partner.id, colleague.id}
    assert world.other_partner.id not in offered and gone.id not in offered
    assert {"Date", "Who do you want to invite?"} <= {legend.get_text(strip=True) for legend in page.soup("legend")}


def test_a_practitioner_sends_an_invite_and_the_partner_gets_an_icalendar_request(
    client_for, world, req, urls, send_mail, inbox
):
    client = client_for(Role.PRACTITIONER)
    response = post(client, urls(), form_data([world.partner.id]))

    invite = only_invite()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(urls(invite.id))
    assert (invite.sequence, invite.organiser_id, invite.location) == (
        0,
        world.practitioner.id,
        "Castle Rock High School, meeting room 2",
    )
    assert invite.starts_at == datetime.combine(meeting_day(), time(10), tzinfo=LONDON)
    assert invite.ends_at == datetime.combine(meeting_day(), time(11, 30), tzinfo=LONDON)
    assert [(i.user_id, i.response) for i in invite.invitees] == [(world.partner.id, InviteResponse.NEEDS_ACTION)]
    events = db.session.scalars(select(RequestEvent.kind).where(RequestEvent.request_id == req.id)).all()
    assert EventKind.POD_INVITE_SENT in events
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pod_invite.sent")) is not None

    assert send_mail() == (1, 0)
    [message] = inbox.wait_for(1)
    assert message["To"] == world.partner.email
    assert message["Subject"] == f"Invitation: pod meeting ({req.reference})"
    body = body_of(message)
    assert req.reference in body
    assert f"http://localhost{urls(invite.id)}" in body

    content_type, data = ics_of(message)
    assert content_type.startswith("text/calendar")
    assert "method=REQUEST" in content_type
    cal, event = vevent_of(data)
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == invite.uid
    assert int(event["SEQUENCE"]) == 0
    assert str(event["SUMMARY"]) == f"Pod meeting (ref {req.reference})"
    assert str(event["ORGANIZER"]).lower() == f"mailto:{world.practitioner.email}"
    attendees = event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
    assert [str(a).lower() for a in attendees] == [f"mailto:{world.partner.email}"]
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("DTSTART").replace(tzinfo=None) == datetime.combine(meeting_day(), time(10))
    assert event.decoded("DTEND").replace(tzinfo=None) == datetime.combine(meeting_day(), time(11, 30))
    assert f"DTSTART;TZID=Europe/London:{meeting_day():%Y%m%d}T100000".encode() in data
    [timezone] = cal.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == "Europe/London"
    assert_no_case_details(message["Subject"], body, data)


def test_an_online_meeting_needs_no_place(client_for, world, req, urls):
    link = "https://meet.example.org/abc-defg"
    response = post(client_for(Role.PRACTITIONER), urls(), form_data([world.partner.id], location="", online_link=link))
    assert response.status_code == 302
    invite = only_invite()
    assert (invite.location, invite.online_link) == ("", link)
    page = client_for(Role.PARTNER).get(urls(invite.id))
    assert page.soup.find("a", href=link) is not None


@pytest.mark.parametrize(
    ("changes", "messages"),
    [
        ({"starts": "2pm", "ends": "1pm"}, ["The end time must be after the start time"]),
        ({"starts": "2pm", "ends": "2pm"}, ["The end time must be after the start time"]),
        ({"invitee_ids": []}, ["Select at least one person to invite"]),
        ({"location": "", "online_link": ""}, ["Enter a place or an online link"]),
        (
            {"online_link": "meet.example.org/abc"},
            ["Enter the online link in the correct format, like https://meet.example.org/abc"],
        ),
        (
            {"online_link": "javascript:alert(1)"},
            ["Enter the online link in the correct format, like https://meet.example.org/abc"],
        ),
        ({"on": ["", "", ""], "starts": "", "ends": ""}, ["Enter the date of the meeting", "Enter the start time"]),
        ({"on": ["31", "2", "2030"]}, ["The date of the meeting must be a real date"]),
        ({"starts": "25:00"}, ["Enter a real start time, like 9:30am or 14:30"]),
        ({"invitee_ids": ["not-a-number"]}, ["Select people from the list"]),
    ],
    ids=[
        "end-before-start",
        "end-at-start",
        "no-invitee",
        "neither-place-nor-link",
        "link-without-scheme",
        "javascript-link",
        "nothing",
        "unreal-date",
        "unreal-time",
        "tampered-invitee",
    ],
)
def test_bad_input_shows_govuk_errors_and_writes_nothing(client_for, world, req, urls, changes, messages):
    client = client_for(Role.PRACTITIONER)
    before = row_counts()

    response = post(client, urls(), form_data([world.partner.id], **changes))

    assert_error_page(response, *messages)
    assert row_counts() == before


def test_a_past_time_is_refused(client_for, world, req, urls):
    client = client_for(Role.PRACTITIONER)
    yesterday = datetime.now(LONDON).date() - timedelta(days=1)
    before = row_counts()

    response = post(client, urls(), form_data([world.partner.id], day=yesterday))

    assert_error_page(response, "The date of the meeting must be today or in the future")
    assert row_counts() == before


def test_only_partners_of_the_locality_can_be_invited(client_for, world, factories, req, urls):
    staff = factories.UserFactory(role=Role.PRACTITIONER, locality=world.locality)
    client = client_for(Role.PRACTITIONER)
    before = row_counts()
    for outsider in (world.other_partner, staff):
        response = post(client, urls(), form_data([world.partner.id, outsider.id]))
        assert_error_page(response, "Select people from the list")
    assert row_counts() == before


# --- changing and cancelling ----------------------------------------------------------------------


def test_a_change_keeps_the_uid_raises_the_sequence_and_asks_again_then_a_cancel_follows(
    client_for, world, req, urls, sent, send_mail, inbox
):
    partner = client_for(Role.PARTNER)
    assert post(partner, urls(sent.id, "respond"), {"response": "accepted"}).status_code == 302
    practitioner = client_for(Role.PRACTITIONER)
    edit = practitioner.get(urls(sent.id, "edit"))
    assert edit.status_code == 200
    assert edit.soup.find("input", attrs={"name": "starts"})["value"] == "10:00"

    later_day = meeting_day() + timedelta(days=1)
    response = post(
        practitioner,
        urls(sent.id, "edit"),
        {
            "on": [str(later_day.day), str(later_day.month), str(later_day.year)],
            "starts": "2pm",
            "ends": "3pm",
            "location": "Castle Rock High School, library",
            "online_link": "",
        },
    )

    assert response.status_code == 302
    invite = fresh_invite(sent.id)
    assert invite.sequence == 1
    assert invite.starts_at == datetime.combine(later_day, time(14), tzinfo=LONDON)
    assert [i.response for i in invite.invitees] == [InviteResponse.NEEDS_ACTION]
    send_mail()
    messages = inbox.wait_for(3)
    invitation, answer, change = messages  # to the partner, to the organiser, to the partner
    assert answer["To"] == world.practitioner.email
    assert change["Subject"] == f"Changed: pod meeting ({req.reference})"
    _, first = vevent_of(ics_of(invitation)[1])
    content_type, data = ics_of(change)
    assert "method=REQUEST" in content_type
    cal, changed = vevent_of(data)
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(changed["UID"]) == str(first["UID"]) == invite.uid
    assert int(changed["SEQUENCE"]) == 1
    assert changed.decoded("DTSTART").replace(tzinfo=None) == datetime.combine(later_day, time(14))
    assert str(changed["LOCATION"]) == "Castle Rock High School, library"

    assert post(practitioner, urls(sent.id, "cancel"), {"confirm": "yes"}).status_code == 302
    invite = fresh_invite(sent.id)
    assert invite.cancelled_at is not None and invite.sequence == 2
    send_mail()
    cancel = inbox.wait_for(4)[3]
    assert cancel["To"] == world.partner.email
    content_type, data = ics_of(cancel)
    assert "method=CANCEL" in content_type
    cal, cancelled = vevent_of(data)
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(cancelled["UID"]) == invite.uid
    assert int(cancelled["SEQUENCE"]) == 2
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert_no_case_details(*(body_of(m) for m in messages), cancel["Subject"], body_of(cancel), data)
    events = db.session.scalars(select(RequestEvent.kind).where(RequestEvent.request_id == req.id)).all()
    assert {EventKind.POD_INVITE_CHANGED, EventKind.POD_INVITE_CANCELLED} <= set(events)

    # A cancelled meeting can be neither changed, nor answered, nor cancelled again.
    assert practitioner.get(urls(sent.id, "edit")).status_code == 302
    before = row_counts()
    assert post(practitioner, urls(sent.id, "cancel"), {"confirm": "yes"}).status_code == 302
    assert post(partner, urls(sent.id, "respond"), {"response": "declined"}).status_code == 302
    assert row_counts() == before


def test_a_change_must_change_something_and_bad_input_writes_nothing(client_for, world, sent, urls):
    practitioner = client_for(Role.PRACTITIONER)
    day = meeting_day()
    same = {
        "on": [str(day.day), str(day.month), str(day.year)],
        "starts": "10am",
        "ends": "11:30am",
        "location": "Castle Rock High School, meeting room 2",
        "online_link": "",
    }
    before = row_counts()
    assert_error_page(
        post(practitioner, urls(sent.id, "edit"), same), "Change the time or the place, or go back without saving"
    )
    assert_error_page(
        post(practitioner, urls(sent.id, "edit"), {**same, "starts": "3pm", "ends": "2pm"}),
        "The end time must be after the start time",
    )
    assert_error_page(
        post(practitioner, urls(sent.id, "edit"), {**same, "location": ""}), "Enter a place or an online link"
    )
    assert row_counts() == before
    assert fresh_invite(sent.id).sequence == 0


# --- answering ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "label"),
    [("accepted", "Accepted"), ("declined", "Declined"), ("proposed", "Proposed another time")],
)
def test_the_partner_answers_in_the_portal_and_the_organiser_sees_it_and_is_told(
    client_for, world, req, urls, sent, send_mail, inbox, answer, label
):
    partner = client_for(Role.PARTNER)
    page = partner.get(urls(sent.id))
    assert page.soup.find("input", attrs={"name": "response", "value": answer}) is not None
    assert {"Can you attend?", "Date you propose"} <= {legend.get_text(strip=True) for legend in page.soup("legend")}
    proposed_day = meeting_day() + timedelta(days=2)
    data: dict[str, Any] = {"response": answer}
    if answer == "proposed":
        data.update(proposed_on=[str(proposed_day.day), str(proposed_day.month), str(proposed_day.year)])
        data.update(proposed_at="1:30pm")

    response = post(partner, urls(sent.id, "respond"), data)

    assert response.status_code == 302
    [invitee] = fresh_invite(sent.id).invitees
    assert invitee.response is InviteResponse(answer)
    assert invitee.responded_at is not None
    if answer == "proposed":
        assert invitee.proposed_starts_at == datetime.combine(proposed_day, time(13, 30), tzinfo=LONDON)
    else:
        assert invitee.proposed_starts_at is None

    organiser_page = client_for(Role.PRACTITIONER).get(urls(sent.id))
    row = " ".join(organiser_page.soup.select_one("#responses tbody tr").get_text().split())
    assert world.partner.name in row and label in row
    if answer == "proposed":
        assert "1:30pm" in row

    send_mail()
    messages = inbox.wait_for(2)
    [told] = [m for m in messages if m["To"] == world.practitioner.email]
    assert told["Subject"] == f"{label}: pod meeting ({req.reference})"
    body = body_of(told)
    assert world.partner.name in body and req.reference in body
    assert f"http://localhost{urls(sent.id)}" in body
    assert_no_case_details(told["Subject"], body)


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        ({}, ["Select whether you can attend"]),
        ({"response": "proposed"}, ["Enter the date you propose", "Enter the time you propose"]),
        (
            {"response": "proposed", "proposed_on": ["1", "1", "2020"], "proposed_at": "10am"},
            ["The time you propose must be in the future"],
        ),
        (
            {"response": "proposed", "proposed_on": ["1", "1", "2040"], "proposed_at": "99"},
            ["Enter a real time, like 9:30am or 14:30"],
        ),
    ],
    ids=["no-answer", "proposal-without-time", "proposal-in-the-past", "unreal-time"],
)
def test_a_bad_answer_shows_govuk_errors_and_writes_nothing(client_for, sent, urls, data, messages):
    partner = client_for(Role.PARTNER)
    before = row_counts()
    assert_error_page(post(partner, urls(sent.id, "respond"), data), *messages)
    assert row_counts() == before


def test_someone_not_invited_cannot_answer(client_for, world, factories, sent, urls):
    colleague = factories.UserFactory(role=Role.PARTNER, organisation=world.school)
    client = client_for(colleague)
    # The request's organisation may see the meeting, but only an invitee is offered the answer...
    page = client.get(urls(sent.id))
    assert page.status_code == 200
    assert page.soup.find("input", attrs={"name": "response"}) is None
    before = row_counts()
    # ... and only an invitee may answer.
    assert post(client, urls(sent.id, "respond"), {"response": "accepted"}).status_code == 404
    assert row_counts() == before


def test_an_invitee_of_another_organisation_in_the_locality_sees_the_meeting_but_not_the_request(
    client_for, world, factories, req, urls
):
    nearby = factories.OrganisationFactory(locality=world.locality, name="Hill Top Surgery")
    nurse = factories.UserFactory(role=Role.PARTNER, organisation=nearby, name="Nia Nurse")
    assert post(client_for(Role.PRACTITIONER), urls(), form_data([nurse.id])).status_code == 302
    invite = only_invite()
    client = client_for(nurse)

    page = client.get(urls(invite.id))
    assert page.status_code == 200
    assert SUMMARY not in page.get_data(as_text=True) and f"{INITIALS}, born" not in page.get_data(as_text=True)
    assert client.get(f"/requests/{req.id}").status_code == 404
    assert post(client, urls(invite.id, "respond"), {"response": "accepted"}).status_code == 302
    assert fresh_invite(invite.id).invitees[0].response is InviteResponse.ACCEPTED


# --- attendance -----------------------------------------------------------------------------------


def test_attendance_is_recorded_after_the_meeting(client_for, world, factories, req, urls):
    colleague = factories.UserFactory(role=Role.PARTNER, organisation=world.school, name="Sam Senco")
    invite = make_invite(
        req, world.practitioner, [world.partner, colleague], starts_at=datetime.now(UTC) - timedelta(hours=2)
    )
    client = client_for(Role.PRACTITIONER)
    page = client.get(urls(invite.id, "attendance"))
    assert page.status_code == 200
    assert {int(b["value"]) for b in page.soup.select("input[name=attended_ids]")} == {world.partner.id, colleague.id}

    response = post(client, urls(invite.id, "attendance"), {"attended_ids": [str(world.partner.id)]})

    assert response.status_code == 302
    invite = fresh_invite(invite.id)
    assert invite.attendance_recorded_at is not None
    assert {i.user_id: i.attended for i in invite.invitees} == {world.partner.id: True, colleague.id: False}
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pod_invite.attendance_recorded"))
    shown = client.get(urls(invite.id)).soup.select("#responses tbody tr")
    assert [r.select("td")[-1].get_text().strip() for r in shown] == ["Yes", "No"]


def test_attendance_is_refused_before_the_meeting_starts(client_for, world, sent, urls):
    client = client_for(Role.PRACTITIONER)
    assert client.get(urls(sent.id, "attendance")).status_code == 302
    before = row_counts()

    response = post(client, urls(sent.id, "attendance"), {"attended_ids": [str(world.partner.id)]})

    assert_error_page(response, "You can record attendance once the meeting has started")
    assert row_counts() == before
    assert fresh_invite(sent.id).attendance_recorded_at is None


def test_partners_cannot_record_attendance(client_for, world, req, urls):
    invite = make_invite(req, world.practitioner, [world.partner], starts_at=datetime.now(UTC) - timedelta(hours=2))
    client = client_for(Role.PARTNER)
    assert client.get(urls(invite.id, "attendance")).status_code == 403
    assert post(client, urls(invite.id, "attendance"), {"attended_ids": [str(world.partner.id)]}).status_code == 403
    assert fresh_invite(invite.id).attendance_recorded_at is None


# --- the request page -----------------------------------------------------------------------------


def test_the_request_page_lists_its_pod_meetings(client_for, req, sent, urls):
    for role in (Role.PRACTITIONER, Role.PARTNER):
        page = client_for(role).get(f"/requests/{req.id}")
        links = page.soup.select("#pod-invites a")
        assert [a["href"] for a in links] == [urls(sent.id)]


# --- object access --------------------------------------------------------------------------------

PEOPLE = {Role.PARTNER, Role.PRACTITIONER, Role.MANAGER}
ROUTES = [
    ("GET", "new", None),
    ("POST", "new", "form"),
    ("GET", "", None),
    ("POST", "respond", {"response": "accepted"}),
    ("GET", "edit", None),
    ("POST", "edit", "form"),
    ("GET", "cancel", None),
    ("POST", "cancel", {"confirm": "yes"}),
    ("GET", "attendance", None),
    ("POST", "attendance", {"attended_ids": []}),
]


@pytest.mark.parametrize("outsider", ["other_practitioner", "other_partner", "nearby_partner"])
@pytest.mark.parametrize(("method", "action", "data"), ROUTES, ids=[f"{m} {a or 'view'}" for m, a, _ in ROUTES])
def test_another_localitys_practitioner_and_another_schools_partner_get_404_and_change_nothing(
    client_for, world, factories, req, urls, outsider, method, action, data
):
    """On every route the user's role may use, it is 404: existence does not leak. On the others the
    role check answers first with 403, whatever the id (as the access table says)."""
    invite = make_invite(req, world.practitioner, [world.partner], starts_at=datetime.now(UTC) + timedelta(days=3))
    # A past meeting for the attendance routes, which act only on meetings that have started.
    past = make_invite(req, world.practitioner, [world.partner], starts_at=datetime.now(UTC) - timedelta(hours=2))
    target = past if action == "attendance" else invite
    if outsider == "nearby_partner":  # another school in the same locality, not invited
        user = factories.UserFactory(
            role=Role.PARTNER, organisation=factories.OrganisationFactory(locality=world.locality)
        )
    else:
        user = getattr(world, outsider)
    may_use = {"": PEOPLE, "respond": {Role.PARTNER}}.get(action, {Role.PRACTITIONER, Role.MANAGER})
    expected = 404 if user.role in may_use else 403
    client = client_for(user)
    url = urls() if action == "new" else urls(target.id, "" if action == "" else action)
    body = form_data([world.partner.id]) if data == "form" else data
    before = row_counts()

    response = client.get(url) if method == "GET" else post(client, url, body)

    assert response.status_code == expected, (outsider, method, url)
    after = row_counts()
    # Only a refusal's own audit row (403) may be written.
    after.pop("audit_event"), before.pop("audit_event")
    assert after == before
    invite = fresh_invite(invite.id)
    assert (invite.sequence, invite.cancelled_at, invite.invitees[0].response) == (
        0,
        None,
        InviteResponse.NEEDS_ACTION,
    )
