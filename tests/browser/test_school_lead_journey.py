"""A school with its own lead, a request passed to another worker with a reason, and the partner seeing who
holds it now and why; the manager giving schools their lead; a partner's role and the school's contacts by
role. axe and the page checks on every page and state (errors included)."""

from __future__ import annotations

from playwright.sync_api import expect

from portal.common.times import london_today
from portal.common.working_days import add_working_days

REASON = "Hana is on leave from Monday; Amara will see this through to the end."


def _follow(visitor, locator):
    with visitor.page.expect_navigation() as navigation:
        locator.click()
    visitor.last_response = navigation.value
    visitor.check()


def test_a_request_to_the_schools_own_lead_reassigned_with_a_reason(visitor_factory):
    # Tom Becker is head teacher at Hall Orchard, whose own lead is Hana Birch (not the locality's duty lead).
    partner = visitor_factory()
    partner.sign_in("tom.becker@example.org")
    home = partner.goto("/home")
    expect(home.locator("#contact-today")).to_contain_text("Hana Birch")
    expect(home.locator("#your-contacts").locator("..")).to_contain_text("your school's lead")

    page = partner.goto("/requests/new")
    page.get_by_label("A query: a question about a case or the service").check()
    page.get_by_role("group", name="How soon do you need a response?").get_by_label("Routine", exact=True).check()
    page.get_by_label("Child's initials").fill("RB")
    page.get_by_label("Year of birth").fill("2017")
    page.get_by_label("What is worrying you, or what is your question?").fill(
        "We would like to know what the early help offer is for a family new to the area."
    )
    partner.submit("Send request")
    expect(page.locator("#next-step")).to_contain_text("Hana Birch")
    reference = page.get_by_role("heading", level=1).inner_text().removeprefix("Request ").strip()
    request_path = page.url.removeprefix(partner.base_url)

    lead = visitor_factory()
    lead.sign_in("hana.birch@example.org")
    queue = lead.goto("/requests")
    _follow(lead, queue.get_by_role("link", name=reference))
    work = lead.page
    _follow(lead, work.get_by_role("link", name="Acknowledge"))
    work.get_by_label("What happens next").fill("I will call you on Friday with the early help offer.")
    day = add_working_days(london_today(), 3)
    group = work.get_by_role("group", name="Expected by")
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))
    lead.submit("Acknowledge")

    _follow(lead, work.get_by_role("link", name="Reassign to another worker"))
    lead.submit("Reassign the request")  # nothing chosen: the errors, checked by axe too
    expect(work.locator(".govuk-error-summary")).to_contain_text("Select who should hold the request now")
    expect(work.locator(".govuk-error-summary")).to_contain_text("Enter why the request is moving")
    work.get_by_label("Who should hold the request now?").select_option(label="Amara Okafor")
    work.get_by_label("Why is it moving?").fill(REASON)
    lead.submit("Reassign the request")
    expect(work.locator(".govuk-notification-banner")).to_contain_text("reassigned")

    seen = partner.goto(request_path)
    details = seen.locator("#request-details")
    expect(details).to_contain_text("Amara Okafor")
    expect(details).to_contain_text(f"now held by Amara Okafor. Why: {REASON}")
    expect(seen.locator("ol.portal-timeline")).to_contain_text("Reassigned")

    # The new worker finds it in their queue.
    amara = visitor_factory()
    amara.sign_in("amara.okafor@example.org")
    expect(amara.goto("/requests").get_by_role("link", name=reference)).to_be_visible()


def test_a_manager_gives_schools_their_lead_and_staff_see_a_schools_contacts_by_role(visitor_factory):
    partner = visitor_factory()
    partner.sign_in("tom.becker@example.org")
    page = partner.goto("/account/contact-details")
    partner.submit("Save your details")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select your role at your organisation")
    page.get_by_label("Head teacher").check()
    page.get_by_label("Phone number (optional)").fill("0116 496 0871")
    partner.submit("Save your details")
    expect(page.locator("#account-details")).to_contain_text("Head teacher")

    manager = visitor_factory()
    manager.sign_in("manager@example.org")  # Charnwood South and Desford's manager
    localities = manager.goto("/localities")
    _follow(manager, localities.get_by_role("link", name="Charnwood South and Desford"))
    _follow(manager, manager.page.get_by_role("link", name="Give schools their lead"))
    leads = manager.page
    expect(leads.locator("#leads-now")).to_contain_text("Hana Birch")
    manager.submit("Give the schools this lead")
    expect(leads.locator(".govuk-error-summary")).to_contain_text("Select at least one school")
    leads.get_by_label("Desford Primary School").check()
    leads.get_by_label("Who should lead them?").select_option(label="Hana Birch (Locality lead)")
    manager.submit("Give the schools this lead")
    expect(leads.locator(".govuk-notification-banner")).to_contain_text("1 school has a new lead")

    lead = visitor_factory()
    lead.sign_in("hana.birch@example.org")
    school = lead.goto("/schools?q=hall+orchard")
    _follow(lead, school.get_by_role("link", name="Hall Orchard"))
    contacts = lead.page.locator("#school-contacts")
    expect(contacts).to_contain_text("Head teacher")
    expect(contacts).to_contain_text("Tom Becker")
    expect(contacts.locator('a[href^="tel:"]')).to_have_count(1)
