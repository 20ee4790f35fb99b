"""What the dashboards measure and keep: how long each step of a request took, in working days.

Working days cannot be counted per row at query time over a million requests (bank holidays, pauses,
London dates), so each step is measured once, when it is done, in the same transaction as the change
(portal.dashboards.measures, called by portal.requests.services), and the dashboards read histograms
(GROUP BY working days) of these rows for a period through the (locality, done_at) and
(worker, done_at) indexes.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from portal.models_base import Base, str_enum
from portal.requests.models import ConsultationRequest


class Step(enum.StrEnum):
    """The three clocks of a request (portal.requests.services.clocks)."""

    ACKNOWLEDGE = "acknowledge"
    CONSULT = "consult"
    OUTCOME = "outcome"

    @property
    def label(self) -> str:
        return {"acknowledge": "Acknowledge", "consult": "Consult", "outcome": "Share the outcome"}[self.value]


class StepTiming(Base):
    """One step of one request, measured when it was done: the working days its clock ran (pauses
    taken out) and whether it was done by its due date. The acknowledgement is measured when the
    request is acknowledged; the consultation and the outcome when it is closed. `locality_id` and
    `worker_id` are those of the request at that moment."""

    __tablename__ = "step_timing"

    request_id: Mapped[int] = mapped_column(ForeignKey("consultation_request.id", ondelete="CASCADE"), primary_key=True)
    step: Mapped[Step] = mapped_column(str_enum(Step, 20), primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    done_at: Mapped[datetime]
    working_days: Mapped[int]
    on_time: Mapped[bool]

    __table_args__ = (
        Index("ix_step_timing_locality", "locality_id", "done_at", "step", "working_days", "on_time"),
        Index("ix_step_timing_worker", "worker_id", "done_at", "step", "working_days", "on_time"),
    )


# Demand (requests received per month by organisation type) reads a locality's requests received in a
# period: this index on the requests' table is the dashboards' own, so it is declared here (and in 0005).
Index(
    "ix_consultation_request_received",
    ConsultationRequest.locality_id,
    ConsultationRequest.received_at,
    ConsultationRequest.organisation_id,
    ConsultationRequest.worker_id,
)
