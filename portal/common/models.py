"""Cross-cutting tables: the audit log and the e-mail outbox."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models_base import Base, utcnow


class AuditEvent(Base):
    """An append-only record of who did what, when and from where. Never holds child identifiers."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None]
    ip_address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(Base):
    """An e-mail written in the same transaction as its event and sent later by `flask outbox work`."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=OutboxStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None]
    # Messages about one thing to one person (a booking, a pod invite, a meeting) share a thread: one is
    # sent only when every earlier one of its thread has been sent or has failed, so "Cancelled" never
    # arrives before "Booked" after an outage.
    thread_key: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
        Index("ix_outbox_message_thread", "thread_key", "status"),
    )


class Notification(Base):
    """What the portal e-mailed a person, kept for them in the portal: the e-mail's subject and a link to
    the thing (a path inside the portal), read or not. Never holds more than the e-mail did."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    subject: Mapped[str] = mapped_column(String(200))
    link: Mapped[str | None] = mapped_column(String(500))
    read_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_notification_user", "user_id", "id"),
        Index("ix_notification_unread", "user_id", "read_at"),
    )
