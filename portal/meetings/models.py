"""Quarterly partnership meetings of a locality (head teachers and the locality lead): invitations to the
locality's schools, answers, the attendance register, minutes and the action log."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models_base import Base, TimestampMixin, str_enum, utcnow

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.directory.models import Locality, Organisation


class MeetingType(Base):
    """A kind of meeting beyond the school partnership meeting, named by an admin (the multi-agency locality
    meeting is made by migration 0016): the organisation kinds of the locality it invites (a comma-separated
    list of OrganisationKind values). Each is a series of its own: one meeting per locality and quarter."""

    __tablename__ = "meeting_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    organisation_kinds: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def kinds(self) -> list[str]:
        return [kind for kind in self.organisation_kinds.split(",") if kind]


SCHOOL_PARTNERSHIP = "School partnership meeting"


class PartnershipMeeting(TimestampMixin, Base):
    """One meeting of a locality's quarterly series: at most one per locality, series and financial quarter.
    `quarter_start` is the first day of the quarter (see portal.common.periods). The series is the school
    partnership meeting when `meeting_type_id` is empty, else that MeetingType."""

    __tablename__ = "partnership_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id"))
    meeting_type_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_type.id"))
    quarter_start: Mapped[date]
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(300), default="")
    online_link: Mapped[str] = mapped_column(String(500), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    organiser_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # Raised with every change sent to the invited schools, so calendars replace the old version.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    cancelled_at: Mapped[datetime | None]
    minutes: Mapped[str] = mapped_column(Text, default="")
    minutes_published_at: Mapped[datetime | None]
    register_recorded_at: Mapped[datetime | None]

    locality: Mapped[Locality] = relationship()
    meeting_type: Mapped[MeetingType | None] = relationship()
    organiser: Mapped[User] = relationship()
    invitations: Mapped[list[MeetingInvitation]] = relationship(
        back_populates="meeting", order_by="MeetingInvitation.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        # One school partnership meeting per locality and quarter, and one of each type (NULLs are distinct in a
        # unique index, hence the partial index for the school series).
        Index(
            "uq_partnership_meeting_schools_quarter",
            "locality_id",
            "quarter_start",
            unique=True,
            sqlite_where=text("meeting_type_id IS NULL"),
            postgresql_where=text("meeting_type_id IS NULL"),
        ),
        UniqueConstraint("locality_id", "meeting_type_id", "quarter_start", name="uq_partnership_meeting_type_quarter"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    @property
    def type_name(self) -> str:
        return self.meeting_type.name if self.meeting_type is not None else SCHOOL_PARTNERSHIP

    @property
    def uid(self) -> str:
        return f"partnership-meeting-{self.id}@partner-portal"


class MeetingAnswer(enum.StrEnum):
    NOT_ANSWERED = "not_answered"
    ATTENDING = "attending"
    NOT_ATTENDING = "not_attending"

    @property
    def label(self) -> str:
        return {"not_answered": "Not answered yet", "attending": "Attending", "not_attending": "Not attending"}[
            self.value
        ]


class MeetingInvitation(Base):
    """An organisation's invitation to a meeting, or a named person's (`user_id`; the organisation is then
    theirs when invited, by which the attendance by agency counts them), its answer (and who will come), and
    the register: whether the invitee was represented on the day. Coverage counts `represented`."""

    __tablename__ = "meeting_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("partnership_meeting.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # A person invited by name (any partner account of any organisation); empty for an organisation's invitation.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    answer: Mapped[MeetingAnswer] = mapped_column(str_enum(MeetingAnswer, 20), default=MeetingAnswer.NOT_ANSWERED)
    # Who will come (names and roles, as the school gives them), and who answered.
    attendees: Mapped[str] = mapped_column(String(500), default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime | None]
    represented: Mapped[bool | None]
    # Who signed the register for the school on the day.
    represented_by: Mapped[str] = mapped_column(String(500), default="")

    meeting: Mapped[PartnershipMeeting] = relationship(back_populates="invitations")
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    __table_args__ = (
        # One invitation per organisation and one per named person (NULLs are distinct in a unique index,
        # hence the partial index for the organisations' invitations).
        Index(
            "uq_meeting_invitation_organisation",
            "meeting_id",
            "organisation_id",
            unique=True,
            sqlite_where=text("user_id IS NULL"),
            postgresql_where=text("user_id IS NULL"),
        ),
        UniqueConstraint("meeting_id", "user_id", name="uq_meeting_invitation_person"),
    )

    @property
    def invitee_name(self) -> str:
        """The organisation, or the person invited by name and their organisation."""
        if self.user is not None:
            return f"{self.user.name} ({self.organisation.name})"
        return self.organisation.name


class Rag(enum.StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class MeetingAction(TimestampMixin, Base):
    """An action agreed at a meeting, in the improvement plans' form: action, owner, due date, RAG, done.
    It belongs to the locality's series: while open it is carried forward to every later meeting."""

    __tablename__ = "meeting_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id"))
    raised_at_meeting_id: Mapped[int] = mapped_column(ForeignKey("partnership_meeting.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    # The owner is a member of staff or a partner organisation (exactly one).
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    owner_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    due_on: Mapped[date]
    rag: Mapped[Rag] = mapped_column(str_enum(Rag, 10), default=Rag.AMBER)
    done_at: Mapped[datetime | None]
    update_note: Mapped[str] = mapped_column(Text, default="")
    # When the owner was reminded that it is due (once, two working days before; see portal.meetings.owners).
    reminded_at: Mapped[datetime | None]

    locality: Mapped[Locality] = relationship()
    raised_at_meeting: Mapped[PartnershipMeeting] = relationship()
    owner_user: Mapped[User | None] = relationship()
    owner_organisation: Mapped[Organisation | None] = relationship()

    __table_args__ = (
        CheckConstraint("(owner_user_id IS NULL) <> (owner_organisation_id IS NULL)", name="one_owner"),
        Index("ix_meeting_action_series", "locality_id", "done_at"),
    )

    changes: Mapped[list[MeetingActionChange]] = relationship(
        back_populates="action", order_by="MeetingActionChange.id", cascade="all, delete-orphan"
    )

    @property
    def owner_label(self) -> str:
        if self.owner_user is not None:
            return self.owner_user.name
        return self.owner_organisation.name if self.owner_organisation is not None else ""

    def is_overdue(self, today: date) -> bool:
        """Open and past its due date."""
        return self.done_at is None and self.due_on < today


class MeetingActionChange(Base):
    """One update of an action, by a manager or its owner: the RAG status before and after, whether it is
    done, the note as it then read, who and when. The action's history, oldest first."""

    __tablename__ = "meeting_action_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("meeting_action.id", ondelete="CASCADE"), index=True)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime]
    previous_rag: Mapped[Rag] = mapped_column(str_enum(Rag, 10))
    rag: Mapped[Rag] = mapped_column(str_enum(Rag, 10))
    done: Mapped[bool]
    note: Mapped[str] = mapped_column(Text, default="")

    action: Mapped[MeetingAction] = relationship(back_populates="changes")
    changed_by: Mapped[User | None] = relationship()
