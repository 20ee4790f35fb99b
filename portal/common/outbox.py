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
from datetime import datetime, timedelta
from email import policy
from typing import Any, Protocol

from flask import current_app, render_template
from flask_mail import Connection, Message
from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import aliased

from portal.common import notifications
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


class Person(Protocol):
    """Someone with an account: an e-mail to them also waits in the portal as a notification."""

    @property
    def id(self) -> int: ...

    @property
    def email(self) -> str: ...


def thread_of(kind: str, object_id: int, recipient: str) -> str:
    """The thread of the messages about one thing (e.g. "booking", 12) to one person."""
    return f"{kind}:{object_id}:{recipient.lower()}"[:200]


def enqueue(
    *,
    to: str | Person,
    subject: str,
    template: str,
    attachments: list[Attachment] | None = None,
    thread: str | None = None,
    link_is_secret: bool = False,
    **context: Any,
) -> OutboxMessage:
    """Add an e-mail to the current transaction. The body comes from a text template. Messages given the
    same `thread` (see `thread_of`) reach the person in the order they were written.

    An e-mail to a person with an account (`to` a user, not an address) is also kept for them as a
    notification in the portal, linking where the e-mail's `link` does — unless the link is a secret
    (a password reset), when the notification has no link."""
    person = None if isinstance(to, str) else to
    address = to if isinstance(to, str) else to.email
    subject = " ".join(subject.split())  # one line, however it was put together
    if "\n" in address or "\r" in address:
        raise ValueError("e-mail headers cannot contain line breaks")
    body = render_template(template, **context)
    message = OutboxMessage(
        recipient=address,
        subject=subject,
        body_text=body,
        attachments=[
            {"filename": a.filename, "content_type": a.content_type, "data": base64.b64encode(a.data).decode()}
            for a in (attachments or [])
        ],
        thread_key=thread,
    )
    db.session.add(message)
    if person is not None:
        notifications.record(user_id=person.id, subject=subject, link=None if link_is_secret else context.get("link"))
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
        .values(claimed_until=now + timedelta(seconds=current_app.config.get("OUTBOX_CLAIM_SECONDS", CLAIM_SECONDS)))
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


# Python's folding moves a subject that just overflows 78 characters onto a line of its own, so it arrives as
# "\n Cancelled: …" in some clients. Headers may be 998 characters long (RFC 5322 2.1.1): ours never fold.
UNFOLDED = policy.SMTP.clone(max_line_length=998)


class _UnfoldedMessage(Message):
    def _message(self) -> Any:
        built = super()._message()
        built.policy = UNFOLDED
        return built


def _send(row: OutboxMessage) -> None:
    msg = _UnfoldedMessage(subject=row.subject, recipients=[row.recipient], body=row.body_text)
    msg.msgId = _message_id(row)
    for item in row.attachments:
        msg.attach(item["filename"], item["content_type"], base64.b64decode(item["data"]))
    timeout = float(current_app.config.get("MAIL_TIMEOUT_SECONDS", SMTP_TIMEOUT_SECONDS))
    with _TimedConnection(current_app.extensions["mail"], timeout) as connection:
        connection.send(msg)


def _due(now: datetime) -> ColumnElement[bool]:
    """Pending, its time come, and nothing written before it in its thread still waiting."""
    earlier = aliased(OutboxMessage)
    waiting_before = (
        select(earlier.id)
        .where(
            earlier.thread_key == OutboxMessage.thread_key,
            earlier.status == OutboxStatus.PENDING,
            earlier.id < OutboxMessage.id,
        )
        .exists()
    )
    return and_(
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.thread_key.is_(None), ~waiting_before),
    )


def send_due(*, limit: int = 50) -> tuple[int, int]:
    """Send the messages that are due, oldest first, up to `limit` attempts; returns (sent, failed attempts).

    A message waiting behind an earlier one of its thread becomes due when that one is sent, so the
    worker looks again after each pass that sent something; a message is tried once a call, so a
    failing one (due again at once when there is no back-off) cannot keep the worker here."""
    sent = failed = 0
    tried: set[int] = set()
    while len(tried) < limit:
        query = select(OutboxMessage.id).where(_due(utcnow()))
        if tried:
            query = query.where(OutboxMessage.id.not_in(tried))
        due_ids = list(db.session.scalars(query.order_by(OutboxMessage.id).limit(limit - len(tried))))
        db.session.commit()
        if not due_ids:
            break
        tried.update(due_ids)
        sent_now, failed_now = _send_each(due_ids)
        sent, failed = sent + sent_now, failed + failed_now
        if not sent_now:
            break
    return sent, failed


def _send_each(due_ids: list[int]) -> tuple[int, int]:
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


def retrying_messages(*, limit: int = 200) -> list[OutboxMessage]:
    """Messages that failed at least once and will be tried again, the next due first."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.attempts > 0)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class OutboxState:
    queued: int  # waiting for their first attempt
    retrying: int  # failed at least once, to be tried again
    failed: int  # every attempt failed: an admin must act
    oldest_due: datetime | None  # when the longest-waiting message that is due now was due

    @property
    def waiting(self) -> int:
        return self.queued + self.retrying

    def oldest_due_seconds(self, now: datetime) -> int:
        return max(0, int((now - self.oldest_due).total_seconds())) if self.oldest_due else 0


def state() -> OutboxState:
    """The counts an admin (and /healthz) needs, in one query."""
    pending = OutboxMessage.status == OutboxStatus.PENDING
    row = db.session.execute(
        select(
            func.count().filter(pending, OutboxMessage.attempts == 0),
            func.count().filter(pending, OutboxMessage.attempts > 0),
            func.count().filter(OutboxMessage.status == OutboxStatus.FAILED),
            func.min(OutboxMessage.next_attempt_at).filter(pending, OutboxMessage.next_attempt_at <= utcnow()),
        ).where(OutboxMessage.status != OutboxStatus.SENT)
    ).one()
    return OutboxState(queued=row[0], retrying=row[1], failed=row[2], oldest_due=row[3])


def retry_message(row: OutboxMessage) -> None:
    row.status = OutboxStatus.PENDING
    row.attempts = 0
    row.next_attempt_at = utcnow()
    row.last_error = None
