"""The second factor for staff and admins: set up an authenticator app at the first sign-in, then a code
at every sign-in; a code works once; partners are asked only once they turn it on (see
test_your_sessions.py); admins can reset a lost app."""

from __future__ import annotations

import re
import time

import pyotp
import pytest

from portal.accounts.models import User
from portal.common.models import AuditEvent
from portal.extensions import db
from tests.factories import PASSWORD
from tests.support.db import count, fresh
from tests.support.forms import csrf_token


@pytest.fixture
def required(app):
    app.config["REQUIRE_SECOND_FACTOR"] = True
    yield
    app.config["REQUIRE_SECOND_FACTOR"] = False


def password_step(client, user):
    return client.post("/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)})


def post_code(client, url, code):
    return client.post(url, data={"code": code, "csrf_token": csrf_token(client, url)})


TEST_KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # an invented key, for tests only


def enrolled(user, secret=TEST_KEY):
    user.totp_secret = secret
    db.session.commit()
    return pyotp.TOTP(secret)


def test_staff_set_up_an_app_at_their_first_sign_in(app, client, world, required):
    response = password_step(client, world.practitioner)
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in/set-up-code"
    assert client.get("/account").status_code == 302  # not signed in yet

    page = client.get("/sign-in/set-up-code")
    html = page.get_data(as_text=True)
    assert "<svg" in html  # the QR code, drawn here
    key = re.search(r"Key: <code[^>]*>([A-Z2-7 ]+)</code>", html).group(1).replace(" ", "")
    # A wrong code keeps the person on the page with an error, and stores nothing.
    wrong = post_code(client, "/sign-in/set-up-code", "000000" if pyotp.TOTP(key).now() != "000000" else "111111")
    assert wrong.status_code == 200 and "The code is not right" in wrong.get_data(as_text=True)
    assert fresh(User, world.practitioner.id).totp_secret is None

    done = post_code(client, "/sign-in/set-up-code", pyotp.TOTP(key).now())
    assert done.status_code == 302
    assert client.get("/account").status_code == 200
    assert fresh(User, world.practitioner.id).totp_secret == key
    assert count(AuditEvent, AuditEvent.action == "second_factor.set_up") == 1


def test_enrolled_staff_give_a_code_and_each_code_works_once(app, world, required):
    totp = enrolled(world.manager)
    first = app.test_client()
    assert password_step(first, world.manager).headers["Location"] == "/sign-in/code"
    code = totp.now()
    assert post_code(first, "/sign-in/code", code).status_code == 302
    assert first.get("/account").status_code == 200

    # Someone who saw the code (and the password) cannot use it again.
    second = app.test_client()
    password_step(second, world.manager)
    again = post_code(second, "/sign-in/code", code)
    assert again.status_code == 200
    assert "has been used" in again.get_data(as_text=True)
    assert second.get("/account").status_code == 302
    assert count(AuditEvent, AuditEvent.action == "sign_in.code_refused") == 1


def test_a_code_from_a_past_step_is_refused_once_a_later_one_was_used(app, world, required):
    totp = enrolled(world.admin)
    client = app.test_client()
    password_step(client, world.admin)
    now = time.time()
    assert post_code(client, "/sign-in/code", totp.at(now)).status_code == 302
    later = app.test_client()
    password_step(later, world.admin)
    assert post_code(later, "/sign-in/code", totp.at(now - 30)).status_code == 200  # older than the one used


def test_partners_are_not_asked_for_a_code_they_did_not_set_up(app, client, world, required):
    response = password_step(client, world.partner)
    assert response.status_code == 302 and response.headers["Location"] == "/home"
    assert client.get("/account").status_code == 200


def test_when_not_required_only_staff_who_set_up_an_app_are_asked(app, world):
    assert app.config["REQUIRE_SECOND_FACTOR"] is False
    plain = app.test_client()
    assert password_step(plain, world.practitioner).headers["Location"] == "/home"
    enrolled(world.manager)
    asked = app.test_client()
    assert password_step(asked, world.manager).headers["Location"] == "/sign-in/code"


def test_the_code_page_needs_a_recent_password(app, client, world, required):
    enrolled(world.manager)
    no_password = client.get("/sign-in/code")
    assert no_password.status_code == 302 and no_password.headers["Location"] == "/sign-in"

    password_step(client, world.manager)
    with client.session_transaction() as session:
        session["pending_sign_in"] = {**session["pending_sign_in"], "at": int(time.time()) - 301}
    expired = client.get("/sign-in/code")
    assert expired.status_code == 302 and expired.headers["Location"] == "/sign-in"


def test_bad_codes_get_a_clear_error(app, client, world, required):
    enrolled(world.manager)
    password_step(client, world.manager)
    for bad, message in (("", "Enter the 6-digit code"), ("12ab56", "Enter the 6-digit code")):
        response = post_code(client, "/sign-in/code", bad)
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)


def test_code_entry_is_rate_limited(app, client, world, required):
    enrolled(world.manager)
    password_step(client, world.manager)
    token = csrf_token(client, "/sign-in/code")
    statuses = [
        client.post("/sign-in/code", data={"code": "000000", "csrf_token": token}).status_code for _ in range(11)
    ]
    assert statuses[-1] == 429


def test_an_admin_resets_a_lost_app(app, world, client_for, required):
    enrolled(world.practitioner)
    admin = app.test_client()
    admin_totp = enrolled(world.admin)
    password_step(admin, world.admin)
    post_code(admin, "/sign-in/code", admin_totp.now())
    url = f"/users/{world.practitioner.id}/reset-second-factor"
    assert admin.post(url, data={"csrf_token": csrf_token(admin, "/password-reset")}).status_code == 302
    assert fresh(User, world.practitioner.id).totp_secret is None
    assert count(AuditEvent, AuditEvent.action == "second_factor.reset") == 1
    again = app.test_client()
    assert password_step(again, world.practitioner).headers["Location"] == "/sign-in/set-up-code"
