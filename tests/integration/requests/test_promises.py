"""Promises: made on a request and shown to the partner; kept, or missed once the date passes; the
practitioner is reminded the working day before, once."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from portal.common.roles import Role
from portal.common.working_days import add_working_days, is_working_day
from portal.requests import services
from portal.requests.models import EventKind, Outcome, Promise, RequestStatus
from tests.integration.requests.conftest import (
    assert_no_case_details,
    audit_actions,
    body_of,
    day_fields,
    event_kinds,
    fresh,
    outbox_to,
)
from tests.support.db import row_counts
from tests.support.forms import assert_error_page, banner, post

PROMISE = "I will call you back after the core group meeting."


@pytest.fixture
def practitioner(client_for: Any) -> Any:
    return client_for(Role.PRACTITIONER)


def promises_shown(client: Any, req: Any) -> list[tuple[str, str]]:
    """(promise text, its tag) as the request page lists them."""
    page = client.get(f"/requests/{req.id}")
    assert page.status_code == 200
    return [
        (item.strong.get_text(strip=True), item.select_one(".govuk-tag").get_text(strip=True))
        for item in page.soup.select("li.portal-promise")
    ]


def test_a_promise_is_shown_to_the_partner_and_can_be_marked_kept(practitioner, client_for, world, make_request, today):
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    assert practitioner.get(f"/requests/{req.id}/promises/new").status_code == 200
    due = today + timedelta(days=3)
    response = post(practitioner, f"/requests/{req.id}/promises/new", {"text": PROMISE, **day_fields("due_on", due)})
    assert response.status_code == 302
    [promise] = fresh(type(req), req.id).promises
    assert (promise.text, promise.due_on, promise.made_by_id) == (PROMISE, due, world.practitioner.id)

    partner = client_for(Role.PARTNER)
    assert promises_shown(partner, req) == [(PROMISE, "Open")]
    page = partner.get(f"/requests/{req.id}")
    assert (
        f"{world.practitioner.name}, by {due.day} {due:%B %Y}" in page.soup.select_one("li.portal-promise").get_text()
    )
    # Only staff may mark a promise kept.
    assert page.soup.select_one("li.portal-promise form") is None

    assert post(practitioner, f"/requests/{req.id}/promises/{promise.id}/keep").status_code == 302
    assert fresh(Promise, promise.id).kept_at is not None
    assert promises_shown(partner, req) == [(PROMISE, "Kept")]
    assert event_kinds(req.id)[-2:] == [EventKind.PROMISE_MADE, EventKind.PROMISE_KEPT]
    made = next(e for e in fresh(type(req), req.id).events if e.kind is EventKind.PROMISE_MADE)
    assert made.text == f"{PROMISE} (by {due.day} {due:%B %Y})"  # "3 December", not "03 December"
    changes = [a for a in audit_actions(req.id) if a != "request.viewed"]
    assert changes == ["promise.made", "promise.kept"]

    # Keeping it again says so and changes nothing.
    before = row_counts(skip=("audit_event",))
    assert post(practitioner, f"/requests/{req.id}/promises/{promise.id}/keep").status_code == 302
    assert "This promise is already marked as kept" in banner(practitioner.get(f"/requests/{req.id}"))
    assert row_counts(skip=("audit_event",)) == before


def test_a_promise_past_its_date_and_not_kept_is_missed(client_for, world, make_request, factories, today):
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    factories.PromiseFactory(
        request=req, made_by_id=world.practitioner.id, text="Missed one", due_on=today - timedelta(days=1)
    )
    factories.PromiseFactory(request=req, made_by_id=world.practitioner.id, text="Due today", due_on=today)
    assert promises_shown(client_for(Role.PARTNER), req) == [("Missed one", "Missed"), ("Due today", "Open")]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Enter the promise"),
        ({"due_on": ["", "", ""]}, "Enter the promise's date"),
        ({"due_on": ["31", "2", "2030"]}, "The promise's date must be a real date"),
        ({"past": True}, "The promise's date must be today or in the future"),
    ],
    ids=["no-text", "no-date", "not-a-date", "in-the-past"],
)
def test_a_promise_needs_words_and_a_date_not_in_the_past(practitioner, make_request, today, fields, message):
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    fields = dict(fields)  # the parameter is shared with the other database's run
    data: dict[str, Any] = {"text": PROMISE, **day_fields("due_on", today + timedelta(days=2))}
    if fields.pop("past", False):
        data.update(day_fields("due_on", today - timedelta(days=1)))
    elif not fields:
        data["text"] = ""
    data.update(fields)
    before = row_counts()
    assert_error_page(post(practitioner, f"/requests/{req.id}/promises/new", data), message)
    assert row_counts() == before


def test_no_promise_on_a_closed_request(practitioner, make_request, today):
    req = make_request(status=RequestStatus.CLOSED, outcome=Outcome.ADVICE_GIVEN)
    before = row_counts()
    response = post(practitioner, f"/requests/{req.id}/promises/new", {"text": PROMISE, **day_fields("due_on", today)})
    assert_error_page(response, "You cannot make a promise on a closed request")
    assert row_counts() == before


def next_monday_after(day: date) -> date:
    """A Monday that is a working day, as is the Friday before it."""
    monday = day + timedelta(days=7 - day.weekday())
    while not (is_working_day(monday) and is_working_day(monday - timedelta(days=3))):
        monday += timedelta(days=7)
    return monday


def test_a_promise_due_on_monday_is_reminded_on_the_friday_before_once(
    make_request, world, factories, run_service, deliver, inbox, today
):
    req = make_request(status=RequestStatus.ACKNOWLEDGED, child_initials="QZ", child_birth_year=2013)
    monday = next_monday_after(today + timedelta(days=7))
    friday, thursday = monday - timedelta(days=3), monday - timedelta(days=4)
    promise = factories.PromiseFactory(request=req, made_by_id=world.practitioner.id, text=PROMISE, due_on=monday)

    assert run_service(services.send_promise_reminders, today=thursday) == 0
    assert outbox_to(world.practitioner.email) == []
    assert run_service(services.send_promise_reminders, today=friday) == 1
    assert fresh(Promise, promise.id).reminder_sent_at is not None
    assert deliver() == (1, 0)
    [message] = inbox.wait_for(1)
    assert message["To"] == world.practitioner.email
    assert message["Subject"] == f"Reminder: a promise is due ({req.reference})"
    assert_no_case_details([body_of(message)], PROMISE, req.summary, "QZ", "2013")

    before = row_counts()
    assert run_service(services.send_promise_reminders, today=friday) == 0
    assert run_service(services.send_promise_reminders, today=monday) == 0
    assert row_counts() == before


def test_the_reminder_skips_bank_holidays(make_request, world, factories, run_service):
    # Good Friday 26 March and Easter Monday 29 March 2027: a promise due Tuesday 30 March is
    # reminded on Thursday 25 March.
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    factories.PromiseFactory(request=req, made_by_id=world.practitioner.id, due_on=date(2027, 3, 30))
    assert add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)
    assert run_service(services.send_promise_reminders, today=date(2027, 3, 24)) == 0
    assert run_service(services.send_promise_reminders, today=date(2027, 3, 25)) == 1


def test_kept_promises_are_not_reminded(make_request, world, factories, run_service, today):
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    factories.PromiseFactory(
        request=req, made_by_id=world.practitioner.id, due_on=add_working_days(today, 1), kept_at=services.utcnow()
    )
    assert run_service(services.send_promise_reminders, today=today) == 0
