"""The demo meetings: Charnwood South and Desford has met in the last three quarters (registers, minutes,
actions) with this quarter's meeting to come; Coalville's partner has a meeting to answer."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import User
from portal.common.periods import recent_quarters
from portal.common.times import london_today
from portal.directory.models import Locality
from portal.extensions import db
from portal.meetings.coverage import coverage
from portal.meetings.models import MeetingAction, PartnershipMeeting
from portal.meetings.record import carried_forward
from portal.meetings.services import is_open, list_meetings
from seeds.demo import load_demo


def test_the_demo_meetings(app):
    load_demo()
    db.session.commit()
    charnwood = db.session.scalar(select(Locality).where(Locality.name == "Charnwood South and Desford"))
    meetings = db.session.scalars(
        select(PartnershipMeeting)
        .where(PartnershipMeeting.locality_id == charnwood.id)
        .order_by(PartnershipMeeting.starts_at)
    ).all()
    assert len(meetings) == 4
    *past, upcoming = meetings
    assert all(m.register_recorded_at and m.minutes_published_at for m in past)
    assert is_open(upcoming)
    quarters = recent_quarters(london_today(), 4)
    assert [m.quarter_start for m in past] == [q.start for q in quarters[:3]]

    grid = coverage(charnwood.id, quarters)
    assert [row.school_name for row in grid.flagged] == ["All saint C of E Primary School", "Hall Orchard"]
    actions = db.session.scalars(select(MeetingAction)).all()
    assert any(a.done_at for a in actions) and any(a.done_at is None and a.rag.value == "red" for a in actions)
    assert any(a.done_at is None and a.rag.value == "amber" for a in actions)
    assert len(carried_forward(upcoming)) >= 3

    partner = db.session.scalar(select(User).where(User.email == "partner@example.org"))
    listing = list_meetings(partner)
    [theirs] = listing.upcoming
    assert theirs.locality.name == "Coalville" and is_open(theirs)
    # The partner's locality has met before: minutes to read and an action their school owns.
    assert len(listing.past) == 2 and all(
        m.minutes_published_at and m.locality.name == "Coalville" for m in listing.past
    )
    owned = db.session.scalars(
        select(MeetingAction).where(MeetingAction.owner_organisation_id == partner.organisation_id)
    ).all()
    assert [a.done_at for a in owned] == [None]
    assert [i.organisation_id for i in theirs.invitations] == [partner.organisation_id]
