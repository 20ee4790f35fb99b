"""Meeting types beyond the school partnership meeting: an admin names each and the organisation kinds of the
locality it invites (the multi-agency locality meeting, made by migration 0016, invites every kind). A meeting
may also invite agencies of any locality (a police unit or health team serves several), and people by name
(any partner account of any organisation).

Only admins name types (they run the system); managers choose one when they schedule a meeting
(portal.meetings.services.schedule_meeting). Like every service here: checks first, then changes and audit
rows; flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.common import audit
from portal.common.errors import DomainError
from portal.common.permissions import NotFound
from portal.common.roles import Role
from portal.directory.models import Organisation, OrganisationKind
from portal.extensions import db
from portal.meetings.models import SCHOOL_PARTNERSHIP, MeetingType

NAME_MAX = 120
KIND_LABELS = {kind.value: kind.label for kind in OrganisationKind}


def schools_of(locality_id: int) -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.locality_id == locality_id, Organisation.kind == OrganisationKind.SCHOOL)
            .order_by(Organisation.name, Organisation.id)
        )
    )


def invitees_of(locality_id: int, meeting_type: MeetingType | None) -> list[Organisation]:
    """Who a meeting of the series invites: the locality's schools for the school partnership meeting, else the
    locality's organisations of the type's kinds."""
    if meeting_type is None:
        return schools_of(locality_id)
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.locality_id == locality_id, Organisation.kind.in_(meeting_type.kinds))
            .order_by(Organisation.name, Organisation.id)
        )
    )


def agency_choices() -> list[tuple[int, str]]:
    """Agencies (any organisation but a school) of every locality, which a meeting may also invite: a police
    unit or health team serves several localities."""
    agencies = db.session.scalars(
        select(Organisation)
        .where(Organisation.kind != OrganisationKind.SCHOOL)
        .order_by(Organisation.name, Organisation.id)
    )
    return [(o.id, f"{o.name} ({o.kind.label.lower()})") for o in agencies]


def person_choices() -> list[tuple[int, str]]:
    """The people a meeting may invite by name: every active partner account of any organisation (school,
    health, police, voluntary ...), by name, each with their organisation and its kind."""
    people = db.session.execute(
        select(User.id, User.name, Organisation.name, Organisation.kind)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(User.role == Role.PARTNER, User.disabled_at.is_(None))
        .order_by(User.name, User.id)
    )
    return [
        (user_id, f"{name}, {organisation} ({OrganisationKind(kind).label.lower()})")
        for user_id, name, organisation, kind in people
    ]


def meeting_types() -> list[MeetingType]:
    return list(db.session.scalars(select(MeetingType).order_by(MeetingType.name, MeetingType.id)))


def add_meeting_type(*, by: User, name: str, kinds: Iterable[str]) -> MeetingType:
    """An admin names a meeting type and the organisation kinds it invites."""
    if by.role is not Role.ADMIN:
        raise NotFound
    name = " ".join(name.split())
    chosen = [kind.value for kind in OrganisationKind if kind.value in set(kinds)]
    if not name:
        raise DomainError("Enter the name of the meeting type", field="name")
    if len(name) > NAME_MAX:
        raise DomainError(f"The name must be {NAME_MAX} characters or fewer", field="name")
    taken = db.session.scalar(select(MeetingType.id).where(func.lower(MeetingType.name) == name.lower()))
    if taken is not None or name.lower() == SCHOOL_PARTNERSHIP.lower():
        raise DomainError("There is already a meeting type with that name", field="name")
    if not chosen:
        raise DomainError("Select the kinds of organisation it invites", field="kinds")
    meeting_type = MeetingType(name=name, organisation_kinds=",".join(chosen))
    db.session.add(meeting_type)
    db.session.flush()
    audit.record("meeting_type.added", obj=meeting_type, kinds=chosen)
    return meeting_type
