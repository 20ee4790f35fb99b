"""Password reset: the link goes by real SMTP, works once, for a short time, and is stored hashed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from portal.accounts.models import PasswordReset, User, UserSession
from portal.common.models import OutboxMessage
from portal.common.security import hash_token
from portal.extensions import db
from portal.models_base import utcnow
from tests.factories import PASSWORD
from tests.integration.accounts.conftest import body_of, count, fresh, link_path
from tests.support.forms import csrf_token

NEW_PASSWORD = "a walk along the canal"


def request_reset(client: Any, email: str) -> Any:
    return client.post("/password-reset", data={"email": email, "csrf_token": csrf_token(client, "/password-reset")})


def reset_link(client: Any, email: str, deliver: Any, inbox: Any) -> str:
    """Ask for a reset for `email` and return the path of the link that arrives by e-mail."""
    already = len(inbox.messages)
    request_reset(client, email)
    deliver()
    messages = inbox.wait_for(already + 1)
    assert len(messages) == already + 1
    return link_path(messages[-1], "/password-reset/")


def choose_password(client: Any, path: str, password: str) -> Any:
    # The token comes from another form page of the same session: a used link shows no form.
    return client.post(path, data={"password": password, "csrf_token": csrf_token(client, "/password-reset")})


def can_sign_in(app: Any, email: str, password: str) -> bool:
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": password, "csrf_token": csrf_token(client)})
    return bool(response.status_code == 302)


def test_unknown_email_gets_the_same_page_and_no_email(app, client, world, deliver, inbox):
    unknown = request_reset(client, "nobody@example.org")
    known = request_reset(app.test_client(), world.partner.email)

    assert unknown.status_code == known.status_code == 200
    assert unknown.soup.h1.get_text(strip=True) == known.soup.h1.get_text(strip=True) == "Check your email"
    assert unknown.soup.select_one("main").get_text(" ", strip=True).replace(
        "nobody@example.org", world.partner.email
    ) == known.soup.select_one("main").get_text(" ", strip=True)
    assert count(PasswordReset) == 1
    assert count(OutboxMessage) == 1
    assert deliver() == (1, 0)
    assert [m["To"] for m in inbox.wait_for(1)] == [world.partner.email]


def test_disabled_account_gets_no_email(client, world, factories, deliver):
    disabled = factories.UserFactory(disabled_at=utcnow())
    response = request_reset(client, disabled.email)
    assert response.soup.h1.get_text(strip=True) == "Check your email"
    assert count(OutboxMessage) == 0
    assert deliver() == (0, 0)


def test_reset_link_arrives_by_email_and_sets_a_new_password(app, client, world, deliver, inbox):
    path = reset_link(client, world.partner.email, deliver, inbox)
    message = inbox.messages[-1]
    assert message["To"] == world.partner.email
    assert message["Subject"] == "Reset your Partner Portal password"
    assert "Someone asked to reset the password" in body_of(message)

    page = client.get(path)
    assert page.status_code == 200
    assert page.soup.h1.get_text(strip=True) == "Choose a new password"

    response = choose_password(client, path, NEW_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"
    banner = client.get("/sign-in").soup.select_one(".govuk-notification-banner")
    assert "Your password has been changed" in banner.get_text()

    assert can_sign_in(app, world.partner.email, NEW_PASSWORD)
    assert not can_sign_in(app, world.partner.email, PASSWORD)


def test_reset_link_works_once(client, world, deliver, inbox):
    path = reset_link(client, world.partner.email, deliver, inbox)
    assert choose_password(client, path, NEW_PASSWORD).status_code == 302
    changed = fresh(User, world.partner.id).password_hash

    again = client.get(path)
    assert again.status_code == 404
    assert again.soup.h1.get_text(strip=True) == "This link has expired"
    second = choose_password(client, path, "another long password")
    assert second.status_code == 404
    assert fresh(User, world.partner.id).password_hash == changed


def test_using_a_reset_link_cancels_the_older_ones(client, world, deliver, inbox):
    older = reset_link(client, world.partner.email, deliver, inbox)
    newer = reset_link(client, world.partner.email, deliver, inbox)
    assert older != newer
    assert choose_password(client, newer, NEW_PASSWORD).status_code == 302
    assert client.get(older).status_code == 404


def test_expired_reset_link_is_refused(app, client, world, deliver, inbox):
    path = reset_link(client, world.partner.email, deliver, inbox)
    reset = db.session.scalars(select(PasswordReset)).one()
    assert reset.expires_at - utcnow() <= app.config["PASSWORD_RESET_LIFETIME"]
    reset.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    assert client.get(path).status_code == 404
    assert choose_password(client, path, NEW_PASSWORD).status_code == 404
    assert not can_sign_in(app, world.partner.email, NEW_PASSWORD)


def test_made_up_reset_link_is_refused(client, world):
    response = client.get("/password-reset/not-a-real-token")
    assert response.status_code == 404
    assert response.soup.h1.get_text(strip=True) == "This link has expired"


def test_resetting_the_password_signs_out_every_other_session(app, client_for, world, deliver, inbox):
    elsewhere = client_for(world.partner)
    assert elsewhere.get("/account").status_code == 200

    path = reset_link(app.test_client(), world.partner.email, deliver, inbox)
    assert choose_password(app.test_client(), path, NEW_PASSWORD).status_code == 302

    assert elsewhere.get("/account").status_code == 302
    assert count(UserSession, UserSession.user_id == world.partner.id, UserSession.revoked_at.is_(None)) == 0


def test_reset_tokens_are_stored_hashed(client, world, deliver, inbox):
    path = reset_link(client, world.partner.email, deliver, inbox)
    token = path.rsplit("/", 1)[-1]
    assert len(token) >= 43  # 32 random bytes, base64url
    reset = db.session.scalars(select(PasswordReset)).one()
    assert reset.token_hash == hash_token(token)
    stored = " ".join(str(value) for value in db.session.execute(select(PasswordReset.__table__)).one())
    assert token not in stored


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "Password must be 8 characters or more"),
        ("x" * 129, "Password must be 128 characters or fewer"),
        ("password123", "Choose a password that is harder to guess"),
        ("partner portal 2026", "Choose a password that is harder to guess"),
        ("Partner_Portal_2026", "Choose a password that is harder to guess"),
    ],
)
def test_weak_passwords_are_refused_and_nothing_changes(app, client_for, world, deliver, inbox, password, message):
    signed_in = client_for(world.partner)
    client = app.test_client()
    path = reset_link(client, world.partner.email, deliver, inbox)
    before = fresh(User, world.partner.id).password_hash

    response = choose_password(client, path, password)

    assert response.status_code == 200
    assert response.soup.title.get_text().startswith("Error: ")
    summary = [a.get_text(strip=True) for a in response.soup.select(".govuk-error-summary__list a")]
    assert summary == [message]
    assert fresh(User, world.partner.id).password_hash == before
    assert db.session.scalars(select(PasswordReset)).one().used_at is None
    assert signed_in.get("/account").status_code == 200
    assert client.get(path).status_code == 200, "a refused password must not use up the link"


def test_longest_allowed_password_with_any_characters_is_accepted(app, client, world, deliver, inbox):
    password = "ü ☃ " + "x" * 124
    assert len(password) == 128
    path = reset_link(client, world.partner.email, deliver, inbox)
    assert choose_password(client, path, password).status_code == 302
    assert can_sign_in(app, world.partner.email, password)
