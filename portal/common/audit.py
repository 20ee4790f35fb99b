"""The audit log: sign-in events, denied access, and every view and change of sensitive records."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import insert

from portal.common.models import AuditEvent
from portal.extensions import db
from portal.models_base import utcnow


def _context() -> tuple[int | None, str | None]:
    if not has_request_context():
        return None, None
    actor = current_user.id if current_user and current_user.is_authenticated else None
    return actor, request.remote_addr


def record(action: str, *, obj: Any = None, actor_id: int | None = None, **detail: Any) -> None:
    """Add an audit row to the current transaction: it commits, or rolls back, with the change."""
    ctx_actor, ip = _context()
    db.session.add(
        AuditEvent(
            actor_id=actor_id if actor_id is not None else ctx_actor,
            action=action,
            object_type=type(obj).__name__ if obj is not None else None,
            object_id=getattr(obj, "id", None),
            ip_address=ip,
            detail=detail,
        )
    )


def record_now(
    action: str,
    *,
    actor_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    **detail: Any,
) -> None:
    """Write an audit row in its own transaction, whatever happens to the request's transaction.

    For events that must be kept although the request changes nothing: failed sign-ins, denied
    access, views of records.
    """
    ctx_actor, ip = _context()
    with db.engine.begin() as conn:
        conn.execute(
            insert(AuditEvent).values(
                at=utcnow(),
                actor_id=actor_id if actor_id is not None else ctx_actor,
                action=action,
                object_type=object_type,
                object_id=object_id,
                ip_address=ip,
                detail=detail,
            )
        )


def record_denied() -> None:
    record_now("access.denied", path=request.path if has_request_context() else None)
