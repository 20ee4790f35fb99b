"""Every locality side by side, for the report of several localities: the headline figures of responsiveness
and demand per locality, counted with one grouped query each (four in all, whatever the number of localities:
a dashboard per locality would cost about twenty statements a locality, and the county has 150 in the
benchmark). The same rules as portal.dashboards.figures: step timings done in the period, requests received in
it, promises due in it (kept by the end of their London due date), escalations raised in it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

from sqlalchemy import case, func, select

from portal.common.arithmetic import nearest_rank, percent
from portal.dashboards.figures import StepCount, step_counts
from portal.dashboards.services import Filters, utc_bounds
from portal.extensions import db
from portal.requests.filters import promise_kept_late
from portal.requests.models import ConsultationRequest, Escalation, EscalationKind, Promise, Step

# The headline measures the side-by-side table shows (keys of portal.dashboards.report.HEADLINES).
KEYS = (
    "received",
    "acknowledged_on_time",
    "median_acknowledge",
    "outcome_on_time",
    "median_outcome",
    "promises_kept",
    "escalations",
    "disagreements",
)

Value = int | Decimal | None


def by_locality(f: Filters, counted: list[StepCount] | None = None) -> dict[int, dict[str, Value]]:
    """Per locality of `f` (its own period, no pod or practitioner), the values of KEYS. `counted`: the
    period's portal.dashboards.figures.step_counts(f), when the caller has them already."""
    ids = f.locality_ids
    start, end = utc_bounds(f.period)
    histograms: dict[tuple[int, Step], Counter[int]] = defaultdict(Counter)
    on_time: Counter[tuple[int, Step]] = Counter()
    for locality_id, step, days, in_time, count in step_counts(f) if counted is None else counted:
        histograms[(locality_id, step)][days] += count
        if in_time:
            on_time[(locality_id, step)] += count
    r = ConsultationRequest
    received: dict[int, int] = {}
    for locality_id, count in db.session.execute(
        select(r.locality_id, func.count())
        .where(r.locality_id.in_(ids), r.received_at >= start, r.received_at < end)
        .group_by(r.locality_id)
    ):
        received[locality_id] = count
    p = Promise
    promises = {
        locality_id: (made, kept_at_all - int(late))
        for locality_id, made, kept_at_all, late in db.session.execute(
            select(
                p.locality_id,
                func.count(),
                func.count(p.kept_at),
                func.coalesce(func.sum(case((promise_kept_late(f.period), 1), else_=0)), 0),
            )
            .where(p.locality_id.in_(ids), p.due_on >= f.period.start, p.due_on <= f.period.end)
            .group_by(p.locality_id)
        )
    }
    # The period's escalations by their own date index, each with its request's locality (looked up by key):
    # they are few, where the area's requests are the whole county.
    e = Escalation
    escalations: Counter[tuple[int, EscalationKind]] = Counter()
    request_locality = select(r.locality_id).where(r.id == e.request_id).scalar_subquery()
    for locality_id, kind in db.session.execute(
        select(request_locality, e.kind).where(e.raised_at >= start, e.raised_at < end, request_locality.in_(ids))
    ):
        escalations[(locality_id, kind)] += 1

    out: dict[int, dict[str, Value]] = {}
    for locality_id in ids:
        ack, outcome = histograms[(locality_id, Step.ACKNOWLEDGE)], histograms[(locality_id, Step.OUTCOME)]
        made, kept = promises.get(locality_id, (0, 0))
        out[locality_id] = {
            "received": received.get(locality_id, 0),
            "acknowledged_on_time": percent(on_time[(locality_id, Step.ACKNOWLEDGE)], sum(ack.values())),
            "median_acknowledge": nearest_rank(ack, 50),
            "outcome_on_time": percent(on_time[(locality_id, Step.OUTCOME)], sum(outcome.values())),
            "median_outcome": nearest_rank(outcome, 50),
            "promises_kept": percent(kept, made),
            "escalations": escalations[(locality_id, EscalationKind.SPEAK_TO_MANAGER)],
            "disagreements": escalations[(locality_id, EscalationKind.DISAGREEMENT)],
        }
    return out
