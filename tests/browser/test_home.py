"""Sign-in lands each role on their home (axe zero, checked by `submit`), one click from each item."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("email", "heading", "list_id"),
    [
        ("partner@example.org", "Your home", "open-requests"),
        ("dev.sandhu@example.org", "Your work", "new-requests"),
        ("joanna.keele@example.org", "Your area", "escalations"),
        ("admin@example.org", "Running the portal", "no-second-factor"),
    ],
    ids=["partner", "practitioner", "manager", "admin"],
)
def test_each_role_lands_on_their_home_and_reaches_an_item_in_one_click(visitor, email, heading, list_id):
    visitor.sign_in(email)
    page = visitor.page
    assert page.url.endswith("/home")
    assert page.locator("h1").inner_text() == heading
    items = page.locator(f"#{list_id} a")
    if list_id == "no-second-factor":
        assert items.count() == 0 and page.locator(f"#{list_id} li").count() >= 1
        return
    assert items.count() >= 1, f"the demo data leaves #{list_id} empty for {email}"
    first = items.first
    target = first.get_attribute("href")
    with page.expect_navigation() as navigation:
        first.click()
    visitor.last_response = navigation.value
    visitor.check()
    assert target and page.url == visitor.base_url + target
