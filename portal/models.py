"""Base and every domain's models, imported here so that Alembic and create_all see them all."""

from portal.accounts.models import Invitation, PasswordReset, User, UserSession
from portal.common.models import AuditEvent, OutboxMessage
from portal.directory.models import DistrictMapping, Locality, Organisation, Pod, PodMember, StaffAbsence
from portal.models_base import Base
from portal.requests.models import (
    ConsultationRequest,
    Escalation,
    PodInvite,
    PodInvitee,
    Promise,
    RequestEvent,
    RequestPause,
)

__all__ = [
    "AuditEvent",
    "Base",
    "ConsultationRequest",
    "DistrictMapping",
    "Escalation",
    "Invitation",
    "Locality",
    "Organisation",
    "OutboxMessage",
    "PasswordReset",
    "Pod",
    "PodInvite",
    "PodInvitee",
    "PodMember",
    "Promise",
    "RequestEvent",
    "RequestPause",
    "StaffAbsence",
    "User",
    "UserSession",
]
