"""An operator stands the portal up from nothing, following the README and docs/deploy.md: an empty
PostgreSQL database, `flask db upgrade`, `flask users create-admin`, gunicorn behind a TLS-terminating
proxy (PROXY_HOPS=1, X-Forwarded-Proto: https), the first admin's set-up link, their password and
authenticator app, a locality, an invitation to a manager accepted from the e-mail, and a GIAS import."""

from __future__ import annotations

import re
from email.message import Message
from pathlib import Path

import pyotp
import pytest

from tests.integration.operator.conftest import PUBLIC_URL, Production
from tests.support.http import ProxiedClient
from tests.support.mail import body_of

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("operator")]

GIAS = Path(__file__).parents[2] / "fixtures" / "gias" / "establishments-utf8-bom.csv"
PASSWORD = "a long walk by the canal"


def _link(message: Message, path: str) -> str:
    found = re.search(re.escape(PUBLIC_URL + path) + r"\S+", body_of(message))
    assert found, body_of(message)
    return found.group(0)


def _sign_in_with_new_authenticator(client: ProxiedClient, email: str, password: str) -> None:
    page = client.submit("/sign-in", {"email": email, "password": password})
    assert page.h1 == "Set up your authenticator app", page.body[:2000]
    key = page.soup.select_one("main code").get_text().replace(" ", "")
    page = client.submit("/sign-in/set-up-code", {"code": pyotp.TOTP(key).now()})
    assert "Your authenticator app is set up" in page.body
    assert page.soup.select_one("a[href='/account']") is not None  # signed in


def test_an_operator_stands_the_portal_up_from_nothing(production: Production, port, smtp_server):
    assert "Running upgrade" in production.flask("db", "upgrade").stderr
    created = production.flask("users", "create-admin", "admin@example.org", "--name", "Sam Taylor").stdout
    set_up_link = created.strip().splitlines()[-1]
    assert set_up_link.startswith(f"{PUBLIC_URL}/password-reset/")
    again = production.flask("users", "create-admin", "admin@example.org", "--name", "Sam Taylor", check=False)
    assert again.returncode != 0 and "already an account" in again.stderr

    admin = production.gunicorn(port)
    assert admin.get("/").status == 200
    evil = ProxiedClient(port, "https://evil.example")
    assert evil.get("/healthz").status == 400

    # The first admin: the set-up link, a password, then the authenticator app at the first sign-in.
    page = admin.submit(set_up_link, {"password": PASSWORD})
    assert page.h1 == "Sign in", page.body[:2000]
    assert admin.get(set_up_link).status == 404  # the link works once
    _sign_in_with_new_authenticator(admin, "admin@example.org", PASSWORD)
    assert next(v for k, v in admin.cookies.items() if k == "portal_session")

    # A locality, the district its schools come from, and an invitation to its manager.
    page = admin.submit(
        "/localities/new",
        {
            "name": "Charnwood",
            "front_door_phone": "0116 496 0000",
            "front_door_email": "frontdoor@example.org",
            "front_door_hours": "Monday to Friday, 8:30am to 5pm",
        },
    )
    assert page.status == 200 and page.h1 == "Charnwood", (page.url, page.h1, page.soup.select(".govuk-error-summary"))
    locality_id = page.url.rsplit("/", 1)[-1]
    page = admin.submit("/districts", {"district": "Charnwood", "locality_id": locality_id})
    assert page.status == 200 and "Charnwood" in page.soup.select_one("main").get_text()
    page = admin.submit(
        "/invitations/new",
        {
            "name": "Morgan Lee",
            "email": "morgan.lee@example.org",
            "role": "manager",
            "manager_locality_id": locality_id,
        },
    )
    assert "Invitation sent to morgan.lee@example.org" in page.body, page.body[:3000]

    # The worker sends the invitation; its link is at PUBLIC_URL, and the manager accepts it.
    production.flask("outbox", "work", "--once")
    [invitation] = [m for m in smtp_server.inbox.wait_for(1) if m["To"] == "morgan.lee@example.org"]
    manager = ProxiedClient(port, PUBLIC_URL)
    page = manager.submit(_link(invitation, "/invitations/"), {"password": PASSWORD})
    assert "Your account has been created" in page.body
    assert manager.submit("/account", {}, action="/sign-out").h1 != "Your account"
    _sign_in_with_new_authenticator(manager, "morgan.lee@example.org", PASSWORD)

    # Schools from the DfE's file land in the locality mapped to their district.
    imported = production.flask("directory", "import-gias", str(GIAS))
    assert "Created:   2" in imported.stdout, imported.stdout + imported.stderr
    assert "district BLABY is not mapped to a locality" in imported.stdout
    page = manager.get("/schools?q=Testfield")
    assert "Testfield Primary School" in page.body
    page = manager.get(page.soup.select_one("main a[href^='/organisations/']")["href"])
    assert "Charnwood" in page.soup.select_one("main").get_text()
