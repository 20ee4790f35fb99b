"""Clocks: due dates on the page, overdue requests flagged and first in the queue, waiting on the partner
gives back the working days wholly paused, and overdue notices go out once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from portal.common.roles import Role
from portal.common.working_days import due_date_with_pauses
from portal.extensions import db
from portal.models_base import utcnow
from portal.requests import services
from portal.requests.models import ConsultationMethod, ConsultationRequest, Outcome, RequestPause, RequestStatus
from tests.integration.requests.conftest import (
    assert_no_case_details,
    audit_rows,
    body_of,
    days_ago,
    fresh,
    london_moment,
    outbox_to,
)
from tests.support.db import row_counts
from tests.support.forms import post


@pytest.fixture
def practitioner(client_for: Any) -> Any:
    return client_for(Role.PRACTITIONER)


def queue(client: Any) -> list[tuple[str, bool]]:
    """(reference, flagged overdue) for each row of the queue, in order."""
    page = client.get("/requests")
    assert page.status_code == 200
    rows = []
    for row in page.soup.select("table.govuk-table tbody tr"):
        tags = [tag.get_text(strip=True) for tag in row.select(".govuk-tag")]
        rows.append((row.th.get_text(strip=True), "Overdue" in tags))
    return rows


def clock_rows(page: Any) -> dict[str, tuple[str, str]]:
    return {
        row.th.get_text(strip=True): tuple(td.get_text(strip=True) for td in row.select("td"))
        for row in page.soup.select("#clocks tbody tr")
    }


def long_date(day: Any) -> str:
    return f"{day.day} {day:%B %Y}"


def test_the_page_shows_each_due_date_and_flags_the_one_missed(practitioner, make_request):
    req = make_request(received_at=london_moment(days_ago(9)))
    clocks = clock_rows(practitioner.get(f"/requests/{req.id}"))
    assert clocks == {
        "Acknowledge": (long_date(req.acknowledge_due), "Overdue"),
        "Consult": (long_date(req.consult_due), "Overdue" if req.consult_due < services.london_today() else "On time"),
        "Share the outcome": (long_date(req.outcome_due), "On time"),
    }


def test_the_queue_lists_overdue_first_then_new_then_by_due_date(practitioner, world, make_request, today):
    ack = RequestStatus.ACKNOWLEDGED
    new_one = make_request()
    soon = make_request(status=ack, outcome_due=today + timedelta(days=3))
    later = make_request(status=ack, outcome_due=today + timedelta(days=20))
    waiting = make_request(
        status=RequestStatus.WAITING_ON_PARTNER,
        received_at=london_moment(days_ago(30)),
        paused_since=utcnow(),
        outcome_due=today + timedelta(days=10),
    )
    not_acknowledged_in_time = make_request(received_at=london_moment(days_ago(6)))
    long_overdue = make_request(status=ack, received_at=london_moment(days_ago(30)))
    # Arranged, but for after the consult clock runs out: overdue until the consultation takes place.
    arranged_late = make_request(
        status=RequestStatus.SCHEDULED,
        received_at=london_moment(days_ago(10)),
        consult_due=today - timedelta(days=1),
        outcome_due=today + timedelta(days=30),
        consultation_at=utcnow() + timedelta(days=3),
        consultation_method=ConsultationMethod.PHONE,
    )
    make_request(status=RequestStatus.CLOSED, outcome=Outcome.ADVICE_GIVEN, received_at=london_moment(days_ago(40)))
    world.other_school.locality = world.other_locality
    make_request(
        organisation=world.other_school, routed_to=world.other_practitioner, received_at=london_moment(days_ago(40))
    )

    assert queue(practitioner) == [
        (long_overdue.reference, True),
        (not_acknowledged_in_time.reference, True),
        (arranged_late.reference, True),
        (new_one.reference, False),
        (soon.reference, False),
        (waiting.reference, False),
        (later.reference, False),
    ]


def test_the_partner_sees_their_organisations_requests_newest_first(client_for, world, make_request):
    older = make_request(received_at=london_moment(days_ago(3)))
    newer = make_request()
    world.other_school.locality = world.other_locality
    make_request(organisation=world.other_school, created_by=world.other_partner)
    assert [ref for ref, _ in queue(client_for(Role.PARTNER))] == [newer.reference, older.reference]


def paused_request(make_request: Any, world: Any, *, received_days_ago: int, paused_days_ago: int) -> Any:
    received = london_moment(days_ago(received_days_ago))
    paused = london_moment(days_ago(paused_days_ago), hour=15)
    req = make_request(status=RequestStatus.WAITING_ON_PARTNER, received_at=received, paused_since=paused)
    db.session.add(RequestPause(request_id=req.id, started_at=paused, reason="Attendance figures, please."))
    db.session.commit()
    return req


def resume_by_partner_message(client_for: Any, req: Any) -> ConsultationRequest:
    partner = client_for(Role.PARTNER)
    assert post(partner, f"/requests/{req.id}/messages", {"text": "Attached are the figures."}).status_code == 302
    row = fresh(ConsultationRequest, req.id)
    assert row.status is RequestStatus.ACKNOWLEDGED
    return row


def test_waiting_on_the_partner_moves_the_due_dates_on_by_the_working_days_wholly_paused(
    client_for, world, make_request
):
    req = paused_request(make_request, world, received_days_ago=21, paused_days_ago=20)
    acknowledge_due = req.acknowledge_due
    row = resume_by_partner_message(client_for, req)

    [pause] = row.pauses
    assert pause.ended_at is not None
    pauses = [(pause.started_at, pause.ended_at)]
    loc = world.locality
    assert row.acknowledge_due == acknowledge_due  # already met: acknowledged when received
    assert row.consult_due == due_date_with_pauses(row.received_at, loc.sla_consult_days, pauses)
    assert row.outcome_due == due_date_with_pauses(row.received_at, loc.sla_outcome_days, pauses)
    assert row.outcome_due > services.london_today() - timedelta(days=1)
    [audit] = audit_rows(req.id, "request.resumed")
    assert audit.detail["working_days_paused"] > 0


def test_a_wait_that_begins_after_a_due_date_has_passed_does_not_move_it(client_for, world, make_request):
    req = paused_request(make_request, world, received_days_ago=30, paused_days_ago=3)
    consult_due, outcome_due = req.consult_due, req.outcome_due
    row = resume_by_partner_message(client_for, req)

    pauses = [(row.pauses[0].started_at, row.pauses[0].ended_at)]
    assert (
        row.consult_due == consult_due == due_date_with_pauses(row.received_at, world.locality.sla_consult_days, pauses)
    )
    assert row.outcome_due == outcome_due
    assert queue(client_for(Role.PRACTITIONER)) == [(req.reference, True)]


def test_overdue_notices_go_to_the_worker_and_the_manager_once(make_request, world, run_service, deliver, inbox, today):
    assigned = make_request(
        status=RequestStatus.ACKNOWLEDGED,
        received_at=london_moment(days_ago(30)),
        child_initials="QZ",
        child_birth_year=2013,
        summary="A very particular worry about attendance.",
    )
    unassigned = make_request(received_at=london_moment(days_ago(6)))
    make_request()  # on time: no notice

    assert run_service(services.notify_overdue) == 2
    assert len(outbox_to(world.practitioner.email)) == 2  # worker of one, lead it was sent to for the other
    assert len(outbox_to(world.manager.email)) == 2
    assert len(audit_rows(assigned.id, "request.overdue_notified")) == 1
    assert fresh(ConsultationRequest, unassigned.id).overdue_notified_at is not None

    assert deliver() == (4, 0)
    messages = inbox.wait_for(4)
    assert sorted(m["To"] for m in messages) == sorted([world.practitioner.email, world.manager.email] * 2)
    assert all(m["Subject"].startswith("Request overdue (PP-") for m in messages)
    assert_no_case_details(
        [body_of(m) for m in messages] + [m["Subject"] for m in messages],
        assigned.summary,
        "QZ",
        "2013",
    )

    before = row_counts()
    assert run_service(services.notify_overdue) == 0
    assert row_counts() == before


def test_an_absent_workers_overdue_notice_goes_to_their_cover(make_request, world, factories, run_service, today):
    cover = factories.UserFactory(role=Role.PRACTITIONER, locality=world.locality, name="Cora Cover")
    factories.StaffAbsenceFactory(user=world.practitioner, cover=cover, starts_on=today, ends_on=today)
    make_request(status=RequestStatus.ACKNOWLEDGED, received_at=london_moment(days_ago(30)))

    assert run_service(services.notify_overdue) == 1
    assert len(outbox_to(cover.email)) == 1
    assert outbox_to(world.practitioner.email) == []
    assert len(outbox_to(world.manager.email)) == 1


def test_no_overdue_notice_while_waiting_on_the_partner(make_request, world, run_service):
    paused_request(make_request, world, received_days_ago=30, paused_days_ago=25)
    assert run_service(services.notify_overdue) == 0
    assert outbox_to(world.manager.email) == []


def test_with_closed_requests_shown_the_open_work_comes_first_and_closed_newest_first(
    practitioner, make_request, today
):
    older = make_request(
        status=RequestStatus.CLOSED,
        outcome=Outcome.ADVICE_GIVEN,
        received_at=london_moment(days_ago(40)),
        closed_at=utcnow() - timedelta(days=30),
    )
    newer = make_request(
        status=RequestStatus.CLOSED,
        outcome=Outcome.ADVICE_GIVEN,
        received_at=london_moment(days_ago(20)),
        closed_at=utcnow() - timedelta(days=2),
    )
    open_one = make_request(status=RequestStatus.ACKNOWLEDGED, outcome_due=today + timedelta(days=60))
    page = practitioner.get("/requests", query_string={"closed": "1"})
    references = [a.get_text(strip=True) for a in page.soup.select("tbody th a")]
    assert references == [open_one.reference, newer.reference, older.reference]
