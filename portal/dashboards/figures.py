"""The dashboard's figures, each computed with SQL aggregates over the area and period of the filters
(portal.dashboards.services). Rules each figure follows:

- Responsiveness reads StepTiming (portal.requests.models, recorded by portal.requests.timings): a step
  counts in the period in which it was done (acknowledged; consulted and outcome shared: closed).
  Medians and 90th percentiles are nearest-rank over whole working days, from a histogram (GROUP BY
  working days), never from rows.
  The pod and practitioner filters apply to the worker of the request.
- Overdue now: open requests whose clock has run out today, as the queue shows them.
- Each figure that names requests also counts the requests themselves (a request may hold two missed
  promises, or ask twice to speak to a manager), with the same rules as the request list's filters
  (portal.requests.filters), and links to that list: `request_list_filters` gives its filters.
- Promises: those due in the period; kept (by the end of the London due date), missed (kept after
  it, or not kept and the due date has passed), the rest still open. Percentages are of promises made,
  rounded half up to whole numbers.
- Escalations and disagreements: raised in the period.
- Feedback: entries given in the period (anonymous ones count: they keep their locality, and are
  shown as "Anonymous", never with their organisation's type, which can identify them); pulse
  answers given in the period about the area's requests. With a pod or practitioner filter only
  feedback linked to their requests counts.
- Engagement: partnership meetings, sessions and pod invites taking place in the period.
- Demand: requests received in the period, per London month, by the organisation type of the
  partner (education = schools and early years; other = voluntary and other). Counts per school of
  1 to 4 are shown as "fewer than 5".
- Outcomes: requests closed in the period, by outcome, and that mix by locality, by practitioner (the
  request's worker when it closed) and by organisation type (its cells of 1 to 4 are shown as "fewer
  than 5": a locality may have one police station or one health centre, so a type can be one
  organisation). Worker changes: the reassignments of the requests closed in the period (a request's
  whole journey), per request, and the share that kept one worker throughout. Repeat requests: of the
  requests received in the period, those about a child asked about in the 365 days before (the same
  organisation, initials and year of birth, or the same case reference; flagged when each arrived).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, distinct, func, literal, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.common.arithmetic import average, nearest_rank, percent
from portal.common.periods import Period, month, quarter
from portal.dashboards.services import Filters, utc_bounds
from portal.directory.models import Locality, Organisation, OrganisationKind
from portal.extensions import db
from portal.feedback.models import Feedback, PulseResponse, Theme
from portal.meetings.models import MeetingAnswer, MeetingInvitation, PartnershipMeeting
from portal.requests.filters import (
    ALL_STATUSES,
    OPEN,
    RequestFilters,
    escalation_raised,
    overdue_condition,
    promise_kept_late,
    promise_missed,
)
from portal.requests.models import (
    ConsultationRequest,
    Escalation,
    EscalationKind,
    InviteResponse,
    Outcome,
    PodInvite,
    PodInvitee,
    Promise,
    RequestStatus,
    Step,
    StepTiming,
)
from portal.sessions.models import Booking, BookingStatus, Session, SessionKind

LATEST_COMMENTS = 5
TOP_SCHOOLS = 10


# --- responsiveness -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepFigures:
    step: Step
    done: int
    on_time: int
    median: int | None
    p90: int | None
    histogram: dict[int, int]

    @property
    def on_time_percent(self) -> int | None:
        return percent(self.on_time, self.done)


@dataclass(frozen=True)
class Responsiveness:
    steps: list[StepFigures]
    overdue_now: int
    promises_made: int
    promises_kept: int  # by the end of the due date
    promises_missed: int  # kept after the due date, or not kept and the due date has passed
    promises_kept_late: int  # of those missed
    escalations: int
    disagreements: int
    escalations_answered: int
    missed_requests: int = 0  # requests with a promise missed, in the scope of the filters
    escalated_requests: int = 0  # requests whose partner asked to speak to a manager in the period
    disagreed_requests: int = 0  # requests whose partner disagreed with the outcome in the period

    def step(self, step: Step) -> StepFigures:
        return next(s for s in self.steps if s.step is step)

    @property
    def kept_percent(self) -> int | None:
        return percent(self.promises_kept, self.promises_made)

    @property
    def missed_percent(self) -> int | None:
        return percent(self.promises_missed, self.promises_made)


def _timing_filter(f: Filters) -> list[ColumnElement[bool]]:
    start, end = utc_bounds(f.period)
    t = StepTiming
    conditions = [t.done_at >= start, t.done_at < end]
    if f.worker_ids is not None:
        # Through the worker index; the locality still bounds it (a worker may have moved).
        conditions += [t.worker_id.in_(f.worker_ids), t.locality_id.in_(f.locality_ids)]
    else:
        conditions.append(t.locality_id.in_(f.locality_ids))
    return conditions


def _request_scope(f: Filters, query: Select[Any], r: type[ConsultationRequest] = ConsultationRequest) -> Select[Any]:
    query = query.where(r.locality_id.in_(f.locality_ids))
    if f.worker_ids is not None:
        query = query.where(r.worker_id.in_(f.worker_ids))
    return query


def request_in_scope(f: Filters, request_id: Any, *, by_worker: bool = True) -> ColumnElement[bool]:
    """Whether the request `request_id` (a row's foreign key: an escalation's, a pod invite's) is in the scope of
    the filters: its localities and, `by_worker`, the pod's or practitioner's requests. The rows a period holds
    are few and found by their own date index; each is then checked against its request by primary key. A join
    from the requests' side would walk every request of the area to find the few that have such a row (150
    localities' requests are the whole county)."""
    r = ConsultationRequest
    query = select(r.id).where(r.id == request_id)
    return (_request_scope(f, query) if by_worker else query.where(r.locality_id.in_(f.locality_ids))).exists()


def request_list_filters(f: Filters, **chosen: Any) -> RequestFilters:
    """The request list's filters for the requests a figure counts: the figure's own condition (`chosen`) over
    the dashboard's scope (the locality, or the whole area; the pod's and practitioner's requests)."""
    return RequestFilters(
        statuses=chosen.pop("statuses", ALL_STATUSES),
        worker="any",
        locality_id=f.locality.id if f.locality is not None else None,
        pod_id=f.pod.id if f.pod is not None else None,
        practitioner_id=f.practitioner.id if f.practitioner is not None else None,
        **chosen,
    )


def request_links(f: Filters) -> dict[str, dict[str, Any]]:
    """The request list's query for each figure that names requests."""
    kinds = EscalationKind
    figures: dict[str, dict[str, Any]] = {
        "overdue_now": {"overdue": True, "statuses": OPEN},
        "missed_requests": {"missed": f.period},
        "escalated_requests": {"raised": f.period, "escalation_kind": kinds.SPEAK_TO_MANAGER},
        "disagreed_requests": {"raised": f.period, "escalation_kind": kinds.DISAGREEMENT},
    }
    return {name: request_list_filters(f, **chosen).as_args() for name, chosen in figures.items()}


StepCount = tuple[int, Step, int, bool, int]  # locality, step, working days, on time, how many


def step_counts(f: Filters, *, by_locality: bool = True) -> list[StepCount]:
    """The period's step timings in the scope of the filters, counted by locality (or, not `by_locality`, all
    as locality 0), step, working days and whether on time: what the dashboard's responsiveness sums, and the
    report's localities side by side (portal.dashboards.localities) reads per locality, so the report counts
    its quarter's once."""
    t = StepTiming
    group = [t.step, t.working_days, t.on_time]
    locality = t.locality_id if by_locality else literal(0)
    return [
        (locality_id, step, days, in_time, count)
        for locality_id, step, days, in_time, count in db.session.execute(
            select(locality, *group, func.count())
            .where(*_timing_filter(f))
            .group_by(*([t.locality_id] if by_locality else []), *group)
        )
    ]


def responsiveness(f: Filters, *, comparison: bool = False, counted: list[StepCount] | None = None) -> Responsiveness:
    """The period's step timings, promises and escalations; and the requests overdue today and those holding a
    missed promise (the figures that link to the request list), unless for a `comparison` (the report's
    quarter before and same quarter last year: overdue is counted today, whatever the period, and the report
    links this quarter's requests only)."""
    histograms: dict[Step, Counter[int]] = {step: Counter() for step in Step}
    on_time: Counter[Step] = Counter()
    for _, step, days, in_time, count in step_counts(f, by_locality=False) if counted is None else counted:
        histograms[step][days] += count
        if in_time:
            on_time[step] += count
    steps = [
        StepFigures(
            step,
            sum(histograms[step].values()),
            on_time[step],
            nearest_rank(histograms[step], 50),
            nearest_rank(histograms[step], 90),
            dict(sorted(histograms[step].items())),
        )
        for step in Step
    ]
    r = ConsultationRequest
    overdue = 0
    if not comparison:
        overdue = (
            db.session.scalar(_request_scope(f, select(func.count()).select_from(r)).where(overdue_condition(f.today)))
            or 0
        )
    p = Promise
    promise_query = (
        select(
            func.count(),
            func.count(p.kept_at),
            func.coalesce(func.sum(case((and_(p.kept_at.is_(None), p.due_on < f.today), 1), else_=0)), 0),
            # Kept after the end of the London due date: not kept as promised, so missed (kept late).
            func.coalesce(func.sum(case((promise_kept_late(f.period), 1), else_=0)), 0),
        )
        .select_from(p)
        # The promise's own copy of its request's locality: through ix_promise_locality_due, no join.
        .where(p.locality_id.in_(f.locality_ids), p.due_on >= f.period.start, p.due_on <= f.period.end)
    )
    if f.worker_ids is not None:
        promise_query = promise_query.where(p.made_by_id.in_(f.worker_ids))
    made, kept_at_all, not_kept, late = db.session.execute(promise_query).one()
    late = int(late)
    # The requests holding a missed promise: through the promise's copy of the locality; the pod and
    # practitioner filters apply to the request's worker, as in the request list.
    missed_query = (
        select(func.count(distinct(p.request_id)))
        .select_from(p)
        .where(p.locality_id.in_(f.locality_ids), promise_missed(f.period, f.today))
    )
    if f.worker_ids is not None:
        missed_query = missed_query.join(r, r.id == p.request_id).where(r.worker_id.in_(f.worker_ids))
    missed_requests = 0 if comparison else db.session.scalar(missed_query) or 0
    e = Escalation
    escalations: Counter[EscalationKind] = Counter()
    escalated: Counter[EscalationKind] = Counter()
    answered = 0
    for kind, count, requests, responded in db.session.execute(
        select(e.kind, func.count(), func.count(distinct(e.request_id)), func.count(e.responded_at))
        .where(escalation_raised(f.period), request_in_scope(f, e.request_id))
        .group_by(e.kind)
    ):
        escalations[kind] += count
        escalated[kind] += requests
        answered += responded
    return Responsiveness(
        steps,
        overdue,
        made,
        kept_at_all - late,
        int(not_kept) + late,
        late,
        escalations[EscalationKind.SPEAK_TO_MANAGER],
        escalations[EscalationKind.DISAGREEMENT],
        answered,
        missed_requests,
        escalated[EscalationKind.SPEAK_TO_MANAGER],
        escalated[EscalationKind.DISAGREEMENT],
    )


# --- feedback ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    count: int
    total: int

    @property
    def average(self) -> Decimal | None:
        return average(self.total, self.count)


@dataclass(frozen=True)
class Comment:
    at: datetime
    theme: Theme
    rating: int
    text: str
    source: str


@dataclass(frozen=True)
class FeedbackFigures:
    quarters: list[Period]
    by_theme: dict[Theme, list[Cell]]  # one cell per quarter
    period: Cell
    previous: Cell
    period_by_theme: dict[Theme, Cell]
    previous_by_theme: dict[Theme, Cell]
    pulse_count: int
    pulse_helpful: int
    pulse_knew_next: int
    previous_pulse_count: int
    previous_pulse_helpful: int
    comments: list[Comment]

    @property
    def by_quarter(self) -> list[Cell]:
        return [
            Cell(sum(c[i].count for c in self.by_theme.values()), sum(c[i].total for c in self.by_theme.values()))
            for i in range(len(self.quarters))
        ]

    @property
    def helpful_percent(self) -> int | None:
        return percent(self.pulse_helpful, self.pulse_count)

    @property
    def knew_next_percent(self) -> int | None:
        return percent(self.pulse_knew_next, self.pulse_count)

    @property
    def previous_helpful_percent(self) -> int | None:
        return percent(self.previous_pulse_helpful, self.previous_pulse_count)


def bucket(column: Any, periods: Sequence[Period]) -> Any:
    """A CASE giving the index of the period that `column` (a UTC timestamp) falls in; NULL outside them."""
    whens = []
    for i, p in enumerate(periods):
        start, end = utc_bounds(p)
        whens.append((and_(column >= start, column < end), i))
    return case(*whens, else_=None).label("bucket")


def _feedback_scope(f: Filters, query: Select[Any]) -> Select[Any]:
    fb = Feedback
    query = query.where(fb.locality_id.in_(f.locality_ids))
    if f.worker_ids is not None:
        r = ConsultationRequest
        query = query.join(r, r.id == fb.request_id).where(r.worker_id.in_(f.worker_ids))
    return query


def _theme_cells(f: Filters, periods: Sequence[Period]) -> dict[Theme, list[Cell]]:
    fb = Feedback
    start, _ = utc_bounds(periods[0])
    _, end = utc_bounds(periods[-1])
    index = bucket(fb.created_at, periods)
    cells: dict[Theme, list[Cell]] = {theme: [Cell(0, 0) for _ in periods] for theme in Theme}
    for theme, i, count, total in db.session.execute(
        _feedback_scope(
            f,
            select(fb.theme, index, func.count(), func.sum(fb.rating)).where(
                fb.created_at >= start, fb.created_at < end
            ),
        ).group_by(fb.theme, index)
    ):
        if i is not None:
            cells[theme][i] = Cell(count, int(total))
    return cells


def _pulse(f: Filters, period: Period) -> tuple[int, int, int]:
    pr, r = PulseResponse, ConsultationRequest
    start, end = utc_bounds(period)
    # The answer's own copy of its request's locality: through ix_pulse_response_locality_created, joining
    # the requests only to filter by their worker.
    query = (
        select(
            func.count(),
            func.coalesce(func.sum(case((pr.helpful, 1), else_=0)), 0),
            func.coalesce(func.sum(case((pr.knew_what_next, 1), else_=0)), 0),
        )
        .select_from(pr)
        .where(pr.locality_id.in_(f.locality_ids), pr.created_at >= start, pr.created_at < end)
    )
    if f.worker_ids is not None:
        query = query.join(r, r.id == pr.request_id).where(r.worker_id.in_(f.worker_ids))
    count, helpful, knew = db.session.execute(query).one()
    return count, int(helpful), int(knew)


def feedback(f: Filters, *, chart_and_comments: bool = True) -> FeedbackFigures:
    """The period's feedback by theme against the period before, and the pulse; with `chart_and_comments`, the
    four quarters' chart and the latest comments too (a comparison period of the report shows neither)."""
    quarters = [quarter(f.period.end)]
    while len(quarters) < 4:
        quarters.insert(0, quarters[0].previous())
    if not chart_and_comments:
        quarters = []
    by_theme = _theme_cells(f, quarters) if quarters else {theme: [] for theme in Theme}
    previous = f.period.previous()
    pair = _theme_cells(f, [previous, f.period])
    pulse_count, helpful, knew = _pulse(f, f.period)
    previous_pulse_count, previous_helpful, _ = _pulse(f, previous)
    fb = Feedback
    start, end = utc_bounds(f.period)
    comments = [
        Comment(row.created_at, row.theme, row.rating, row.text, _source(row))
        for row in (
            ()
            if not chart_and_comments
            else db.session.scalars(
                _feedback_scope(
                    f,
                    select(fb)
                    .options(selectinload(fb.organisation))
                    .where(fb.created_at >= start, fb.created_at < end, fb.text != ""),
                )
                .order_by(fb.created_at.desc(), fb.id.desc())
                .limit(LATEST_COMMENTS)
            )
        )
    ]
    return FeedbackFigures(
        quarters=quarters,
        by_theme=by_theme,
        period=Cell(sum(c[1].count for c in pair.values()), sum(c[1].total for c in pair.values())),
        previous=Cell(sum(c[0].count for c in pair.values()), sum(c[0].total for c in pair.values())),
        period_by_theme={theme: cells[1] for theme, cells in pair.items()},
        previous_by_theme={theme: cells[0] for theme, cells in pair.items()},
        pulse_count=pulse_count,
        pulse_helpful=helpful,
        pulse_knew_next=knew,
        previous_pulse_count=previous_pulse_count,
        previous_pulse_helpful=previous_helpful,
        comments=comments,
    )


def _source(entry: Feedback) -> str:
    if entry.anonymous:
        # Not even the organisation's type: a locality may have one police station or one health centre.
        return "Anonymous"
    return entry.organisation.name if entry.organisation is not None else "A partner"


# --- engagement -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingRow:
    locality: str
    starts_at: datetime
    invited: int
    recorded: int
    represented: int

    @property
    def coverage(self) -> int | None:
        return percent(self.represented, self.recorded)


@dataclass(frozen=True)
class SessionRow:
    kind: SessionKind
    sessions: int
    places: int
    booked: int
    attended: int

    @property
    def uptake(self) -> int | None:
        return percent(self.booked, self.places)


@dataclass(frozen=True)
class Engagement:
    meetings: list[MeetingRow]
    sessions: list[SessionRow]
    invitees: int
    accepted: int
    declined: int
    proposed: int

    @property
    def represented(self) -> int:
        return sum(m.represented for m in self.meetings)

    @property
    def recorded(self) -> int:
        return sum(m.recorded for m in self.meetings)

    @property
    def coverage(self) -> int | None:
        return percent(self.represented, self.recorded)

    @property
    def acceptance(self) -> int | None:
        return percent(self.accepted, self.invitees)


def engagement(f: Filters) -> Engagement:
    start, end = utc_bounds(f.period)
    m, mi = PartnershipMeeting, MeetingInvitation
    meetings = [
        MeetingRow(name, starts_at, invited, recorded, int(represented))
        for name, starts_at, invited, recorded, represented in db.session.execute(
            select(
                Locality.name,
                m.starts_at,
                func.count(Organisation.id),
                func.count(case((Organisation.id.is_not(None), mi.represented))),
                func.coalesce(
                    func.sum(case((and_(Organisation.id.is_not(None), mi.represented.is_(True)), 1), else_=0)), 0
                ),
            )
            .select_from(m)
            .join(Locality, Locality.id == m.locality_id)
            # The schools' own invitations: a teacher invited by name is counted in the attendance by agency.
            .outerjoin(mi, and_(mi.meeting_id == m.id, mi.user_id.is_(None)))
            # Schools only: a meeting of every agency also invites health, police and others (agency_attendance).
            .outerjoin(
                Organisation, and_(Organisation.id == mi.organisation_id, Organisation.kind == OrganisationKind.SCHOOL)
            )
            .where(m.locality_id.in_(f.locality_ids), m.cancelled_at.is_(None), m.starts_at >= start, m.starts_at < end)
            .group_by(m.id, Locality.name, m.starts_at)
            .order_by(m.starts_at, Locality.name)
        )
    ]
    s, b = Session, Booking
    session_scope = and_(
        s.locality_id.in_(f.locality_ids), s.cancelled_at.is_(None), s.starts_at >= start, s.starts_at < end
    )
    places = {
        kind: (count, int(capacity), int(booked))
        for kind, count, capacity, booked in db.session.execute(
            select(s.kind, func.count(), func.sum(s.capacity), func.sum(s.booked)).where(session_scope).group_by(s.kind)
        )
    }
    attended: dict[SessionKind, int] = dict(
        db.session.execute(  # type: ignore[arg-type]
            select(s.kind, func.count())
            .select_from(b)
            .join(s, s.id == b.session_id)
            .where(session_scope, b.attended.is_(True), b.status == BookingStatus.CONFIRMED)
            .group_by(s.kind)
        ).all()
    )
    sessions = [SessionRow(kind, *places.get(kind, (0, 0, 0)), attended=attended.get(kind, 0)) for kind in SessionKind]
    pi, pv = PodInvite, PodInvitee
    invite_query = (
        select(pv.response, func.count())
        .select_from(pv)
        .join(pi, pi.id == pv.invite_id)
        .where(
            pi.cancelled_at.is_(None),
            pi.starts_at >= start,
            pi.starts_at < end,
            request_in_scope(f, pi.request_id, by_worker=False),
        )
        .group_by(pv.response)
    )
    if f.pod is not None:
        invite_query = invite_query.where(pi.pod_id == f.pod.id)
    if f.practitioner is not None:
        invite_query = invite_query.where(pi.organiser_id == f.practitioner.id)
    responses: Counter[InviteResponse] = Counter(dict(db.session.execute(invite_query).all()))  # type: ignore[arg-type]
    return Engagement(
        meetings,
        sessions,
        sum(responses.values()),
        responses[InviteResponse.ACCEPTED],
        responses[InviteResponse.DECLINED],
        responses[InviteResponse.PROPOSED],
    )


# --- demand ----------------------------------------------------------------------------------------------------------

ORGANISATION_GROUPS = ("Education", "Health", "Police", "Other")
_GROUP_OF = {
    OrganisationKind.SCHOOL: "Education",
    OrganisationKind.EARLY_YEARS: "Education",
    OrganisationKind.HEALTH: "Health",
    OrganisationKind.POLICE: "Police",
    OrganisationKind.VOLUNTARY: "Other",
    OrganisationKind.OTHER: "Other",
}


@dataclass(frozen=True)
class DemandMonth:
    month: Period
    by_group: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_group.values())


@dataclass(frozen=True)
class Demand:
    months: list[DemandMonth]
    previous_total: int
    schools: list[tuple[str, int]]  # the schools that asked most, with their counts

    @property
    def total(self) -> int:
        return sum(m.total for m in self.months)

    def group_total(self, group: str) -> int:
        return sum(m.by_group[group] for m in self.months)


def months_of(period: Period) -> list[Period]:
    months = [month(period.start)]
    while months[-1].end < period.end:
        months.append(months[-1].next())
    return months


def _received(f: Filters, period: Period) -> Select[Any]:
    r = ConsultationRequest
    start, end = utc_bounds(period)
    return _request_scope(f, select().select_from(r).where(r.received_at >= start, r.received_at < end))


def demand(f: Filters, *, top_schools: bool = True) -> Demand:
    """Requests received by month and organisation type, against the period before; and, `top_schools`, the
    schools that asked most."""
    r, o = ConsultationRequest, Organisation
    months = months_of(f.period)
    index = bucket(r.received_at, months)
    # The period's requests (from the index by locality and time) counted by month and by the kind of their
    # organisation, each looked up by key: a few rows whatever the area. Counting by organisation and
    # sorting them out in Python cost a second for the whole county (25,000 rows a period at 1,000,000).
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for i, kind, count in db.session.execute(
        _received(f, f.period)
        .join(o, o.id == r.organisation_id)
        .add_columns(index, o.kind, func.count())
        .group_by(index, o.kind)
    ):
        if i is not None:
            counts[i][_GROUP_OF[kind]] += count
    # The schools that asked most, ties in the order of their names: the requests counted by organisation from
    # the index alone, then only those organisations looked up.
    schools: list[tuple[str, int]] = []
    if top_schools:
        counted = (
            _received(f, f.period)
            .add_columns(r.organisation_id, func.count().label("requests"))
            .group_by(r.organisation_id)
            .subquery()
        )
        schools = [
            (name, count)
            for name, count in db.session.execute(
                select(o.name, counted.c.requests)
                .join(counted, counted.c.organisation_id == o.id)
                .where(o.kind == OrganisationKind.SCHOOL)
                .order_by(counted.c.requests.desc(), o.name, o.id)
                .limit(TOP_SCHOOLS)
            )
        ]
    previous_total = db.session.scalar(_received(f, f.period.previous()).add_columns(func.count())) or 0
    return Demand(
        [DemandMonth(p, {g: counts[i][g] for g in ORGANISATION_GROUPS}) for i, p in enumerate(months)],
        previous_total,
        schools,
    )


# --- outcomes --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeRow:
    """One row of an outcome mix: a locality, a practitioner or an organisation type, and its counts."""

    label: str
    counts: dict[Outcome, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def percent(self, outcome: Outcome) -> int | None:
        return percent(self.counts[outcome], self.total)


@dataclass(frozen=True)
class OutcomeFigures:
    closed: OutcomeRow  # every request closed in the period
    by_locality: list[OutcomeRow]
    by_practitioner: list[OutcomeRow]
    by_group: list[OutcomeRow]  # ORGANISATION_GROUPS, in order; cells of 1 to 4 shown as "fewer than 5"
    worker_changes: int  # reassignments of the requests closed in the period
    reassigned: int  # of those requests, how many changed worker at least once
    received: int  # requests received in the period
    repeats: int  # of those, about a child asked about in the 365 days before

    @property
    def changes_per_request(self) -> Decimal | None:
        return average(self.worker_changes, self.closed.total)

    @property
    def one_worker_percent(self) -> int | None:
        return percent(self.closed.total - self.reassigned, self.closed.total)

    @property
    def repeat_percent(self) -> int | None:
        return percent(self.repeats, self.received)


def _no_outcomes() -> dict[Outcome, int]:
    return dict.fromkeys(Outcome, 0)


def outcomes(f: Filters, *, by_kind: bool = True) -> OutcomeFigures:
    """The period's closed requests by outcome (all, by locality, by practitioner) with worker changes, the
    repeat share of the requests received; and, `by_kind`, the mix by organisation type (else `by_group` is
    empty: the report shows it for its own quarter only)."""
    r = ConsultationRequest
    start, end = utc_bounds(f.period)
    # The period's closed requests (from ix_consultation_request_closed alone) counted by locality, worker and
    # outcome, then by the kind of their organisation (each looked up by key) and outcome: a few rows each.
    closed = (r.closed_at >= start, r.closed_at < end, r.status == RequestStatus.CLOSED, r.outcome.is_not(None))
    rows = db.session.execute(
        _request_scope(
            f,
            select(
                r.locality_id,
                r.worker_id,
                r.outcome,
                func.count(),
                func.coalesce(func.sum(r.worker_changes), 0),
                func.coalesce(func.sum(case((r.worker_changes > 0, 1), else_=0)), 0),
            ).where(*closed),
        ).group_by(r.locality_id, r.worker_id, r.outcome)
    ).all()
    kinds = (
        db.session.execute(
            _request_scope(
                f,
                select(Organisation.kind, r.outcome, func.count())
                .join(Organisation, Organisation.id == r.organisation_id)
                .where(*closed),
            ).group_by(Organisation.kind, r.outcome)
        ).all()
        if by_kind
        else []
    )
    worker_ids = {row[1] for row in rows if row[1] is not None}
    names: dict[int, str] = {}
    if worker_ids:
        names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(worker_ids))).all())  # type: ignore[arg-type]
    locality_names = {loc.id: loc.name for loc in f.area.localities}
    total = _no_outcomes()
    by_locality: dict[int, dict[Outcome, int]] = defaultdict(_no_outcomes)
    by_worker: dict[int | None, dict[Outcome, int]] = defaultdict(_no_outcomes)
    by_group: dict[str, dict[Outcome, int]] = {group: _no_outcomes() for group in ORGANISATION_GROUPS}
    changes = reassigned = 0
    for locality_id, worker_id, outcome, count, changed, requests_changed in rows:
        total[outcome] += count
        by_locality[locality_id][outcome] += count
        by_worker[worker_id][outcome] += count
        changes += int(changed)
        reassigned += int(requests_changed)
    for kind, outcome, count in kinds:
        by_group[_GROUP_OF[kind]][outcome] += count
    received, repeats = db.session.execute(
        _received(f, f.period).add_columns(func.count(), func.coalesce(func.sum(case((r.is_repeat, 1), else_=0)), 0))
    ).one()
    return OutcomeFigures(
        OutcomeRow("All closed requests", total),
        sorted(
            (OutcomeRow(locality_names.get(loc, "Another locality"), c) for loc, c in by_locality.items()),
            key=lambda row: row.label,
        ),
        sorted(
            (
                OutcomeRow(names.get(w, "Another worker") if w is not None else "No worker", c)
                for w, c in by_worker.items()
            ),
            key=lambda row: (row.label == "No worker", row.label),
        ),
        [OutcomeRow(group, by_group[group]) for group in ORGANISATION_GROUPS] if by_kind else [],
        changes,
        reassigned,
        received,
        int(repeats),
    )


# --- attendance by agency ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyAttendance:
    """Of the organisations of one group (education, health, police, other) invited to the meetings that took
    place in the period: how many invitations, how many said they would attend, how many registers recorded
    them and how many of those were represented."""

    group: str
    invited: int
    attending: int
    recorded: int
    represented: int

    @property
    def percent(self) -> int | None:
        return percent(self.represented, self.recorded)


def agency_attendance(f: Filters) -> list[AgencyAttendance]:
    """Invitations to the period's meetings (of every kind) by the invited organisation's group, a person
    invited by name counted by their organisation's. One query."""
    start, end = utc_bounds(f.period)
    m, mi = PartnershipMeeting, MeetingInvitation
    rows = db.session.execute(
        select(
            Organisation.kind,
            func.count(mi.id),
            func.coalesce(func.sum(case((mi.answer == MeetingAnswer.ATTENDING, 1), else_=0)), 0),
            func.count(mi.represented),
            func.coalesce(func.sum(case((mi.represented.is_(True), 1), else_=0)), 0),
        )
        .select_from(m)
        .join(mi, mi.meeting_id == m.id)
        .join(Organisation, Organisation.id == mi.organisation_id)
        .where(m.locality_id.in_(f.locality_ids), m.cancelled_at.is_(None), m.starts_at >= start, m.starts_at < end)
        .group_by(Organisation.kind)
    ).all()
    totals: dict[str, list[int]] = {group: [0, 0, 0, 0] for group in ORGANISATION_GROUPS}
    for kind, *counts in rows:
        cell = totals[_GROUP_OF[OrganisationKind(kind)]]
        for i, value in enumerate(counts):
            cell[i] += int(value)
    return [AgencyAttendance(group, *totals[group]) for group in ORGANISATION_GROUPS]


def agencies_represented_percent(rows: Sequence[AgencyAttendance]) -> int | None:
    return percent(sum(r.represented for r in rows), sum(r.recorded for r in rows))


# --- the dashboard ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    filters: Filters
    responsiveness: Responsiveness
    feedback: FeedbackFigures
    engagement: Engagement
    demand: Demand
    outcomes: OutcomeFigures
    agencies: list[AgencyAttendance]

    @property
    def request_links(self) -> dict[str, dict[str, Any]]:
        return request_links(self.filters)


def dashboard(f: Filters, *, comparison: bool = False, counted: list[StepCount] | None = None) -> Dashboard:
    """Every figure of the dashboard for the filters; a `comparison` (the report's quarter before and the same
    quarter last year) leaves out what is counted today whatever the period (overdue now) and what the report
    shows for its own quarter only (the schools that asked most, the feedback chart and comments, the outcomes
    by organisation type). `counted`: the period's step_counts(f), when the caller has them already."""
    return Dashboard(
        f,
        responsiveness(f, comparison=comparison, counted=counted),
        feedback(f, chart_and_comments=not comparison),
        engagement(f),
        demand(f, top_schools=not comparison),
        outcomes(f, by_kind=not comparison),
        agency_attendance(f),
    )
