"""Each person lands on their own home, where their work waits, one click from each item."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from portal.common.periods import quarter
from portal.common.roles import Role
from portal.common.times import london_today
from portal.dashboards.figures import responsiveness
from portal.dashboards.services import resolve_filters
from portal.extensions import db
from portal.meetings.models import MeetingAnswer, MeetingInvitation, PartnershipMeeting
from portal.models_base import utcnow
from portal.requests import timings
from portal.requests.models import (
    EscalationKind,
    InviteResponse,
    PodInvite,
    PodInvitee,
    RequestStatus,
    Step,
)
from tests import sessions_factories
from tests.conftest import sign_in
from tests.support.db import counting_queries


def _texts(page: Any, selector: str) -> list[str]:
    return [" ".join(li.get_text(" ").split()) for li in page.soup.select(f"{selector} li")]


def _links(page: Any, selector: str) -> list[str]:
    return [a["href"] for a in page.soup.select(f"{selector} a")]


def test_sign_in_lands_on_the_home_and_the_public_search_stays_at_the_root(app, world):
    client = app.test_client()
    assert sign_in(client, world.partner).headers["Location"] == "/home"
    assert client.get("/").status_code == 200 and client.get("/sign-in").headers["Location"] == "/home"


def test_the_partners_home_shows_contacts_what_waits_their_requests_and_bookings(client_for, world, factories):
    today = london_today()
    mine = factories.ConsultationRequestFactory(
        organisation=world.school,
        created_by=world.partner,
        routed_to=world.practitioner,
        worker=world.practitioner,
        status=RequestStatus.ACKNOWLEDGED,
        next_step="A call with the school",
        expected_by=today + timedelta(days=3),
    )
    closed = factories.ConsultationRequestFactory(
        organisation=world.school, created_by=world.partner, status=RequestStatus.CLOSED, closed_at=utcnow()
    )
    factories.ConsultationRequestFactory(organisation=world.other_school, created_by=world.other_partner)
    invite = PodInvite(
        request_id=mine.id,
        organiser_id=world.practitioner.id,
        starts_at=utcnow() + timedelta(days=2),
        ends_at=utcnow() + timedelta(days=2, hours=1),
        location="The school",
    )
    invite.invitees = [PodInvitee(user_id=world.partner.id, response=InviteResponse.NEEDS_ACTION)]
    db.session.add(invite)
    meeting = PartnershipMeeting(
        locality_id=world.locality.id,
        quarter_start=today.replace(day=1),
        title="Northfield school partnership",
        starts_at=utcnow() + timedelta(days=9),
        ends_at=utcnow() + timedelta(days=9, hours=2),
        organiser_id=world.manager.id,
    )
    meeting.invitations = [MeetingInvitation(organisation_id=world.school.id)]
    db.session.add(meeting)
    session = sessions_factories.SessionFactory(locality=world.locality, host=world.practitioner)
    sessions_factories.BookingFactory(session=session, user=world.partner)
    db.session.commit()

    page = client_for(Role.PARTNER).get("/home")
    assert page.status_code == 200
    assert world.practitioner.name in page.soup.select_one("#contact-today").get_text()
    assert world.manager.name in page.soup.select_one("#manager").get_text()
    waiting = _links(page, "#waiting-items")
    assert waiting == [
        f"/requests/{mine.id}/pod-invites/{invite.id}",
        f"/meetings/{meeting.id}",
        f"/requests/{closed.id}#pulse",
    ]
    [row] = _texts(page, "#open-requests")
    assert mine.reference in row and "Next: A call with the school" in row
    assert _links(page, "#bookings") == [f"/sessions/{session.id}"]

    # Answered, the items leave the list.
    invite.invitees[0].response = InviteResponse.ACCEPTED
    meeting.invitations[0].answer = MeetingAnswer.ATTENDING
    db.session.commit()
    page = client_for(Role.PARTNER).get("/home")
    assert _links(page, "#waiting-items") == [f"/requests/{closed.id}#pulse"]


def test_the_practitioners_home_sorts_the_queue_and_shows_promises_and_pod_meetings(client_for, world, factories):
    today = london_today()
    overdue = factories.ConsultationRequestFactory(
        organisation=world.school,
        routed_to=world.practitioner,
        worker=world.practitioner,
        status=RequestStatus.ACKNOWLEDGED,
        acknowledged_at=utcnow(),
        consult_due=today - timedelta(days=2),
    )
    due_today = factories.ConsultationRequestFactory(
        organisation=world.school,
        routed_to=world.practitioner,
        worker=world.practitioner,
        status=RequestStatus.ACKNOWLEDGED,
        acknowledged_at=utcnow(),
        consult_due=today,
    )
    new = factories.ConsultationRequestFactory(
        organisation=world.school, routed_to=world.practitioner, acknowledge_due=today + timedelta(days=1)
    )
    elsewhere = factories.ConsultationRequestFactory(organisation=world.other_school)
    promise = factories.PromiseFactory(request=due_today, made_by=world.practitioner, due_on=today)
    factories.PromiseFactory(request=due_today, made_by=world.practitioner, due_on=today + timedelta(days=5))
    pod = PodInvite(
        request_id=overdue.id,
        organiser_id=world.practitioner.id,
        starts_at=utcnow() + timedelta(days=1),
        ends_at=utcnow() + timedelta(days=1, hours=1),
    )
    db.session.add(pod)
    db.session.commit()

    page = client_for(Role.PRACTITIONER).get("/home")
    assert _links(page, "#overdue") == [f"/requests/{overdue.id}"]
    assert _links(page, "#due-today") == [f"/requests/{due_today.id}"]
    assert _links(page, "#new-requests") == [f"/requests/{new.id}"]
    assert elsewhere.reference not in page.get_data(as_text=True)
    [promise_row] = _texts(page, "#promises")
    assert promise.text in promise_row
    assert _links(page, "#pod-meetings") == [f"/requests/{overdue.id}/pod-invites/{pod.id}"]


def test_the_managers_home_shows_escalations_the_areas_counts_meetings_and_sessions(client_for, world, factories):
    today = london_today()
    raised = factories.ConsultationRequestFactory(organisation=world.school, routed_to=world.practitioner)
    factories.ConsultationRequestFactory(organisation=world.school, consult_due=today - timedelta(days=1))
    other = factories.ConsultationRequestFactory(organisation=world.other_school)
    escalation = factories.EscalationFactory(
        request=raised, kind=EscalationKind.SPEAK_TO_MANAGER, raised_by=world.partner, text="Please call me"
    )
    factories.EscalationFactory(request=other, kind=EscalationKind.DISAGREEMENT, raised_by=world.other_partner)
    meeting = PartnershipMeeting(
        locality_id=world.locality.id,
        quarter_start=_quarter_start(today),
        title="Northfield school partnership",
        starts_at=utcnow() + timedelta(days=3),
        ends_at=utcnow() + timedelta(days=3, hours=2),
        organiser_id=world.manager.id,
    )
    meeting.invitations = [MeetingInvitation(organisation_id=world.school.id)]
    db.session.add(meeting)
    db.session.commit()

    page = client_for(Role.MANAGER).get("/home")
    [row] = _texts(page, "#escalations")
    assert raised.reference in row and world.partner.name in row and "asked to speak to a manager" in row
    assert _links(page, "#escalations") == [f"/requests/{raised.id}#escalations"]
    assert other.reference not in page.get_data(as_text=True)
    assert page.soup.select_one("#open-count").get_text() == "2"
    assert page.soup.select_one("#overdue-count").get_text() == "1"
    assert page.soup.select_one("#unassigned-count").get_text() == "2"
    # Each count leads to a list of exactly those requests.
    manager = client_for(Role.MANAGER)
    for name in ("open", "overdue", "unassigned"):
        listed = manager.get(page.soup.select_one(f"#{name}-link")["href"])
        caption = listed.soup.select_one("#requests caption").get_text()
        assert caption.split()[0] == page.soup.select_one(f"#{name}-count").get_text(), name
    [meeting_row] = _texts(page, "#meetings")
    assert "Not answered yet: Castle Rock High School" in meeting_row

    escalation.responded_at = utcnow()
    db.session.commit()
    page = client_for(Role.MANAGER).get("/home")
    assert page.soup.select_one("#escalations-none") is not None


def test_the_admins_home_shows_mail_invitations_and_staff_without_a_second_factor(client_for, world):
    page = client_for(Role.ADMIN).get("/home")
    assert page.status_code == 200
    assert "0 failed" in page.soup.select_one("#mail-state").get_text()
    names = " ".join(_texts(page, "#no-second-factor"))
    assert world.practitioner.name in names and world.partner.name not in names


def test_a_home_costs_the_same_statements_however_many_requests(client_for, world, factories):
    def add(number: int) -> None:
        for _ in range(number):
            req = factories.ConsultationRequestFactory(organisation=world.school, created_by=world.partner)
            factories.EscalationFactory(request=req, raised_by=world.partner)
            factories.PromiseFactory(request=req, made_by=world.practitioner, due_on=london_today())
        db.session.commit()

    counts = []
    for role in (Role.PARTNER, Role.PRACTITIONER, Role.MANAGER):
        client = client_for(role)
        add(1)
        with counting_queries() as few:
            assert client.get("/home").status_code == 200
        add(15)
        with counting_queries() as many:
            assert client.get("/home").status_code == 200
        counts.append((role, len(few), len(many)))
    assert all(few == many for _, few, many in counts), counts


def _quarter_start(day: Any) -> Any:

    return quarter(day).start


def test_the_managers_headline_figures_are_the_dashboards_and_link_to_it(client_for, world, factories):
    now = utcnow()
    on_time = factories.ConsultationRequestFactory(organisation=world.school, worker=world.practitioner)
    late = factories.ConsultationRequestFactory(organisation=world.school, worker=world.practitioner)
    for req, days in ((on_time, 0), (late, 9)):
        req.received_at = now - timedelta(days=days + 1)
        req.acknowledged_at = now - timedelta(hours=1)
        req.status = RequestStatus.ACKNOWLEDGED
    db.session.commit()
    for req in (on_time, late):
        timings.record_acknowledged(req)
    db.session.commit()
    page = client_for(Role.MANAGER).get("/home")
    shown = {
        " ".join(row.dt.get_text().split()): " ".join(row.dd.get_text().split())
        for row in page.soup.select("#headline-figures .govuk-summary-list__row")
    }
    this_quarter = quarter(london_today())
    figures = responsiveness(resolve_filters(world.manager, period=this_quarter.key)).step(Step.ACKNOWLEDGE)
    assert figures.done == 2
    assert shown["Acknowledged within the service level"] == f"{figures.on_time_percent}% (of 2)"
    assert shown["Promises kept by their due date"] == "no data yet"
    link = page.soup.select_one("#dashboard-link a")["href"]
    assert link == f"/dashboards?period={this_quarter.key}"
    assert client_for(Role.MANAGER).get(link).status_code == 200
