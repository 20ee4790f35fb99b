"""factory-boy factories for partnership meetings: committed, like tests/factories.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import factory

from portal.common.periods import quarter
from portal.common.working_days import local_date
from portal.meetings.models import MeetingAction, MeetingInvitation, MeetingType, PartnershipMeeting, Rag
from tests.factories import Base, LocalityFactory, UserFactory


class PartnershipMeetingFactory(Base):
    """A meeting a week from now (pass `starts_at` for another time); `quarter_start` follows it."""

    class Meta:
        model = PartnershipMeeting

    locality = factory.SubFactory(LocalityFactory)
    starts_at = factory.LazyFunction(lambda: datetime.now(UTC).replace(microsecond=0) + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    quarter_start = factory.LazyAttribute(lambda o: quarter(local_date(o.starts_at)).start)
    title = factory.LazyAttribute(lambda o: f"{o.locality.name} partnership meeting")
    location = "Desford Primary School, the library"
    organiser = factory.SubFactory(UserFactory)


class MeetingInvitationFactory(Base):
    class Meta:
        model = MeetingInvitation


class MeetingActionFactory(Base):
    class Meta:
        model = MeetingAction

    locality_id = factory.LazyAttribute(lambda o: o.raised_at_meeting.locality_id)
    text = "Update the improvement plan to include the new actions"
    due_on = factory.LazyFunction(lambda: date.today() + timedelta(days=30))
    rag = Rag.AMBER


def meeting_with_schools(locality: Any, schools: list[Any], **fields: Any) -> PartnershipMeeting:
    """A meeting of `locality` with an invitation for each school."""
    meeting = PartnershipMeetingFactory(locality=locality, **fields)
    for school in schools:
        MeetingInvitationFactory(meeting=meeting, organisation=school)
    return meeting  # type: ignore[no-any-return]


class MeetingTypeFactory(Base):
    """The multi-agency locality meeting, as migration 0016 makes it (the test databases are made without the
    migrations, so a test that needs it makes it)."""

    class Meta:
        model = MeetingType

    name = "Multi-agency locality meeting"
    organisation_kinds = "school,early_years,health,police,voluntary,other"
