"""Base and every domain's models, imported here so that Alembic and create_all see them all."""

import portal.dashboards.models  # noqa: F401 (the dashboards' index on the requests' table)
from portal.accounts.models import Invitation, PasswordReset, User, UserSession
from portal.common.models import AuditEvent, OutboxMessage
from portal.directory.models import (
    DistrictMapping,
    Locality,
    NeedLevel,
    Organisation,
    Pod,
    PodMember,
    StaffAbsence,
)
from portal.feedback.models import Feedback, PulseResponse, Recognition, YouSaidWeDid
from portal.meetings.models import MeetingAction, MeetingInvitation, PartnershipMeeting
from portal.models_base import Base
from portal.requests.models import (
    ConsultationRequest,
    Escalation,
    PodInvite,
    PodInvitee,
    Promise,
    RequestEvent,
    RequestPause,
    StepTiming,
)
from portal.sessions.models import Booking, Session, SessionFeedback

__all__ = [
    "AuditEvent",
    "Base",
    "Booking",
    "ConsultationRequest",
    "DistrictMapping",
    "Escalation",
    "Feedback",
    "Invitation",
    "Locality",
    "MeetingAction",
    "MeetingInvitation",
    "NeedLevel",
    "Organisation",
    "OutboxMessage",
    "PartnershipMeeting",
    "PasswordReset",
    "Pod",
    "PodInvite",
    "PodInvitee",
    "PodMember",
    "Promise",
    "PulseResponse",
    "Recognition",
    "RequestEvent",
    "RequestPause",
    "Session",
    "SessionFeedback",
    "StaffAbsence",
    "StepTiming",
    "User",
    "UserSession",
    "YouSaidWeDid",
]
