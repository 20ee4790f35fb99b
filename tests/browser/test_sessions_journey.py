"""Shadowing and open days, as a manager and partners would use them: the manager publishes an open day,
partners book it until it is full, one joins the waiting list, a booked partner cancels, and the partner
who was waiting sees that the place is now theirs. A partner books the last Front Door shadowing place
after accepting the confidentiality expectations. axe and the page checks on every page and state."""

from __future__ import annotations

from playwright.sync_api import expect

from portal.common.times import london_today
from portal.common.working_days import add_working_days


def _follow(visitor, locator):
    with visitor.page.expect_navigation() as navigation:
        locator.click()
    visitor.last_response = navigation.value
    visitor.check()


def _fill_date(page, legend, day):
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_publish_book_fill_wait_cancel_and_promote(visitor_factory):
    manager = visitor_factory()
    manager.sign_in("manager@example.org")  # Morgan Reyes, who manages Charnwood South and Desford
    listing = manager.goto("/sessions/")
    _follow(manager, listing.get_by_role("link", name="Publish a session"))
    form = manager.page
    manager.submit("Publish the session")
    expect(form.locator(".govuk-error-summary")).to_contain_text("Select what kind of session it is")
    manager.check("the form with errors")

    form.get_by_label("Locality open day").check()
    form.get_by_label("Title").fill("Desford open afternoon")
    _fill_date(form, "Date", add_working_days(london_today(), 12))
    form.get_by_label("Start time").fill("2pm")
    form.get_by_label("End time").fill("4pm")
    form.get_by_label("Place", exact=True).fill("Desford Community Library, Main Street")
    form.get_by_label("Number of places").fill("2")
    form.get_by_label("Who hosts the session").select_option(label="Amara Okafor, Locality lead")
    manager.submit("Publish the session")
    expect(form.locator(".govuk-notification-banner")).to_contain_text("The session is published")
    path = form.url.removeprefix(manager.base_url)

    first = visitor_factory()
    first.sign_in("partner@example.org")
    page = first.goto(path)
    expect(page.locator("#session-details")).to_contain_text("Amara Okafor")
    first.submit("Book a place")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your place is booked")

    second = visitor_factory()
    second.sign_in("noor.sadiq@example.org")
    second.goto(path)
    second.submit("Book a place")
    expect(second.page.locator("#place-status")).to_contain_text("You have a place")

    waiting = visitor_factory()
    waiting.sign_in("priya.nair@example.org")
    page = waiting.goto(path)
    expect(page.locator("#session-status")).to_contain_text("Full")
    waiting.submit("Join the waiting list")
    expect(page.locator("#place-status")).to_contain_text("waiting list: number 1")

    page = first.goto(path)
    _follow(first, page.get_by_role("button", name="Cancel my place"))
    first.submit("Yes, cancel my place")
    expect(first.page.locator(".govuk-notification-banner")).to_contain_text("Your place is cancelled")

    page = waiting.goto(path)
    expect(page.locator("#place-status")).to_contain_text("You have a place on this session")
    mine = waiting.goto("/sessions/mine")
    expect(mine.locator("#bookings")).to_contain_text("Desford open afternoon")

    bookings_page = manager.goto(path + "/bookings")
    expect(bookings_page.locator("#booked-table")).to_contain_text("Noor Sadiq")
    expect(bookings_page.locator("#booked-table")).to_contain_text("Priya Nair")
    expect(bookings_page.locator("#booked")).to_contain_text("Booked (2)")
    manager.goto("/sessions/uptake")


def test_shadowing_asks_for_the_confidentiality_expectations(visitor_factory):
    partner = visitor_factory()
    partner.sign_in("partner@example.org")
    listing = partner.goto("/sessions/")
    _follow(partner, listing.get_by_role("link", name="Front Door shadowing: a morning with the duty team"))
    page = partner.page
    expect(page.locator("#confidentiality-expectations")).to_be_visible()
    partner.submit("Book a place")
    expect(page.locator(".govuk-error-summary")).to_contain_text("confidentiality expectations")
    page.get_by_label("I have read the confidentiality expectations and I will follow them").check()
    partner.submit("Book a place")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your place is booked")
    expect(page.locator("#session-status")).to_contain_text("Full")

    feedback = partner.goto("/sessions/mine")
    _follow(partner, feedback.get_by_role("link", name="Give feedback", exact=False))
    partner.submit("Send feedback")
    expect(partner.page.locator(".govuk-error-summary")).to_contain_text("Select how useful the session was")
    partner.page.get_by_label("4 – useful").check()
    partner.submit("Send feedback")
    expect(partner.page.locator(".govuk-notification-banner")).to_contain_text("Thank you")


def test_the_host_records_attendance(visitor_factory):
    host = visitor_factory()
    host.sign_in("amara.okafor@example.org")
    listing = host.goto("/sessions/")
    _follow(host, listing.get_by_role("link", name="Charnwood South and Desford open day (autumn)", exact=False))
    page = host.page
    expect(page.get_by_label("Pat Ellison, Castle Rock High School")).to_be_checked()
    page.get_by_label("Rowan Hale, Desford Primary School").check()
    host.submit("Save attendance")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Attendance recorded")
