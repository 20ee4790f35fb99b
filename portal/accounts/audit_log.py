"""The audit log, readable: admins search all of it, managers what the people of their area did, by person,
record, action and date, a page at a time or as a CSV download. Each search and download is itself audited."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from portal import access
from portal.accounts.models import User
from portal.common import audit
from portal.common.models import AuditEvent
from portal.common.permissions import Forbidden
from portal.common.roles import Role
from portal.common.times import LONDON
from portal.directory.models import Organisation
from portal.extensions import db

PAGE_SIZE = 50
CSV_LIMIT = 50_000  # a download of more is a job for the database's own tools, not a web page


@dataclass(frozen=True)
class AuditSearch:
    """What to look for; every part optional. Dates are London days, inclusive."""

    person: str = ""
    record_type: str = ""
    record_id: int | None = None
    action: str = ""
    from_date: date | None = None
    to_date: date | None = None

    def args(self) -> dict[str, Any]:
        """The query string that gives this search again (for the pages' links and the download)."""
        out: dict[str, Any] = {}
        if self.person:
            out["person"] = self.person
        if self.record_type:
            out["record_type"] = self.record_type
        if self.record_id is not None:
            out["record_id"] = self.record_id
        if self.action:
            out["action"] = self.action
        for name, day in (("from_date", self.from_date), ("to_date", self.to_date)):
            if day is not None:
                out[name] = [day.day, day.month, day.year]  # the three boxes share the field's name
        return out


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    actor: User | None


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    pages: int


def ensure_can_read(user: User) -> None:
    if user.role not in (Role.ADMIN, Role.MANAGER):
        raise Forbidden


def _area(user: User) -> ColumnElement[bool]:
    """A condition on AuditEvent: whose events `user` may read. Admins every one; a manager those of the
    people of their area (its staff, and partners of its organisations), not admins', nor anonymous ones."""
    if user.role is Role.ADMIN:
        return and_(True)
    managed = access.managed_locality_ids(user)
    partners_orgs = select(Organisation.id).where(Organisation.locality_id.in_(managed))
    people = select(User.id).where(
        or_(
            access.staff_of(managed, active=False),
            and_(User.role == Role.PARTNER, User.organisation_id.in_(partners_orgs)),
        )
    )
    return AuditEvent.actor_id.in_(people)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


def _query(user: User, search: AuditSearch) -> Select[Any]:
    query = select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.actor_id).where(_area(user))
    if search.person:
        like = f"%{search.person.strip().lower()}%"
        query = query.where(or_(func.lower(User.name).like(like), func.lower(User.email).like(like)))
    if search.record_type:
        query = query.where(AuditEvent.object_type == search.record_type)
    if search.record_id is not None:
        query = query.where(AuditEvent.object_id == search.record_id)
    if search.action:
        query = query.where(AuditEvent.action == search.action)
    if search.from_date is not None:
        query = query.where(AuditEvent.at >= _start_of(search.from_date))
    if search.to_date is not None:
        query = query.where(AuditEvent.at < _start_of(search.to_date + timedelta(days=1)))
    return query


def search_events(user: User, search: AuditSearch, *, page: int = 1) -> AuditPage:
    """One page of the events `user` may read that match `search`, latest first. A page past the last is the
    last. The search is audited (a record of who looked at whose activity)."""
    ensure_can_read(user)
    query = _query(user, search)
    total = int(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    found = db.session.execute(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    )
    audit.record_now("audit.searched", actor_id=user.id, page=page, search=search.args())
    return AuditPage([AuditRow(event, actor) for event, actor in found], total, page, pages)


def export_rows(user: User, search: AuditSearch) -> Iterator[list[object]]:
    """The matching events as CSV rows (a header first), latest first; the download is audited."""
    ensure_can_read(user)
    audit.record_now("audit.exported", actor_id=user.id, search=search.args())
    yield ["When (UTC)", "Person", "Email address", "Action", "Record", "Record id", "IP address", "Detail"]
    query = _query(user, search).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(CSV_LIMIT)
    for event, actor in db.session.execute(query):
        yield [
            event.at.isoformat(timespec="seconds"),
            actor.name if actor else "",
            actor.email if actor else "",
            event.action,
            event.object_type or "",
            event.object_id if event.object_id is not None else "",
            event.ip_address or "",
            ", ".join(f"{k}={v}" for k, v in sorted((event.detail or {}).items())),
        ]


def actions() -> list[str]:
    """The actions the log holds, for the search's list."""
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def record_types() -> list[str]:
    """The kinds of record the log names, for the search's list."""
    query = select(AuditEvent.object_type).where(AuditEvent.object_type.is_not(None)).distinct()
    return [t for t in db.session.scalars(query.order_by(AuditEvent.object_type)) if t]
