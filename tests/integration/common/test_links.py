"""Every link in an e-mail or calendar file comes from PUBLIC_URL, never from the request's Host or
X-Forwarded-Host: a reset link pointing at an attacker's host would hand them the account."""

from __future__ import annotations

import ast
import base64
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from portal.common.links import public_url_for
from portal.common.models import OutboxMessage
from portal.config import ROOT
from portal.extensions import db
from tests.factories import PASSWORD

PUBLIC = "https://portal.example.org"
FORGED = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.9"}


def test_no_module_builds_an_outside_link_from_the_request():
    """url_for(..., _external=True) takes the request's host: only portal/common/links.py builds outside links."""
    offenders = []
    for path in sorted((ROOT / "portal").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and any(k.arg == "_external" for k in node.keywords):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_public_url_for_ignores_the_requests_host(app):
    app.config.update(PUBLIC_URL=PUBLIC + "/portal")
    with app.test_request_context("/", base_url="http://evil.example", headers=FORGED):
        assert public_url_for("accounts.reset_password", token="abc") == f"{PUBLIC}/portal/password-reset/abc"
        assert public_url_for("feedback.index", _anchor="x") == f"{PUBLIC}/portal/feedback#x"
    with app.app_context():  # the worker and the jobs: no request at all
        assert public_url_for("requests.request_page", request_id=7) == f"{PUBLIC}/portal/requests/7"


@pytest.fixture
def production(app: Any, database_url: str, make_app: Any) -> Any:
    """The production configuration behind one proxy, on the test's database (the world is in it)."""
    return make_app(
        "production",
        SECRET_KEY="p" * 40,
        SQLALCHEMY_DATABASE_URI=database_url,
        PUBLIC_URL=PUBLIC,
        PROXY_HOPS=1,
        REQUIRE_SECOND_FACTOR=False,
        RATELIMIT_ENABLED=False,
    )


def _form_token(client: Any, path: str, **kwargs: Any) -> str:
    page = client.get(path, base_url=PUBLIC, headers=FORGED, **kwargs)
    field = BeautifulSoup(page.get_data(as_text=True), "html.parser").find("input", attrs={"name": "csrf_token"})
    assert field is not None, (path, page.status_code)
    return str(field["value"])


def _post(client: Any, path: str, data: dict[str, str], *, base_url: str = PUBLIC) -> Any:
    data = {"csrf_token": _form_token(client, path), **data}
    return client.post(path, data=data, base_url=base_url, headers={**FORGED, "Referer": PUBLIC + path})


def _bodies() -> list[str]:
    db.session.expire_all()
    return [m.body_text for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


@pytest.mark.parametrize("host", ["https://evil.example", "https://localhost"])
def test_a_request_for_another_host_is_refused_and_sends_nothing(production, world, host):
    client = production.test_client()
    token = _form_token(client, "/password-reset")
    response = client.post(
        "/password-reset", data={"email": world.partner.email, "csrf_token": token}, base_url=host, headers=FORGED
    )
    assert response.status_code == 400
    assert _bodies() == []


def test_forged_forwarded_host_never_reaches_an_email(production, world, factories):
    from tests import sessions_factories

    client = production.test_client()
    assert _post(client, "/password-reset", {"email": world.partner.email}).status_code == 200

    partner = production.test_client()
    signed_in = _post(partner, "/sign-in", {"email": world.partner.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    asked = _post(
        partner,
        "/requests/new",
        {
            "kind": "consultation",
            "urgency": "routine",
            "child_initials": "JB",
            "child_birth_year": "2015",
            "summary": "Worries about attendance since half term.",
            "help_wanted": "A consultation on next steps.",
        },
    )
    assert asked.status_code == 302, asked.get_data(as_text=True)[:2000]
    session = sessions_factories.SessionFactory(locality=world.locality, host=world.practitioner)
    page = f"/sessions/{session.id}"
    response = partner.post(
        f"{page}/book",
        data={"csrf_token": _form_token(partner, page)},
        base_url=PUBLIC,
        headers={**FORGED, "Referer": PUBLIC + page},
    )
    assert response.status_code == 302

    bodies = _bodies()
    assert len(bodies) >= 3  # the reset link, the lead's notice of the request, the booking
    assert all("evil.example" not in body for body in bodies)
    links = [word for body in bodies for word in body.split() if "://" in word]
    assert links and all(link.startswith(PUBLIC + "/") for link in links), links


def _sign_in(production: Any, user: Any) -> Any:
    client = production.test_client()
    assert _post(client, "/sign-in", {"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_staff_emails_and_calendar_files_ignore_a_forged_forwarded_host(production, world, factories):
    """The invitation, the pod invite (with its .ics) and the meeting invitation, each asked for through the
    proxy with X-Forwarded-Host: evil.example, link to PUBLIC_URL only."""
    from portal.requests.models import ConsultationRequest, RequestStatus
    from tests.integration.meetings.conftest import schedule_data
    from tests.integration.requests.test_pod_invites import form_data

    manager = _sign_in(production, world.manager)
    invited = _post(
        manager,
        "/invitations/new",
        {
            "name": "New Person",
            "email": "new.person@example.org",
            "role": "partner",
            "organisation_id": str(world.school.id),
            "locality_id": "0",
        },
    )
    assert invited.status_code == 302, invited.get_data(as_text=True)[:2000]
    scheduled = _post(manager, "/meetings/schedule", schedule_data())
    assert scheduled.status_code == 302, scheduled.get_data(as_text=True)[:2000]

    req = factories.ConsultationRequestFactory(
        organisation=world.school,
        created_by=world.partner,
        routed_to=world.practitioner,
        worker=world.practitioner,
        status=RequestStatus.ACKNOWLEDGED,
    )
    assert isinstance(req, ConsultationRequest)
    practitioner = _sign_in(production, world.practitioner)
    invite = _post(practitioner, f"/requests/{req.id}/pod-invites/new", form_data([world.partner.id]))
    assert invite.status_code == 302, invite.get_data(as_text=True)[:2000]

    db.session.expire_all()
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    subjects = " | ".join(m.subject for m in messages)
    assert "invit" in subjects.lower() and len(messages) >= 3, subjects
    calendars = [base64.b64decode(a["data"]).decode() for m in messages for a in m.attachments]
    texts = [m.body_text for m in messages] + calendars
    assert any("BEGIN:VCALENDAR" in text for text in texts), "no calendar file was written"
    assert all("evil.example" not in text for text in texts)
    links = [word.strip("<>;") for text in texts for word in text.replace("\r\n ", "").split() if "://" in word]
    assert links and all(PUBLIC + "/" in link for link in links), links
