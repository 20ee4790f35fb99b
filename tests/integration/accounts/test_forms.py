"""Every account form posted empty: a GOV.UK error summary, "Error: " in the title, nothing saved."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from portal.accounts.models import Invitation, PasswordReset, User, UserSession
from portal.accounts.services import invite_user, request_password_reset
from portal.common.models import AuditEvent, OutboxMessage
from portal.common.roles import Role
from portal.extensions import db
from tests.integration.accounts.conftest import count
from tests.support.forms import csrf_token

TABLES = (User, UserSession, Invitation, PasswordReset, OutboxMessage, AuditEvent)


def snapshot() -> dict[str, int]:
    return {model.__name__: count(model) for model in TABLES}


def reset_path(app: Any, world: Any) -> str:
    with app.test_request_context():
        request_password_reset(email=world.partner.email)
        db.session.commit()
    # The token is only in the e-mail; read it from the outbox row's body.
    body = db.session.scalars(select(OutboxMessage.body_text)).one()
    return str(next(word for word in body.split() if "/password-reset/" in word).split("localhost", 1)[1])


def invitation_path(app: Any, world: Any) -> str:
    with app.test_request_context():
        admin = db.session.get(User, world.admin.id)
        assert admin is not None
        _, token = invite_user(
            by=admin,
            email="new@example.org",
            name="New",
            role=Role.PARTNER,
            organisation_id=world.school.id,
            locality_id=None,
        )
        db.session.commit()
    return f"/invitations/{token}"


@pytest.mark.parametrize(
    ("page", "messages"),
    [
        ("sign-in", ["Enter your email address", "Enter your password"]),
        ("password-reset", ["Enter your email address"]),
        ("new-password", ["Enter a new password"]),
        ("accept-invitation", ["Enter a password"]),
        ("new-invitation", ["Enter their full name", "Enter their email address", "Select a role"]),
    ],
)
def test_empty_form_shows_the_error_summary_and_saves_nothing(app, client, client_for, world, page, messages):
    who = client_for(Role.ADMIN) if page == "new-invitation" else client
    path = {
        "sign-in": "/sign-in",
        "password-reset": "/password-reset",
        "new-password": reset_path(app, world) if page == "new-password" else "",
        "accept-invitation": invitation_path(app, world) if page == "accept-invitation" else "",
        "new-invitation": "/invitations/new",
    }[page]
    token = csrf_token(who, path)
    before = snapshot()

    response = who.post(path, data={"csrf_token": token})

    assert response.status_code == 200
    assert response.soup.title.get_text().startswith("Error: ")
    summary = response.soup.select_one(".govuk-error-summary")
    assert summary is not None
    assert summary.find_previous("h1") is None, "the error summary comes before the h1"
    assert [a.get_text(strip=True) for a in summary.select(".govuk-error-summary__list a")] == messages
    for link in summary.select("a"):
        assert response.soup.find(id=link["href"].lstrip("#")) is not None, f"{link['href']} leads nowhere"
    assert snapshot() == before


def test_badly_formed_email_address_is_refused(client):
    response = client.post(
        "/password-reset", data={"email": "not an address", "csrf_token": csrf_token(client, "/password-reset")}
    )
    summary = [a.get_text(strip=True) for a in response.soup.select(".govuk-error-summary__list a")]
    assert summary == ["Enter an email address in the correct format, like name@example.org"]
    assert count(OutboxMessage) == 0


def test_pages_without_errors_do_not_say_error(client):
    page = client.get("/sign-in")
    assert not page.soup.title.get_text().startswith("Error: ")
    assert page.soup.select_one(".govuk-error-summary") is None
