"""Measure a request's steps when they are done (see portal.requests.models.StepTiming).

Called by portal.requests.services in the same transaction as the acknowledgement and the closure, so
the dashboards, which only read these rows, never disagree with the requests. `consulted_at` and
`measure` are pure, and the migration that created the table (0005) uses them to measure requests that
were already done.
"""

from __future__ import annotations

from datetime import date, datetime

from portal.common.working_days import Pause, elapsed_working_days, local_date
from portal.extensions import db
from portal.requests.models import ConsultationRequest, Step, StepTiming


def consulted_at(consultation_at: datetime | None, closed_at: datetime) -> datetime:
    """When the consult clock stopped for a closed request: the consultation, if it took place before the
    closure, otherwise the closure (as `portal.requests.services.clocks` shows it)."""
    if consultation_at is not None and consultation_at <= closed_at:
        return consultation_at
    return closed_at


def measure(received: datetime, done: datetime, due: date, pauses: list[Pause]) -> tuple[int, bool]:
    """(working days the clock ran from `received` to `done`, pauses taken out; done by the end of `due`)."""
    return elapsed_working_days(received, done, pauses), local_date(done) <= due


def _pauses(req: ConsultationRequest) -> list[Pause]:
    return [(pause.started_at, pause.ended_at) for pause in req.pauses]


def _save(req: ConsultationRequest, step: Step, done: datetime, due: date) -> None:
    days, on_time = measure(req.received_at, done, due, _pauses(req))
    timing = db.session.get(StepTiming, (req.id, step))
    if timing is None:
        timing = StepTiming(request_id=req.id, step=step)
        db.session.add(timing)
    timing.locality_id = req.locality_id
    timing.worker_id = req.worker_id
    timing.done_at = done
    timing.working_days = days
    timing.on_time = on_time


def record_acknowledged(req: ConsultationRequest) -> None:
    """After `req.acknowledged_at` is set."""
    assert req.acknowledged_at is not None  # noqa: S101 (a programming error, not a user's)
    db.session.flush()  # the request has its id
    _save(req, Step.ACKNOWLEDGE, req.acknowledged_at, req.acknowledge_due)


def record_closed(req: ConsultationRequest) -> None:
    """After `req.closed_at` is set: the consultation and the outcome."""
    assert req.closed_at is not None  # noqa: S101
    db.session.flush()
    _save(req, Step.CONSULT, consulted_at(req.consultation_at, req.closed_at), req.consult_due)
    _save(req, Step.OUTCOME, req.closed_at, req.outcome_due)
