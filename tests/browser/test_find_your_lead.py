"""As a new partner would: find the school, see its locality and the Front Door, sign in, see the
named lead; and, with the lead marked absent today by their manager, see who covers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from seeds.demo import FRONT_DOOR_PHONE


def test_a_partner_finds_their_lead_and_then_the_cover(visitor_factory):
    partner = visitor_factory()
    page = partner.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find your locality lead")

    page.get_by_label("School name, URN or postcode").fill("castle rock")
    # The suggestions (the search box is an autocomplete) open over the button: close them to search instead.
    expect(page.get_by_role("option", name="Castle Rock High School")).to_be_visible()
    page.keyboard.press("Escape")
    partner.submit("Search")
    first = page.locator(".portal-results a").first
    expect(first).to_have_text("Castle Rock High School")

    with page.expect_navigation() as navigation:
        first.click()
    partner.last_response = navigation.value
    partner.check("school page, signed out")
    expect(page.get_by_role("heading", level=1)).to_have_text("Castle Rock High School")
    summary = page.locator(".govuk-summary-list").first
    expect(summary).to_contain_text("Coalville")
    expect(page.locator("#front-door")).to_contain_text(FRONT_DOOR_PHONE)
    expect(page.locator("body")).not_to_contain_text("Dev Sandhu")  # the named lead is for signed-in users
    school_url = page.url

    partner.sign_in("partner@example.org")
    partner.goto(school_url.removeprefix(partner.base_url))
    who = page.locator("#who-to-contact")
    expect(who).to_contain_text("Dev Sandhu")
    expect(who).to_contain_text("Joanna Keele")  # the locality manager

    # The lead's manager records an absence from today, with the form's errors seen on the way.
    manager = visitor_factory()
    manager.sign_in("joanna.keele@example.org")
    form = manager.goto("/absences/new")
    manager.submit("Save absence")
    expect(form.locator(".govuk-error-summary")).to_contain_text("Select who will be away")
    assert form.title().startswith("Error: ")
    today = datetime.now(ZoneInfo("Europe/London")).date()
    # In the form's error state the long lists are plain selects (the autocomplete enhances them otherwise).
    form.get_by_label("Who will be away").select_option(label="Dev Sandhu")
    for legend, day in (("First day away", today), ("Last day away", today)):
        group = form.get_by_role("group", name=legend)
        group.get_by_label("Day").fill(str(day.day))
        group.get_by_label("Month").fill(str(day.month))
        group.get_by_label("Year").fill(str(day.year))
    form.get_by_label("Who will cover").select_option(label="Joanna Keele (Locality manager)")
    manager.submit("Save absence")
    expect(form.locator(".govuk-notification-banner")).to_contain_text("Absence saved")

    partner.goto(school_url.removeprefix(partner.base_url))
    who = page.locator("#who-to-contact")
    expect(page.locator(".govuk-inset-text")).to_contain_text("Dev Sandhu is away")
    expect(who.locator(".govuk-summary-list__row").first).to_contain_text("Joanna Keele")
