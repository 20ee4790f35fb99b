"""The requests list's filters and search, read from the URL (so a filtered list can be linked to, and a
dashboard figure can link to exactly its requests). Unknown or malformed values count as not chosen.

The rules a dashboard figure and the list must agree on live here once: which requests are overdue now
(`overdue_condition`), which promise was missed in a period (`promise_missed`), which escalation was raised in
one. The dashboards count with them; the list filters with them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from werkzeug.datastructures import MultiDict

from portal import access
from portal.access import managed_locality_ids
from portal.accounts.models import User
from portal.common.periods import Period
from portal.common.roles import Role
from portal.common.times import london_midnight
from portal.directory.models import Locality, Organisation, Pod, PodMember
from portal.extensions import db
from portal.models_base import UTCDateTime, utcnow
from portal.requests.models import (
    ConsultationRequest,
    Escalation,
    EscalationKind,
    Promise,
    RequestKind,
    RequestStatus,
)

ALL_STATUSES = tuple(RequestStatus)
OPEN = (RequestStatus.SUBMITTED, RequestStatus.ACKNOWLEDGED, RequestStatus.SCHEDULED, RequestStatus.WAITING_ON_PARTNER)
WORKERS = {
    "mine": "Mine (and those I cover today)",
    "unassigned": "Not assigned yet",
    "any": "Anyone in my area",
}
RECEIVED = {"7": "In the last 7 days", "30": "In the last 30 days", "90": "In the last 90 days"}
REFERENCE = re.compile(r"^(?:PP-?)?0*(\d{1,9})$", re.IGNORECASE)
INITIALS = re.compile(r"^[A-Za-z]{1,4}$")
FEW_SCHOOLS = 500  # a search matching at most this many schools' names finds their requests through their index


@dataclass(frozen=True)
class RequestFilters:
    statuses: tuple[RequestStatus, ...] = OPEN
    kinds: tuple[RequestKind, ...] = ()
    worker: str = ""  # "", or a key of WORKERS
    overdue: bool = False
    escalated: bool = False
    received: str = ""  # "", or a key of RECEIVED
    school_id: int | None = None
    query: str = ""
    # Set by the dashboard's links (no control in the panel; shown as tags that remove themselves).
    locality_id: int | None = None
    practitioner_id: int | None = None
    pod_id: int | None = None
    raised: Period | None = None  # an escalation raised in this period ...
    escalation_kind: EscalationKind | None = None  # ... of this kind (any kind if None)
    missed: Period | None = None  # a promise due in this period and missed
    notes: list[str] = field(default_factory=list, compare=False)

    @property
    def is_default(self) -> bool:
        return self == RequestFilters()

    @property
    def shows_closed(self) -> bool:
        return RequestStatus.CLOSED in self.statuses

    def as_args(self) -> dict[str, Any]:
        """The URL's query for these filters (for pagination links and the dashboard's links)."""
        args: dict[str, Any] = {}
        if self.statuses != OPEN:
            args["status"] = [s.value for s in self.statuses]
        if self.kinds:
            args["kind"] = [k.value for k in self.kinds]
        if self.worker:
            args["worker"] = self.worker
        only = [name for name, chosen in (("overdue", self.overdue), ("escalated", self.escalated)) if chosen]
        if only:
            args["only"] = only
        if self.received:
            args["received"] = self.received
        if self.school_id is not None:
            args["school"] = str(self.school_id)
        if self.query:
            args["q"] = self.query
        for name, value in (
            ("locality", self.locality_id),
            ("practitioner", self.practitioner_id),
            ("pod", self.pod_id),
        ):
            if value is not None:
                args[name] = str(value)
        if self.raised is not None:
            args["raised"] = self.raised.key
            if self.escalation_kind is not None:
                args["escalation"] = self.escalation_kind.value
        if self.missed is not None:
            args["missed"] = self.missed.key
        return args


def _choices(values: list[str], enum: Any) -> tuple[Any, ...]:
    known = {member.value: member for member in enum}
    return tuple(dict.fromkeys(known[v] for v in values if v in known))


def _identifier(value: Any) -> int | None:
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _period(value: Any) -> Period | None:
    try:
        return Period.parse(str(value or ""))
    except ValueError:
        return None


def parse(args: MultiDict[str, str]) -> RequestFilters:
    """Filters from a query string. `closed=1` (older links) adds closed requests."""
    many = args.getlist
    statuses = _choices(many("status"), RequestStatus) or OPEN
    if args.get("closed") == "1" and RequestStatus.CLOSED not in statuses:
        statuses = (*statuses, RequestStatus.CLOSED)
    raised = _period(args.get("raised"))
    kind = _choices([str(args.get("escalation", ""))], EscalationKind)
    query = " ".join(str(args.get("q", "")).split())[:100]
    return RequestFilters(
        statuses=statuses,
        kinds=_choices(many("kind"), RequestKind),
        worker=str(args.get("worker", "")) if args.get("worker") in WORKERS else "",
        overdue="overdue" in many("only") or args.get("overdue") == "yes",
        escalated="escalated" in many("only") or args.get("escalated") == "yes",
        received=str(args.get("received", "")) if args.get("received") in RECEIVED else "",
        school_id=_identifier(args.get("school")),
        query=query if query.isprintable() else "",
        locality_id=_identifier(args.get("locality")),
        practitioner_id=_identifier(args.get("practitioner")),
        pod_id=_identifier(args.get("pod")),
        raised=raised,
        escalation_kind=kind[0] if kind and raised is not None else None,
        missed=_period(args.get("missed")),
    )


def for_role(filters: RequestFilters, user: User) -> RequestFilters:
    """A partner has no worker filters (every request is their organisation's)."""
    if user.role is Role.PARTNER:
        return replace(filters, worker="", locality_id=None, practitioner_id=None, pod_id=None)
    return filters


def conditions(
    filters: RequestFilters, *, user: User, today: date, overdue: ColumnElement[bool], answering_for: list[int]
) -> list[ColumnElement[bool]]:
    """SQL conditions for the filters, added to the list's own visibility rule."""
    r = ConsultationRequest
    found: list[ColumnElement[bool]] = [r.status.in_(filters.statuses)]
    if filters.kinds:
        found.append(r.kind.in_(filters.kinds))
    if filters.worker == "mine":
        found.append(
            or_(r.worker_id.in_(answering_for), and_(r.worker_id.is_(None), r.routed_to_id.in_(answering_for)))
        )
    elif filters.worker == "unassigned":
        # Not `worker_id IS NULL`: SQLite would read every unassigned request of the county through the worker
        # index and only then keep those the person may see; as an expression it reads the person's own first.
        found.append(func.coalesce(r.worker_id, 0) == 0)
        if user.role is Role.MANAGER:  # a manager's unassigned work is their area's
            found.append(r.locality_id.in_(managed_locality_ids(user)))
    elif filters.worker == "any" and user.role is Role.MANAGER:
        found.append(r.locality_id.in_(managed_locality_ids(user)))
    if filters.overdue:
        found.append(overdue)
    if filters.escalated:
        # The few requests waiting for a manager, as a list the rows are checked against by id (no row read).
        found.append(r.id.in_(select(Escalation.request_id).where(Escalation.responded_at.is_(None))))
    if filters.received:
        found.append(r.received_at >= london_midnight(today - timedelta(days=int(filters.received) - 1)))
    if filters.school_id is not None:
        found.append(r.organisation_id == filters.school_id)
    if filters.query:
        found.append(_search(filters.query))
    if filters.locality_id is not None:
        found.append(r.locality_id == filters.locality_id)
    if filters.practitioner_id is not None:
        found.append(r.worker_id == filters.practitioner_id)
    if filters.pod_id is not None:
        found.append(r.worker_id.in_(select(PodMember.user_id).where(PodMember.pod_id == filters.pod_id)))
    if filters.raised is not None:
        found.append(
            r.id.in_(select(Escalation.request_id).where(escalation_raised(filters.raised, filters.escalation_kind)))
        )
    if filters.missed is not None:
        found.append(r.id.in_(select(Promise.request_id).where(promise_missed(filters.missed, today))))
    return found


def dashboard_tags(filters: RequestFilters, user: User, *, today: date) -> list[tuple[str, str, dict[str, Any]]]:
    """The dashboard's filters as (group, words, the change that removes it). Names only of what the person's
    area holds; anything else is "Outside your area" (it still filters, to nothing they may see)."""
    f = filters
    tags: list[tuple[str, str, dict[str, Any]]] = []
    named = (f.locality_id, f.pod_id, f.practitioner_id) != (None, None, None)
    area = access.work_locality_ids(user, on=today) if named else []
    outside = "Outside your area"
    if f.locality_id is not None:
        locality = db.session.get(Locality, f.locality_id)
        name = locality.name if locality is not None and locality.id in area else outside
        tags.append(("Locality", name, {"locality_id": None}))
    if f.pod_id is not None:
        pod = db.session.get(Pod, f.pod_id)
        name = pod.name if pod is not None and pod.locality_id in area else outside
        tags.append(("Pod", name, {"pod_id": None}))
    if f.practitioner_id is not None:
        person = db.session.scalar(
            select(User).where(User.id == f.practitioner_id, access.staff_of(area, active=False))
        )
        tags.append(("Practitioner", person.name if person is not None else outside, {"practitioner_id": None}))
    if f.raised is not None:
        what = {
            None: "Asked to speak to a manager or disagreed",
            EscalationKind.SPEAK_TO_MANAGER: "Asked to speak to a manager",
            EscalationKind.DISAGREEMENT: "Disagreed with the outcome",
        }[f.escalation_kind]
        tags.append(("Partner", f"{what} in {f.raised.long_label}", {"raised": None, "escalation_kind": None}))
    if f.missed is not None:
        tags.append(("Promises", f"A promise missed in {f.missed.long_label}", {"missed": None}))
    return tags


def overdue_condition(today: date) -> ColumnElement[bool]:
    """The SQL twin of `Clock.is_overdue` over `clocks()` (portal.requests.services): the queue's order, the
    overdue notices and the dashboard's "Overdue now" must agree with the "Overdue" tags. A consultation arranged
    for after its due date does not meet the consult clock until it has taken place."""
    r = ConsultationRequest
    return and_(
        r.status.in_([RequestStatus.SUBMITTED, RequestStatus.ACKNOWLEDGED, RequestStatus.SCHEDULED]),
        or_(
            and_(r.acknowledged_at.is_(None), r.acknowledge_due < today),
            # A "today" request is overdue from its time in working hours, not only from the next day.
            and_(r.acknowledged_at.is_(None), r.respond_by_at < utcnow()),
            and_(or_(r.consultation_at.is_(None), r.consultation_at > utcnow()), r.consult_due < today),
            r.outcome_due < today,
        ),
    )


def period_bounds(period: Period) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the London dates of `period`."""
    return london_midnight(period.start), london_midnight(period.end + timedelta(days=1))


def escalation_raised(period: Period, kind: EscalationKind | None = None) -> ColumnElement[bool]:
    """An escalation (of `kind`, or either) raised in the period."""
    start, end = period_bounds(period)
    e = Escalation
    raised = and_(e.raised_at >= start, e.raised_at < end)
    return raised if kind is None else and_(raised, e.kind == kind)


def end_of_due_day(due_on: Any, period: Period) -> Any:
    """A CASE giving, for a date column whose values lie in `period`, the UTC moment that London day ends.
    One WHEN a day: SQLite cannot turn a timestamp into a London date, so the days are worked out here."""
    ends: dict[date, Any] = {}
    day = period.start
    while day <= period.end:
        ends[day] = literal(london_midnight(day + timedelta(days=1)), UTCDateTime())
        day += timedelta(days=1)
    return case(ends, value=due_on)


def promise_kept_late(period: Period) -> ColumnElement[bool]:
    """Kept, but after the end of its London due date (for promises due in `period`)."""
    return Promise.kept_at >= end_of_due_day(Promise.due_on, period)


def promise_missed(period: Period, today: date) -> ColumnElement[bool]:
    """A promise due in the period that was not kept by the end of its London due date: kept late, or not kept
    and the due date has passed."""
    p = Promise
    return and_(
        p.due_on >= period.start,
        p.due_on <= period.end,
        or_(and_(p.kept_at.is_(None), p.due_on < today), promise_kept_late(period)),
    )


def _search(query: str) -> ColumnElement[bool]:
    """A reference (PP-000123, or its number), a child's initials or case reference, or a school's name.

    Each is found through its own index (the case reference's lower case, the initials, a few schools' requests)
    as a list of ids the rows are checked against, so a search does not read every request the person may see;
    a name that matches many schools ("primary") is checked against each request instead. How many schools
    match is asked first (one statement)."""
    r = ConsultationRequest
    reference = REFERENCE.match(query)
    if reference:
        return r.id == int(reference.group(1))
    named = func.lower(Organisation.name).contains(query.lower(), autoescape=True)
    options: list[ColumnElement[bool]] = [r.id.in_(select(r.id).where(func.lower(r.case_reference) == query.lower()))]
    if INITIALS.match(query):
        options.append(r.id.in_(select(r.id).where(r.child_initials == query.upper())))
    schools = db.session.scalar(
        select(func.count()).select_from(select(Organisation.id).where(named).limit(FEW_SCHOOLS + 1).subquery())
    )
    if schools and schools <= FEW_SCHOOLS:  # their requests, through the organisation index, by id
        options.append(r.id.in_(select(r.id).where(r.organisation_id.in_(select(Organisation.id).where(named)))))
    elif schools:  # many schools ("primary"): each request the person may see is checked for its school
        options.append(r.organisation_id.in_(select(Organisation.id).where(named)))
    return or_(*options)
