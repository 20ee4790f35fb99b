"""accessible-autocomplete as an enhancement, with the keyboard alone and axe on every state: the school search
suggests schools as the person types (Arrow down and Enter open the school's page; Enter in the box still
searches), and a long list of people (the cover on an absence) narrows as the person types. The lists offer
only whom the person may choose: never the system admin as cover."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect


def _tab_to(page: Page, selector: str, *, limit: int = 40) -> None:
    """Press Tab until the element is focused, as a keyboard user would."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{selector} was not reached with Tab")


def test_school_search_suggestions_by_keyboard(visitor):
    page = visitor.goto("/")
    _tab_to(page, "#q")
    expect(page.locator("#q")).to_have_attribute("role", "combobox")  # the enhanced box
    page.keyboard.type("castle rock")
    options = page.locator("#q__listbox [role=option]")
    expect(options.first).to_contain_text("Castle Rock High School")
    visitor.check("suggestions shown")
    page.keyboard.press("ArrowDown")
    expect(options.first).to_be_focused()
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    visitor.last_response = navigation.value
    visitor.check("the school chosen")
    assert "/organisations/" in page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Castle Rock High School")


def test_enter_in_the_search_box_still_searches(visitor):
    page = visitor.goto("/")
    _tab_to(page, "#q")
    page.keyboard.type("castle rock")
    expect(page.locator("#q__listbox [role=option]").first).to_be_visible()
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    visitor.last_response = navigation.value
    visitor.check("results")
    assert "/schools?q=castle+rock" in page.url
    expect(page.locator(".portal-results a").first).to_have_text("Castle Rock High School")


def test_the_suggestions_are_escaped(visitor, live_server):
    """A name is text, never markup, in the suggestions (they are put into the page as HTML)."""
    page = visitor.goto("/")
    page.route(
        "**/schools/suggestions?*",
        lambda route: route.fulfill(
            json={"results": [{"name": '<img src=x id="injected">School', "hint": "<b>Town</b>", "url": "/"}]}
        ),
    )
    page.locator("#q").fill("school")
    option = page.locator("#q__listbox [role=option]").first
    expect(option).to_contain_text('<img src=x id="injected">School')
    expect(option).to_contain_text("<b>Town</b>")
    expect(page.locator("#injected")).to_have_count(0)


def test_pick_the_cover_on_an_absence_by_keyboard(visitor):
    visitor.sign_in("joanna.keele@example.org")  # Coalville's manager
    page = visitor.goto("/absences/new")
    today = datetime.now(ZoneInfo("Europe/London")).date()

    _tab_to(page, "#user_id")
    page.keyboard.type("dev san")
    away = page.locator("#user_id__listbox [role=option]")
    expect(away).to_have_count(1)
    expect(away.first).to_have_text("Dev Sandhu")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("#user_id")).to_have_value("Dev Sandhu")
    for field in ("#starts_on-day", "#ends_on-day"):
        _tab_to(page, field)
        for part in (today.day, today.month, today.year):
            page.keyboard.type(str(part))
            page.keyboard.press("Tab")

    _tab_to(page, "#cover_id")
    # The system admin is not offered, whatever is typed.
    page.keyboard.type("admin")
    expect(page.locator("#cover_id__listbox [role=option]")).to_have_text(["No results found"])
    page.keyboard.press("Control+a")
    page.keyboard.press("Backspace")
    page.keyboard.type("joanna")
    cover = page.locator("#cover_id__listbox [role=option]")
    expect(cover.first).to_have_text("Joanna Keele (Locality manager)")
    visitor.check("cover suggestions shown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("#cover_id")).to_have_value("Joanna Keele (Locality manager)")
    _tab_to(page, "button:has-text('Save absence')")
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    visitor.last_response = navigation.value
    visitor.check("saved")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Absence saved")
    expect(page.locator("main table")).to_contain_text("Joanna Keele")


def test_the_admin_is_not_among_the_cover_choices(visitor):
    """The list the autocomplete is built from: the <select> the server sends (the enhancement adds nothing)."""
    visitor.sign_in("joanna.keele@example.org")
    page = visitor.goto("/absences/new")
    names = page.locator("#cover_id-select option").all_inner_texts()
    assert any(name.startswith("Dev Sandhu") for name in names), names
    assert not any("Ade Admin" in name for name in names), names


def test_the_people_to_invite_by_name_narrow_as_the_manager_types(visitor):
    """The schedule form's long list of people (checkboxes): a box to type in narrows it, by keyboard; a ticked
    person stays in view; axe on each state."""
    visitor.sign_in("joanna.keele@example.org")
    page = visitor.goto("/meetings/schedule")
    people = page.locator("input[name=also_invite_people]")
    total = people.count()
    assert total > 2, total
    _tab_to(page, "#portal-filter-0")
    page.keyboard.type("rowan tate")
    shown = page.locator(".govuk-checkboxes__item:has(input[name=also_invite_people]):visible")
    expect(shown).to_have_count(1)
    expect(shown.first).to_contain_text("Rowan Tate")
    expect(page.locator("#portal-filter-0-status")).to_have_text(f"1 of {total} people shown")
    visitor.check("narrowed")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.get_by_label("Rowan Tate", exact=False).and_(people)).to_be_checked()
    # Another search: the ticked person stays in view beside the new matches.
    page.locator("#portal-filter-0").fill("no such person at all")
    expect(shown).to_have_count(1)
    expect(shown.first).to_contain_text("Rowan Tate")
    page.locator("#portal-filter-0").fill("")
    expect(shown).to_have_count(total)
    visitor.check("cleared")
