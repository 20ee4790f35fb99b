"""The e-mail outbox: messages are rows written with their event, sent later with retries.

An SMTP outage delays mail and never loses it. A worker claims a message before sending, so two
workers never send the same row at once; a worker killed between sending and recording the send can
cause at most one duplicate, which carries the same Message-ID (derived from the row id) so mail
clients fold it away.
"""

from __future__ import annotations

import base64
import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app, render_template
from flask_mail import Connection, Message
from sqlalchemy import or_, select, update

from portal.common.models import OutboxMessage, OutboxStatus
from portal.extensions import db
from portal.models_base import utcnow

log = logging.getLogger(__name__)

CLAIM_SECONDS = 120
# How long to wait for the SMTP server at each step (app.config["MAIL_TIMEOUT_SECONDS"] overrides it).
SMTP_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


def enqueue(
    *, to: str, subject: str, template: str, attachments: list[Attachment] | None = None, **context: Any
) -> OutboxMessage:
    """Add an e-mail to the current transaction. The body comes from a text template."""
    if "\n" in subject or "\r" in subject or "\n" in to or "\r" in to:
        raise ValueError("e-mail headers cannot contain line breaks")
    body = render_template(template, **context)
    message = OutboxMessage(
        recipient=to,
        subject=subject,
        body_text=body,
        attachments=[
            {"filename": a.filename, "content_type": a.content_type, "data": base64.b64encode(a.data).decode()}
            for a in (attachments or [])
        ],
    )
    db.session.add(message)
    return message


def _message_id(row: OutboxMessage) -> str:
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rsplit("@", 1)[-1].strip(">") or "example.org"
    return f"<outbox-{row.id}@{domain}>"


def _claim(row_id: int) -> bool:
    """Take the row for this worker with one conditional UPDATE (safe on SQLite and PostgreSQL)."""
    now = utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == row_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
    )
    db.session.commit()
    return bool(getattr(result, "rowcount", 0))


class _TimedConnection(Connection):
    """Flask-Mail's connection with a timeout. smtplib waits forever by default, so a server that
    accepts the connection and then hangs would otherwise stop the worker, and all mail, for good."""

    def __init__(self, state: Any, timeout: float) -> None:
        super().__init__(state)
        self.timeout = timeout

    def configure_host(self) -> smtplib.SMTP:
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(self.mail.server, self.mail.port, timeout=self.timeout)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def _send(row: OutboxMessage) -> None:
    msg = Message(subject=row.subject, recipients=[row.recipient], body=row.body_text)
    msg.msgId = _message_id(row)
    for item in row.attachments:
        msg.attach(item["filename"], item["content_type"], base64.b64decode(item["data"]))
    timeout = float(current_app.config.get("MAIL_TIMEOUT_SECONDS", SMTP_TIMEOUT_SECONDS))
    with _TimedConnection(current_app.extensions["mail"], timeout) as connection:
        connection.send(msg)


def send_due(*, limit: int = 50) -> tuple[int, int]:
    """Send the messages that are due; returns (sent, failed attempts)."""
    now = utcnow()
    due_ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )
    db.session.commit()
    sent = failed = 0
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    backoff = current_app.config["OUTBOX_BACKOFF_SECONDS"]
    for row_id in due_ids:
        if not _claim(row_id):
            continue
        row = db.session.get(OutboxMessage, row_id)
        if row is None:  # deleted by an admin since it was listed
            continue
        try:
            _send(row)
        # Any failure is an attempt: a message that cannot be sent (a bad header, a broken attachment)
        # must end up FAILED, not stop the worker and the messages behind it.
        except Exception as error:
            row.attempts += 1
            row.last_error = f"{type(error).__name__}: {error}"[:500]
            row.claimed_until = None
            log.warning("outbox message %s not sent (attempt %s): %s", row.id, row.attempts, type(error).__name__)
            if row.attempts >= max_attempts:
                row.status = OutboxStatus.FAILED
                log.error("outbox message %s failed after %s attempts", row.id, row.attempts)
            else:
                row.next_attempt_at = utcnow() + timedelta(seconds=backoff * 2 ** (row.attempts - 1))
            failed += 1
        else:
            row.attempts += 1
            row.status = OutboxStatus.SENT
            row.sent_at = utcnow()
            row.claimed_until = None
            sent += 1
        db.session.commit()
    return sent, failed


def failed_messages() -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED).order_by(OutboxMessage.id.desc())
        )
    )


def retry_message(row: OutboxMessage) -> None:
    row.status = OutboxStatus.PENDING
    row.attempts = 0
    row.next_attempt_at = utcnow()
    row.last_error = None
