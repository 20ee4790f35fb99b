"""Every account form posted empty: a GOV.UK error summary, "Error: " in the title, nothing saved."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.accounts.services import invite_user, request_password_reset
from portal.common.models import OutboxMessage
from portal.common.roles import Role
from portal.extensions import db
from tests.support.db import row_counts
from tests.support.forms import assert_error_page, csrf_token, errors


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
    before = row_counts()

    response = who.post(path, data={"csrf_token": token})

    soup = assert_error_page(response, *messages)
    assert errors(response) == messages
    assert soup.select_one(".govuk-error-summary").find_previous("h1") is None, "the summary comes before the h1"
    assert row_counts() == before


def test_badly_formed_email_address_is_refused(client):
    token = csrf_token(client, "/password-reset")
    before = row_counts()
    response = client.post("/password-reset", data={"email": "not an address", "csrf_token": token})
    assert_error_page(response, "Enter an email address in the correct format, like name@example.org")
    assert errors(response) == ["Enter an email address in the correct format, like name@example.org"]
    assert row_counts() == before


def test_pages_without_errors_do_not_say_error(client):
    page = client.get("/sign-in")
    assert not page.soup.title.get_text().startswith("Error: ")
    assert page.soup.select_one(".govuk-error-summary") is None
