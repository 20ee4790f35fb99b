"""Localities, organisations, pods, staff absences and the district → locality mapping."""

from __future__ import annotations

import enum
from datetime import date, time
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models_base import Base, TimestampMixin, str_enum

if TYPE_CHECKING:
    from portal.accounts.models import User


class OrganisationKind(enum.StrEnum):
    SCHOOL = "school"
    HEALTH = "health"
    POLICE = "police"
    EARLY_YEARS = "early_years"
    VOLUNTARY = "voluntary"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"early_years": "Early years"}.get(self.value, self.value.capitalize())


class PodRole(enum.StrEnum):
    TEAM_MANAGER = "team_manager"
    SENIOR_PRACTITIONER = "senior_practitioner"
    SOCIAL_WORKER = "social_worker"
    SUPPORT_AND_ASSESSMENT_WORKER = "support_and_assessment_worker"
    FAMILY_INTERVENTION_WORKER = "family_intervention_worker"
    SUPPORT_WORKER = "support_worker"
    COORDINATOR = "coordinator"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize().replace("Coordinator", "Co-ordinator")


class Locality(TimestampMixin, Base):
    __tablename__ = "locality"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # The duty lead: answers for the schools without a lead of their own, and for agencies.
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", use_alter=True))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", use_alter=True))
    front_door_phone: Mapped[str] = mapped_column(String(40))
    front_door_email: Mapped[str] = mapped_column(String(254))
    front_door_hours: Mapped[str] = mapped_column(String(200), default="Monday to Friday, 8:30am to 5pm")
    # Service levels for partners' requests, in working days (England and Wales), set by admins.
    sla_acknowledge_days: Mapped[int] = mapped_column(default=1, server_default="1")
    sla_consult_days: Mapped[int] = mapped_column(default=5, server_default="5")
    sla_outcome_days: Mapped[int] = mapped_column(default=10, server_default="10")
    # A manager responds to "speak to a manager" and to a disagreement within this many working days.
    sla_escalation_days: Mapped[int] = mapped_column(default=5, server_default="5")
    # Service levels by urgency (portal.requests.models.Urgency). A "today" request asked by the cut-off
    # on a working day is answered by `sla_today_by` that day, otherwise by `sla_today_next_by` on the
    # next working day; one needed "within a working day" is answered within `sla_soon_days`.
    sla_today_cutoff: Mapped[time] = mapped_column(default=time(14, 0), server_default="14:00:00")
    sla_today_by: Mapped[time] = mapped_column(default=time(17, 0), server_default="17:00:00")
    sla_today_next_by: Mapped[time] = mapped_column(default=time(12, 0), server_default="12:00:00")
    sla_soon_days: Mapped[int] = mapped_column(default=1, server_default="1")
    # The locality's threshold document (its Continuum of Need, say), linked beside the level advised.
    threshold_document_url: Mapped[str] = mapped_column(String(500), default="", server_default="")

    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id])
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])
    pods: Mapped[list[Pod]] = relationship(back_populates="locality", order_by="Pod.name")
    need_levels: Mapped[list[NeedLevel]] = relationship(
        back_populates="locality", order_by="NeedLevel.position, NeedLevel.id"
    )

    @property
    def today_rule(self) -> tuple[time, time, time]:
        """The "today" service level: (cut-off, answered by that day, answered by on the next working day)."""
        return self.sla_today_cutoff, self.sla_today_by, self.sla_today_next_by


class NeedLevel(Base):
    """One level of need on a locality's own list (a Continuum of Need's levels 1–4, say), set by admins.
    The practitioner records the level advised when closing a request. Retired, never deleted: closed
    requests keep the level they were given."""

    __tablename__ = "need_level"

    id: Mapped[int] = mapped_column(primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(300), default="", server_default="")
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    retired: Mapped[bool] = mapped_column(default=False, server_default=false())

    locality: Mapped[Locality] = relationship(back_populates="need_levels")

    __table_args__ = (UniqueConstraint("locality_id", "name"),)


class Organisation(TimestampMixin, Base):
    """A school (with its DfE URN) or a partner agency, in a locality."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(str_enum(OrganisationKind, 20), index=True)
    urn: Mapped[int | None] = mapped_column(unique=True)
    phase: Mapped[str] = mapped_column(String(60), default="")
    establishment_type: Mapped[str] = mapped_column(String(120), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="", index=True)
    town: Mapped[str] = mapped_column(String(80), default="")
    district: Mapped[str] = mapped_column(String(120), default="")
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"), index=True)
    # The school's own locality lead (a locality has several, each with their schools); None sends its
    # requests to the locality's duty lead (Locality.lead_id). Kept by GIAS imports (migration 0015).
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", use_alter=True), index=True)

    locality: Mapped[Locality | None] = relationship()
    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id])


class DistrictMapping(Base):
    """Which locality the schools of a local authority district (GIAS DistrictAdministrative) belong to."""

    __tablename__ = "district_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    district: Mapped[str] = mapped_column(String(120), unique=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id", ondelete="CASCADE"))

    locality: Mapped[Locality] = relationship()


class Pod(TimestampMixin, Base):
    __tablename__ = "pod"

    id: Mapped[int] = mapped_column(primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))

    locality: Mapped[Locality] = relationship(back_populates="pods")
    members: Mapped[list[PodMember]] = relationship(back_populates="pod", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("locality_id", "name"),)


class PodMember(Base):
    __tablename__ = "pod_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    pod_id: Mapped[int] = mapped_column(ForeignKey("pod.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    pod_role: Mapped[PodRole] = mapped_column(str_enum(PodRole))

    pod: Mapped[Pod] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("pod_id", "user_id"),)


class StaffAbsence(TimestampMixin, Base):
    """A member of staff is away from `starts_on` to `ends_on` (inclusive); `cover` answers for them."""

    __tablename__ = "staff_absence"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    cover_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    cover: Mapped[User] = relationship(foreign_keys=[cover_id])

    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        CheckConstraint("cover_id <> user_id", name="cover_is_someone_else"),
    )
