"""axe-core (WCAG 2.2 AA) and the page checks on the form pages no journey reaches, on the demo data (its
requests, pod invites, meetings and sessions: seeds/demo_*.py), as the role that uses each one: every page as
it opens, then its form posted empty or invalid, which must come back as the same page in its error state
("Error: " title, the error summary, each summary link leading to a field on the page)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.common.models import OutboxMessage
from portal.common.roles import Role
from portal.directory.models import Locality, Organisation
from portal.extensions import db
from portal.feedback.services import find_pulse
from portal.meetings import services as meetings
from portal.meetings.models import PartnershipMeeting
from portal.meetings.record import carried_forward
from portal.requests import invites
from portal.requests.models import ConsultationRequest, EscalationKind, PodInvite, RequestStatus
from portal.sessions.models import Session, SessionKind


@dataclass(frozen=True)
class Demo:
    """Paths into the demo data, found as a person would find them (by what they are, not by id)."""

    pulse: str  # Castle Rock's closed request whose pulse is not answered yet
    upcoming_invite: str  # the pod meeting to come, that partner@example.org has not answered
    past_invite: str  # the pod meeting that took place
    scheduled: str  # Castle Rock's request with a consultation arranged
    escalation: str  # the request to speak to a manager that manager@example.org has not answered
    meeting: str  # Charnwood South and Desford's meeting still to come
    action: str  # an open action carried forward to it
    session: str  # Charnwood's Front Door shadowing session


def _demo(live_server: Any) -> Demo:
    with live_server.app.app_context():
        partner = db.session.scalar(select(User).where(User.email == "partner@example.org"))
        castle_rock = partner.organisation_id
        requests = db.session.scalars(select(ConsultationRequest).order_by(ConsultationRequest.id)).all()
        [pulse] = [r for r in requests if r.status is RequestStatus.CLOSED and find_pulse(r) is None]
        pods = db.session.scalars(select(PodInvite).order_by(PodInvite.id)).all()
        [upcoming] = [i for i in pods if invites.is_open(i) and invites.invitee_of(i, partner)]
        [past] = [i for i in pods if i.attendance_recorded_at is not None]
        [scheduled] = [r for r in requests if r.organisation_id == castle_rock and r.status is RequestStatus.SCHEDULED]
        [(asked, escalation)] = [
            (r, e)
            for r in requests
            for e in r.escalations
            if e.kind is EscalationKind.SPEAK_TO_MANAGER and e.responded_at is None and r.organisation_id != castle_rock
        ]
        charnwood = db.session.scalar(select(Locality).where(Locality.name == "Charnwood South and Desford"))
        meeting = next(
            m
            for m in db.session.scalars(
                select(PartnershipMeeting).where(PartnershipMeeting.locality_id == charnwood.id)
            )
            if meetings.is_open(m)
        )
        action = carried_forward(meeting)[0]
        session = db.session.scalar(
            select(Session).where(Session.locality_id == charnwood.id, Session.kind == SessionKind.FRONT_DOOR_SHADOWING)
        )
        return Demo(
            pulse=f"/feedback/requests/{pulse.id}/pulse",
            upcoming_invite=f"/requests/{upcoming.request_id}/pod-invites/{upcoming.id}",
            past_invite=f"/requests/{past.request_id}/pod-invites/{past.id}",
            scheduled=f"/requests/{scheduled.id}",
            escalation=f"/requests/{asked.id}/escalations/{escalation.id}/respond",
            meeting=f"/meetings/{meeting.id}",
            action=f"/meetings/{meeting.id}/actions/{action.id}",
            session=f"/sessions/{session.id}",
        )


def _open(visitor: Any, path: str, heading: str) -> Any:
    """The page itself, not an error page or a redirect elsewhere (axe and the page checks run on it)."""
    page = visitor.goto(path)
    assert visitor.last_response.status == 200, f"{path}: {visitor.last_response.status}"
    assert page.url == visitor.base_url + path, f"{path} went to {page.url}"
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    return page


def _post_and_see_errors(visitor: Any, button: str, *, expected: str, at: str | None = None) -> None:
    """Post the form as it is; the same page comes back in its error state (axe and the page checks run)."""
    page = visitor.page
    path = page.url
    visitor.submit(button)
    assert visitor.last_response.status == 200, f"{path}: {visitor.last_response.status}"
    assert page.url == (visitor.base_url + at if at else path), f"{path} went to {page.url}"
    assert page.title().startswith("Error: "), f"{path}: {page.title()}"
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(expected)
    links = summary.locator("a").all()
    assert links, f"{path}: the error summary links to nothing"
    for link in links:
        target = link.get_attribute("href")
        assert target and page.locator(target).count() == 1, f"{path}: {target} is not on the page"


def test_a_partner_answers_the_pulse(visitor, live_server):
    demo = _demo(live_server)
    visitor.sign_in("partner@example.org")
    _open(visitor, demo.pulse, "Two quick questions")
    _post_and_see_errors(visitor, "Send answers", expected="Select yes if the consultation was helpful")


def test_a_partner_answers_a_pod_invite(visitor, live_server):
    demo = _demo(live_server)
    visitor.sign_in("partner@example.org")
    page = _open(visitor, demo.upcoming_invite, "Pod meeting")
    expect(page.locator("#invite-status")).to_have_text("Arranged")
    _post_and_see_errors(
        visitor, "Send your answer", expected="Select whether you can attend", at=f"{demo.upcoming_invite}/respond"
    )


def test_a_practitioner_works_pod_invites_waits_and_sends_recognition(visitor, live_server):
    demo = _demo(live_server)
    visitor.sign_in("dev.sandhu@example.org")  # Coalville's locality lead

    _open(visitor, "/feedback/recognition/new", "Send positive feedback to a partner")
    _post_and_see_errors(visitor, "Send positive feedback", expected="Select an organisation")

    _open(visitor, f"{demo.scheduled}/wait", "Wait for the partner")
    _post_and_see_errors(visitor, "Wait for the partner", expected="Enter what you need from the partner")

    _open(visitor, f"{demo.scheduled}/pod-invites/new", "Send a pod invite")
    _post_and_see_errors(visitor, "Send the invite", expected="Select at least one person to invite")

    page = _open(visitor, demo.upcoming_invite, "Pod meeting")
    expect(page.locator("#responses")).to_contain_text("Pat Ellison")
    page = _open(visitor, f"{demo.upcoming_invite}/edit", "Change the pod meeting")
    page.get_by_label("Start time").fill("")
    _post_and_see_errors(visitor, "Save and send the change", expected="Enter the start time")

    page = _open(visitor, f"{demo.past_invite}/attendance", "Record attendance")
    # Every box is ticked (both came); one is tampered with, as a forged post would be.
    boxes = page.locator("input[name=attended_ids]")
    expect(boxes).to_have_count(2)
    boxes.first.evaluate("box => { box.value = 'someone'; }")
    _post_and_see_errors(visitor, "Save attendance", expected="Select people from the list")


def test_a_manager_answers_a_partner_and_changes_a_meeting_an_action_and_a_session(visitor, live_server):
    demo = _demo(live_server)
    visitor.sign_in("manager@example.org")  # Morgan Reyes, Charnwood South and Desford

    _open(visitor, demo.escalation, "Respond to the partner")
    _post_and_see_errors(visitor, "Send response", expected="Enter your response")

    page = _open(visitor, f"{demo.meeting}/change", "Change the meeting")
    page.get_by_label("Start time").fill("")
    _post_and_see_errors(visitor, "Save and send the change", expected="Enter the start time")

    page = _open(visitor, demo.action, "Update the action")
    page.get_by_label("Update (optional)").fill("Done. " * 200)  # 1,200 characters
    _post_and_see_errors(visitor, "Save the action", expected="The update must be 1,000 characters or fewer")

    page = _open(visitor, f"{demo.session}/edit", "Change the session")
    page.get_by_label("Title").fill("")
    _post_and_see_errors(visitor, "Save and send the change", expected="Enter a title")


def _link_token(body: str, route: str) -> str:
    match = re.search(rf"/{route}/(\S+)", body)
    assert match, body
    return match.group(1)


def test_an_invitation_link_and_a_password_reset_link(visitor, live_server):
    app = live_server.app
    with app.test_request_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
        school = db.session.scalar(select(Organisation).where(Organisation.name == "Castle Rock High School"))
        _, invitation = accounts.invite_user(
            by=admin,
            email="new.partner@example.org",
            name="Nia Newbold",
            role=Role.PARTNER,
            organisation_id=school.id,
            locality_id=None,
        )
        accounts.request_password_reset(email="rowan.hale@example.org")
        db.session.commit()
        message = db.session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == "rowan.hale@example.org")
            .order_by(OutboxMessage.id.desc())
        )
        reset = _link_token(message.body_text, "password-reset")

    _open(visitor, f"/invitations/{invitation}", "Create your account")
    _post_and_see_errors(visitor, "Create account", expected="Enter a password")

    _open(visitor, f"/password-reset/{reset}", "Choose a new password")
    _post_and_see_errors(visitor, "Save password", expected="Enter a new password")
