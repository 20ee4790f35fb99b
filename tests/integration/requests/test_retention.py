"""Retention: closed requests are anonymised once their period has passed, and nothing else is touched."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.common.models import AuditEvent
from portal.extensions import db
from portal.models_base import utcnow
from portal.requests.models import (
    ConsultationRequest,
    EventKind,
    Outcome,
    RequestEvent,
    RequestStatus,
)
from portal.requests.retention import REMOVED, anonymise_closed_requests
from tests.integration.requests.conftest import fresh


def _closed(factories, world, *, days_ago: int, summary: str):
    closed_at = utcnow() - timedelta(days=days_ago)
    req = factories.ConsultationRequestFactory(
        organisation=world.school,
        created_by=world.partner,
        summary=summary,
        help_wanted="Advice on next steps",
        status=RequestStatus.CLOSED,
        received_at=closed_at - timedelta(days=3),
        acknowledged_at=closed_at - timedelta(days=2),
        closed_at=closed_at,
        outcome=Outcome.ADVICE_GIVEN,
        outcome_summary="We talked through the worries with KM's teacher.",
        next_step="The school will call the family.",
    )
    db.session.add(RequestEvent(request_id=req.id, kind=EventKind.MESSAGE, actor_id=world.partner.id, text="KM said"))
    factories.PromiseFactory(
        request=req, made_by_id=world.practitioner.id, text="Call KM's school", due_on=date.today()
    )
    factories.EscalationFactory(request=req, raised_by_id=world.partner.id, text="About KM")
    db.session.commit()
    return req


def test_only_closed_requests_past_the_period_are_anonymised_once_and_audited(app, world, factories):
    old = _closed(factories, world, days_ago=40, summary="KM is often late and hungry.")
    recent = _closed(factories, world, days_ago=20, summary="JB has been absent.")
    still_open = factories.ConsultationRequestFactory(
        organisation=world.school, summary="An open request from long ago.", received_at=utcnow() - timedelta(days=400)
    )

    assert anonymise_closed_requests(retention_days=30) == 1

    old = fresh(ConsultationRequest, old.id)
    assert old.anonymised_at is not None
    assert (old.summary, old.help_wanted, old.child_initials, old.child_birth_year) == (REMOVED, "", "", None)
    assert (old.outcome_summary, old.next_step, old.case_reference) == ("", "", "removed")
    assert [e.text for e in old.events] == [""]
    assert [p.text for p in old.promises] == [REMOVED]
    assert [e.text for e in old.escalations] == [""]
    # What the figures need stays.
    assert (old.status, old.outcome, old.organisation_id) == (
        RequestStatus.CLOSED,
        Outcome.ADVICE_GIVEN,
        world.school.id,
    )
    assert old.closed_at is not None and old.received_at is not None

    recent, still_open = fresh(ConsultationRequest, recent.id), fresh(ConsultationRequest, still_open.id)
    assert recent.summary == "JB has been absent." and recent.anonymised_at is None
    assert [e.text for e in recent.events] == ["KM said"]
    assert still_open.summary == "An open request from long ago." and still_open.anonymised_at is None

    stamped = old.anonymised_at
    assert anonymise_closed_requests(retention_days=30) == 0
    assert fresh(ConsultationRequest, old.id).anonymised_at == stamped
    audits = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "requests.anonymised")).all()
    assert [(a.detail["count"], a.detail["first_id"]) for a in audits] == [(1, old.id)]


def test_the_command_uses_the_configured_period(app, world, factories):
    req = _closed(factories, world, days_ago=40, summary="KM is often late.")
    runner = app.test_cli_runner()

    app.config["REQUEST_RETENTION_DAYS"] = 60
    result = runner.invoke(args=["requests", "anonymise"])
    assert result.exit_code == 0, result.output
    assert "anonymised 0 closed more than 60 days ago" in result.output
    assert fresh(ConsultationRequest, req.id).anonymised_at is None

    result = runner.invoke(args=["requests", "anonymise", "--days", "30"])
    assert "anonymised 1 closed more than 30 days ago" in result.output
    assert fresh(ConsultationRequest, req.id).anonymised_at is not None


def test_batches_cover_more_than_one_batch(app, world, factories, monkeypatch):
    from portal.requests import retention

    monkeypatch.setattr(retention, "BATCH", 2)
    reqs = [_closed(factories, world, days_ago=50 + i, summary=f"Case {i}") for i in range(5)]
    assert anonymise_closed_requests(retention_days=30) == 5
    assert all(fresh(ConsultationRequest, r.id).summary == REMOVED for r in reqs)
