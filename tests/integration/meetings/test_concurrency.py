"""Two managers of a locality schedule the same quarter at the same moment, each in their own thread and
HTTP session, on SQLite and PostgreSQL. Both pass the "one meeting per quarter" check before either
inserts (a barrier holds each request just after the check until the other gets there), so only the
UNIQUE(locality, quarter) constraint (or, for a cancelled quarter taken back, a conditional UPDATE) can
tell them apart: one meeting is made, the other manager is told the quarter is taken, in the words of the
check, and nobody sees an error page."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from portal.common.models import OutboxMessage
from portal.common.periods import quarter
from portal.common.roles import Role
from portal.extensions import db
from portal.meetings import services
from portal.meetings.models import PartnershipMeeting
from tests.integration.meetings.conftest import audit_actions, meeting_day, only_meeting, schedule_data
from tests.support.db import count
from tests.support.forms import assert_error_page, post, session_csrf_token


@pytest.mark.parametrize("cancelled_before", [False, True], ids=["new quarter", "cancelled quarter"])
def test_two_managers_scheduling_the_same_quarter_at_once_make_one_meeting(
    client_for, world, factories, monkeypatch, cancelled_before
):
    deputy = factories.UserFactory(role=Role.MANAGER, locality=world.locality, name="Dee Deputy")
    db.session.commit()
    clients = [client_for(world.manager), client_for(deputy)]
    for client in clients:
        session_csrf_token(client)  # read now, so that the threads below only post
    sequence = 0
    if cancelled_before:  # the quarter's meeting was called off: both take it back at once
        assert post(clients[0], "/meetings/schedule", schedule_data()).status_code == 302
        assert post(clients[0], f"/meetings/{only_meeting().id}/cancel", {"confirm": "yes"}).status_code == 302
        sequence = 2

    barrier = threading.Barrier(2, timeout=30)
    past_the_check: set[int] = set()
    check = services._quarter_taken

    def check_then_wait(*args: Any, **kwargs: Any) -> None:
        check(*args, **kwargs)
        if threading.get_ident() not in past_the_check:  # only the first check of each request waits
            past_the_check.add(threading.get_ident())
            barrier.wait()

    monkeypatch.setattr(services, "_quarter_taken", check_then_wait)
    responses: list[Any] = [None, None]
    failures: list[BaseException] = []

    def schedule(index: int) -> None:
        try:
            responses[index] = post(clients[index], "/meetings/schedule", schedule_data())
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=schedule, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not failures, failures
    assert len(past_the_check) == 2  # both requests passed the check before either inserted
    assert sorted(r.status_code for r in responses) == [200, 302], [r.status_code for r in responses]
    [refused] = [r for r in responses if r.status_code == 200]
    period = quarter(meeting_day())
    assert_error_page(
        refused,
        f"Northfield already has a meeting in {period.label} ({period.long_label}). Choose a date in another"
        " quarter, or change that meeting",
    )
    meeting = only_meeting()
    assert (meeting.quarter_start, meeting.sequence, meeting.cancelled_at) == (period.start, sequence, None)
    assert [i.organisation_id for i in meeting.invitations] == [world.school.id]
    assert count(PartnershipMeeting) == 1
    earlier = ["meeting.scheduled", "meeting.cancelled"] if cancelled_before else []
    assert audit_actions() == [*earlier, "meeting.scheduled"]
    invitations = select(OutboxMessage.recipient).where(OutboxMessage.subject.startswith("Invitation"))
    assert list(db.session.scalars(invitations)) == [world.partner.email] * (2 if cancelled_before else 1)
