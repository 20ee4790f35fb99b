"""Base and every domain's models, imported here so that Alembic and create_all see them all."""

from portal.accounts.models import Invitation, PasswordReset, User, UserSession
from portal.common.models import AuditEvent, OutboxMessage
from portal.directory.models import DistrictMapping, Locality, Organisation, Pod, PodMember, StaffAbsence
from portal.models_base import Base

__all__ = [
    "AuditEvent",
    "Base",
    "DistrictMapping",
    "Invitation",
    "Locality",
    "Organisation",
    "OutboxMessage",
    "PasswordReset",
    "Pod",
    "PodMember",
    "StaffAbsence",
    "User",
    "UserSession",
]
