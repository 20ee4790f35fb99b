"""Managers' dashboards and the quarterly report: every figure, computed with SQL aggregates.

A manager's **area** is their own locality plus every locality whose manager they are. Filters name a
locality, pod or practitioner of the area (anything else is NotFound: the manager may not learn what
exists elsewhere) and a period (portal.common.periods). Rules each figure follows:

- Responsiveness reads StepTiming (portal.dashboards.models): a step counts in the period in which it
  was done (acknowledged; consulted and outcome shared: closed). Medians and 90th percentiles are
  nearest-rank over whole working days, from a histogram (GROUP BY working days), never from rows.
  The pod and practitioner filters apply to the worker of the request.
- Overdue now: open requests whose clock has run out today, as the queue shows them.
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
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.common import audit
from portal.common.periods import Period, PeriodKind, financial_year, month, quarter
from portal.common.permissions import NotFound
from portal.common.roles import Role
from portal.dashboards.models import Step, StepTiming
from portal.directory.models import Locality, Organisation, OrganisationKind, Pod
from portal.extensions import db
from portal.feedback.models import Feedback, PulseResponse, Theme, YouSaidWeDid
from portal.meetings.models import MeetingInvitation, PartnershipMeeting
from portal.models_base import UTCDateTime, utcnow
from portal.requests.models import (
    ConsultationRequest,
    Escalation,
    EscalationKind,
    InviteResponse,
    PodInvite,
    PodInvitee,
    Promise,
    RequestStatus,
)
from portal.sessions.models import Booking, BookingStatus, Session, SessionKind

LONDON = ZoneInfo("Europe/London")
SUPPRESS_BELOW = 5
FEWER_THAN_5 = "fewer than 5"
LATEST_COMMENTS = 5
TOP_SCHOOLS = 10
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class FilterError(ValueError):
    """A filter value that is not of the right form (e.g. an unknown period); the message is for the user."""


# --- small pure helpers --------------------------------------------------------------------------------


def london_today() -> date:
    return utcnow().astimezone(LONDON).date()


def utc_bounds(period: Period) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the London dates of `period`."""
    start = datetime.combine(period.start, time(0), LONDON).astimezone(UTC)
    end = datetime.combine(period.end + timedelta(days=1), time(0), LONDON).astimezone(UTC)
    return start, end


def percent(part: int, whole: int) -> int | None:
    """`part` of `whole` as a whole percentage, rounded half up; None when there is nothing to divide."""
    if whole == 0:
        return None
    return int((Decimal(100 * part) / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def average(total: int, count: int) -> Decimal | None:
    """The mean to one decimal place, rounded half up; None when there is nothing to average."""
    if count == 0:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def nearest_rank(histogram: dict[int, int], percentile: int) -> int | None:
    """The nearest-rank percentile of values given as {value: how many}: the smallest value with at
    least ceil(percentile / 100 × n) values at or below it. None when empty."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, -(-percentile * total // 100))  # ceil(percentile × total / 100), in integers
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable")  # pragma: no cover


def suppressed(count: int) -> str:
    """A school-level count as shown: 1 to 4 become "fewer than 5"."""
    return FEWER_THAN_5 if 0 < count < SUPPRESS_BELOW else str(count)


def safe_cell(value: object) -> str | int | Decimal:
    """A CSV cell that a spreadsheet will not run as a formula: a leading apostrophe neutralises text.
    Numbers are written as numbers (a negative change stays -2): a number is never a formula."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def show(value: object, suffix: str = "") -> str:
    if value is None:
        return "No data"
    if value == 1 and suffix.endswith("days"):
        suffix = suffix.removesuffix("s")
    return f"{value}{suffix}"


# --- the area and the filters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    localities: list[Locality]
    pods: list[Pod]
    practitioners: list[User]

    @property
    def locality_ids(self) -> list[int]:
        return [loc.id for loc in self.localities]


def _ensure_manager(user: User) -> None:
    if user.role is not Role.MANAGER:
        raise NotFound


def area_of(user: User) -> Area:
    """The manager's own locality and those they manage, their pods and their staff."""
    _ensure_manager(user)
    localities = list(
        db.session.scalars(
            select(Locality)
            .where(or_(Locality.manager_id == user.id, Locality.id == (user.locality_id or -1)))
            .order_by(Locality.name)
        )
    )
    ids = [loc.id for loc in localities]
    pods = list(db.session.scalars(select(Pod).where(Pod.locality_id.in_(ids)).order_by(Pod.name, Pod.id)))
    staff = list(
        db.session.scalars(
            select(User)
            .where(User.locality_id.in_(ids), User.role.in_([Role.PRACTITIONER, Role.MANAGER]))
            .order_by(User.name, User.id)
        )
    )
    return Area(localities, pods, staff)


@dataclass(frozen=True)
class Filters:
    area: Area
    period: Period
    locality: Locality | None = None
    pod: Pod | None = None
    practitioner: User | None = None
    today: date = field(default_factory=london_today)

    @property
    def locality_ids(self) -> list[int]:
        return [self.locality.id] if self.locality is not None else self.area.locality_ids

    @property
    def worker_ids(self) -> list[int] | None:
        """The workers whose requests count, or None for everyone's."""
        if self.pod is None and self.practitioner is None:
            return None
        ids: set[int] | None = None
        if self.pod is not None:
            ids = {member.user_id for member in self.pod.members}
        if self.practitioner is not None:
            ids = {self.practitioner.id} if ids is None else ids & {self.practitioner.id}
        return sorted(ids or ())

    @property
    def narrowed(self) -> bool:
        return self.worker_ids is not None

    def with_period(self, period: Period) -> Filters:
        return Filters(self.area, period, self.locality, self.pod, self.practitioner, self.today)

    @property
    def scope_label(self) -> str:
        parts = [self.locality.name if self.locality else "All localities in your area"]
        if self.pod is not None:
            parts.append(f"pod {self.pod.name}")
        if self.practitioner is not None:
            parts.append(self.practitioner.name)
        return ", ".join(parts)

    def args(self) -> dict[str, Any]:
        """The query string that gives these filters again."""
        out: dict[str, Any] = {"period": self.period.key}
        if self.locality is not None:
            out["locality"] = self.locality.id
        if self.pod is not None:
            out["pod"] = self.pod.id
        if self.practitioner is not None:
            out["practitioner"] = self.practitioner.id
        return out


def _id(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise NotFound
    return int(value)


def parse_period(key: str | None, *, today: date, kinds: Iterable[PeriodKind] = tuple(PeriodKind)) -> Period:
    if not key:
        return quarter(today)
    try:
        period = Period.parse(key)
    except ValueError as error:
        raise FilterError("Select a month, quarter or financial year from the list") from error
    if period.kind not in tuple(kinds):
        raise FilterError("Select a quarter from the list")
    return period


def resolve_filters(
    user: User,
    *,
    locality: str | None = None,
    pod: str | None = None,
    practitioner: str | None = None,
    period: str | None = None,
    today: date | None = None,
    kinds: Iterable[PeriodKind] = tuple(PeriodKind),
) -> Filters:
    """The filters from a query string. NotFound for a locality, pod or practitioner outside the manager's
    area; FilterError for a period that is not one."""
    area = area_of(user)
    today = today or london_today()
    locality_id, pod_id, practitioner_id = _id(locality), _id(pod), _id(practitioner)
    chosen_locality = next((loc for loc in area.localities if loc.id == locality_id), None)
    chosen_pod = next((p for p in area.pods if p.id == pod_id), None)
    chosen_person = next((u for u in area.practitioners if u.id == practitioner_id), None)
    if (
        (locality_id is not None and chosen_locality is None)
        or (pod_id is not None and chosen_pod is None)
        or (practitioner_id is not None and chosen_person is None)
    ):
        raise NotFound
    return Filters(
        area, parse_period(period, today=today, kinds=kinds), chosen_locality, chosen_pod, chosen_person, today
    )


def period_choices(today: date, current: Period) -> list[tuple[str, str]]:
    """The periods offered: the last 12 months, 8 quarters and 3 financial years (and `current`)."""
    choices: list[Period] = []
    for count, of in ((12, month), (8, quarter)):
        p = of(today)
        for _ in range(count):
            choices.append(p)
            p = p.previous()
    p = financial_year(today)
    for _ in range(3):
        choices.append(p)
        p = p.previous()
    if current not in choices:
        choices.insert(0, current)
    return [(p.key, f"{p.kind.label}: {p.label}") for p in choices]


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


def overdue_condition(today: date, now: datetime) -> ColumnElement[bool]:
    """Open requests whose clock has run out: the same rule as the queue's "Overdue" tag
    (portal.requests.services._overdue_condition), repeated here so the dashboard reads no services."""
    r = ConsultationRequest
    return and_(
        r.status.in_([RequestStatus.SUBMITTED, RequestStatus.ACKNOWLEDGED, RequestStatus.SCHEDULED]),
        or_(
            and_(r.acknowledged_at.is_(None), r.acknowledge_due < today),
            and_(or_(r.consultation_at.is_(None), r.consultation_at > now), r.consult_due < today),
            r.outcome_due < today,
        ),
    )


def end_of_due_day(due_on: Any, period: Period) -> Any:
    """A CASE giving, for a date column whose values lie in `period`, the UTC moment that London day ends.
    One WHEN a day: SQLite cannot turn a timestamp into a London date, so the days are worked out here."""
    ends: dict[date, Any] = {}
    day = period.start
    while day <= period.end:
        ends[day] = literal(datetime.combine(day + timedelta(days=1), time(0), LONDON).astimezone(UTC), UTCDateTime())
        day += timedelta(days=1)
    return case(ends, value=due_on)


def responsiveness(f: Filters) -> Responsiveness:
    t = StepTiming
    histograms: dict[Step, Counter[int]] = {step: Counter() for step in Step}
    on_time: Counter[Step] = Counter()
    for step, days, in_time, count in db.session.execute(
        select(t.step, t.working_days, t.on_time, func.count())
        .where(*_timing_filter(f))
        .group_by(t.step, t.working_days, t.on_time)
    ):
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
    overdue = (
        db.session.scalar(
            _request_scope(f, select(func.count()).select_from(r)).where(overdue_condition(f.today, utcnow()))
        )
        or 0
    )
    p = Promise
    promise_query = (
        select(
            func.count(),
            func.count(p.kept_at),
            func.coalesce(func.sum(case((and_(p.kept_at.is_(None), p.due_on < f.today), 1), else_=0)), 0),
            # Kept after the end of the London due date: not kept as promised, so missed (kept late).
            func.coalesce(func.sum(case((p.kept_at >= end_of_due_day(p.due_on, f.period), 1), else_=0)), 0),
        )
        .select_from(p)
        .join(r, r.id == p.request_id)
        .where(p.due_on >= f.period.start, p.due_on <= f.period.end, r.locality_id.in_(f.locality_ids))
    )
    if f.worker_ids is not None:
        promise_query = promise_query.where(p.made_by_id.in_(f.worker_ids))
    made, kept_at_all, not_kept, late = db.session.execute(promise_query).one()
    late = int(late)
    start, end = utc_bounds(f.period)
    e = Escalation
    escalations: Counter[EscalationKind] = Counter()
    answered = 0
    for kind, count, responded in db.session.execute(
        _request_scope(
            f,
            select(e.kind, func.count(), func.count(e.responded_at))
            .select_from(e)
            .join(r, r.id == e.request_id)
            .where(e.raised_at >= start, e.raised_at < end),
        ).group_by(e.kind)
    ):
        escalations[kind] += count
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
    count, helpful, knew = db.session.execute(
        _request_scope(
            f,
            select(
                func.count(),
                func.coalesce(func.sum(case((pr.helpful, 1), else_=0)), 0),
                func.coalesce(func.sum(case((pr.knew_what_next, 1), else_=0)), 0),
            )
            .select_from(pr)
            .join(r, r.id == pr.request_id)
            .where(pr.created_at >= start, pr.created_at < end),
        )
    ).one()
    return count, int(helpful), int(knew)


def feedback(f: Filters) -> FeedbackFigures:
    quarters = [quarter(f.period.end)]
    while len(quarters) < 4:
        quarters.insert(0, quarters[0].previous())
    by_theme = _theme_cells(f, quarters)
    previous = f.period.previous()
    pair = _theme_cells(f, [previous, f.period])
    pulse_count, helpful, knew = _pulse(f, f.period)
    previous_pulse_count, previous_helpful, _ = _pulse(f, previous)
    fb = Feedback
    start, end = utc_bounds(f.period)
    comments = [
        Comment(row.created_at, row.theme, row.rating, row.text, _source(row))
        for row in db.session.scalars(
            _feedback_scope(
                f,
                select(fb)
                .options(selectinload(fb.organisation))
                .where(fb.created_at >= start, fb.created_at < end, fb.text != ""),
            )
            .order_by(fb.created_at.desc(), fb.id.desc())
            .limit(LATEST_COMMENTS)
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
                func.count(mi.id),
                func.count(mi.represented),
                func.coalesce(func.sum(case((mi.represented.is_(True), 1), else_=0)), 0),
            )
            .select_from(m)
            .join(Locality, Locality.id == m.locality_id)
            .outerjoin(mi, mi.meeting_id == m.id)
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
    pi, pv, r = PodInvite, PodInvitee, ConsultationRequest
    invite_query = (
        select(pv.response, func.count())
        .select_from(pv)
        .join(pi, pi.id == pv.invite_id)
        .join(r, r.id == pi.request_id)
        .where(r.locality_id.in_(f.locality_ids), pi.cancelled_at.is_(None), pi.starts_at >= start, pi.starts_at < end)
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


def demand(f: Filters) -> Demand:
    r, o = ConsultationRequest, Organisation
    months = months_of(f.period)
    index = bucket(r.received_at, months)
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for i, kind, count in db.session.execute(
        _received(f, f.period)
        .add_columns(index, o.kind, func.count())
        .join(o, o.id == r.organisation_id)
        .group_by(index, o.kind)
    ):
        if i is not None:
            counts[i][_GROUP_OF[kind]] += count
    previous_total = db.session.scalar(_received(f, f.period.previous()).add_columns(func.count())) or 0
    schools = [
        (name, count)
        for _, name, count in db.session.execute(
            _received(f, f.period)
            .add_columns(o.id, o.name, func.count())
            .join(o, o.id == r.organisation_id)
            .where(o.kind == OrganisationKind.SCHOOL)
            .group_by(o.id, o.name)
            .order_by(func.count().desc(), o.name, o.id)
            .limit(TOP_SCHOOLS)
        )
    ]
    return Demand(
        [DemandMonth(p, {g: counts[i][g] for g in ORGANISATION_GROUPS}) for i, p in enumerate(months)],
        previous_total,
        schools,
    )


# --- the dashboard and the quarterly report ----------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    filters: Filters
    responsiveness: Responsiveness
    feedback: FeedbackFigures
    engagement: Engagement
    demand: Demand


def dashboard(f: Filters) -> Dashboard:
    return Dashboard(f, responsiveness(f), feedback(f), engagement(f), demand(f))


@dataclass(frozen=True)
class Headline:
    label: str
    value: int | Decimal | None
    previous: int | Decimal | None
    suffix: str = ""
    # Whether a rise is good news, for the words of the trend ("up", "down" say what happened).
    higher_is_better: bool | None = True

    @property
    def change(self) -> int | Decimal | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def shown(self) -> str:
        return show(self.value, self.suffix)

    @property
    def previous_shown(self) -> str:
        return show(self.previous, self.suffix)

    @property
    def trend(self) -> str:
        change = self.change
        if change is None:
            return "No comparison"
        unit = " points" if self.suffix == "%" else ""
        if change == 0:
            return "No change"
        return f"{'Up' if change > 0 else 'Down'} {abs(change)}{unit}"


@dataclass(frozen=True)
class Report:
    filters: Filters
    previous_filters: Filters
    headlines: list[Headline]
    feedback: FeedbackFigures
    you_said_we_did: list[YouSaidWeDid]
    this: Dashboard
    previous: Dashboard


def headlines(this: Dashboard, previous: Dashboard) -> list[Headline]:
    a, b = this.responsiveness, previous.responsiveness
    ack, pack = a.step(Step.ACKNOWLEDGE), b.step(Step.ACKNOWLEDGE)
    out, pout = a.step(Step.OUTCOME), b.step(Step.OUTCOME)
    return [
        Headline("Requests received", this.demand.total, previous.demand.total, higher_is_better=None),
        Headline("Acknowledged within the service level", ack.on_time_percent, pack.on_time_percent, "%"),
        Headline(
            "Median working days to acknowledge", ack.median, pack.median, " working days", higher_is_better=False
        ),
        Headline("Outcome shared within the service level", out.on_time_percent, pout.on_time_percent, "%"),
        Headline(
            "Median working days to share the outcome", out.median, pout.median, " working days", higher_is_better=False
        ),
        Headline("Promises kept by their due date", a.kept_percent, b.kept_percent, "%"),
        Headline("Asked to speak to a manager", a.escalations, b.escalations, higher_is_better=False),
        Headline("Disagreements with the outcome", a.disagreements, b.disagreements, higher_is_better=False),
        Headline("Feedback entries", this.feedback.period.count, previous.feedback.period.count, higher_is_better=None),
        Headline("Average feedback rating (out of 5)", this.feedback.period.average, previous.feedback.period.average),
        Headline(
            "Found the consultation helpful", this.feedback.helpful_percent, previous.feedback.helpful_percent, "%"
        ),
        Headline(
            "Schools represented at partnership meetings", this.engagement.coverage, previous.engagement.coverage, "%"
        ),
    ]


def report(f: Filters) -> Report:
    """The quarterly report: `f.period` is a quarter; trends are against the quarter before."""
    previous_filters = f.with_period(f.period.previous())
    this, previous = dashboard(f), dashboard(previous_filters)
    start, end = utc_bounds(f.period)
    ysw = YouSaidWeDid
    you_said = list(
        db.session.scalars(
            select(ysw)
            .where(
                ysw.published_at >= start,
                ysw.published_at < end,
                or_(ysw.locality_id.is_(None), ysw.locality_id.in_(f.locality_ids)),
            )
            .order_by(ysw.published_at.desc(), ysw.id.desc())
        )
    )
    return Report(f, previous_filters, headlines(this, previous), this.feedback, you_said, this, previous)


def report_csv(rep: Report) -> str:
    """The report's figures as CSV, with the dashboard's figures the page has no room for (each step's
    90th percentile, overdue now, promises missed, the pulse's second question, engagement). Numbers are
    written as numbers; every text cell is neutralised against formula injection."""
    f = rep.filters
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def row(*cells: object) -> None:
        writer.writerow([safe_cell(c) for c in cells])

    def figure(section: str, measure: str, now: int | Decimal | None, then: int | Decimal | None) -> None:
        change = now - then if now is not None and then is not None else ""
        row(section, measure, "No data" if now is None else now, "No data" if then is None else then, change)

    row("Quarterly report", f.period.label, f.period.long_label)
    row("Area", f.scope_label)
    row("Previous quarter", rep.previous_filters.period.label)
    row()
    row("Section", "Measure", f.period.label, rep.previous_filters.period.label, "Change")
    for h in rep.headlines:
        row("Headline", h.label, h.shown, h.previous_shown, h.trend)
    this, before = rep.this.responsiveness, rep.previous.responsiveness
    for step in Step:
        s, b = this.step(step), before.step(step)
        figure("Responsiveness", f"{step.label}: done", s.done, b.done)
        figure("Responsiveness", f"{step.label}: within the service level (%)", s.on_time_percent, b.on_time_percent)
        figure("Responsiveness", f"{step.label}: median working days", s.median, b.median)
        figure("Responsiveness", f"{step.label}: 90th percentile working days", s.p90, b.p90)
    # Overdue is counted today, whatever the quarter: there is no figure for the quarter before.
    row("Responsiveness", "Overdue now", this.overdue_now, "", "")
    figure("Promises", "Promises due", this.promises_made, before.promises_made)
    figure("Promises", "Kept by their due date", this.promises_kept, before.promises_kept)
    figure("Promises", "Missed (not kept by their due date)", this.promises_missed, before.promises_missed)
    figure("Promises", "Of those missed, kept late", this.promises_kept_late, before.promises_kept_late)
    figure("Promises", "Missed (%)", this.missed_percent, before.missed_percent)
    figure("Escalations", "Answered", this.escalations_answered, before.escalations_answered)
    for theme in Theme:
        cell, earlier = rep.feedback.period_by_theme[theme], rep.feedback.previous_by_theme[theme]
        figure("Feedback", f"{theme.label}: entries", cell.count, earlier.count)
        figure("Feedback", f"{theme.label}: average rating", cell.average, earlier.average)
    fb, pfb = rep.this.feedback, rep.previous.feedback
    figure("Pulse", "Answers", fb.pulse_count, pfb.pulse_count)
    figure("Pulse", "Found the consultation helpful (%)", fb.helpful_percent, pfb.helpful_percent)
    figure("Pulse", "Knew what would happen next (%)", fb.knew_next_percent, pfb.knew_next_percent)
    e, pe = rep.this.engagement, rep.previous.engagement
    figure("Engagement", "Partnership meetings", len(e.meetings), len(pe.meetings))
    figure("Engagement", "Schools represented at partnership meetings", e.represented, pe.represented)
    figure("Engagement", "Schools on the registers taken", e.recorded, pe.recorded)
    figure("Engagement", "Schools represented (%)", e.coverage, pe.coverage)
    for now_s, then_s in zip(e.sessions, pe.sessions, strict=True):
        label = now_s.kind.label
        figure("Engagement", f"{label}: sessions", now_s.sessions, then_s.sessions)
        figure("Engagement", f"{label}: places", now_s.places, then_s.places)
        figure("Engagement", f"{label}: places booked", now_s.booked, then_s.booked)
        figure("Engagement", f"{label}: uptake (%)", now_s.uptake, then_s.uptake)
        figure("Engagement", f"{label}: attended", now_s.attended, then_s.attended)
    figure("Engagement", "Pod invites: invited", e.invitees, pe.invitees)
    figure("Engagement", "Pod invites: accepted", e.accepted, pe.accepted)
    figure("Engagement", "Pod invites: declined", e.declined, pe.declined)
    figure("Engagement", "Pod invites: proposed another time", e.proposed, pe.proposed)
    figure("Engagement", "Pod invites: accepted (%)", e.acceptance, pe.acceptance)
    demand = rep.this.demand
    for group in ORGANISATION_GROUPS:
        figure(
            "Requests by organisation type", group, demand.group_total(group), rep.previous.demand.group_total(group)
        )
    for name, count in demand.schools:
        row("Requests by school", name, suppressed(count), "", "")
    for entry in rep.you_said_we_did:
        row("You said, we did", entry.theme.label, entry.you_said, entry.we_did, "")
    return out.getvalue()


def record_export(rep: Report, *, by: User, file_format: str) -> None:
    """Every download of the report is audited: who, which figures, in which format. In its own
    transaction, as views of requests are, since a GET commits nothing else."""
    f = rep.filters
    audit.record_now(
        "dashboards.report_exported",
        actor_id=by.id,
        format=file_format,
        period=f.period.key,
        locality_id=f.locality.id if f.locality else None,
        pod_id=f.pod.id if f.pod else None,
        practitioner_id=f.practitioner.id if f.practitioner else None,
    )
