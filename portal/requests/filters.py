"""The requests list's filters and search, read from the URL (so a filtered list can be linked to, and a
dashboard figure can link to exactly its requests). Unknown or malformed values count as not chosen."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from werkzeug.datastructures import MultiDict

from portal.access import managed_locality_ids
from portal.accounts.models import User
from portal.common.roles import Role
from portal.common.times import LONDON
from portal.directory.models import Organisation
from portal.requests.models import ConsultationRequest, Escalation, RequestKind, RequestStatus

OPEN = (RequestStatus.SUBMITTED, RequestStatus.ACKNOWLEDGED, RequestStatus.SCHEDULED, RequestStatus.WAITING_ON_PARTNER)
WORKERS = {"mine": "Mine (and those I cover today)", "unassigned": "Not assigned yet", "any": "Anyone in my area"}
RECEIVED = {"7": "In the last 7 days", "30": "In the last 30 days", "90": "In the last 90 days"}
REFERENCE = re.compile(r"^(?:PP-?)?0*(\d{1,9})$", re.IGNORECASE)
INITIALS = re.compile(r"^[A-Za-z]{1,4}$")


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
        return args


def _choices(values: list[str], enum: Any) -> tuple[Any, ...]:
    known = {member.value: member for member in enum}
    return tuple(dict.fromkeys(known[v] for v in values if v in known))


def parse(args: MultiDict[str, str]) -> RequestFilters:
    """Filters from a query string. `closed=1` (older links) adds closed requests."""
    many = args.getlist
    statuses = _choices(many("status"), RequestStatus) or OPEN
    if args.get("closed") == "1" and RequestStatus.CLOSED not in statuses:
        statuses = (*statuses, RequestStatus.CLOSED)
    school = str(args.get("school", ""))
    query = " ".join(str(args.get("q", "")).split())[:100]
    return RequestFilters(
        statuses=statuses,
        kinds=_choices(many("kind"), RequestKind),
        worker=str(args.get("worker", "")) if args.get("worker") in WORKERS else "",
        overdue="overdue" in many("only") or args.get("overdue") == "yes",
        escalated="escalated" in many("only") or args.get("escalated") == "yes",
        received=str(args.get("received", "")) if args.get("received") in RECEIVED else "",
        school_id=int(school) if school.isascii() and school.isdigit() and len(school) <= 9 else None,
        query=query if query.isprintable() else "",
    )


def for_role(filters: RequestFilters, user: User) -> RequestFilters:
    """A partner has no worker filter (every request is their organisation's)."""
    return replace(filters, worker="") if user.role is Role.PARTNER else filters


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
        found.append(r.worker_id.is_(None))
    elif filters.worker == "any" and user.role is Role.MANAGER:
        found.append(r.locality_id.in_(managed_locality_ids(user)))
    if filters.overdue:
        found.append(overdue)
    if filters.escalated:
        found.append(exists().where(Escalation.request_id == r.id, Escalation.responded_at.is_(None)))
    if filters.received:
        found.append(r.received_at >= _london_midnight(today - timedelta(days=int(filters.received) - 1)))
    if filters.school_id is not None:
        found.append(r.organisation_id == filters.school_id)
    if filters.query:
        found.append(_search(filters.query))
    return found


def _london_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def _search(query: str) -> ColumnElement[bool]:
    """A reference (PP-000123, or its number), a child's initials or case reference, or a school's name."""
    r = ConsultationRequest
    reference = REFERENCE.match(query)
    if reference:
        return r.id == int(reference.group(1))
    school = r.organisation_id.in_(
        select(Organisation.id).where(func.lower(Organisation.name).contains(query.lower(), autoescape=True))
    )
    options: list[ColumnElement[bool]] = [school, func.lower(r.case_reference) == query.lower()]
    if INITIALS.match(query):
        options.append(r.child_initials == query.upper())
    return or_(*options)
