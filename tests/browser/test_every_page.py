"""axe-core (WCAG 2.2 AA) and the page checks on every page of the portal, for each role, including
the forms' error states."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from portal.directory.models import Locality, Organisation, Pod
from portal.extensions import db


def _ids(live_server: Any) -> dict[str, int]:
    with live_server.app.app_context():
        coalville = db.session.scalar(select(Locality).where(Locality.name == "Coalville"))
        school = db.session.scalar(select(Organisation).where(Organisation.name == "Castle Rock High School"))
        pod = db.session.scalar(select(Pod).where(Pod.locality_id == coalville.id))
        return {"locality": coalville.id, "school": school.id, "pod": pod.id}


PUBLIC_PAGES = [
    "/",
    "/schools?q=st+clares",
    "/schools?q=zzzz",
    "/accessibility",
    "/privacy",
    "/cookies",
    "/contact",
    "/password-reset",
    "/no-such-page",
]


def test_public_pages_and_empty_forms(visitor, live_server):
    ids = _ids(live_server)
    for path in [*PUBLIC_PAGES, f"/organisations/{ids['school']}"]:
        visitor.goto(path)
    visitor.goto("/schools?q=")  # the search's error state
    visitor.goto("/sign-in")
    visitor.submit("Sign in")
    assert visitor.page.locator(".govuk-error-summary").is_visible()
    visitor.page.get_by_label("Email address").fill("nobody@example.org")
    visitor.page.get_by_role("textbox", name="Password").fill("wrong password")
    visitor.submit("Sign in")
    assert "Enter a correct email address and password" in visitor.page.locator(".govuk-error-summary").inner_text()
    visitor.goto("/password-reset")
    visitor.submit("Send the link")
    assert visitor.page.title().startswith("Error: ")


@pytest.mark.parametrize(
    ("email", "pages", "forms"),
    [
        (
            "partner@example.org",
            ["/account", "/notifications", "/requests", "/requests/new"],
            [("/requests/new", "Send request")],
        ),
        (
            "amara.okafor@example.org",
            ["/account", "/absences", "/absences/new", "/requests"],
            [("/absences/new", "Save absence")],
        ),
        (
            "joanna.keele@example.org",
            [
                "/account",
                "/localities",
                "/locality",
                "/locality/edit",
                "/pod",
                "/absences",
                "/invitations",
                "/invitations/new",
                "/audit",
            ],
            [("/invitations/new", "Send invitation"), ("/pod", "Add to pod"), ("/locality/edit", "Save locality")],
        ),
        (
            "admin@example.org",
            [
                "/users",
                "/districts",
                "/localities/new",
                "/invitations/new",
                "/locality",
                "/admin/outbox",
                "/locality/service-levels",
                "/audit",
                "/audit?record_id=x",
            ],
            [("/districts", "Save mapping"), ("/localities/new", "Save locality")],
        ),
    ],
    ids=["partner", "practitioner", "manager", "admin"],
)
def test_signed_in_pages_and_form_errors(visitor, live_server, email, pages, forms):
    ids = _ids(live_server)

    def real(path: str) -> str:
        return (
            path.replace("/locality/edit", f"/localities/{ids['locality']}/edit")
            .replace("/locality", f"/localities/{ids['locality']}")
            .replace("/pod", f"/pods/{ids['pod']}")
        )

    visitor.sign_in(email)
    visitor.goto(f"/organisations/{ids['school']}")
    for path in pages:
        visitor.goto(real(path))
    for path, button in forms:
        page = visitor.goto(real(path))
        if path == "/locality/edit" or path == "/localities/new":
            page.get_by_label("Locality name").fill("")
        visitor.submit(button)
        assert page.locator(".govuk-error-summary").is_visible(), f"no error summary on {path}"
        assert page.title().startswith("Error: ")
        # The error summary's links lead to fields on the page.
        for link in page.locator(".govuk-error-summary a").all():
            target = link.get_attribute("href")
            assert page.locator(target).count() == 1, f"{path}: {target} is not on the page"
