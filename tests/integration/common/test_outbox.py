"""The e-mail outbox (QUALITY.md R5, R7): written with its event, sent over real SMTP, retried with
back-off while the server is down, marked failed after the last attempt, delivered exactly once."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from portal.accounts.models import PasswordReset
from portal.common import outbox
from portal.common.models import OutboxMessage, OutboxStatus
from portal.extensions import db
from portal.models_base import utcnow
from tests.support.forms import csrf_token
from tests.support.servers import free_port


def rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def count(model: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def enqueue(app: Flask, *recipients: str) -> list[int]:
    """Queue one message per recipient and commit, as a request would."""
    with app.test_request_context():
        messages = [
            outbox.enqueue(
                to=to,
                subject="Reset your Partner Portal password",
                template="emails/password_reset.txt",
                link="http://localhost/password-reset/x",
                expires_at=utcnow(),
            )
            for to in recipients
        ]
        db.session.commit()
        return [m.id for m in messages]


def send_due(app: Flask) -> tuple[int, int]:
    """One pass of the worker in its own app context (its own database session)."""
    with app.app_context():
        return outbox.send_due()


@pytest.fixture
def smtp_down(app: Flask) -> Iterator[None]:
    """Point the mailer at a port where nothing listens; restore it afterwards.

    Flask-Mail reads MAIL_PORT once, in init_app, into app.extensions["mail"]: that is what to change.
    """
    state = app.extensions["mail"]
    real_port = state.port
    state.port = free_port()
    yield
    state.port = real_port


def server_returns(app: Flask, smtp_server: Any) -> None:
    app.extensions["mail"].port = smtp_server.port


# --- written with the event -----------------------------------------------------------------------


def test_email_is_committed_with_its_event(app, client, world):
    response = client.post(
        "/password-reset", data={"email": world.partner.email, "csrf_token": csrf_token(client, "/password-reset")}
    )
    assert response.status_code == 200
    assert count(PasswordReset) == 1
    [message] = rows()
    assert (message.recipient, message.status, message.attempts) == (world.partner.email, OutboxStatus.PENDING, 0)


def test_email_is_rolled_back_with_its_event(app, client, world, monkeypatch):
    # The service queues the e-mail, then the request fails: neither the reset nor its e-mail is kept.
    def broken_page(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("rendering failed")

    token = csrf_token(client, "/password-reset")
    monkeypatch.setattr("portal.accounts.routes.render_template", broken_page)

    response = client.post("/password-reset", data={"email": world.partner.email, "csrf_token": token})

    assert response.status_code == 500
    assert count(PasswordReset) == 0
    assert count(OutboxMessage) == 0


def test_rolling_back_the_transaction_drops_the_queued_email(app):
    with app.test_request_context():
        outbox.enqueue(
            to="a@example.org", subject="S", template="emails/password_reset.txt", link="x", expires_at=utcnow()
        )
        db.session.flush()
        db.session.rollback()
    assert count(OutboxMessage) == 0


# --- delivery -------------------------------------------------------------------------------------


def test_due_messages_arrive_by_smtp_with_a_message_id_from_the_outbox_id(app, inbox):
    ids = enqueue(app, "a@example.org", "b@example.org")

    assert send_due(app) == (2, 0)

    messages = inbox.wait_for(2)
    assert sorted(m["To"] for m in messages) == ["a@example.org", "b@example.org"]
    by_recipient = {m["To"]: m for m in messages}
    assert by_recipient["a@example.org"]["Message-ID"] == f"<outbox-{ids[0]}@example.org>"
    assert by_recipient["b@example.org"]["Message-ID"] == f"<outbox-{ids[1]}@example.org>"
    assert by_recipient["a@example.org"]["Subject"] == "Reset your Partner Portal password"
    assert all(r.status is OutboxStatus.SENT and r.sent_at is not None and r.attempts == 1 for r in rows())
    # Sent messages are not sent again.
    assert send_due(app) == (0, 0)
    assert len(inbox.messages) == 2


def test_attachments_arrive(app, inbox):
    with app.test_request_context():
        outbox.enqueue(
            to="a@example.org",
            subject="Your booking",
            template="emails/password_reset.txt",
            link="x",
            expires_at=utcnow(),
            attachments=[outbox.Attachment("session.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")],
        )
        db.session.commit()
    send_due(app)
    [message] = inbox.wait_for(1)
    [attachment] = [part for part in message.walk() if part.get_filename() == "session.ics"]
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_payload(decode=True) == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


def test_flask_outbox_work_once_sends_what_is_due(app, inbox):
    enqueue(app, "a@example.org")
    result = app.test_cli_runner().invoke(args=["outbox", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "outbox: sent 1, failed attempts 0" in result.output
    assert [m["To"] for m in inbox.wait_for(1)] == ["a@example.org"]


# --- SMTP down ------------------------------------------------------------------------------------


def test_smtp_down_leaves_messages_pending_and_events_still_commit(app, client, world, smtp_down, inbox):
    response = client.post(
        "/password-reset", data={"email": world.partner.email, "csrf_token": csrf_token(client, "/password-reset")}
    )
    assert response.status_code == 200
    assert count(PasswordReset) == 1

    assert send_due(app) == (0, 1)

    [row] = rows()
    assert row.status is OutboxStatus.PENDING
    assert row.attempts == 1
    assert row.last_error is not None
    assert row.last_error.startswith("ConnectionRefusedError")
    assert row.claimed_until is None
    assert inbox.messages == []


def test_retries_back_off(app, smtp_down):
    app.config["OUTBOX_BACKOFF_SECONDS"] = 30
    enqueue(app, "a@example.org")

    before = utcnow()
    assert send_due(app) == (0, 1)
    [row] = rows()
    assert row.attempts == 1
    assert before + timedelta(seconds=30) <= row.next_attempt_at <= utcnow() + timedelta(seconds=30)

    # Not due yet: the worker leaves it alone.
    assert send_due(app) == (0, 0)
    assert rows()[0].attempts == 1

    # Once due, the next failure waits twice as long.
    row.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    before = utcnow()
    assert send_due(app) == (0, 1)
    [row] = rows()
    assert row.attempts == 2
    assert before + timedelta(seconds=60) <= row.next_attempt_at <= utcnow() + timedelta(seconds=60)


def test_after_the_last_attempt_the_message_is_failed_not_dropped(app, smtp_down, smtp_server, inbox):
    max_attempts = app.config["OUTBOX_MAX_ATTEMPTS"]
    assert app.config["OUTBOX_BACKOFF_SECONDS"] == 0
    enqueue(app, "a@example.org")

    for attempt in range(1, max_attempts + 1):
        assert send_due(app) == (0, 1)
        assert rows()[0].attempts == attempt
        assert rows()[0].status is (OutboxStatus.FAILED if attempt == max_attempts else OutboxStatus.PENDING)

    assert send_due(app) == (0, 0)
    with app.app_context():
        [failed] = outbox.failed_messages()
        assert failed.recipient == "a@example.org"

        # An admin retries it once the server is back: it is sent.
        server_returns(app, smtp_server)
        outbox.retry_message(failed)
        db.session.commit()
    assert send_due(app) == (1, 0)
    assert [m["To"] for m in inbox.wait_for(1)] == ["a@example.org"]


def test_when_smtp_returns_every_pending_message_arrives_exactly_once(app, smtp_down, smtp_server, inbox):
    ids = enqueue(app, "a@example.org", "b@example.org", "c@example.org")
    assert send_due(app) == (0, 3)
    assert send_due(app) == (0, 3)

    server_returns(app, smtp_server)
    assert send_due(app) == (3, 0)
    assert send_due(app) == (0, 0)

    messages = inbox.wait_for(3)
    assert len(messages) == 3
    assert sorted(m["To"] for m in messages) == ["a@example.org", "b@example.org", "c@example.org"]
    assert sorted(m["Message-ID"] for m in messages) == sorted(f"<outbox-{i}@example.org>" for i in ids)
    assert [(r.status, r.attempts) for r in rows()] == [(OutboxStatus.SENT, 3)] * 3


def test_a_claimed_message_is_not_sent_by_a_second_worker(app, inbox):
    [row_id] = enqueue(app, "a@example.org")
    with app.app_context():
        assert outbox._claim(row_id)
        assert not outbox._claim(row_id), "a claimed row cannot be claimed again"
    assert send_due(app) == (0, 0)
    assert inbox.messages == []


def test_a_hung_smtp_server_times_out_instead_of_stopping_the_worker(app):
    # A server that accepts connections (the kernel's backlog does) and never says a word.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    app.extensions["mail"].port = listener.getsockname()[1]
    app.config["MAIL_TIMEOUT_SECONDS"] = 0.5
    enqueue(app, "a@example.org")
    result: list[tuple[int, int]] = []
    worker = threading.Thread(target=lambda: result.append(send_due(app)), daemon=True)
    try:
        worker.start()
        worker.join(timeout=20)
        assert not worker.is_alive(), "send_due hung on a silent SMTP server"
    finally:
        listener.close()
        worker.join(timeout=20)
    assert result == [(0, 1)]
    [row] = rows()
    assert row.status is OutboxStatus.PENDING
    assert row.last_error is not None


def test_a_message_that_cannot_be_sent_does_not_stop_the_others(app, inbox, monkeypatch):
    bad, good = enqueue(app, "bad@example.org", "good@example.org")
    real_send = outbox._send

    def send(row: OutboxMessage) -> None:
        if row.id == bad:
            raise ValueError("cannot encode this message")
        real_send(row)

    monkeypatch.setattr(outbox, "_send", send)

    assert send_due(app) == (1, 1)
    assert [m["To"] for m in inbox.wait_for(1)] == ["good@example.org"]
    by_id = {r.id: r for r in rows()}
    assert (by_id[bad].status, by_id[bad].attempts) == (OutboxStatus.PENDING, 1)
    assert by_id[bad].last_error == "ValueError: cannot encode this message"
    assert by_id[good].status is OutboxStatus.SENT


def test_the_long_running_worker_survives_a_database_outage(app, inbox, monkeypatch):
    enqueue(app, "a@example.org")
    real_send_due = outbox.send_due
    calls = {"send_due": 0, "sleep": 0}

    def flaky_send_due() -> tuple[int, int]:
        calls["send_due"] += 1
        if calls["send_due"] == 1:
            raise OperationalError("SELECT 1", {}, Exception("database unavailable"))
        return real_send_due()

    class Stop(Exception):
        pass

    def sleep(seconds: float) -> None:
        calls["sleep"] += 1
        if calls["sleep"] == 2:
            raise Stop

    monkeypatch.setattr(outbox, "send_due", flaky_send_due)
    monkeypatch.setattr("portal.app.cli.time.sleep", sleep)

    result = app.test_cli_runner().invoke(args=["outbox", "work"])

    assert isinstance(result.exception, Stop)
    assert calls["send_due"] == 2
    assert "outbox: sent 1, failed attempts 0" in result.output
    assert [m["To"] for m in inbox.wait_for(1)] == ["a@example.org"]


# --- header injection -----------------------------------------------------------------------------


@pytest.mark.parametrize("to", ["a@example.org\nBcc: victim@example.org", "a@example.org\rBcc: victim@example.org"])
def test_email_headers_cannot_be_injected_through_the_address(app, to):
    with app.test_request_context(), pytest.raises(ValueError, match="line breaks"):
        outbox.enqueue(to=to, subject="Hello", template="emails/password_reset.txt", link="x", expires_at=utcnow())
    db.session.rollback()
    assert count(OutboxMessage) == 0


@pytest.mark.parametrize("subject", ["Hello\nBcc: victim@example.org", "Hello\r\nBcc: victim@example.org"])
def test_a_subject_is_one_line_so_no_header_can_be_injected(app, inbox, subject):
    with app.test_request_context():
        row = outbox.enqueue(
            to="a@example.org", subject=subject, template="emails/password_reset.txt", link="x", expires_at=utcnow()
        )
        db.session.commit()
    assert row.subject == "Hello Bcc: victim@example.org"
    assert outbox.send_due() == (1, 0)
    [message] = inbox.wait_for(1)
    assert message["Subject"] == "Hello Bcc: victim@example.org"
    assert message["Bcc"] is None
    assert list(inbox.recipients) == [["a@example.org"]]


def test_a_subject_that_just_overflows_a_line_arrives_unfolded(app, inbox):
    """Python folded a 76-character subject onto a line of its own: it arrived as "\\r\\n Cancelled: …"."""
    subject = "Cancelled: your place on Front Door shadowing: a morning with the duty team"
    with app.test_request_context():
        outbox.enqueue(
            to="a@example.org",
            subject=subject,
            template="emails/password_reset.txt",
            link="x",
            expires_at=utcnow(),
            attachments=[outbox.Attachment("invite.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")],
        )
        db.session.commit()
    assert outbox.send_due() == (1, 0)
    [message] = inbox.wait_for(1)
    assert message["Subject"] == subject  # compat32, as a strict client reads it: no fold, no leading space


def test_messages_of_one_thread_arrive_in_the_order_they_were_written(app, inbox):
    """After an outage the first message of a thread waits on its back-off; the later one must not overtake it."""
    app.config["OUTBOX_BACKOFF_SECONDS"] = 3600
    thread = outbox.thread_of("booking", 7, "a@example.org")

    def write(subject: str, *, to: str = "a@example.org", thread: str | None = thread) -> int:
        with app.test_request_context():
            row = outbox.enqueue(
                to=to,
                subject=subject,
                template="emails/password_reset.txt",
                link="x",
                expires_at=utcnow(),
                thread=thread,
            )
            db.session.commit()
            return row.id

    booked = write("Booked")
    mail = app.extensions["mail"]
    real_port, mail.port = mail.port, free_port()
    assert outbox.send_due() == (0, 1)  # "Booked" fails and waits an hour
    mail.port = real_port
    write("Cancelled")
    write("Other thread", thread=outbox.thread_of("booking", 8, "a@example.org"))
    write("No thread", thread=None)

    assert outbox.send_due() == (2, 0)  # "Cancelled" waits behind "Booked"; the others go
    assert sorted(m["Subject"] for m in inbox.wait_for(2)) == ["No thread", "Other thread"]

    row = db.session.get(OutboxMessage, booked)
    row.next_attempt_at = utcnow()  # the back-off is over
    db.session.commit()
    assert outbox.send_due() == (2, 0)  # "Booked", then "Cancelled", which was due once "Booked" was sent
    assert [m["Subject"] for m in inbox.wait_for(4)][2:] == ["Booked", "Cancelled"]
