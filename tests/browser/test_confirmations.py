"""Before what cannot be undone, a question: each confirmation page opened from its button, "No, keep it" first
(nothing changes), then again and "Yes" (the change is made). Closing a request with its work unfinished warns
and waits for an explicit confirmation. The conditional reveals (a pod invite's "propose another time", an
invitation's organisation or locality). axe and the page checks on every page and state."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.common.times import london_today
from portal.common.working_days import add_working_days
from portal.directory.models import Locality, Pod
from portal.extensions import db
from portal.meetings import services as meetings
from portal.meetings.models import PartnershipMeeting
from portal.requests import invites
from portal.requests.models import ConsultationRequest, PodInvite, RequestStatus
from portal.sessions import services as sessions
from portal.sessions.models import Session, SessionKind


def _follow(visitor: Any, locator: Any) -> None:
    with visitor.page.expect_navigation() as navigation:
        locator.click()
    visitor.last_response = navigation.value
    visitor.check()


def _no_then_yes(visitor: Any, opener: str, question: str, yes: str, *, no: str = "No, keep it") -> None:
    """From the page with the `opener` button or link: open the question, answer no, open it again, answer yes."""
    start = visitor.page.url
    page = visitor.page
    # A start button is a link styled as a button (role="button"); a table's is a plain link.
    opening = page.get_by_role("button", name=opener, exact=True).or_(page.get_by_role("link", name=opener, exact=True))
    _follow(visitor, opening)
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text(question)
    _follow(visitor, visitor.page.get_by_role("link", name=no, exact=True))
    assert visitor.page.url == start
    _follow(visitor, opening)
    visitor.submit(yes)


def _charnwood() -> Locality:
    return db.session.scalar(select(Locality).where(Locality.name == "Charnwood South and Desford"))


def _open_day(live_server: Any) -> int:
    """Charnwood South and Desford's open day still to come."""
    with live_server.app.app_context():
        query = select(Session).where(Session.locality_id == _charnwood().id, Session.kind == SessionKind.OPEN_DAY)
        return next(s.id for s in db.session.scalars(query) if sessions.is_open(s))


def _open_meeting(live_server: Any) -> int:
    with live_server.app.app_context():
        query = select(PartnershipMeeting).where(PartnershipMeeting.locality_id == _charnwood().id)
        return next(m.id for m in db.session.scalars(query) if meetings.is_open(m))


def _partner() -> User:
    return db.session.scalar(select(User).where(User.email == "partner@example.org"))


def _invite(live_server: Any) -> tuple[str, str]:
    """The pod meeting to come that partner@example.org is invited to, and its organiser's email address."""
    with live_server.app.app_context():
        partner = _partner()
        [invite] = [
            i for i in db.session.scalars(select(PodInvite)) if invites.is_open(i) and invites.invitee_of(i, partner)
        ]
        return f"/requests/{invite.request_id}/pod-invites/{invite.id}", invite.organiser.email


def _pod(live_server: Any) -> int:
    with live_server.app.app_context():
        return db.session.scalar(select(Pod.id).where(Pod.locality_id == _charnwood().id))


def _scheduled(live_server: Any) -> tuple[int, str]:
    """Castle Rock's request with a consultation arranged, and who works it."""
    with live_server.app.app_context():
        req = db.session.scalar(
            select(ConsultationRequest).where(
                ConsultationRequest.organisation_id == _partner().organisation_id,
                ConsultationRequest.status == RequestStatus.SCHEDULED,
            )
        )
        return req.id, (req.worker or req.routed_to).email


def test_a_partner_cancels_a_place_after_saying_no_once(visitor_factory, live_server):
    partner = visitor_factory()
    partner.sign_in("partner@example.org")
    page = partner.goto(f"/sessions/{_open_day(live_server)}")
    if page.get_by_role("button", name="Book a place").count():
        partner.submit("Book a place")
    _no_then_yes(partner, "Cancel my place", "Are you sure you want to cancel your place?", "Yes, cancel my place")
    expect(partner.page.locator(".govuk-notification-banner")).to_contain_text("Your place is cancelled")


def test_a_manager_cancels_a_session_and_a_meeting(visitor_factory, live_server):
    manager = visitor_factory()
    manager.sign_in("manager@example.org")
    manager.goto(f"/sessions/{_open_day(live_server)}/bookings")
    _no_then_yes(
        manager, "Cancel the session", "Are you sure you want to cancel the session?", "Yes, cancel the session"
    )
    expect(manager.page.locator(".govuk-notification-banner")).to_contain_text("The session is cancelled")

    manager.goto(f"/meetings/{_open_meeting(live_server)}")
    _no_then_yes(
        manager, "Cancel the meeting", "Are you sure you want to cancel the meeting?", "Yes, cancel the meeting"
    )
    expect(manager.page.locator(".govuk-notification-banner")).to_contain_text("The meeting has been cancelled")


def test_a_pod_invite_answer_reveals_the_proposal_and_the_organiser_cancels(visitor_factory, live_server):
    path, organiser_email = _invite(live_server)
    partner = visitor_factory()
    partner.sign_in("partner@example.org")
    page = partner.goto(path)
    proposal = page.get_by_role("group", name="Date you propose")
    expect(proposal).to_be_hidden()
    page.get_by_label("Not then: I propose another time").check()
    expect(proposal).to_be_visible()
    partner.check("the proposal revealed")
    partner.submit("Send your answer")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date you propose")
    expect(page.get_by_role("group", name="Date you propose")).to_be_visible()
    page.get_by_label("No, I cannot attend").check()
    expect(page.get_by_role("group", name="Date you propose")).to_be_hidden()
    partner.submit("Send your answer")
    expect(page.locator("#current-answer")).to_contain_text("Declined")

    organiser = visitor_factory()
    organiser.sign_in(organiser_email)
    organiser.goto(path)
    _no_then_yes(
        organiser,
        "Cancel the meeting",
        "Are you sure you want to cancel the pod meeting?",
        "Yes, cancel the meeting",
    )
    expect(organiser.page.locator(".govuk-notification-banner")).to_contain_text("The meeting has been cancelled")


def test_removing_a_pod_member_and_deleting_an_absence(visitor_factory, live_server):
    manager = visitor_factory()
    manager.sign_in("manager@example.org")
    page = manager.goto(f"/pods/{_pod(live_server)}")
    link = page.locator("table a", has_text="Remove").last
    name = link.locator(".govuk-visually-hidden").inner_text().strip()
    _follow(manager, link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Are you sure you want to remove {name} from the pod?")
    _follow(manager, page.get_by_role("link", name="No, keep them in the pod"))
    _follow(manager, page.locator("table a", has_text=f"Remove {name}"))
    manager.submit("Yes, remove them from the pod")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Pod member removed")
    expect(page.locator("table")).not_to_contain_text(name)

    lead = visitor_factory()
    lead.sign_in("amara.okafor@example.org")
    page = lead.goto("/absences/new")
    # The lists are enhanced with an autocomplete (tests/browser/test_autocomplete.py drives it by keyboard);
    # here the choice is made on the list underneath, which the form sends.
    page.locator("select[name=user_id]").select_option(label="Amara Okafor", force=True)
    for legend, day in (
        ("First day away", add_working_days(london_today(), 3)),
        ("Last day away", add_working_days(london_today(), 4)),
    ):
        group = page.get_by_role("group", name=legend)
        group.get_by_label("Day").fill(str(day.day))
        group.get_by_label("Month").fill(str(day.month))
        group.get_by_label("Year").fill(str(day.year))
    page.locator("select[name=cover_id]").select_option(index=2, force=True)  # 1 is Amara herself
    lead.submit("Save absence")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Absence saved")
    link = page.locator("table a", has_text="Delete").first
    _follow(lead, link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Are you sure you want to delete Amara Okafor's absence?")
    _follow(lead, page.get_by_role("link", name="No, keep it"))
    _follow(lead, page.locator("table a", has_text="Delete").first)
    lead.submit("Yes, delete the absence")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Absence deleted")


def test_closing_a_request_with_its_consultation_ahead_warns_first(visitor_factory, live_server):
    request_id, worker_email = _scheduled(live_server)
    worker = visitor_factory()
    worker.sign_in(worker_email)
    page = worker.goto(f"/requests/{request_id}")
    _follow(worker, page.get_by_role("link", name="Close with an outcome"))
    expect(page.locator("#unfinished")).to_contain_text("The work on this request is not finished")
    expect(page.locator("#unfinished-work")).to_contain_text("has not happened yet")
    page.get_by_label("Advice given").check()
    page.get_by_label("Outcome and what happens next").fill("We talked it through; the school will review it.")
    page.get_by_label("Level 1: universal").check()  # the demo localities keep a list of levels of need
    worker.submit("Close the request")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Confirm that you want to close the request before its work is finished"
    )
    worker.check("the close refused until confirmed")
    page.get_by_label("I want to close the request before this work is finished").check()
    worker.submit("Close the request")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("closed")


def test_an_invitation_reveals_what_each_role_needs(visitor_factory):
    admin = visitor_factory()
    admin.sign_in("admin@example.org")
    page = admin.goto("/invitations/new")
    organisation, locality = page.get_by_label("Organisation"), page.locator("#locality_id")
    expect(organisation).to_be_hidden()
    expect(locality).to_be_hidden()
    page.get_by_label("Partner").check()
    expect(organisation).to_be_visible()
    admin.check("the partner's organisation revealed")
    page.get_by_label("Practitioner").check()
    expect(organisation).to_be_hidden()
    expect(locality).to_be_visible()
    admin.check("the practitioner's locality revealed")
    admin.submit("Send invitation")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the locality they work in")
    expect(page.locator("#locality_id")).to_be_visible()
