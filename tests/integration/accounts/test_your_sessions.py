"""Your account: the sessions you are signed in with (started, last used, browser) and signing out of every
other device; partners turning on an authenticator app; the secret being set up stays server side (the
session cookie is signed but readable, so the test reads it)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from portal.accounts.models import User, UserSession
from portal.common.models import AuditEvent
from portal.extensions import db
from portal.models_base import utcnow
from tests.conftest import sign_in
from tests.factories import PASSWORD
from tests.support.db import count, fresh
from tests.support.forms import csrf_token, post

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
    " Version/18.1 Mobile/15E148 Safari/604.1"
)


def cookie_contents(app, client) -> str:
    """The session cookie as anyone holding it can read it: its signed payload, decoded."""
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    if cookie is None:
        return ""
    data = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    return json.dumps(data, default=str)


def key_on(page) -> str:
    return re.search(r"Key: <code[^>]*>([A-Z2-7 ]+)</code>", page.get_data(as_text=True)).group(1).replace(" ", "")


def test_the_secret_being_set_up_is_never_in_the_cookie(app, client, world):
    app.config["REQUIRE_SECOND_FACTOR"] = True
    try:
        response = client.post(
            "/sign-in",
            data={"email": world.practitioner.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
        )
        assert response.headers["Location"] == "/sign-in/set-up-code"
        key = key_on(client.get("/sign-in/set-up-code"))
        assert fresh(User, world.practitioner.id).totp_pending_secret == key
        assert key not in cookie_contents(app, client) and "secret" not in cookie_contents(app, client)
        done = client.post(
            "/sign-in/set-up-code",
            data={"code": pyotp.TOTP(key).now(), "csrf_token": csrf_token(client, "/sign-in/set-up-code")},
        )
        assert done.status_code == 302
        user = fresh(User, world.practitioner.id)
        assert (user.totp_secret, user.totp_pending_secret) == (key, None)
        assert key not in cookie_contents(app, client)
    finally:
        app.config["REQUIRE_SECOND_FACTOR"] = False


def test_a_partner_turns_on_an_authenticator_app_and_is_then_asked_for_a_code(app, client_for, world):
    client = client_for(world.partner)
    assert "Set up an authenticator app" in client.get("/account").get_data(as_text=True)
    started = post(client, "/account/authenticator-app")
    assert started.headers["Location"] == "/account/authenticator-app/set-up"
    page = client.get("/account/authenticator-app/set-up")
    key = key_on(page)
    assert key not in cookie_contents(app, client)
    wrong = post(client, "/account/authenticator-app/set-up", {"code": "12345x"})
    assert wrong.status_code == 200 and fresh(User, world.partner.id).totp_secret is None
    done = post(client, "/account/authenticator-app/set-up", {"code": pyotp.TOTP(key).now()})
    assert done.headers["Location"] == "/account"
    assert fresh(User, world.partner.id).totp_secret == key
    assert count(AuditEvent, AuditEvent.action == "second_factor.set_up") == 1

    later = app.test_client()
    response = later.post(
        "/sign-in",
        data={"email": world.partner.email, "password": PASSWORD, "csrf_token": csrf_token(later)},
    )
    assert response.headers["Location"] == "/sign-in/code"


@pytest.fixture
def two_devices(app, world):
    laptop, phone = app.test_client(), app.test_client()
    laptop.environ_base["HTTP_USER_AGENT"] = FIREFOX
    phone.environ_base["HTTP_USER_AGENT"] = SAFARI
    sign_in(laptop, world.manager)
    sign_in(phone, world.manager)
    return laptop, phone


def test_your_account_lists_your_sessions_with_their_browsers(two_devices, world):
    laptop, _ = two_devices
    page = laptop.get("/account")
    rows = [" ".join(r.get_text().split()) for r in page.soup.select("#sessions tbody tr")]
    assert len(rows) == 2
    assert any(r.startswith("Firefox on Windows This device") for r in rows), rows
    assert any(r.startswith("Safari on iPhone") and "This device" not in r for r in rows), rows


def test_signing_out_of_every_other_device(two_devices, world):
    laptop, phone = two_devices
    assert phone.get("/account").status_code == 200
    response = post(laptop, "/account/sessions/sign-out-others")
    assert response.headers["Location"] == "/account"
    assert "signed out of 1 other device" in laptop.get("/account").get_data(as_text=True)
    assert phone.get("/account").status_code == 302  # the phone's session is revoked server side
    assert count(UserSession, UserSession.user_id == world.manager.id, UserSession.revoked_at.is_(None)) == 1
    assert count(AuditEvent, AuditEvent.action == "sign_out.other_sessions") == 1


def test_last_used_is_noted_at_most_every_few_minutes(two_devices, world):
    laptop, _ = two_devices
    long_ago = utcnow() - timedelta(minutes=10)
    for row in db.session.scalars(select(UserSession).where(UserSession.user_id == world.manager.id)):
        row.last_used_at = long_ago
    db.session.commit()
    assert laptop.get("/account").status_code == 200
    db.session.expire_all()
    used = sorted(r.last_used_at for r in db.session.scalars(select(UserSession)))
    # The laptop's GET noted its use, in its own transaction; the phone, unused since, keeps its time.
    assert used[0] == long_ago and used[1] > long_ago + timedelta(minutes=9)
