"""Shadowing and open-day uptake, by locality and organisation type: the sessions' uptake page and the
dashboards both read it (through `portal.sessions.services.uptake`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.common.times import london_midnight
from portal.directory.models import Locality, Organisation, OrganisationKind
from portal.extensions import db
from portal.sessions.models import Booking, BookingStatus, Session, SessionKind


@dataclass(frozen=True)
class UptakeRow:
    """Places taken by partners of one organisation type in one locality, for one kind of session."""

    locality_id: int
    locality_name: str
    organisation_kind: OrganisationKind
    session_kind: SessionKind
    confirmed: int  # places held (booked and not cancelled) on sessions that were not cancelled
    attended: int  # of those, recorded as attended


def uptake(locality_ids: list[int], start: date, end: date) -> list[UptakeRow]:
    """Shadowing and open-day uptake: confirmed and attended places on sessions starting between the
    London dates `start` and `end` (inclusive), not cancelled.

    Counted by the *partner's* side — the locality of the booker's organisation and its type — since
    uptake measures how partners of a locality engage, wherever the session is. Only localities in
    `locality_ids`. Returns one UptakeRow per (locality, organisation type, session kind) with at
    least one confirmed place, ordered by locality name, organisation type and session kind; a
    combination with no places is absent (treat it as 0).
    """
    if not locality_ids:
        return []
    rows = db.session.execute(
        select(
            Locality.id,
            Locality.name,
            Organisation.kind,
            Session.kind,
            func.count(Booking.id),
            func.count(Booking.id).filter(Booking.attended.is_(True)),
        )
        .select_from(Booking)
        .join(Session, Booking.session_id == Session.id)
        .join(User, Booking.user_id == User.id)
        .join(Organisation, User.organisation_id == Organisation.id)
        .join(Locality, Organisation.locality_id == Locality.id)
        .where(
            Locality.id.in_(locality_ids),
            Booking.status == BookingStatus.CONFIRMED,
            Session.cancelled_at.is_(None),
            Session.starts_at >= london_midnight(start),
            Session.starts_at < london_midnight(end + timedelta(days=1)),
        )
        .group_by(Locality.id, Locality.name, Organisation.kind, Session.kind)
    ).all()
    result = [
        UptakeRow(
            locality_id=loc_id,
            locality_name=name,
            organisation_kind=OrganisationKind(org_kind),
            session_kind=SessionKind(session_kind),
            confirmed=int(confirmed),
            attended=int(attended),
        )
        for loc_id, name, org_kind, session_kind, confirmed, attended in rows
    ]
    return sorted(result, key=lambda r: (r.locality_name, r.organisation_kind.value, r.session_kind.value))
