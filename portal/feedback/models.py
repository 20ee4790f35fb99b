"""Partners' feedback on the themes they asked for, the pulse after a closed request, staff recognition of
partners, and the service's "You said, we did" answers."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, ForeignKeyConstraint, Index, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.directory.models import OrganisationKind
from portal.models_base import Base, TimestampMixin, str_enum, utcnow

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.directory.models import Locality, Organisation
    from portal.requests.models import ConsultationRequest


class Theme(enum.StrEnum):
    """The partners' own list, "What we would like", in their order."""

    KEEPING_PROMISES = "keeping_promises"
    LISTENING_AND_TRUST = "listening_and_trust"
    REACHING_A_MANAGER = "reaching_a_manager"
    RESPECT = "respect"
    NOT_HEARING_HOW_BUSY = "not_hearing_how_busy"
    WHAT_HAPPENS_NEXT = "what_happens_next"
    HELPFUL_CONSULTATION = "helpful_consultation"
    COMMUNICATION = "communication"

    @property
    def label(self) -> str:
        return {
            "keeping_promises": "Keeping promises",
            "listening_and_trust": "Listening and trust",
            "reaching_a_manager": "Reaching a manager or cover",
            "respect": "Respect, not being told off",
            "not_hearing_how_busy": "Not hearing how busy staff are",
            "what_happens_next": "Being told what happens next and the outcome",
            "helpful_consultation": "Helpful, reflective consultation",
            "communication": "Communication",
        }[self.value]


class Feedback(Base):
    """A partner's feedback. When the partner chooses to stay anonymous to staff, neither the author, the
    organisation nor the request is stored: only the organisation's kind and the locality, so counts
    still work."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme: Mapped[Theme] = mapped_column(str_enum(Theme, 30))
    rating: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")
    anonymous: Mapped[bool] = mapped_column(default=False, server_default=false())
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    organisation_kind: Mapped[OrganisationKind | None] = mapped_column(str_enum(OrganisationKind, 20))
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_request.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    locality: Mapped[Locality | None] = relationship()
    request: Mapped[ConsultationRequest | None] = relationship()

    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        # A request names its school, so anonymous feedback is never linked to one (migration 0008).
        CheckConstraint(
            "NOT anonymous OR (author_id IS NULL AND organisation_id IS NULL AND request_id IS NULL)",
            name="anonymous_is_anonymous",
        ),
        # The dashboards' feedback by theme: counted and averaged from the index alone.
        Index("ix_feedback_locality_created", "locality_id", "created_at", "theme", "rating"),
        Index("ix_feedback_theme_created", "theme", "created_at"),
    )


class PulseResponse(Base):
    """The two quick questions a partner is asked once a request is closed."""

    __tablename__ = "pulse_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(unique=True)
    # The request's locality, copied so that the dashboards find a locality's answers of a period through one
    # index instead of a join to every request (migration 0014); the foreign key to the pair (request, its
    # locality) keeps it the request's, as Promise.locality_id.
    locality_id: Mapped[int]
    helpful: Mapped[bool]
    knew_what_next: Mapped[bool]
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    # By the id alone, as Promise.request.
    request: Mapped[ConsultationRequest] = relationship(
        primaryjoin="ConsultationRequest.id == PulseResponse.request_id", foreign_keys=[request_id]
    )
    responded_by: Mapped[User | None] = relationship()

    __table_args__ = (
        ForeignKeyConstraint(
            ["request_id", "locality_id"],
            ["consultation_request.id", "consultation_request.locality_id"],
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        Index("ix_pulse_response_locality_created", "locality_id", "created_at"),
    )


class Recognition(Base):
    """ "Positive feedback to you": a member of staff thanks a partner organisation."""

    __tablename__ = "recognition"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    from_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    from_user: Mapped[User] = relationship()


class YouSaidWeDid(TimestampMixin, Base):
    """A manager's published answer to what partners said on a theme; for one locality or all."""

    __tablename__ = "you_said_we_did"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme: Mapped[Theme] = mapped_column(str_enum(Theme, 30), index=True)
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"))
    you_said: Mapped[str] = mapped_column(Text)
    we_did: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None] = mapped_column(index=True)

    locality: Mapped[Locality | None] = relationship()
    author: Mapped[User] = relationship()
