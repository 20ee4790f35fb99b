"""Coverage of the partnership meetings: which schools of a locality were represented at its meeting,
quarter by quarter, and which were not represented at two or more.

Kept apart from `portal.meetings.services` because it reads across meetings and localities rather than
acting on one meeting, and has its own audience: managers see their area, admins every locality (they run
the system; they see nothing else of the meetings). It only reads: a quarter counts once its meeting's
register has been recorded (`portal.meetings.record`). `build_coverage` makes the grid from plain data;
`coverages` fetches that data in the same few queries however many localities there are.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import access
from portal.accounts.models import User
from portal.common.periods import Period, recent_quarters
from portal.common.permissions import NotFound
from portal.common.roles import Role
from portal.common.times import london_today
from portal.directory.models import Locality, Organisation, OrganisationKind
from portal.extensions import db
from portal.meetings.models import PartnershipMeeting


class CoverageStatus(enum.StrEnum):
    REPRESENTED = "represented"
    NOT_REPRESENTED = "not_represented"
    NO_MEETING = "no_meeting"

    @property
    def label(self) -> str:
        return {
            "represented": "Represented",
            "not_represented": "Not represented",
            "no_meeting": "No meeting held",
        }[self.value]


@dataclass(frozen=True)
class CoverageRow:
    """One school: its status in each quarter (in the order of `LocalityCoverage.quarters`) and how many of
    those quarters it was not represented at a meeting held."""

    school_id: int
    school_name: str
    statuses: tuple[CoverageStatus, ...]
    missed: int

    @property
    def flagged(self) -> bool:
        """Not represented for two quarters or more: listed first."""
        return self.missed >= 2


@dataclass(frozen=True)
class LocalityCoverage:
    """Schools × quarters for one locality.

    - `quarters`: the periods asked for, oldest first (the columns);
    - `held`: for each quarter, whether a meeting was held (a meeting not cancelled whose register has been
      recorded; until the register is recorded the quarter counts as no meeting held);
    - `rows`: one per current school of the locality, the flagged ones (not represented in two or more
      quarters) first, most missed first, then by name;
    - `represented_counts`: per quarter, how many schools were represented.
    """

    locality_id: int
    locality_name: str
    quarters: tuple[Period, ...]
    held: tuple[bool, ...]
    rows: tuple[CoverageRow, ...]
    represented_counts: tuple[int, ...]

    @property
    def flagged(self) -> tuple[CoverageRow, ...]:
        return tuple(row for row in self.rows if row.flagged)

    @property
    def summary(self) -> str:
        """A plain sentence for the page and for reports."""
        held = sum(self.held)
        schools = len(self.rows)
        if not schools:
            return "There are no schools in this locality."
        if not held:
            return f"No meeting with a recorded register was held in these {len(self.quarters)} quarters."
        flagged = self.flagged
        meetings = "1 meeting" if held == 1 else f"{held} meetings"
        if not flagged:
            return f"{meetings} held. No school was missing from more than one of them."
        names = ", ".join(row.school_name for row in flagged)
        count = "1 school was" if len(flagged) == 1 else f"{len(flagged)} of {schools} schools were"
        return f"{meetings} held. {count} not represented at two or more: {names}."


def build_coverage(
    *,
    locality_id: int,
    locality_name: str,
    schools: Sequence[tuple[int, str]],
    quarters: Sequence[Period],
    represented: Mapping[date, set[int] | None],
) -> LocalityCoverage:
    """The grid from plain data (pure: no database). `schools` are (id, name); `represented` maps a quarter's
    start to the ids of the schools represented at its meeting, or None (or no key) when none was held."""
    held = tuple(represented.get(period.start) is not None for period in quarters)
    rows = []
    for school_id, name in schools:
        statuses = []
        for period in quarters:
            present = represented.get(period.start)
            if present is None:
                statuses.append(CoverageStatus.NO_MEETING)
            elif school_id in present:
                statuses.append(CoverageStatus.REPRESENTED)
            else:
                statuses.append(CoverageStatus.NOT_REPRESENTED)
        missed = statuses.count(CoverageStatus.NOT_REPRESENTED)
        rows.append(CoverageRow(school_id, name, tuple(statuses), missed))
    rows.sort(key=lambda r: (not r.flagged, -r.missed if r.flagged else 0, r.school_name.lower(), r.school_id))
    counts = tuple(
        sum(1 for row in rows if row.statuses[index] is CoverageStatus.REPRESENTED) for index in range(len(quarters))
    )
    return LocalityCoverage(locality_id, locality_name, tuple(quarters), held, tuple(rows), counts)


def coverages(localities: Sequence[Locality], quarters: Sequence[Period]) -> list[LocalityCoverage]:
    """Schools × `quarters` for each locality, in the order given: represented / not represented / no meeting
    held (see LocalityCoverage for the shape). The current schools of a locality are its rows; a school that
    was not invited to a meeting held counts as not represented. No permission check: callers check.

    The same few queries however many localities there are (admins see them all)."""
    ids = [locality.id for locality in localities]
    if not ids:
        return []
    starts = [period.start for period in quarters]
    meetings = db.session.scalars(
        select(PartnershipMeeting)
        .where(
            PartnershipMeeting.locality_id.in_(ids),
            PartnershipMeeting.quarter_start.in_(starts),
            PartnershipMeeting.cancelled_at.is_(None),
            PartnershipMeeting.register_recorded_at.is_not(None),
        )
        .options(selectinload(PartnershipMeeting.invitations))
    )
    represented: dict[int, dict[date, set[int] | None]] = {locality_id: {} for locality_id in ids}
    for m in meetings:
        represented[m.locality_id][m.quarter_start] = {i.organisation_id for i in m.invitations if i.represented}
    schools: dict[int, list[tuple[int, str]]] = {locality_id: [] for locality_id in ids}
    for school_id, name, locality_id in db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.locality_id)
        .where(Organisation.locality_id.in_(ids), Organisation.kind == OrganisationKind.SCHOOL)
        .order_by(Organisation.name, Organisation.id)
    ):
        schools[locality_id].append((school_id, name))
    return [
        build_coverage(
            locality_id=locality.id,
            locality_name=locality.name,
            schools=schools[locality.id],
            quarters=quarters,
            represented=represented[locality.id],
        )
        for locality in localities
    ]


def coverage(locality_id: int, quarters: Sequence[Period]) -> LocalityCoverage:
    """The coverage of one locality (see `coverages`); NotFound when there is no such locality."""
    locality = db.session.get(Locality, locality_id)
    if locality is None:
        raise NotFound
    [grid] = coverages([locality], quarters)
    return grid


def coverage_localities(user: User) -> list[Locality]:
    """Managers: their area; admins: every locality."""
    if user.role is Role.ADMIN:
        return list(db.session.scalars(select(Locality).order_by(Locality.name)))
    return access.managed_localities(user)


def coverage_for(user: User, *, today: date | None = None) -> list[LocalityCoverage]:
    """The coverage of every locality `user` may see (managers: their area; admins: all), over the last four
    quarters including the current one."""
    quarters = recent_quarters(today or london_today(), 4)
    return coverages(coverage_localities(user), quarters)
