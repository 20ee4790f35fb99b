"""What waits for each person on their home page, by role. Reads the domains and changes nothing.

Each list is short and bounded (the home shows what to do next and links to the full list), so a home
costs the same few statements however much history the portal holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import selectinload

from portal import access
from portal.accounts.models import Invitation, User
from portal.common import outbox
from portal.common.periods import month, quarter
from portal.common.roles import Role
from portal.common.times import LONDON, london_today
from portal.dashboards.figures import responsiveness
from portal.dashboards.services import resolve_filters
from portal.directory.models import Locality, Organisation
from portal.directory.services import LocalityContacts, locality_contacts
from portal.extensions import db
from portal.feedback.models import PulseResponse, YouSaidWeDid
from portal.feedback.services import published_entries
from portal.meetings.models import MeetingAnswer, MeetingInvitation, PartnershipMeeting
from portal.models_base import utcnow
from portal.requests.filters import overdue_condition
from portal.requests.models import (
    ConsultationRequest,
    Escalation,
    EscalationStage,
    InviteResponse,
    PodInvite,
    PodInvitee,
    Promise,
    RequestStatus,
    Step,
)
from portal.requests.services import OPEN_STATUSES, clocks, list_requests, visible_to
from portal.sessions.models import Booking, BookingStatus, Session

SHOWN = 10  # items in each list on a home; each links to the whole list
PULSE_DAYS = 30  # a closed request's two questions wait this long on the partner's home


# --- partner ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerHome:
    organisation: Organisation | None
    contacts: LocalityContacts | None
    pod_invites: list[PodInvite]
    meeting_invitations: list[MeetingInvitation]
    pulses: list[ConsultationRequest]
    session_feedback: list[Booking]
    open_requests: list[ConsultationRequest]
    open_total: int
    bookings: list[Booking]
    you_said_we_did: YouSaidWeDid | None

    @property
    def waiting_count(self) -> int:
        return len(self.pod_invites) + len(self.meeting_invitations) + len(self.pulses) + len(self.session_feedback)


def partner_home(user: User) -> PartnerHome:
    today = london_today()
    now = utcnow()
    locality_id = access.partner_locality_id(user)
    locality = db.session.get(Locality, locality_id) if locality_id else None
    # Their own school's lead first (or who covers them), else the locality's duty lead.
    contacts = locality_contacts(locality, on=today, organisation=user.organisation) if locality is not None else None
    pod_invites = list(
        db.session.scalars(
            select(PodInvite)
            .join(PodInvitee, PodInvitee.invite_id == PodInvite.id)
            .where(
                PodInvitee.user_id == user.id,
                PodInvitee.response == InviteResponse.NEEDS_ACTION,
                PodInvite.cancelled_at.is_(None),
                PodInvite.starts_at > now,
            )
            .options(selectinload(PodInvite.request))
            .order_by(PodInvite.starts_at)
            .limit(SHOWN)
        )
    )
    organisations = access.partner_organisation_ids(user)
    meeting_invitations = list(
        db.session.scalars(
            select(MeetingInvitation)
            .join(PartnershipMeeting, PartnershipMeeting.id == MeetingInvitation.meeting_id)
            .where(
                MeetingInvitation.organisation_id.in_(organisations),
                MeetingInvitation.answer == MeetingAnswer.NOT_ANSWERED,
                PartnershipMeeting.cancelled_at.is_(None),
                PartnershipMeeting.starts_at > now,
            )
            .options(selectinload(MeetingInvitation.meeting))
            .order_by(PartnershipMeeting.starts_at)
            .limit(SHOWN)
        )
    )
    r = ConsultationRequest
    pulses = list(
        db.session.scalars(
            visible_to(user, select(r))
            .outerjoin(PulseResponse, PulseResponse.request_id == r.id)
            .where(
                r.status == RequestStatus.CLOSED,
                r.closed_at >= now - timedelta(days=PULSE_DAYS),
                PulseResponse.id.is_(None),
            )
            .order_by(r.closed_at.desc())
            .limit(SHOWN)
        )
    )
    session_feedback = list(
        db.session.scalars(
            select(Booking)
            .where(
                Booking.user_id == user.id,
                Booking.feedback_requested_at.is_not(None),
                ~Booking.feedback.has(),
            )
            .options(selectinload(Booking.session))
            .order_by(Booking.feedback_requested_at.desc())
            .limit(SHOWN)
        )
    )
    listing = list_requests(user, today=today)
    bookings = list(
        db.session.scalars(
            select(Booking)
            .join(Session, Session.id == Booking.session_id)
            .where(
                Booking.user_id == user.id,
                Booking.status != BookingStatus.CANCELLED,
                Session.cancelled_at.is_(None),
                Session.starts_at > now,
            )
            .options(selectinload(Booking.session))
            .order_by(Session.starts_at)
            .limit(SHOWN)
        )
    )
    entries = published_entries(user, limit=1)
    return PartnerHome(
        organisation=user.organisation,
        contacts=contacts,
        pod_invites=pod_invites,
        meeting_invitations=meeting_invitations,
        pulses=pulses,
        session_feedback=session_feedback,
        open_requests=listing.requests[:SHOWN],
        open_total=listing.total,
        bookings=bookings,
        you_said_we_did=entries[0] if entries else None,
    )


# --- practitioner -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PractitionerHome:
    overdue: list[ConsultationRequest]
    due_today: list[ConsultationRequest]
    new: list[ConsultationRequest]
    open_total: int
    promises: list[Promise]
    pod_meetings: list[PodInvite]
    today: date
    covering_escalations: list[Escalation] = field(default_factory=list)  # of a manager they cover today


def _due_today(req: ConsultationRequest, today: date) -> bool:
    return any(c.due == today and c.done is None for c in clocks(req))


def practitioner_home(user: User) -> PractitionerHome:
    """The queue's overdue, due-today and new requests (theirs and those they cover), the promises they made
    that are due by tomorrow, and the pod meetings of the coming week they organise or are invited to."""
    today = london_today()
    now = utcnow()
    listing = list_requests(user, today=today)
    rows = listing.requests
    overdue = [r for r in rows if r.id in listing.overdue_ids]
    due_today = [r for r in rows if r.id not in listing.overdue_ids and _due_today(r, today)]
    new = [r for r in rows if r.status is RequestStatus.SUBMITTED and r.id not in listing.overdue_ids]
    promises = list(
        db.session.scalars(
            select(Promise)
            .join(ConsultationRequest, ConsultationRequest.id == Promise.request_id)
            .where(
                Promise.made_by_id == user.id,
                Promise.kept_at.is_(None),
                Promise.due_on <= today + timedelta(days=1),
                ConsultationRequest.status.in_(OPEN_STATUSES),
            )
            .options(selectinload(Promise.request))
            .order_by(Promise.due_on, Promise.id)
            .limit(SHOWN)
        )
    )
    invited = select(PodInvitee.invite_id).where(PodInvitee.user_id == user.id)
    pod_meetings = list(
        db.session.scalars(
            select(PodInvite)
            .where(
                or_(PodInvite.organiser_id == user.id, PodInvite.id.in_(invited)),
                PodInvite.cancelled_at.is_(None),
                PodInvite.starts_at > now,
                PodInvite.starts_at < now + timedelta(days=7),
            )
            .options(selectinload(PodInvite.request))
            .order_by(PodInvite.starts_at)
            .limit(SHOWN)
        )
    )
    covered_managers = access.covered_user_ids(user, on=today)
    return PractitionerHome(
        overdue=overdue[:SHOWN],
        due_today=due_today[:SHOWN],
        new=new[:SHOWN],
        open_total=listing.total,
        promises=promises,
        pod_meetings=pod_meetings,
        today=today,
        covering_escalations=_waiting_escalations(select(Locality.id).where(Locality.manager_id.in_(covered_managers)))
        if covered_managers
        else [],
    )


def _waiting_escalations(locality_ids: Any, *, head_of_service: bool = False) -> list[Escalation]:
    """Escalations and disagreements of these localities with no response yet, the one due first first; for
    the head of service, also those of any locality that have moved on to them."""
    r = ConsultationRequest
    mine: ColumnElement[bool] = r.locality_id.in_(locality_ids)
    if head_of_service:
        mine = or_(mine, Escalation.stage >= EscalationStage.HEAD_OF_SERVICE)
    return list(
        db.session.scalars(
            select(Escalation)
            .join(r, r.id == Escalation.request_id)
            .where(mine, Escalation.responded_at.is_(None))
            .options(selectinload(Escalation.request), selectinload(Escalation.raised_by))
            .order_by(Escalation.due_on, Escalation.raised_at, Escalation.id)
            .limit(SHOWN)
        )
    )


# --- manager ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingStatus:
    meeting: PartnershipMeeting
    not_answered: list[Organisation]


@dataclass(frozen=True)
class ManagerHome:
    escalations: list[Escalation]
    overdue_count: int
    unassigned_count: int
    open_count: int
    meetings: list[MeetingStatus]
    localities_without_meeting: list[Locality]
    sessions: list[Session]
    practitioner: PractitionerHome
    quarter_label: str = ""
    # This quarter's headline figures for the manager's area, as the dashboard counts them: (label, value).
    figures: list[tuple[str, str]] = field(default_factory=list)
    figures_period: str = ""


def manager_home(user: User) -> ManagerHome:
    """Escalations and disagreements waiting for the manager's response, the one due first first (with those of
    any manager they cover today, in their casework); the area's overdue
    and unassigned requests; this quarter's school partnership meeting and who has not answered; sessions
    this month with places left; and the manager's own casework, as a practitioner's."""
    today = london_today()
    now = utcnow()
    managed = access.managed_locality_ids(user)
    r = ConsultationRequest
    escalations = _waiting_escalations(managed, head_of_service=user.is_head_of_service)
    in_area = and_(r.locality_id.in_(managed), r.status.in_(OPEN_STATUSES))
    open_count, overdue_count, unassigned_count = db.session.execute(
        select(
            func.count(),
            func.count().filter(overdue_condition(today)),
            func.count().filter(r.worker_id.is_(None)),
        ).where(in_area)
    ).one()
    this_quarter = quarter(today)
    meetings = list(
        db.session.scalars(
            select(PartnershipMeeting)
            .where(
                PartnershipMeeting.locality_id.in_(managed),
                PartnershipMeeting.quarter_start == this_quarter.start,
                PartnershipMeeting.cancelled_at.is_(None),
            )
            .options(selectinload(PartnershipMeeting.invitations).selectinload(MeetingInvitation.organisation))
            .order_by(PartnershipMeeting.starts_at)
        )
    )
    statuses = [
        MeetingStatus(
            m,
            sorted(
                (i.organisation for i in m.invitations if i.answer is MeetingAnswer.NOT_ANSWERED),
                key=lambda o: o.name,
            ),
        )
        for m in meetings
    ]
    with_meeting = {m.locality_id for m in meetings}
    without = [loc for loc in access.managed_localities(user) if loc.id not in with_meeting]
    this_month = month(today)
    month_end = datetime.combine(this_month.end + timedelta(days=1), time.min, tzinfo=LONDON)
    sessions = list(
        db.session.scalars(
            select(Session)
            .where(
                Session.locality_id.in_(managed),
                Session.cancelled_at.is_(None),
                Session.starts_at > now,
                Session.starts_at < month_end,
                Session.booked < Session.capacity,
            )
            .order_by(Session.starts_at)
            .limit(SHOWN)
        )
    )
    return ManagerHome(
        escalations=escalations,
        overdue_count=int(overdue_count),
        unassigned_count=int(unassigned_count),
        open_count=int(open_count),
        meetings=statuses,
        localities_without_meeting=without,
        sessions=sessions,
        practitioner=practitioner_home(user),
        quarter_label=this_quarter.label,
        figures=_headline_figures(user, this_quarter.key),
        figures_period=this_quarter.key,
    )


def _headline_figures(user: User, period: str) -> list[tuple[str, str]]:
    """The quarter so far: how responsive the area has been and whether promises were kept (the dashboard's
    figures, portal.dashboards.figures, over the manager's whole area)."""
    if not access.managed_locality_ids(user):
        return []
    r = responsiveness(resolve_filters(user, period=period))

    def percent(value: int | None, of: int) -> str:
        return "no data yet" if value is None else f"{value}% (of {of})"

    acknowledged, outcome = r.step(Step.ACKNOWLEDGE), r.step(Step.OUTCOME)
    return [
        ("Acknowledged within the service level", percent(acknowledged.on_time_percent, acknowledged.done)),
        ("Outcome shared within the service level", percent(outcome.on_time_percent, outcome.done)),
        ("Promises kept by their due date", percent(r.kept_percent, r.promises_made)),
    ]


# --- admin ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeniorHome:
    """A senior leader's home: the last complete quarter, whose report they read, every locality (for its own
    report), and the latest "You said, we did"."""

    report_quarter_key: str
    report_quarter_label: str
    localities: list[Locality]
    you_said_we_did: list[YouSaidWeDid]


def senior_home(user: User) -> SeniorHome:
    last_quarter = quarter(london_today()).previous()
    return SeniorHome(
        report_quarter_key=last_quarter.key,
        report_quarter_label=last_quarter.label,
        localities=access.read_localities(user),
        you_said_we_did=published_entries(user, limit=3),
    )


@dataclass(frozen=True)
class AdminHome:
    mail: outbox.OutboxState
    invitations: list[Invitation]
    invitations_total: int
    without_second_factor: list[User]
    without_second_factor_total: int


def admin_home(user: User) -> AdminHome:
    """E-mail problems, invitations not yet accepted (and still valid), staff without a second factor."""
    now = utcnow()
    waiting = and_(Invitation.accepted_at.is_(None), Invitation.expires_at > now)
    invitations = list(
        db.session.scalars(select(Invitation).where(waiting).order_by(Invitation.expires_at).limit(SHOWN))
    )
    invitations_total = db.session.scalar(select(func.count()).select_from(Invitation).where(waiting)) or 0
    no_code = and_(
        User.role.in_([Role.PRACTITIONER, Role.MANAGER, Role.ADMIN]),
        User.disabled_at.is_(None),
        User.totp_secret.is_(None),
    )
    without = list(db.session.scalars(select(User).where(no_code).order_by(User.name).limit(SHOWN)))
    without_total = db.session.scalar(select(func.count()).select_from(User).where(no_code)) or 0
    return AdminHome(outbox.state(), invitations, invitations_total, without, without_total)
