"""Notifications: what the portal e-mails a person also waits for them in the portal, linking to the
thing, read or unread. Written by the outbox in the same transaction as the e-mail, so the two agree."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select, update

from portal.common.links import split_public_url
from portal.common.models import Notification
from portal.extensions import db
from portal.models_base import utcnow

PAGE_SIZE = 25


def portal_path(link: str | None) -> str | None:
    """The path inside the portal of an e-mail's link (built from PUBLIC_URL), or None for anything else."""
    if not link:
        return None
    public_url = current_app.config.get("PUBLIC_URL") or ""
    try:
        scheme, netloc, base = split_public_url(public_url)
    except ValueError:
        return None
    parts = urlsplit(link)
    if (parts.scheme, parts.netloc) != (scheme, netloc) or not parts.path.startswith(base + "/"):
        return None
    path = parts.path[len(base) :]
    return path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")


def record(*, user_id: int, subject: str, link: str | None) -> Notification:
    """Keep one notification for `user_id`. `link` is the e-mail's link; only a portal path is kept."""
    notification = Notification(user_id=user_id, subject=subject[:200], link=portal_path(link))
    db.session.add(notification)
    return notification


def unread_count(user_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


@dataclass(frozen=True)
class NotificationPage:
    items: list[Notification]
    page: int
    pages: int
    total: int
    unread: int


def page_of(user_id: int, *, page: int = 1, unread_only: bool = False) -> NotificationPage:
    """One page of `user_id`'s notifications, newest first. A page past the last is the last."""
    condition = [Notification.user_id == user_id]
    if unread_only:
        condition.append(Notification.read_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(Notification).where(*condition)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    items = db.session.scalars(
        select(Notification)
        .where(*condition)
        .order_by(Notification.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return NotificationPage(list(items), page, pages, total, unread_count(user_id))


def find_own(user_id: int, notification_id: int) -> Notification | None:
    """`user_id`'s own notification, or None (another person's is not theirs to see)."""
    return db.session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user_id)
    )


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
    db.session.flush()


def mark_all_read(user_id: int) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
