"""Helpers for the request tests: date fields, read the timeline and the audit log as the database has
them, build requests in any state, and deliver the outbox by real SMTP."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from portal.common import outbox
from portal.common.models import AuditEvent, OutboxMessage
from portal.common.times import london_today
from portal.common.working_days import due_at
from portal.extensions import db
from portal.models_base import utcnow
from portal.requests.models import ConsultationRequest, EventKind, RequestEvent, RequestStatus
from tests.support.db import count as count  # the tests import them from here
from tests.support.db import fresh as fresh
from tests.support.mail import body_of as body_of

LONDON = ZoneInfo("Europe/London")


# --- forms (posting and error pages are in tests/support/forms.py) --------------------------------


def day_fields(name: str, when: date) -> dict[str, list[str]]:
    """A GOV.UK date input's three boxes."""
    return {name: [str(when.day), str(when.month), str(when.year)]}


def text_of(response: Any, selector: str) -> str:
    found = response.soup.select_one(selector)
    assert found is not None, f"nothing matches {selector}"
    return " ".join(found.get_text().split())


# --- reading the database -------------------------------------------------------------------------


def event_kinds(request_id: int) -> list[EventKind]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(RequestEvent.kind).where(RequestEvent.request_id == request_id).order_by(RequestEvent.id)
        )
    )


def audit_rows(request_id: int, action: str | None = None) -> list[AuditEvent]:
    db.session.expire_all()
    query = select(AuditEvent).where(
        AuditEvent.object_type == "ConsultationRequest", AuditEvent.object_id == request_id
    )
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def audit_actions(request_id: int) -> list[str]:
    return [row.action for row in audit_rows(request_id)]


def outbox_to(email: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == email)))


def assert_no_case_details(texts: list[str], *details: str) -> None:
    """None of the texts (subjects and bodies) carries any of the details."""
    for text in texts:
        for detail in details:
            assert detail not in text, f"{detail!r} leaked into an e-mail: {text!r}"


# --- building requests ----------------------------------------------------------------------------


def london_moment(day: date, hour: int = 10) -> datetime:
    """`hour` o'clock on `day` in London, as the UTC timestamp the database stores."""
    return datetime.combine(day, time(hour), tzinfo=LONDON).astimezone(ZoneInfo("UTC"))


@pytest.fixture
def make_request(factories: Any, world: Any) -> Any:
    """make_request(**fields): a request from the world's school to its locality, received now (or at
    `received_at`), with due dates from the locality's service levels, routed to the lead."""

    def make(**fields: Any) -> ConsultationRequest:
        received = fields.pop("received_at", None) or utcnow()
        locality = world.locality
        values: dict[str, Any] = {
            "organisation": world.school,
            "created_by": world.partner,
            "routed_to": world.practitioner,
            "received_at": received,
            "acknowledge_due": due_at(received, locality.sla_acknowledge_days),
            "consult_due": due_at(received, locality.sla_consult_days),
            "outcome_due": due_at(received, locality.sla_outcome_days),
        }
        status = fields.get("status", RequestStatus.SUBMITTED)
        if status is not RequestStatus.SUBMITTED:
            values.update(worker=world.practitioner, acknowledged_at=received, next_step="We will call you.")
        values.update(fields)
        req = factories.ConsultationRequestFactory(**values)
        db.session.add(RequestEvent(request_id=req.id, kind=EventKind.SUBMITTED, actor_id=world.partner.id))
        db.session.commit()
        return req  # type: ignore[no-any-return]

    return make


@pytest.fixture
def deliver(app: Flask) -> Any:
    """deliver(): run the outbox worker once in its own app context, as `flask outbox work --once` does."""

    def run() -> tuple[int, int]:
        with app.app_context():
            return outbox.send_due()

    return run


@pytest.fixture
def run_service(app: Flask) -> Any:
    """run_service(fn, **kwargs): call a scheduled service in its own app context and commit, as the
    `flask requests remind` command does."""

    def run(fn: Any, **kwargs: Any) -> Any:
        with app.app_context():
            result = fn(**kwargs)
            db.session.commit()
            return result

    return run


@pytest.fixture
def today() -> date:
    return london_today()


def days_ago(n: int) -> date:
    return london_today() - timedelta(days=n)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """clock.set(moment): the portal's "now" for the requests' services and every "today"
    (portal.common.times reads portal.models_base.utcnow); sign-in sessions keep the real clock."""

    class Clock:
        now: datetime | None = None

        def set(self, moment: datetime) -> None:
            self.now = moment

        def __call__(self) -> datetime:
            assert self.now is not None, "set the clock first"
            return self.now

    moved = Clock()
    monkeypatch.setattr("portal.models_base.utcnow", moved)
    monkeypatch.setattr("portal.requests.services.utcnow", moved)
    monkeypatch.setattr("portal.requests.filters.utcnow", moved)
    return moved
