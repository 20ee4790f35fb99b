"""A request, a meeting's minutes and actions, and the quarterly report print without the menus, the footer,
the forms and the buttons (the print stylesheet), and with the page's own content."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.directory.models import Locality
from portal.extensions import db
from portal.meetings.models import PartnershipMeeting
from portal.requests.models import ConsultationRequest, RequestStatus

# What a printed page leaves out. Each is on the page on screen (checked first), so the test cannot pass by
# looking for something that was never there.
NOT_PRINTED = [
    ".govuk-service-navigation__list",
    ".portal-header__account",
    ".govuk-footer",
    ".govuk-phase-banner",
    "main form",
    "main .govuk-button",
]


def _paths(live_server: Any) -> dict[str, str]:
    with live_server.app.app_context():
        coalville = db.session.scalar(select(Locality).where(Locality.name == "Coalville"))
        request = db.session.scalar(
            select(ConsultationRequest)
            .where(ConsultationRequest.locality_id == coalville.id, ConsultationRequest.status != RequestStatus.CLOSED)
            .order_by(ConsultationRequest.id)
        )
        charnwood = db.session.scalar(select(Locality).where(Locality.name == "Charnwood South and Desford"))
        # A meeting that took place, with its minutes published.
        meeting = next(
            m
            for m in db.session.scalars(
                select(PartnershipMeeting)
                .where(PartnershipMeeting.locality_id == charnwood.id)
                .order_by(PartnershipMeeting.starts_at)
            )
            if m.minutes and m.minutes_published_at
        )
        return {"request": f"/requests/{request.id}", "meeting": f"/meetings/{meeting.id}"}


def _prints_without_chrome(page: Page, what: str, *, kept: list[str]) -> None:
    page.emulate_media(media="screen")
    for selector in NOT_PRINTED:
        if selector.startswith("main") and page.locator(selector).count() == 0:
            continue  # not every page has forms or buttons
        expect(page.locator(selector).first, f"{what}: {selector} on screen").to_be_visible()
    page.emulate_media(media="print")
    for selector in NOT_PRINTED:
        for element in page.locator(selector).all():
            expect(element, f"{what}: {selector} printed").to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for selector in kept:
        expect(page.locator(selector).first, f"{what}: {selector} not printed").to_be_visible()
    page.emulate_media(media="screen")


def test_a_request_prints_without_navigation_forms_or_buttons(visitor, live_server):
    paths = _paths(live_server)
    visitor.sign_in("dev.sandhu@example.org")  # Coalville's lead: the request page has its forms and buttons
    page = visitor.goto(paths["request"])
    assert page.locator("main form").count() > 0
    _prints_without_chrome(page, "request", kept=["#clocks"])


def test_meeting_minutes_and_actions_and_the_report_print_without_navigation_forms_or_buttons(visitor, live_server):
    paths = _paths(live_server)
    visitor.sign_in("manager@example.org")
    page = visitor.goto(paths["meeting"])
    _prints_without_chrome(page, "meeting", kept=["#minutes-text", "#actions"])
    page = visitor.goto("/dashboards/report")
    _prints_without_chrome(page, "report", kept=["#table-report-demand"])
    page.emulate_media(media="print")
    expect(page.locator("#report-downloads")).to_be_hidden()  # links to files, of no use on paper
