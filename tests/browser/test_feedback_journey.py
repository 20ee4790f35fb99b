"""Feedback as partners and managers use it: a partner gives anonymous feedback and answers the pulse
on a closed request; the locality's manager reads the feedback without a name and publishes a
"You said, we did"; the partner reads it. axe and the page checks on every page."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.common.times import london_today
from portal.directory.models import Organisation
from portal.extensions import db
from portal.models_base import utcnow
from portal.requests.models import ConsultationRequest, Outcome, RequestKind, RequestStatus

FEEDBACK = "When our lead was on leave we could not find out who was covering for two days."
WE_DID = "Leads now record their leave in the portal, and your request page shows who covers today."


def _follow(visitor, locator):
    with visitor.page.expect_navigation() as navigation:
        locator.click()
    visitor.last_response = navigation.value
    visitor.check()


def _closed_request(live_server) -> int:
    """A closed consultation of Castle Rock High School (the demo has none)."""
    with live_server.app.app_context():
        school = db.session.scalar(select(Organisation).where(Organisation.name == "Castle Rock High School"))
        partner = db.session.scalar(select(User).where(User.email == "partner@example.org"))
        lead = db.session.scalar(select(User).where(User.email == "dev.sandhu@example.org"))
        now, today = utcnow(), london_today()
        req = ConsultationRequest(
            kind=RequestKind.CONSULTATION,
            status=RequestStatus.CLOSED,
            organisation_id=school.id,
            locality_id=school.locality_id,
            created_by_id=partner.id,
            routed_to_id=lead.id,
            worker_id=lead.id,
            child_initials="TR",
            child_birth_year=2012,
            summary="Advice wanted about repeated lateness and tiredness.",
            received_at=now - timedelta(days=10),
            acknowledged_at=now - timedelta(days=9),
            closed_at=now - timedelta(days=1),
            acknowledge_due=today,
            consult_due=today,
            outcome_due=today,
            next_step="I will call you to talk it through.",
            outcome=Outcome.ADVICE_GIVEN,
            outcome_summary="We talked it through; school will offer breakfast club and check in weekly.",
        )
        db.session.add(req)
        db.session.commit()
        return req.id


def test_anonymous_feedback_pulse_and_you_said_we_did(visitor_factory, live_server):
    request_id = _closed_request(live_server)

    partner = visitor_factory()
    partner.sign_in("partner@example.org")  # Pat Ellison, Castle Rock High School, Coalville
    page = partner.goto("/feedback")
    expect(page.locator("#recognitions")).to_contain_text("Thank you for the careful")
    _follow(partner, page.get_by_role("button", name="Give feedback"))
    partner.submit("Send feedback")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select what your feedback is about")
    page.get_by_label("Reaching a manager or cover").check()
    page.get_by_label("2 – Poor").check()
    page.get_by_label("Tell us more").fill(FEEDBACK)
    page.get_by_label("Stay anonymous to staff").check()
    partner.submit("Send feedback")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("anonymously")
    expect(page.locator("body")).not_to_contain_text(FEEDBACK)  # anonymous: not in their own list

    page = partner.goto(f"/requests/{request_id}")
    page.get_by_role("group", name="Was this consultation helpful?").get_by_label("Yes").check()
    page.get_by_role("group", name="Did you know what would happen next?").get_by_label("No").check()
    partner.submit("Send answers")
    expect(page.locator("#pulse-answered")).to_contain_text("Knew what would happen next: No")

    manager = visitor_factory()
    manager.sign_in("joanna.keele@example.org")  # manages Coalville
    work = manager.goto("/feedback")
    _follow(manager, work.get_by_role("link", name="Read feedback from partners in your area"))
    work.get_by_label("Theme").select_option(label="Reaching a manager or cover")
    manager.submit("Filter")
    row = work.locator("#review tbody tr", has_text=FEEDBACK)
    expect(row).to_have_count(1)
    expect(row.locator("td.portal-from")).to_contain_text("Anonymous")
    expect(row).not_to_contain_text("Castle Rock")
    expect(row).not_to_contain_text("Pat Ellison")

    manager.goto("/feedback")
    _follow(manager, work.get_by_role("link", name="Write a “You said, we did”"))
    work.get_by_label("Reaching a manager or cover").check()
    work.get_by_label("Who is it for?").select_option(label="Coalville")
    work.get_by_label("You said").fill("You could not find out who was covering when your lead was away.")
    work.get_by_label("We did").fill(WE_DID)
    manager.submit("Save draft")
    expect(work.locator("#entry-status")).to_contain_text("Draft")
    manager.submit("Publish")
    expect(work.locator(".govuk-notification-banner")).to_contain_text("Published")
    expect(work.locator("#entries")).to_contain_text(WE_DID)

    page = partner.goto("/feedback/you-said-we-did")
    expect(page.locator("#entries")).to_contain_text(WE_DID)
    page.get_by_label("Theme").select_option(label="Reaching a manager or cover")
    partner.submit("Filter")
    expect(page.locator("#entries")).to_contain_text(WE_DID)
    expect(page.locator("#entries")).not_to_contain_text("Every acknowledgement now says")
