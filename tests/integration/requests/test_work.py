"""Working a request: acknowledge with what happens next, arrange the consultation, wait on the partner,
resume when they answer, close with an outcome the partner reads. Refused steps persist nothing; every
change is in the timeline and the audit log; every view is audited; no e-mail carries case details."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from portal.common.roles import Role
from portal.common.working_days import add_working_days
from portal.requests.models import ConsultationMethod, ConsultationRequest, EventKind, Outcome, RequestStatus
from tests.integration.requests.conftest import (
    assert_no_case_details,
    audit_actions,
    audit_rows,
    body_of,
    day_fields,
    event_kinds,
    fresh,
    text_of,
)
from tests.support.db import row_counts
from tests.support.forms import assert_error_page, banner, post

NEXT_STEP = "I will read the attendance records and call you to talk it through."
DETAILS = "I will ring the school office and ask for the SENCO."
REASON = "Please send this term's attendance figures."
OUTCOME = "We agreed the school will offer an early help assessment and review in four weeks."


@pytest.fixture
def partner(client_for: Any) -> Any:
    return client_for(Role.PARTNER)


@pytest.fixture
def practitioner(client_for: Any) -> Any:
    return client_for(Role.PRACTITIONER)


def acknowledge(client: Any, req: Any, worker: Any, today: Any) -> Any:
    return post(
        client,
        f"/requests/{req.id}/acknowledge",
        {"worker_id": str(worker.id), "next_step": NEXT_STEP, **day_fields("expected_by", today + timedelta(days=7))},
    )


def schedule(client: Any, req: Any, on: Any, at: str = "2pm") -> Any:
    return post(
        client,
        f"/requests/{req.id}/schedule",
        {**day_fields("on", on), "at": at, "method": "phone", "details": DETAILS},
    )


def close(client: Any, req: Any, **extra: str) -> Any:
    return post(
        client,
        f"/requests/{req.id}/close",
        {"outcome": "step_down_to_early_help", "outcome_summary": OUTCOME, **extra},
    )


def clock_states(page: Any) -> dict[str, str]:
    return {
        row.th.get_text(strip=True): row.select("td")[1].get_text(strip=True)
        for row in page.soup.select("#clocks tbody tr")
    }


def timeline(page: Any) -> list[tuple[str, str]]:
    """(heading, text) of each timeline entry, in the order shown."""
    entries = []
    for item in page.soup.select("ol.portal-timeline > li"):
        text = item.select_one("p.portal-pre")
        entries.append((item.h3.get_text(strip=True), text.get_text(strip=True) if text else ""))
    return entries


def test_the_journey_from_acknowledgement_to_outcome(partner, practitioner, world, make_request, today, deliver, inbox):
    req = make_request(child_initials="QZ", child_birth_year=2013, summary="Attendance has dropped since October.")
    url = f"/requests/{req.id}"
    expected_audit = ["request.viewed"]
    assert practitioner.get(url).status_code == 200

    # Acknowledge: assign, say what happens next and by when.
    assert practitioner.get(f"{url}/acknowledge").status_code == 200
    response = acknowledge(practitioner, req, world.practitioner, today)
    assert response.status_code == 302
    row = fresh(ConsultationRequest, req.id)
    assert (row.status, row.worker_id, row.next_step) == (RequestStatus.ACKNOWLEDGED, world.practitioner.id, NEXT_STEP)
    assert row.expected_by == today + timedelta(days=7)
    assert row.acknowledged_at is not None
    expected_audit.append("request.acknowledged")
    page = partner.get(url)
    expected_audit.append("request.viewed")
    assert "What happens next" in [h.get_text(strip=True) for h in page.soup.select("h2")]
    assert text_of(page, "#next-step") == NEXT_STEP
    expected = row.expected_by
    assert f"Expected by {expected.day} {expected:%B %Y}." in page.soup.get_text()

    # Schedule: when and how.
    on = add_working_days(today, 2)
    assert practitioner.get(f"{url}/schedule").status_code == 200
    assert schedule(practitioner, req, on).status_code == 302
    row = fresh(ConsultationRequest, req.id)
    assert row.status is RequestStatus.SCHEDULED
    assert row.consultation_at == datetime.combine(on, time(14), tzinfo=ZoneInfo("Europe/London"))
    assert row.consultation_method is ConsultationMethod.PHONE
    expected_audit.append("request.scheduled")
    page = partner.get(url)
    expected_audit.append("request.viewed")
    details = text_of(page, "#request-details")
    assert f"{on.day} {on:%B %Y} at 2pm, Phone call. {DETAILS}" in details

    # Wait on the partner: the clocks stop.
    assert practitioner.get(f"{url}/wait").status_code == 200
    assert post(practitioner, f"{url}/wait", {"reason": REASON}).status_code == 302
    row = fresh(ConsultationRequest, req.id)
    assert row.status is RequestStatus.WAITING_ON_PARTNER
    assert row.paused_since is not None
    expected_audit.append("request.waiting_on_partner")
    page = partner.get(url)
    expected_audit.append("request.viewed")
    states = clock_states(page)
    assert states["Consult"] == "Paused"
    assert states["Share the outcome"] == "Paused"
    assert states["Acknowledge"] == "Done on time"

    # The partner answers: the request resumes by itself.
    answer = "This term's attendance is 61%, down from 94%."
    response = post(partner, f"{url}/messages", {"text": answer})
    assert response.status_code == 302
    row = fresh(ConsultationRequest, req.id)
    assert row.status is RequestStatus.SCHEDULED
    assert row.paused_since is None
    assert [p.ended_at is not None for p in row.pauses] == [True]
    expected_audit += ["request.resumed", "request.message_added"]

    # Close with an outcome the partner reads.
    assert practitioner.get(f"{url}/close").status_code == 200
    # The consultation arranged above is still ahead: the close asks first, and goes ahead once confirmed.
    assert_error_page(
        close(practitioner, req), "Confirm that you want to close the request before its work is finished"
    )
    assert close(practitioner, req, close_unfinished="y").status_code == 302
    row = fresh(ConsultationRequest, req.id)
    assert (row.status, row.outcome, row.outcome_summary) == (
        RequestStatus.CLOSED,
        Outcome.STEP_DOWN_TO_EARLY_HELP,
        OUTCOME,
    )
    expected_audit.append("request.closed")
    page = partner.get(url)
    expected_audit.append("request.viewed")
    panel = text_of(page, "#outcome")
    assert "Outcome: Step down to early help" in panel
    assert OUTCOME in panel

    # Every change is in the timeline, in order, and in the audit log.
    assert event_kinds(req.id) == [
        EventKind.SUBMITTED,
        EventKind.ACKNOWLEDGED,
        EventKind.SCHEDULED,
        EventKind.WAITING,
        EventKind.MESSAGE,
        EventKind.RESUMED,
        EventKind.CLOSED,
    ]
    assert [heading for heading, _ in timeline(page)] == [
        "Request sent",
        "Acknowledged: what happens next",
        "Consultation arranged",
        "Waiting for information from the partner",
        "Message",
        "Clock restarted",
        "Closed with an outcome",
    ]
    assert audit_actions(req.id) == expected_audit
    for row_ in audit_rows(req.id):
        assert row_.actor_id in (world.partner.id, world.practitioner.id)

    # The partner was told at each step, by e-mail that says only that something changed.
    sent, failed = deliver()
    assert failed == 0
    messages = inbox.wait_for(sent)
    assert len(messages) == sent >= 4
    assert {m["To"] for m in messages} == {world.partner.email, world.practitioner.email}
    assert all(req.reference in m["Subject"] for m in messages)
    assert_no_case_details(
        [m["Subject"] for m in messages] + [body_of(m) for m in messages],
        req.summary,
        "QZ",
        "2013",
        answer,
        NEXT_STEP,
        REASON,
        OUTCOME,
        DETAILS,
    )


def test_closing_before_acknowledging_is_refused_and_saves_nothing(practitioner, make_request):
    req = make_request()
    before = row_counts()
    response = close(practitioner, req)
    assert_error_page(response, "Acknowledge the request before you close it")
    assert row_counts() == before
    assert fresh(ConsultationRequest, req.id).status is RequestStatus.SUBMITTED


def test_closing_with_a_made_up_outcome_is_refused(practitioner, make_request):
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    before = row_counts()
    response = post(practitioner, f"/requests/{req.id}/close", {"outcome": "case_solved", "outcome_summary": OUTCOME})
    assert_error_page(response, "Select the outcome")
    assert row_counts() == before


def test_acknowledging_twice_is_refused_and_saves_nothing(practitioner, world, make_request, today):
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    before = row_counts()
    response = acknowledge(practitioner, req, world.manager, today)
    assert_error_page(response, "This request has already been acknowledged")
    assert row_counts() == before
    assert fresh(ConsultationRequest, req.id).worker_id == world.practitioner.id


def test_scheduling_before_acknowledging_is_refused_and_saves_nothing(practitioner, make_request, today):
    req = make_request()
    before = row_counts()
    response = schedule(practitioner, req, add_working_days(today, 2))
    assert_error_page(response, "Acknowledge the request before you schedule it")
    assert row_counts() == before
    assert fresh(ConsultationRequest, req.id).consultation_at is None


def test_closing_twice_and_waiting_on_a_closed_request_are_refused(practitioner, make_request):
    req = make_request(status=RequestStatus.CLOSED, outcome=Outcome.ADVICE_GIVEN, outcome_summary="Advice given.")
    before = row_counts()
    assert_error_page(close(practitioner, req), "This request is already closed")
    assert_error_page(
        post(practitioner, f"/requests/{req.id}/wait", {"reason": REASON}),
        "Only an acknowledged request can wait on the partner",
    )
    assert row_counts() == before


def test_acknowledging_needs_a_worker_from_the_locality_a_next_step_and_a_date(practitioner, world, make_request):
    req = make_request()
    before = row_counts()
    response = post(practitioner, f"/requests/{req.id}/acknowledge", {"worker_id": str(world.other_practitioner.id)})
    assert_error_page(response, "Select a worker", "Enter what happens next", "Enter the expected date")
    assert row_counts() == before


def test_a_time_that_is_not_a_time_is_refused(practitioner, make_request, today):
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    before = row_counts()
    assert_error_page(
        schedule(practitioner, req, add_working_days(today, 2), at="25pm"), "Enter a real time, like 9:30am or 14:30"
    )
    assert row_counts() == before


def test_the_practitioner_can_restart_the_clock_by_hand(practitioner, make_request):
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    assert post(practitioner, f"/requests/{req.id}/wait", {"reason": REASON}).status_code == 302
    page = practitioner.get(f"/requests/{req.id}")
    assert page.soup.select_one(f'form[action="/requests/{req.id}/resume"]') is not None
    assert post(practitioner, f"/requests/{req.id}/resume").status_code == 302
    assert fresh(ConsultationRequest, req.id).status is RequestStatus.ACKNOWLEDGED
    assert event_kinds(req.id)[-2:] == [EventKind.WAITING, EventKind.RESUMED]
    changes = [action for action in audit_actions(req.id) if action != "request.viewed"]
    assert changes == ["request.waiting_on_partner", "request.resumed"]
    # Restarting a request that is not waiting says so and changes nothing.
    before = row_counts()
    response = post(practitioner, f"/requests/{req.id}/resume")
    assert response.status_code == 302
    assert "This request is not waiting on the partner" in banner(practitioner.get(f"/requests/{req.id}"))
    assert row_counts(skip=("audit_event",)) == {k: v for k, v in before.items() if k != "audit_event"}


def test_messages_both_ways_appear_in_the_timeline_in_order(partner, practitioner, make_request, world, deliver, inbox):
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    texts = [
        (partner, "Could we talk on Thursday afternoon?"),
        (practitioner, "Yes, I will call at 2pm on Thursday."),
        (partner, "Thank you, the DSL will be in the office then."),
    ]
    for client, text in texts:
        assert post(client, f"/requests/{req.id}/messages", {"text": text}).status_code == 302
    page = partner.get(f"/requests/{req.id}")
    messages = [text for heading, text in timeline(page) if heading == "Message"]
    assert messages == [text for _, text in texts]
    authors = [
        item.select_one("p.govuk-body-s").get_text(strip=True).split(",")[0]
        for item in page.soup.select("ol.portal-timeline > li")
        if item.h3.get_text(strip=True) == "Message"
    ]
    assert authors == [world.partner.name, world.practitioner.name, world.partner.name]
    assert audit_actions(req.id).count("request.message_added") == 3

    # The partner's messages go to the worker, the worker's to the partner: a link, not the words.
    sent, _ = deliver()
    assert sent == 3
    delivered = inbox.wait_for(3)
    assert sorted(m["To"] for m in delivered) == sorted(
        [world.practitioner.email, world.partner.email, world.practitioner.email]
    )
    assert_no_case_details([body_of(m) for m in delivered], *(text for _, text in texts))


def test_a_message_with_a_likely_identifier_is_held_until_confirmed(partner, make_request):
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    before = row_counts()
    warned = post(partner, f"/requests/{req.id}/messages", {"text": "Her NHS number is 9434765919."})
    assert_error_page(warned, "Remove the NHS number (9434765919)")
    assert warned.soup.find("input", attrs={"name": "confirm_identifiers"}) is not None
    # Only the view of the page is recorded.
    after = row_counts()
    assert after.pop("audit_event") == before.pop("audit_event") + 1
    assert after == before
    confirmed = post(
        partner, f"/requests/{req.id}/messages", {"text": "Her NHS number is 9434765919.", "confirm_identifiers": "y"}
    )
    assert confirmed.status_code == 302
    assert event_kinds(req.id)[-1] is EventKind.MESSAGE


def test_every_view_of_a_request_is_audited(partner, practitioner, world, make_request):
    req = make_request()
    assert partner.get(f"/requests/{req.id}").status_code == 200
    assert practitioner.get(f"/requests/{req.id}").status_code == 200
    views = audit_rows(req.id, "request.viewed")
    assert [v.actor_id for v in views] == [world.partner.id, world.practitioner.id]
    assert all(v.ip_address for v in views)


def test_staff_read_what_the_partner_wrote_and_no_text_renders_as_markup(partner, practitioner, make_request):
    nasty = '<script>alert("x")</script> "><img src=x onerror=alert(1)> Worried about attendance.'
    req = make_request(summary=nasty, help_wanted=nasty)
    assert post(partner, f"/requests/{req.id}/messages", {"text": nasty}).status_code == 302
    for client in (practitioner, partner):
        # The page check has already refused any <script> without the CSP nonce.
        page = client.get(f"/requests/{req.id}")
        assert page.status_code == 200
        assert page.soup.find("img", attrs={"src": "x"}) is None
        assert page.soup.select_one("#request-summary").get_text() == nasty
        assert page.soup.select_one("#request-help").get_text() == nasty
        assert [text for heading, text in timeline(page) if heading == "Message"] == [nasty]


def test_a_partner_cannot_change_the_request_through_the_message_form(partner, world, make_request):
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    before = fresh(ConsultationRequest, req.id)
    state = (before.status, before.worker_id, before.outcome, before.next_step, before.outcome_due)
    response = post(
        partner,
        f"/requests/{req.id}/messages",
        {
            "text": "Any news?",
            "status": "closed",
            "outcome": "no_further_action",
            "worker_id": str(world.other_practitioner.id),
            "next_step": "Nothing",
            "outcome_due": "2099-01-01",
        },
    )
    assert response.status_code == 302
    after = fresh(ConsultationRequest, req.id)
    assert (after.status, after.worker_id, after.outcome, after.next_step, after.outcome_due) == state
    assert event_kinds(req.id)[-1] is EventKind.MESSAGE
