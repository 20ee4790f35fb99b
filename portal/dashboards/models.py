"""The dashboards read the requests' step timings (portal.requests.models.StepTiming, recorded by
portal.requests.timings) and the other domains' rows. Their own tables are what the report members read adds:
the targets admins set per measure (for one locality or all) and each locality's commentary for a quarter.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models_base import Base, utcnow
from portal.requests.models import ConsultationRequest

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.directory.models import Locality


class ReportTarget(Base):
    """The target of one of the report's measures (portal.dashboards.report.Headline.key), for one locality or,
    with no locality, for all: a locality's own target wins over the one for all."""

    __tablename__ = "report_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure: Mapped[str] = mapped_column(String(60))
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"))
    target: Mapped[Decimal] = mapped_column(Numeric(8, 1))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("measure", "locality_id", name="uq_report_target_measure_locality"),
        Index(
            "uq_report_target_measure_all",
            "measure",
            unique=True,
            sqlite_where=text("locality_id IS NULL"),
            postgresql_where=text("locality_id IS NULL"),
        ),
    )


class ReportCommentary(Base):
    """A locality manager's commentary on a quarter: the key messages and what they will do next, printed in
    the report. One per locality and quarter (`quarter_start`, portal.common.periods)."""

    __tablename__ = "report_commentary"

    id: Mapped[int] = mapped_column(primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id"))
    quarter_start: Mapped[date]
    key_messages: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    locality: Mapped[Locality] = relationship()
    author: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("locality_id", "quarter_start", name="uq_report_commentary_quarter"),)


# Demand (requests received per month by organisation type) and the repeat share read a locality's requests
# received in a period from this index alone: it is the dashboards' own, so it is declared here (0005, 0024).
Index(
    "ix_consultation_request_received",
    ConsultationRequest.locality_id,
    ConsultationRequest.received_at,
    ConsultationRequest.organisation_id,
    ConsultationRequest.worker_id,
    ConsultationRequest.is_repeat,
)
