"""Sign-in, sessions and sign-out: QUALITY.md, Security → Authentication and Sessions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from argon2 import extract_parameters
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from portal.accounts.models import User, UserSession
from portal.common import security
from portal.common.models import AuditEvent
from portal.extensions import db
from portal.models_base import utcnow
from tests.conftest import sign_in
from tests.factories import PASSWORD
from tests.integration.accounts.conftest import count, fresh
from tests.support.db import row_counts
from tests.support.forms import csrf_token

SIGN_IN_FAILED = "Enter a correct email address and password"
COOKIE = "portal_session"


def post_sign_in(client: Any, email: str, password: str, **extra: Any) -> Any:
    return client.post(
        "/sign-in", data={"email": email, "password": password, "csrf_token": csrf_token(client), **extra}
    )


def cookie_value(client: Any) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie is not None else None


def is_sign_in_redirect(response: Any) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


# --- signing in -----------------------------------------------------------------------------------


def test_sign_in_succeeds_and_the_account_page_shows_who_is_signed_in(client, world):
    response = post_sign_in(client, world.partner.email, PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"

    page = client.get("/account")
    assert page.status_code == 200
    rows = {
        dt.get_text(strip=True): dd.get_text(strip=True)
        for dt, dd in zip(
            page.soup.select(".govuk-summary-list__key"), page.soup.select(".govuk-summary-list__value"), strict=True
        )
    }
    assert rows["Name"] == "Pat Partner"
    assert rows["Email address"] == world.partner.email
    assert rows["Organisation"] == "Castle Rock High School"
    assert count(AuditEvent, AuditEvent.action == "sign_in.succeeded", AuditEvent.actor_id == world.partner.id) == 1
    assert count(UserSession, UserSession.user_id == world.partner.id, UserSession.revoked_at.is_(None)) == 1
    assert fresh(User, world.partner.id).last_sign_in_at is not None


def test_sign_in_accepts_the_address_in_any_case_and_with_spaces(client, world):
    response = post_sign_in(client, f"  {world.partner.email.upper()} ", PASSWORD)
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert count(UserSession, UserSession.user_id == world.partner.id) == 1
    assert count(AuditEvent, AuditEvent.action == "sign_in.succeeded", AuditEvent.actor_id == world.partner.id) == 1


def test_sign_in_renews_the_session_cookie(client, world):
    client.get("/sign-in")
    before = cookie_value(client)
    assert before is not None, "the sign-in page should start a session for its CSRF token"

    sign_in(client, world.partner)

    after = cookie_value(client)
    assert after is not None
    assert after != before
    # Nothing from before sign-in survives: the old cookie is not signed in.
    old = client.application.test_client()
    old.set_cookie(COOKIE, before, domain="localhost")
    assert is_sign_in_redirect(old.get("/account"))


def test_session_cookie_is_http_only_and_same_site_lax(client, world):
    response = sign_in(client, world.partner)
    set_cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{COOKIE}="))
    assert "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie


def test_sign_in_only_follows_next_to_a_page_of_this_site(client, world):
    token = csrf_token(client)
    data = {"email": world.partner.email, "password": PASSWORD, "csrf_token": token}
    response = client.post("/sign-in?next=https://evil.example/phish", data=data)
    assert response.headers["Location"] == "/home"

    other = client.application.test_client()
    data["csrf_token"] = csrf_token(other)
    response = other.post("/sign-in?next=/account", data=data)
    assert response.headers["Location"] == "/account"


def _failure_page(client: Any, email: str, password: str) -> tuple[int, str, list[str]]:
    response = post_sign_in(client, email, password)
    summary = response.soup.select_one(".govuk-error-summary")
    assert summary is not None, "a failed sign-in must show the error summary"
    field_errors = [" ".join(e.get_text().split()) for e in response.soup.select(".govuk-error-message")]
    assert client.get("/account").status_code == 302, "a failed sign-in must not sign in"
    return response.status_code, " ".join(summary.get_text().split()), field_errors


def test_wrong_password_unknown_email_and_disabled_account_look_the_same(app, client, world, factories):
    disabled = factories.UserFactory(disabled_at=utcnow())

    wrong_password = _failure_page(client, world.partner.email, "not-the-password")
    unknown_email = _failure_page(client, "nobody@example.org", PASSWORD)
    disabled_account = _failure_page(client, disabled.email, PASSWORD)

    assert wrong_password == unknown_email == disabled_account
    status, summary, field_errors = wrong_password
    assert status == 200
    assert SIGN_IN_FAILED in summary
    assert all(SIGN_IN_FAILED in error for error in field_errors)
    assert "disabled" not in summary.lower()

    failed = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in.failed")))
    assert len(failed) == 3
    assert {event.actor_id for event in failed} == {world.partner.id, None, disabled.id}
    assert count(UserSession) == 0
    assert count(AuditEvent, AuditEvent.action == "sign_in.succeeded") == 0
    assert fresh(User, world.partner.id).last_sign_in_at is None
    assert fresh(User, disabled.id).last_sign_in_at is None


class CountingHasher:
    """Stands in for security._hasher (argon2's PasswordHasher has __slots__, so its method cannot be patched)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.verified: list[str] = []

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified.append(password_hash)
        return bool(self.real.verify(password_hash, password))

    def hash(self, password: str) -> str:
        return str(self.real.hash(password))


@pytest.mark.parametrize("case", ["unknown email", "wrong password", "disabled account", "correct"])
def test_every_sign_in_costs_exactly_one_argon2_verification(client, world, factories, monkeypatch, case):
    disabled = factories.UserFactory(disabled_at=utcnow())
    email, password = {
        "unknown email": ("nobody@example.org", PASSWORD),
        "wrong password": (world.partner.email, "not-the-password"),
        "disabled account": (disabled.email, PASSWORD),
        "correct": (world.partner.email, PASSWORD),
    }[case]
    token = csrf_token(client)
    counting = CountingHasher(security._hasher)
    monkeypatch.setattr(security, "_hasher", counting)

    client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})

    assert len(counting.verified) == 1
    # The dummy hash for an unknown e-mail costs what a real password's does: the same argon2 parameters.
    # (Test users have cheap hashes for speed, so compare with a hash the portal makes itself.)
    if case == "unknown email":
        assert extract_parameters(counting.verified[0]) == extract_parameters(security.hash_password("x" * 12))


# --- rate limits ----------------------------------------------------------------------------------


def test_sign_in_is_rate_limited(app, client, world):
    assert app.config["RATELIMIT_SIGN_IN"] == "10 per minute"
    token = csrf_token(client)
    for _ in range(10):
        response = client.post(
            "/sign-in", data={"email": world.partner.email, "password": "wrong-password", "csrf_token": token}
        )
        assert response.status_code == 200
    # The eleventh attempt is refused even with the right password.
    response = client.post("/sign-in", data={"email": world.partner.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 429
    assert response.soup.h1.get_text(strip=True) == "Sorry, there have been too many attempts"
    assert client.get("/account").status_code == 302
    assert count(UserSession) == 0
    assert count(AuditEvent, AuditEvent.action == "sign_in.succeeded") == 0
    assert fresh(User, world.partner.id).last_sign_in_at is None


def test_password_reset_request_is_rate_limited(client, world):
    token = csrf_token(client, "/password-reset")
    for _ in range(10):
        assert client.post("/password-reset", data={"email": "x@example.org", "csrf_token": token}).status_code == 200
    response = client.post("/password-reset", data={"email": "x@example.org", "csrf_token": token})
    assert response.status_code == 429
    assert response.soup.h1.get_text(strip=True) == "Sorry, there have been too many attempts"


# --- sign-out and timeouts ------------------------------------------------------------------------


def test_sign_out_revokes_the_session_so_a_copied_cookie_stops_working(app, client_for, world):
    client = client_for(world.partner)
    copied = cookie_value(client)
    assert copied is not None

    response = client.post("/sign-out", data={"csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 302
    assert is_sign_in_redirect(client.get("/account"))

    thief = app.test_client()
    thief.set_cookie(COOKIE, copied, domain="localhost")
    assert is_sign_in_redirect(thief.get("/account"))
    row = db.session.scalars(select(UserSession).where(UserSession.user_id == world.partner.id)).one()
    assert row.revoked_at is not None
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_out")).one()
    assert (event.object_type, event.object_id, event.actor_id) == ("User", world.partner.id, world.partner.id)


def test_sign_out_needs_the_csrf_token(client_for, world):
    client = client_for(world.partner)
    response = client.post("/sign-out")
    assert response.status_code == 400
    assert client.get("/account").status_code == 200
    assert count(UserSession, UserSession.revoked_at.is_not(None)) == 0


def test_signing_out_one_browser_leaves_the_others_signed_in(client_for, world):
    first = client_for(world.partner)
    second = client_for(world.partner)
    first.post("/sign-out", data={"csrf_token": csrf_token(first, "/account")})
    assert is_sign_in_redirect(first.get("/account"))
    assert second.get("/account").status_code == 200
    assert count(UserSession, UserSession.user_id == world.partner.id, UserSession.revoked_at.is_not(None)) == 1
    assert count(UserSession, UserSession.user_id == world.partner.id, UserSession.revoked_at.is_(None)) == 1


def _travel(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Move the clock that signs and checks the session cookie's timestamp `seconds` ahead of now."""
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + int(seconds))


def test_idle_session_times_out(app, client_for, world, monkeypatch):
    idle = app.config["PERMANENT_SESSION_LIFETIME"]
    assert idle == timedelta(minutes=30)
    client = client_for(world.partner)

    _travel(monkeypatch, idle.total_seconds() + 60)

    assert is_sign_in_redirect(client.get("/account"))


def test_activity_keeps_the_session_alive(app, client_for, world, monkeypatch):
    idle = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    client = client_for(world.partner)
    # Each request within the idle time renews the cookie, so 50 minutes of activity every 25 is fine.
    _travel(monkeypatch, idle * 5 / 6)
    assert client.get("/account").status_code == 200
    monkeypatch.undo()
    _travel(monkeypatch, idle * 10 / 6)
    assert client.get("/account").status_code == 200


def test_absolute_session_lifetime_ends_even_an_active_session(app, client_for, world):
    client = client_for(world.partner)
    assert client.get("/account").status_code == 200

    row = db.session.scalars(select(UserSession).where(UserSession.user_id == world.partner.id)).one()
    row.created_at = utcnow() - app.config["ABSOLUTE_SESSION_LIFETIME"] - timedelta(minutes=1)
    db.session.commit()

    assert is_sign_in_redirect(client.get("/account"))


def test_just_inside_the_absolute_lifetime_the_session_still_works(app, client_for, world):
    client = client_for(world.partner)
    row = db.session.scalars(select(UserSession).where(UserSession.user_id == world.partner.id)).one()
    row.created_at = utcnow() - app.config["ABSOLUTE_SESSION_LIFETIME"] + timedelta(minutes=5)
    db.session.commit()
    assert client.get("/account").status_code == 200


# --- CSRF -----------------------------------------------------------------------------------------


def test_sign_in_without_csrf_token_is_refused_and_changes_nothing(app, client, world):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    client.get("/sign-in")
    response = client.post("/sign-in", data={"email": world.partner.email, "password": PASSWORD})
    assert response.status_code == 400
    assert response.soup.h1.get_text(strip=True) == "Sorry, there is a problem with your request"
    assert client.get("/account").status_code == 302
    assert count(UserSession) == 0
    assert count(AuditEvent, AuditEvent.action.like("sign_in.%")) == 0
    assert fresh(User, world.partner.id).last_sign_in_at is None


def test_sign_in_with_a_forged_csrf_token_is_refused(client, world):
    client.get("/sign-in")
    before = row_counts()
    response = client.post(
        "/sign-in", data={"email": world.partner.email, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 400
    assert client.get("/account").status_code == 302
    assert row_counts() == before
    assert fresh(User, world.partner.id).last_sign_in_at is None
