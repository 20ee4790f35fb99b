"""Managers' dashboards: the area and the filters every figure is counted over, and the arithmetic the
figures share (rounding, percentiles, suppression).

A manager's **area** is the localities they manage, a senior leader's every locality, as portal.access
decides. Filters name a
locality, pod or practitioner of the area (anything else is NotFound: the manager may not learn what
exists elsewhere) and a period (portal.common.periods). The figures themselves are computed in
portal.dashboards.figures, the quarterly report in portal.dashboards.report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from portal import access
from portal.accounts.models import User
from portal.common.errors import DomainError
from portal.common.http import whole_number
from portal.common.periods import Period, PeriodKind, financial_year, month, quarter
from portal.common.permissions import NotFound
from portal.common.roles import Role
from portal.common.times import LONDON, london_today
from portal.directory.models import Locality, Pod
from portal.extensions import db

SUPPRESS_BELOW = 5
FEWER_THAN_5 = "fewer than 5"


# --- small pure helpers --------------------------------------------------------------------------------


def utc_bounds(period: Period) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the London dates of `period`."""
    start = datetime.combine(period.start, time(0), LONDON).astimezone(UTC)
    end = datetime.combine(period.end + timedelta(days=1), time(0), LONDON).astimezone(UTC)
    return start, end


def suppressed(count: int) -> str:
    """A school-level count as shown: 1 to 4 become "fewer than 5"."""
    return FEWER_THAN_5 if 0 < count < SUPPRESS_BELOW else str(count)


# --- the area and the filters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    localities: list[Locality]
    pods: list[Pod]
    practitioners: list[User]

    @property
    def locality_ids(self) -> list[int]:
        return [loc.id for loc in self.localities]


READERS = (Role.MANAGER, Role.SENIOR)


def _ensure_reader(user: User) -> None:
    if user.role not in READERS:
        raise NotFound


def area_of(user: User) -> Area:
    """The localities whose figures `user` reads (portal.access.read_localities: a manager those they manage,
    a senior leader every one), their pods and their staff. Staff who are no longer active stay: their
    figures still count for the periods they worked."""
    _ensure_reader(user)
    localities = access.read_localities(user)
    ids = [loc.id for loc in localities]
    pods = list(db.session.scalars(select(Pod).where(Pod.locality_id.in_(ids)).order_by(Pod.name, Pod.id)))
    staff = list(
        db.session.scalars(select(User).where(access.staff_of(ids, active=False)).order_by(User.name, User.id))
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
    def localities_label(self) -> str:
        """The localities the figures cover, by name: "Coalville, Melton and Blaby"."""
        names = [self.locality.name] if self.locality else sorted(loc.name for loc in self.area.localities)
        if not names:
            return "No localities"
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"

    @property
    def scope_label(self) -> str:
        parts = [self.localities_label]
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


def whole_number_or_none(value: str | None) -> int | None:
    """An id from the query string; None for none or for anything that is not one."""
    return whole_number(value) if value else None


def _id(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    number = whole_number(value)
    if number is None:  # "²", a negative or a huge number: no such record
        raise NotFound
    return number


def parse_period(key: str | None, *, today: date, kinds: Iterable[PeriodKind] = tuple(PeriodKind)) -> Period:
    if not key:
        return quarter(today)
    try:
        period = Period.parse(key)
    except ValueError as error:
        raise DomainError("Select a month, quarter or financial year from the list", field="period") from error
    if period.kind not in tuple(kinds):
        raise DomainError("Select a quarter from the list", field="period")
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
    area; DomainError for a period that is not one."""
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
