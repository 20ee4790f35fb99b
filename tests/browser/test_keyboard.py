"""The skip link comes first, and finding a locality lead works with the keyboard alone."""

from __future__ import annotations

from playwright.sync_api import expect


def test_skip_link_first_and_search_by_keyboard(visitor):
    page = visitor.goto("/")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("Skip to main content")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    page.get_by_label("School name, URN or postcode").focus()
    page.keyboard.type("st clares")
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    visitor.last_response = navigation.value
    visitor.check("results, by keyboard")
    result = page.locator(".portal-results a").first
    expect(result).to_have_text("St Clare's Primary School")
    # Tab forward from the search button to the first result, then follow it.
    page.get_by_role("button", name="Search").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "St Clare's Primary School":
            break
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    visitor.last_response = navigation.value
    visitor.check("school, by keyboard")
    expect(page.get_by_role("heading", level=1)).to_have_text("St Clare's Primary School")
