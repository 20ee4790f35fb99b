"""What the report members read adds to the figures: a target per measure with red / amber / green against it,
and the locality manager's commentary for the quarter.

- **Targets** are set by admins (they run the system) for one locality or for all. A report of one locality
  uses that locality's target, else the one for all; a report of several localities uses the one for all.
  RAG: green when the figure meets the target; amber when it misses by no more than a tenth of the target
  (a percentage of 90 against a target of 95 is amber, 85 is red); red otherwise; none without a figure or a
  target. Measures with no better direction (requests received, feedback entries) take no target.
- **Commentary** ("key messages", "what we will do next") is written by a manager of the locality for a quarter,
  one per locality and quarter; the report prints that of each locality it covers. Partners never read it:
  free text is still checked for a child's identifiers, as it is printed and sent to members.

Like every service here: checks first, then changes and audit rows; flush, never commit.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import access
from portal.accounts.models import User
from portal.common import audit
from portal.common.errors import DomainError
from portal.common.identifiers import check_free_text
from portal.common.periods import Period
from portal.common.permissions import NotFound
from portal.common.roles import Role
from portal.dashboards.models import ReportCommentary, ReportTarget
from portal.directory.models import Locality
from portal.extensions import db
from portal.models_base import utcnow

COMMENTARY_MAX = 5000
TARGET_MAX = Decimal("100000")
AMBER_BAND = Decimal("0.1")  # a tenth of the target


class Rag(enum.StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"

    @property
    def label(self) -> str:
        return self.value.capitalize()


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    higher_is_better: bool
    percent: bool = False


# The report's measures that take a target (the keys of portal.dashboards.report.headlines).
MEASURES = (
    Measure("acknowledged_on_time", "Acknowledged within the service level (%)", True, percent=True),
    Measure("median_acknowledge", "Median working days to acknowledge", False),
    Measure("outcome_on_time", "Outcome shared within the service level (%)", True, percent=True),
    Measure("median_outcome", "Median working days to share the outcome", False),
    Measure("promises_kept", "Promises kept by their due date (%)", True, percent=True),
    Measure("escalations", "Asked to speak to a manager", False),
    Measure("disagreements", "Disagreements with the outcome", False),
    Measure("average_rating", "Average feedback rating (out of 5)", True),
    Measure("helpful", "Found the consultation helpful (%)", True, percent=True),
    Measure("schools_represented", "Schools represented at partnership meetings (%)", True, percent=True),
    Measure("agencies_represented", "Invited organisations represented at meetings (%)", True, percent=True),
)
MEASURE_BY_KEY = {m.key: m for m in MEASURES}


def rag(value: int | Decimal | None, target: Decimal | None, higher_is_better: bool | None) -> Rag | None:
    """Red, amber or green of `value` against `target` (see the module docstring); None without either."""
    if value is None or target is None or higher_is_better is None:
        return None
    value, band = Decimal(value), abs(target) * AMBER_BAND
    if higher_is_better:
        return Rag.GREEN if value >= target else Rag.AMBER if value >= target - band else Rag.RED
    return Rag.GREEN if value <= target else Rag.AMBER if value <= target + band else Rag.RED


# --- targets --------------------------------------------------------------------------------------


def targets_for(locality_ids: list[int]) -> dict[str, Decimal]:
    """The target of each measure for a report of these localities: one locality's own, else the one for
    all. One query."""
    own = locality_ids[0] if len(locality_ids) == 1 else None
    rows = db.session.scalars(
        select(ReportTarget).where(
            (ReportTarget.locality_id.is_(None)) | (ReportTarget.locality_id == (own if own is not None else -1))
        )
    )
    found: dict[str, Decimal] = {}
    for row in sorted(rows, key=lambda r: r.locality_id is not None):  # the locality's own last, so it wins
        found[row.measure] = row.target
    return found


@dataclass(frozen=True)
class TargetRow:
    measure: Measure
    for_all: Decimal | None
    by_locality: dict[int, Decimal]


def target_table() -> tuple[list[Locality], list[TargetRow]]:
    """Every measure's target for all and per locality, for the admins' page. Two queries."""
    localities = list(db.session.scalars(select(Locality).order_by(Locality.name)))
    rows = list(db.session.scalars(select(ReportTarget)))
    table = []
    for measure in MEASURES:
        mine = [r for r in rows if r.measure == measure.key]
        table.append(
            TargetRow(
                measure,
                next((r.target for r in mine if r.locality_id is None), None),
                {r.locality_id: r.target for r in mine if r.locality_id is not None},
            )
        )
    return localities, table


def parse_target(text: str) -> Decimal | None:
    """'95', '2.5' → a Decimal of one decimal place; anything else (blank included) → None."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value < 0 or value > TARGET_MAX or value != value.quantize(Decimal("0.1")):
        return None
    return value.quantize(Decimal("0.1"))


def set_target(*, by: User, measure: str, locality_id: int | None, target: str) -> ReportTarget | None:
    """An admin sets (or, with a blank target, removes) a measure's target for one locality or all."""
    if by.role is not Role.ADMIN:
        raise NotFound
    if measure not in MEASURE_BY_KEY:
        raise DomainError("Select a measure from the list", field="measure")
    if locality_id is not None and db.session.get(Locality, locality_id) is None:
        raise DomainError("Select a locality from the list", field="locality")
    existing = db.session.scalar(
        select(ReportTarget).where(
            ReportTarget.measure == measure,
            ReportTarget.locality_id.is_(None) if locality_id is None else ReportTarget.locality_id == locality_id,
        )
    )
    if not target.strip():
        if existing is None:
            raise DomainError("Enter the target", field="target")
        db.session.delete(existing)
        audit.record("report_target.removed", obj=existing, measure=measure, locality_id=locality_id)
        db.session.flush()
        return None
    value = parse_target(target)
    if value is None or (MEASURE_BY_KEY[measure].percent and value > 100):
        limit = "between 0 and 100" if MEASURE_BY_KEY[measure].percent else "0 or more"
        raise DomainError(f"Enter the target as a number {limit}, like 95 or 2.5", field="target")
    if existing is None:
        existing = ReportTarget(measure=measure, locality_id=locality_id, target=value)
        db.session.add(existing)
    existing.target, existing.set_by_id, existing.updated_at = value, by.id, utcnow()
    db.session.flush()
    audit.record("report_target.set", obj=existing, measure=measure, locality_id=locality_id, target=str(value))
    return existing


# --- commentary -----------------------------------------------------------------------------------


def commentaries(locality_ids: Iterable[int], period: Period) -> list[ReportCommentary]:
    """The commentary of each of the localities for the quarter, by locality name."""
    ids = list(locality_ids)
    if not ids:
        return []
    rows = db.session.scalars(
        select(ReportCommentary)
        .where(ReportCommentary.locality_id.in_(ids), ReportCommentary.quarter_start == period.start)
        .options(selectinload(ReportCommentary.locality), selectinload(ReportCommentary.author))
    )
    return sorted(rows, key=lambda c: c.locality.name)


def commentary_of(locality: Locality, period: Period) -> ReportCommentary | None:
    return db.session.scalar(
        select(ReportCommentary).where(
            ReportCommentary.locality_id == locality.id, ReportCommentary.quarter_start == period.start
        )
    )


def save_commentary(
    *, by: User, locality: Locality, period: Period, key_messages: str, next_steps: str, confirmed: bool
) -> ReportCommentary:
    """A manager of the locality writes (or rewrites) its commentary for the quarter."""
    if not access.manages(by, locality.id):
        raise NotFound
    key_messages, next_steps = key_messages.strip(), next_steps.strip()
    if not key_messages:
        raise DomainError("Enter the key messages", field="key_messages")
    for field, value in (("key_messages", key_messages), ("next_steps", next_steps)):
        if len(value) > COMMENTARY_MAX:
            raise DomainError(f"This must be {COMMENTARY_MAX:,} characters or fewer", field=field)
    existing = commentary_of(locality, period)
    if existing is None or (key_messages, next_steps) != (existing.key_messages, existing.next_steps):
        check_free_text(key_messages=key_messages, next_steps=next_steps, confirmed=confirmed)
    if existing is None:
        existing = ReportCommentary(locality_id=locality.id, quarter_start=period.start)
        db.session.add(existing)
    existing.key_messages, existing.next_steps = key_messages, next_steps
    existing.author_id, existing.updated_at = by.id, utcnow()
    db.session.flush()
    audit.record("report_commentary.saved", obj=existing, locality_id=locality.id, quarter=period.key)
    return existing
