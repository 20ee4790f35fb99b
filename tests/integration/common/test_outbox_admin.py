"""After its last attempt an e-mail is marked failed and shown to admins, who can send it again. The page
shows who it was for, its subject and why it failed, never its body (which can link to a case)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal.common import outbox
from portal.common.models import AuditEvent, OutboxMessage, OutboxStatus
from portal.common.roles import Role
from portal.extensions import db
from portal.models_base import utcnow
from tests.support.forms import csrf_token
from tests.support.servers import free_port

BODY_SECRET = "secret-token-in-the-body"


def fresh(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message_id)
    assert message is not None
    return message


def enqueue(app: Flask, to: str) -> int:
    with app.test_request_context():
        message = outbox.enqueue(
            to=to,
            subject="Reset your Partner Portal password",
            template="emails/password_reset.txt",
            link=f"http://localhost/password-reset/{BODY_SECRET}",
            expires_at=utcnow(),
        )
        db.session.commit()
        return message.id


@pytest.fixture
def failed_message(app: Flask, world: Any) -> int:
    """An e-mail that failed its last attempt: the SMTP server was down (nothing listens on the port)."""
    app.config["OUTBOX_MAX_ATTEMPTS"] = 1
    message_id = enqueue(app, "someone@example.org")
    mail = app.extensions["mail"]
    real_port, mail.port = mail.port, free_port()
    assert outbox.send_due() == (0, 1)
    mail.port = real_port
    assert fresh(message_id).status is OutboxStatus.FAILED
    return message_id


def retry(client: Any, message_id: int, *, with_token: bool = True) -> Any:
    data = {"csrf_token": csrf_token(client, "/password-reset")} if with_token else {}
    return client.post(f"/admin/outbox/{message_id}/retry", data=data)


# --- the page -------------------------------------------------------------------------------------


def test_admins_see_failed_emails_with_the_reason_but_never_the_body(app, client_for, world, failed_message):
    enqueue(app, "waiting@example.org")  # pending: not a problem (yet)
    message = fresh(failed_message)

    page = client_for(Role.ADMIN).get("/admin/outbox")

    assert page.status_code == 200
    rows = page.soup.select("#failed tbody tr")
    assert len(rows) == 1
    cells = [" ".join(cell.get_text().split()) for cell in rows[0].find_all("td")]
    assert cells[:4] == ["someone@example.org", "Reset your Partner Portal password", "1", message.last_error]
    assert message.last_error and message.last_error.startswith("ConnectionRefusedError")
    assert cells[4]  # when it was written
    assert "waiting@example.org" not in page.get_data(as_text=True)
    assert BODY_SECRET not in page.get_data(as_text=True)
    assert "Hello" not in page.soup.select_one("main").get_text()


def test_with_no_failed_emails_the_page_says_so(client_for, world):
    page = client_for(Role.ADMIN).get("/admin/outbox")

    assert page.soup.select("table") == []
    assert "There are no e-mails that could not be sent." in page.soup.select_one("main").get_text()
    assert _state(page) == {
        "Waiting to be sent": "0",
        "Being tried again": "0",
        "Failed": "0",
        "Longest wait of an e-mail that is due": "None waiting",
    }


def _state(page: Any) -> dict[str, str]:
    rows = page.soup.select("#outbox-state .govuk-summary-list__row")
    return {row.dt.get_text(strip=True): " ".join(row.dd.get_text().split()).split(" (")[0] for row in rows}


def test_admins_see_waiting_retrying_and_failed_with_counts(app, client_for, world, failed_message):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 5
    app.config["OUTBOX_BACKOFF_SECONDS"] = 600
    retrying = enqueue(app, "retrying@example.org")
    mail = app.extensions["mail"]
    real_port, mail.port = mail.port, free_port()
    assert outbox.send_due() == (0, 1)  # the failed one is not due; this one fails its first attempt
    mail.port = real_port
    enqueue(app, "queued-1@example.org")
    enqueue(app, "queued-2@example.org")

    page = client_for(Role.ADMIN).get("/admin/outbox")

    assert _state(page)["Waiting to be sent"] == "2"
    assert _state(page)["Being tried again"] == "1"
    assert _state(page)["Failed"] == "1"
    assert _state(page)["Longest wait of an e-mail that is due"] == "0 minutes"
    [row] = page.soup.select("table")[0].select("tbody tr")
    cells = [" ".join(cell.get_text().split()) for cell in row.find_all("td")]
    message = fresh(retrying)
    assert cells[:4] == ["retrying@example.org", "Reset your Partner Portal password", "1", message.last_error]
    assert message.next_attempt_at > utcnow()
    assert "1 e-mail has failed. 1 is being tried again." in page.soup.select_one(".govuk-warning-text").get_text()
    health = app.test_client().get("/healthz").get_json()
    assert health["outbox"] == {
        "oldest_due_seconds": health["outbox"]["oldest_due_seconds"],
        "waiting": 3,
        "retrying": 1,
        "failed": 1,
    }
    assert 0 <= health["outbox"]["oldest_due_seconds"] < 60


def test_the_menu_links_to_the_page_for_admins_only(client_for, world):
    def menu(role: Role) -> list[str]:
        page = client_for(role).get("/account")
        return [a["href"] for a in page.soup.select(".govuk-service-navigation__link")]

    assert "/admin/outbox" in menu(Role.ADMIN)
    assert "/admin/outbox" not in menu(Role.MANAGER)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.PRACTITIONER, Role.PARTNER])
def test_only_admins_see_the_page_or_retry(client_for, world, failed_message, role):
    client = client_for(role)

    assert client.get("/admin/outbox").status_code == 403
    assert retry(client, failed_message).status_code == 403
    assert fresh(failed_message).status is OutboxStatus.FAILED


# --- sending again --------------------------------------------------------------------------------


def test_retry_puts_the_email_back_in_the_queue_and_the_worker_sends_it(client_for, world, failed_message, inbox):
    client = client_for(Role.ADMIN)

    response = retry(client, failed_message)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/outbox")
    message = fresh(failed_message)
    assert (message.status, message.attempts, message.last_error) == (OutboxStatus.PENDING, 0, None)
    assert message.next_attempt_at <= utcnow()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "outbox.message_retried"))
    assert event is not None
    assert (event.actor_id, event.object_id) == (world.admin.id, failed_message)
    page = client.get("/admin/outbox")
    banner = page.soup.select_one(".govuk-notification-banner")
    assert "The e-mail to someone@example.org will be sent again." in banner.get_text()
    assert page.soup.select("tbody tr") == []

    assert outbox.send_due() == (1, 0)
    assert [m["To"] for m in inbox.wait_for(1)] == ["someone@example.org"]
    assert fresh(failed_message).status is OutboxStatus.SENT


def test_an_email_that_has_not_failed_cannot_be_retried(app, client_for, world):
    pending = enqueue(app, "waiting@example.org")

    assert retry(client_for(Role.ADMIN), pending).status_code == 404
    assert retry(client_for(Role.ADMIN), 999999).status_code == 404
    assert fresh(pending).status is OutboxStatus.PENDING


def test_retry_needs_the_csrf_token(client_for, world, failed_message):
    assert retry(client_for(Role.ADMIN), failed_message, with_token=False).status_code == 400
    assert fresh(failed_message).status is OutboxStatus.FAILED
