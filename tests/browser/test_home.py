"""Sign-in lands each role on their home (axe zero, checked by `submit`), one click from each waiting item: every
link in the lists where their work waits is followed from the home and answers with the page it names."""

from __future__ import annotations

import pytest

# The lists of each home where work waits; the demo data (seeds/) fills those named first for each role.
HOMES = {
    "partner": ("partner@example.org", "Your home", ["waiting-items", "open-requests", "bookings"], []),
    "practitioner": (
        "dev.sandhu@example.org",
        "Your work",
        ["new-requests"],
        ["overdue", "due-today", "promises", "pod-meetings", "covering-escalations"],
    ),
    "manager": (
        "joanna.keele@example.org",
        "Your area",
        ["escalations", "area-figures"],
        ["meetings", "sessions", "overdue", "due-today", "new-requests", "promises", "pod-meetings"],
    ),
    "admin": ("admin@example.org", "Running the portal", ["outbox-link", "users-link"], ["invitations-link"]),
}


@pytest.mark.parametrize("role", list(HOMES))
def test_each_role_lands_on_their_home_and_reaches_each_waiting_item_in_one_click(visitor, role):
    email, heading, filled, optional = HOMES[role]
    visitor.sign_in(email)
    page = visitor.page
    assert page.url.endswith("/home")
    assert page.locator("h1").inner_text() == heading
    followed = 0
    for list_id in filled + optional:
        links = page.locator(f"#{list_id} a")
        if list_id in filled:
            assert links.count() >= 1, f"the demo data leaves #{list_id} empty for {email}"
        for n in range(links.count()):
            link = page.locator(f"#{list_id} a").nth(n)
            target = link.get_attribute("href")
            with page.expect_navigation() as navigation:
                link.click()
            assert navigation.value is not None and navigation.value.status == 200, (list_id, target)
            assert target and page.url == visitor.base_url + target
            followed += 1
            page.go_back()
    assert followed >= len(filled)
    # Staff without a second factor are named, not linked: the admin reaches them through "Users".
    if role == "admin":
        assert page.locator("#no-second-factor li").count() >= 1
