"""Requests from partners (consultations, pod invites, queries), their timeline, promises, pod invites
and the timings of their steps."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models_base import Base, TimestampMixin, str_enum, utcnow

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.directory.models import Locality, NeedLevel, Organisation, Pod


class RequestKind(enum.StrEnum):
    CONSULTATION = "consultation"
    POD_INVITE = "pod_invite"
    QUERY = "query"

    @property
    def label(self) -> str:
        return {"consultation": "Consultation", "pod_invite": "Pod invite", "query": "Query"}[self.value]


class RequestStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    SCHEDULED = "scheduled"
    WAITING_ON_PARTNER = "waiting_on_partner"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Outcome(enum.StrEnum):
    ADVICE_GIVEN = "advice_given"
    SIGNPOSTED = "signposted"
    STEP_DOWN_TO_EARLY_HELP = "step_down_to_early_help"
    REFERRAL_TO_FRONT_DOOR_ADVISED = "referral_to_front_door_advised"
    POD_INVITE_SENT = "pod_invite_sent"
    NO_FURTHER_ACTION = "no_further_action"

    @property
    def label(self) -> str:
        return {
            "advice_given": "Advice given",
            "signposted": "Signposted to another service",
            "step_down_to_early_help": "Step down to early help",
            "referral_to_front_door_advised": "Referral to the Front Door advised",
            "pod_invite_sent": "Pod invite sent",
            "no_further_action": "No further action",
        }[self.value]


class Urgency(enum.StrEnum):
    """How soon the partner needs a response. It sets the acknowledge and consult clocks
    (portal.requests.services.due_dates) and the queue's order."""

    TODAY = "today"
    WITHIN_A_WORKING_DAY = "within_a_working_day"
    ROUTINE = "routine"

    @property
    def label(self) -> str:
        return {"today": "Today", "within_a_working_day": "Within a working day", "routine": "Routine"}[self.value]

    @property
    def hint(self) -> str:
        """What each is for, in the partner's words (shown with the choice)."""
        return {
            "today": "You need to talk to someone today, to decide what to do before the end of the day. Asked by"
            " 2pm, you hear back the same afternoon; later, by midday on the next working day.",
            "within_a_working_day": "A worry that cannot wait for the routine timescale, but can wait until tomorrow.",
            "routine": "Advice, a consultation or a question that can follow the usual timescales.",
        }[self.value]

    @property
    def rank(self) -> int:
        return {"today": 0, "within_a_working_day": 1, "routine": 2}[self.value]


class ConsultationMethod(enum.StrEnum):
    PHONE = "phone"
    VIDEO = "video"
    IN_PERSON = "in_person"

    @property
    def label(self) -> str:
        return {"phone": "Phone call", "video": "Video call", "in_person": "In person"}[self.value]


class ConsultationRequest(TimestampMixin, Base):
    """A partner's request about a child, identified minimally: initials and year of birth, or a case reference."""

    __tablename__ = "consultation_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RequestKind] = mapped_column(str_enum(RequestKind, 20))
    status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus, 20), default=RequestStatus.SUBMITTED)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Who the request was sent to when it arrived: the locality lead, or the cover that day.
    routed_to_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    child_initials: Mapped[str] = mapped_column(String(4), default="")
    child_birth_year: Mapped[int | None]
    case_reference: Mapped[str] = mapped_column(String(30), default="")
    summary: Mapped[str] = mapped_column(Text)
    help_wanted: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[Urgency] = mapped_column(
        str_enum(Urgency, 30), default=Urgency.ROUTINE, server_default=Urgency.ROUTINE.value
    )

    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    scheduled_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # Due dates (London dates), extended while the clock is paused.
    acknowledge_due: Mapped[date]
    consult_due: Mapped[date]
    outcome_due: Mapped[date]
    paused_since: Mapped[datetime | None]
    # A "today" request's response is due by this moment, in working hours (its due dates are its day).
    respond_by_at: Mapped[datetime | None]

    next_step: Mapped[str] = mapped_column(Text, default="")
    expected_by: Mapped[date | None]
    consultation_at: Mapped[datetime | None]
    consultation_method: Mapped[ConsultationMethod | None] = mapped_column(str_enum(ConsultationMethod, 20))
    consultation_details: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome, 40))
    outcome_summary: Mapped[str] = mapped_column(Text, default="")
    # The level of need advised on closing, from the locality's own list.
    need_level_id: Mapped[int | None] = mapped_column(ForeignKey("need_level.id"))
    overdue_notified_at: Mapped[datetime | None]
    anonymised_at: Mapped[datetime | None]
    # Raised by every change made through the ORM, which updates only the version it read: when two
    # people act on the same request at once, the second change fails instead of overwriting the first.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Times the request passed to another worker (portal.requests.services.reassign_request): "one social
    # worker, one journey" is counted from it.
    worker_changes: Mapped[int] = mapped_column(default=0, server_default="0")
    # Whether, when it arrived, the same child had been asked about in the 12 months before: the same
    # organisation, initials and year of birth, or the same case reference (migration 0016 filled it in).
    is_repeat: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The key of the form that made the request: posting the same form again finds this request.
    submission_key: Mapped[str | None] = mapped_column(String(32))

    organisation: Mapped[Organisation] = relationship()
    locality: Mapped[Locality] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    routed_to: Mapped[User | None] = relationship(foreign_keys=[routed_to_id])
    worker: Mapped[User | None] = relationship(foreign_keys=[worker_id])
    need_level: Mapped[NeedLevel | None] = relationship()
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan"
    )
    promises: Mapped[list[Promise]] = relationship(
        back_populates="request",
        order_by="Promise.id",
        cascade="all, delete-orphan",
        # By the id alone, as before the foreign key became (request, locality): see Promise.request.
        primaryjoin="ConsultationRequest.id == Promise.request_id",
        foreign_keys="Promise.request_id",
    )
    escalations: Mapped[list[Escalation]] = relationship(
        back_populates="request", order_by="Escalation.id", cascade="all, delete-orphan"
    )
    pauses: Mapped[list[RequestPause]] = relationship(
        back_populates="request", order_by="RequestPause.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's declarative attribute)

    __table_args__ = (
        # The queue: a locality's open requests, oldest first; a partner's organisation's requests.
        Index("ix_consultation_request_queue", "locality_id", "status", "received_at"),
        # Overdue now (the dashboards, the homes): an area's open requests checked against their clocks from the
        # index alone (portal.requests.filters.overdue_condition reads these columns).
        Index(
            "ix_consultation_request_overdue",
            "locality_id",
            "status",
            "acknowledged_at",
            "acknowledge_due",
            "respond_by_at",
            "consultation_at",
            "consult_due",
            "outcome_due",
        ),
        Index("ix_consultation_request_organisation", "organisation_id", "received_at"),
        UniqueConstraint("created_by_id", "submission_key", name="uq_consultation_request_submission"),
        # A worker's requests by status and date (the list's "received" filter reads the index alone), and those
        # sent to someone and not yet picked up (cover sees both).
        Index("ix_consultation_request_worker", "worker_id", "status", "received_at"),
        Index("ix_consultation_request_routed_unassigned", "routed_to_id", "worker_id", "status"),
        # The list's search: a case reference (as typed, in any case) and a child's initials, each by its index.
        Index("ix_consultation_request_case_reference_lower", text("lower(case_reference)")),
        Index("ix_consultation_request_child_initials", "child_initials"),
        # The target of the foreign keys to (request, locality) of the rows that copy the request's locality.
        Index("ix_consultation_request_id_locality", "id", "locality_id", unique=True),
        # The dashboards' outcomes: a locality's requests closed in a period, counted from the index alone (every
        # column the count reads is in it: 150 localities' quarter is 35,000 requests at 1,000,000). The repeat
        # check at submission.
        Index(
            "ix_consultation_request_closed",
            "locality_id",
            "closed_at",
            "status",
            "outcome",
            "worker_id",
            "organisation_id",
            "worker_changes",
        ),
        Index("ix_consultation_request_case_reference", "case_reference", "received_at"),
        CheckConstraint(
            "(child_initials <> '' AND child_birth_year IS NOT NULL) OR case_reference <> ''", name="child_identified"
        ),
    )

    @property
    def reference(self) -> str:
        return f"PP-{self.id:06d}"

    @property
    def child_label(self) -> str:
        if self.case_reference:
            return f"Case {self.case_reference}"
        return f"{self.child_initials}, born {self.child_birth_year}"

    @property
    def is_open(self) -> bool:
        return self.status is not RequestStatus.CLOSED


class EventKind(enum.StrEnum):
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    SCHEDULED = "scheduled"
    WAITING = "waiting_on_partner"
    RESUMED = "resumed"
    CLOSED = "closed"
    MESSAGE = "message"
    PROMISE_MADE = "promise_made"
    PROMISE_KEPT = "promise_kept"
    ESCALATED = "escalated"
    DISAGREED = "disagreed"
    MANAGER_RESPONDED = "manager_responded"
    POD_INVITE_SENT = "pod_invite_sent"
    POD_INVITE_CHANGED = "pod_invite_changed"
    POD_INVITE_CANCELLED = "pod_invite_cancelled"
    REASSIGNED = "reassigned"
    STAFF_NOTE = "staff_note"
    ESCALATION_MOVED_ON = "escalation_moved_on"

    @property
    def heading(self) -> str:
        return {
            "submitted": "Request sent",
            "acknowledged": "Acknowledged: what happens next",
            "scheduled": "Consultation arranged",
            "waiting_on_partner": "Waiting for information from the partner",
            "resumed": "Clock restarted",
            "closed": "Closed with an outcome",
            "message": "Message",
            "promise_made": "Promise made",
            "promise_kept": "Promise kept",
            "escalated": "Asked to speak to a manager",
            "disagreed": "Disagreed with the outcome",
            "manager_responded": "A manager responded",
            "pod_invite_sent": "Pod invite sent",
            "pod_invite_changed": "Pod invite changed",
            "pod_invite_cancelled": "Pod invite cancelled",
            "reassigned": "Reassigned",
            "staff_note": "Staff note",
            "escalation_moved_on": "Passed to the head of service",
        }[self.value]


class RequestEvent(Base):
    """One entry in a request's timeline. Messages are events too. The partner reads every entry but the
    staff-only ones (staff notes: management oversight, case direction), which never reach a partner."""

    __tablename__ = "request_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("consultation_request.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, 30))
    text: Mapped[str] = mapped_column(Text, default="")
    staff_only: Mapped[bool] = mapped_column(default=False, server_default=false())

    request: Mapped[ConsultationRequest] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class RequestPause(Base):
    """A time the request waited on the partner: its clocks stop."""

    __tablename__ = "request_pause"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("consultation_request.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="")

    request: Mapped[ConsultationRequest] = relationship(back_populates="pauses")


class Promise(Base):
    """Something a practitioner commits to on a request, by a date; kept, or missed once the date passes."""

    __tablename__ = "promise"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(index=True)
    # The request's locality, copied so that the dashboards find a locality's promises of a period through
    # one index instead of a join to every request (migration 0014). The foreign key below is to the pair
    # (request, its locality): the database refuses any other locality, and follows the request's if it
    # ever changes.
    locality_id: Mapped[int]
    made_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    text: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    kept_at: Mapped[datetime | None]
    reminder_sent_at: Mapped[datetime | None]

    # Joined by the id alone, so that promise.request is found in the session without a query; the services
    # set locality_id themselves (a missing one fails as NOT NULL, a wrong one as the foreign key).
    request: Mapped[ConsultationRequest] = relationship(
        back_populates="promises",
        primaryjoin="ConsultationRequest.id == Promise.request_id",
        foreign_keys=[request_id],
    )
    made_by: Mapped[User] = relationship()

    __table_args__ = (
        ForeignKeyConstraint(
            ["request_id", "locality_id"],
            ["consultation_request.id", "consultation_request.locality_id"],
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        Index("ix_promise_locality_due", "locality_id", "due_on"),
    )

    def is_missed(self, today: date) -> bool:
        return self.kept_at is None and self.due_on < today


class EscalationKind(enum.StrEnum):
    SPEAK_TO_MANAGER = "speak_to_manager"
    DISAGREEMENT = "disagreement"

    @property
    def label(self) -> str:
        return {"speak_to_manager": "Asked to speak to a manager", "disagreement": "Disagrees with the outcome"}[
            self.value
        ]

    @property
    def choice(self) -> str:
        """The option as the partner chooses it, in the first person."""
        return {"speak_to_manager": "I want to speak to a manager", "disagreement": "I disagree with the outcome"}[
            self.value
        ]


class EscalationStage(enum.IntEnum):
    """Who must answer an escalation: the locality's manager (or who covers them), then, once that is
    past its due date unanswered, the head of service."""

    MANAGER = 1
    HEAD_OF_SERVICE = 2

    @property
    def label(self) -> str:
        return {1: "The locality manager", 2: "The head of service"}[self.value]


class Escalation(Base):
    """A partner asked to speak to a manager, or disagreed with the outcome; a manager must respond. An
    answer closes the stage; left unanswered past `due_on`, it moves on to the head of service."""

    __tablename__ = "escalation"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("consultation_request.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EscalationKind] = mapped_column(str_enum(EscalationKind, 20))
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Indexed: the dashboards count a period's escalations from here, then check each one's request.
    raised_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    text: Mapped[str] = mapped_column(Text)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    responded_at: Mapped[datetime | None]
    response: Mapped[str] = mapped_column(Text, default="")
    # The manager's response is due by this London day (the locality's escalation service level).
    due_on: Mapped[date | None]
    overdue_notified_at: Mapped[datetime | None]
    stage: Mapped[int] = mapped_column(default=EscalationStage.MANAGER, server_default="1")
    moved_on_at: Mapped[datetime | None]

    request: Mapped[ConsultationRequest] = relationship(back_populates="escalations")
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id])
    responded_by: Mapped[User | None] = relationship(foreign_keys=[responded_by_id])

    def is_overdue(self, today: date) -> bool:
        return self.responded_at is None and self.due_on is not None and today > self.due_on

    @property
    def stage_label(self) -> str:
        return EscalationStage(self.stage).label


class InviteResponse(enum.StrEnum):
    NEEDS_ACTION = "needs_action"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    PROPOSED = "proposed"

    @property
    def label(self) -> str:
        return {
            "needs_action": "Not answered yet",
            "accepted": "Accepted",
            "declined": "Declined",
            "proposed": "Proposed another time",
        }[self.value]


class PodInvite(TimestampMixin, Base):
    """A pod's invitation to partner contacts to a meeting on a request. Changes keep the UID and raise the sequence."""

    __tablename__ = "pod_invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("consultation_request.id", ondelete="CASCADE"), index=True)
    pod_id: Mapped[int | None] = mapped_column(ForeignKey("pod.id"))
    organiser_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    starts_at: Mapped[datetime] = mapped_column(index=True)  # the dashboards' pod invites of a period
    ends_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(200), default="")
    online_link: Mapped[str] = mapped_column(String(500), default="")
    sequence: Mapped[int] = mapped_column(default=0)
    cancelled_at: Mapped[datetime | None]
    attendance_recorded_at: Mapped[datetime | None]

    request: Mapped[ConsultationRequest] = relationship()
    pod: Mapped[Pod | None] = relationship()
    organiser: Mapped[User] = relationship()
    invitees: Mapped[list[PodInvitee]] = relationship(
        back_populates="invite", order_by="PodInvitee.id", cascade="all, delete-orphan"
    )

    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    @property
    def uid(self) -> str:
        return f"pod-invite-{self.id}@partner-portal"


class PodInvitee(Base):
    __tablename__ = "pod_invitee"

    id: Mapped[int] = mapped_column(primary_key=True)
    invite_id: Mapped[int] = mapped_column(ForeignKey("pod_invite.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    response: Mapped[InviteResponse] = mapped_column(str_enum(InviteResponse, 20), default=InviteResponse.NEEDS_ACTION)
    proposed_starts_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    attended: Mapped[bool | None]

    invite: Mapped[PodInvite] = relationship(back_populates="invitees")
    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("invite_id", "user_id"),)


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
    `worker_id` are those of the request at that moment.

    Recorded by portal.requests.timings in the same transaction as the change, and read by the
    dashboards: working days cannot be counted per row at query time over a million requests (bank
    holidays, pauses, London dates), so the dashboards read histograms (GROUP BY working days) of these
    rows for a period through the (locality, done_at) and (worker, done_at) indexes."""

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
