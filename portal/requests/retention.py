"""Retention: closed requests are anonymised once their retention period has passed.

What is removed is everything that could describe a child or a family: the summary and what help was
wanted, the child's initials, year of birth and case reference, what happens next, the consultation
details, the outcome summary, every message and timeline text, promises' wording, escalations' text and
pod invites' place and link. What stays is what the figures need: the organisation, locality, kind,
dates, status, outcome code, due dates and who worked it. Each request is anonymised once
(`anonymised_at`), so running the command again changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from portal.common import audit
from portal.extensions import db
from portal.models_base import utcnow
from portal.requests.models import (
    ConsultationRequest,
    Escalation,
    PodInvite,
    Promise,
    RequestEvent,
    RequestStatus,
)

REMOVED = "Removed at the end of the retention period."
BATCH = 500


def due_for_anonymisation(*, now: datetime, retention_days: int, limit: int = BATCH) -> list[int]:
    cutoff = now - timedelta(days=retention_days)
    r = ConsultationRequest
    return list(
        db.session.scalars(
            select(r.id)
            .where(r.status == RequestStatus.CLOSED, r.closed_at < cutoff, r.anonymised_at.is_(None))
            .order_by(r.id)
            .limit(limit)
        )
    )


def _anonymise(ids: list[int], now: datetime) -> None:
    r = ConsultationRequest
    no_sync = {"synchronize_session": False}
    db.session.execute(
        update(r)
        .where(r.id.in_(ids), r.anonymised_at.is_(None))
        .values(
            summary=REMOVED,
            help_wanted="",
            child_initials="",
            child_birth_year=None,
            case_reference="removed",
            next_step="",
            consultation_details="",
            outcome_summary="",
            anonymised_at=now,
        )
        .execution_options(**no_sync)
    )
    db.session.execute(
        update(RequestEvent).where(RequestEvent.request_id.in_(ids)).values(text="").execution_options(**no_sync)
    )
    db.session.execute(
        update(Promise).where(Promise.request_id.in_(ids)).values(text=REMOVED[:300]).execution_options(**no_sync)
    )
    db.session.execute(
        update(Escalation)
        .where(Escalation.request_id.in_(ids))
        .values(text="", response="")
        .execution_options(**no_sync)
    )
    db.session.execute(
        update(PodInvite)
        .where(PodInvite.request_id.in_(ids))
        .values(location="", online_link="")
        .execution_options(**no_sync)
    )


def anonymise_closed_requests(*, retention_days: int, now: datetime | None = None) -> int:
    """Anonymise every closed request that closed more than `retention_days` ago, in batches, each batch
    committed with its audit row (a crash part-way keeps what was done, and the next run carries on).
    Returns how many requests were anonymised."""
    if retention_days < 1:
        raise ValueError("the retention period must be at least one day")
    now = now or utcnow()
    total = 0
    while ids := due_for_anonymisation(now=now, retention_days=retention_days):
        _anonymise(ids, now)
        audit.record(
            "requests.anonymised", count=len(ids), first_id=ids[0], last_id=ids[-1], retention_days=retention_days
        )
        db.session.commit()
        total += len(ids)
    return total
