"""The header at 1280px: the service navigation is one line for every role, and "Sign out" is in the header
(a POST form with its CSRF token, whose button looks like a link) and signs the person out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

WIDE = {"width": 1280, "height": 800}


@pytest.mark.parametrize(
    "email",
    [None, "partner@example.org", "dev.sandhu@example.org", "manager@example.org", "admin@example.org"],
    ids=["anonymous", "partner", "practitioner", "manager", "admin"],
)
def test_the_navigation_is_one_line_at_1280px(visitor_factory, email):
    visitor = visitor_factory(viewport=WIDE)
    if email is not None:
        visitor.sign_in(email)
    page = visitor.goto("/")
    items = page.locator(".govuk-service-navigation__item")
    tops = items.evaluate_all("items => items.map(item => item.offsetTop)")
    assert len(tops) >= 2, tops
    labels = items.all_inner_texts()
    assert len(set(tops)) == 1, f"the menu wraps: {list(zip(labels, tops, strict=True))}"
    if email is not None:
        assert "Your account" not in labels  # it is in the header, beside "Sign out"
        expect(page.locator("header").get_by_role("link", name="Your account")).to_be_visible()


def test_a_manager_reaches_the_admin_pages_from_one_menu_entry(visitor_factory):
    visitor = visitor_factory(viewport=WIDE)
    visitor.sign_in("manager@example.org")
    page = visitor.goto("/")
    page.locator(".govuk-service-navigation").get_by_role("link", name="Admin").click()
    visitor.last_response = None
    visitor.check("admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Admin")
    page.get_by_role("link", name="Absence and cover").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Absence and cover")
    # The menu shows where the manager is: under "Admin".
    expect(page.locator(".govuk-service-navigation__item--active")).to_have_text("Admin")


def test_sign_out_from_the_header(visitor_factory):
    visitor = visitor_factory(viewport=WIDE)
    visitor.sign_in("partner@example.org")
    page = visitor.goto("/requests")
    header = page.locator("header")
    sign_out = header.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_visible()
    # A form that posts, with its CSRF token: signing out is a change, never a link a page could make a browser follow.
    form = header.locator("form:has(button)")
    assert form.get_attribute("method") == "post"
    assert form.locator("input[name=csrf_token]").get_attribute("value")
    with page.expect_navigation() as navigation:
        sign_out.click()
    visitor.last_response = navigation.value
    visitor.check("signed out")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out.")
    expect(header.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(page.locator(".govuk-service-navigation").get_by_role("link", name="Sign in")).to_be_visible()
    # The session is over on the server too: the requests page asks to sign in again.
    visitor.goto("/requests")
    assert "/sign-in" in page.url
