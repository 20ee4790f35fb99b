"""The demo data: the seed paper's eleven schools and four leads, and requests in every state (consistent
with what the services record, identifying no child), loaded once, never in production."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.common.identifiers import find_identifiers
from portal.common.roles import Role
from portal.common.working_days import due_at
from portal.directory.models import Locality, Organisation, OrganisationKind, Pod
from portal.extensions import db
from portal.feedback.models import PulseResponse
from portal.feedback.services import find_pulse
from portal.models_base import utcnow
from portal.requests import timings
from portal.requests.invites import invitee_of, is_open, list_pod_invites
from portal.requests.models import (
    ConsultationRequest,
    EscalationKind,
    EventKind,
    InviteResponse,
    Outcome,
    PodInvite,
    Promise,
    RequestEvent,
    RequestStatus,
    StepTiming,
)
from portal.requests.services import (
    clocks,
    london_date,
    london_today,
    notify_overdue,
    send_promise_reminders,
)
from seeds.demo import LOCALITIES, SCHOOLS, load_demo


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_demo_data_loads_the_seed_papers_schools_and_leads_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    for email in ("partner@example.org", "amara.okafor@example.org", "manager@example.org", "admin@example.org"):
        assert email in result.output
    schools = db.session.scalars(select(Organisation).where(Organisation.kind == OrganisationKind.SCHOOL)).all()
    assert sorted(s.name for s in schools) == sorted(s.name for s in SCHOOLS)
    localities = db.session.scalars(select(Locality)).all()
    assert len(localities) == 4 and all(loc.lead is not None and loc.manager is not None for loc in localities)
    assert _count(Pod) == 4
    roles = {u.role for u in db.session.scalars(select(User))}
    assert roles == set(Role)
    assert all(u.email.endswith("@example.org") for u in db.session.scalars(select(User)))

    before = {m.__name__: _count(m) for m in (User, Organisation, Locality, Pod)}
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    assert {m.__name__: _count(m) for m in (User, Organisation, Locality, Pod)} == before


def test_demo_data_refuses_to_load_in_production(app, database_url, make_app):
    production = make_app(
        "production", SECRET_KEY="s" * 40, SQLALCHEMY_DATABASE_URI=database_url, PUBLIC_URL="https://localhost"
    )
    with production.app_context():
        result = production.test_cli_runner().invoke(args=["seed", "demo"])
        assert result.exit_code != 0
        assert "cannot be loaded in production" in result.output
        assert _count(User) == 0


# --- the demo requests (seeds/demo_requests.py) -----------------------------------------------------


def _free_text(req: ConsultationRequest) -> list[str]:
    """Every free-text field a demo request carries, with its timeline, promises, escalations and pod invites."""
    texts = [req.summary, req.help_wanted, req.next_step, req.consultation_details, req.outcome_summary]
    texts += [event.text for event in req.events] + [pause.reason for pause in req.pauses]
    texts += [promise.text for promise in req.promises]
    texts += [text for e in req.escalations for text in (e.text, e.response)]
    texts += [invite.location for invite in list_pod_invites(req)]
    return [text for text in texts if text]


def test_demo_requests_are_in_every_state_and_identify_no_child(app):
    assert app.test_cli_runner().invoke(args=["seed", "demo"]).exit_code == 0
    now, today = utcnow(), london_today()
    requests = db.session.scalars(select(ConsultationRequest).order_by(ConsultationRequest.id)).all()
    assert 12 <= len(requests) <= 20
    by_status = Counter(req.status for req in requests)
    assert set(by_status) == set(RequestStatus), by_status
    oldest = min(req.received_at for req in requests)
    assert now - timedelta(days=300) < oldest < now - timedelta(days=200)  # about nine months
    assert {req.locality.name for req in requests} == {name for name, _ in LOCALITIES.values()}

    def overdue(req: ConsultationRequest) -> bool:
        return any(clock.is_overdue(today) for clock in clocks(req))

    submitted = [req for req in requests if req.status is RequestStatus.SUBMITTED]
    assert sorted(overdue(req) for req in submitted) == [False, True]
    for req in requests:
        if req.status is not RequestStatus.SUBMITTED:
            assert req.worker is not None and req.next_step and req.expected_by, req.reference
        if req.status is RequestStatus.SCHEDULED:
            assert req.consultation_at > now and req.consultation_method is not None
        if req.status is RequestStatus.WAITING_ON_PARTNER:
            [pause] = req.pauses
            assert pause.ended_at is None and pause.reason and req.paused_since == pause.started_at
        if req.status is RequestStatus.CLOSED:
            assert req.outcome is not None and req.outcome_summary
    assert {req.outcome for req in requests if req.outcome} == set(Outcome)

    promises = [p for req in requests for p in req.promises]
    kept_on_time = [p for p in promises if p.kept_at and london_date(p.kept_at) <= p.due_on]
    kept_late = [p for p in promises if p.kept_at and london_date(p.kept_at) > p.due_on]
    missed = [p for p in promises if p.is_missed(today)]
    still_open = [p for p in promises if p.kept_at is None and p.due_on >= today]
    assert kept_on_time and kept_late and missed and still_open
    # The timeline words a promise's date as every page does ("by 9 December 2026", no leading zero).
    made = [e.text for req in requests for e in req.events if e.kind is EventKind.PROMISE_MADE]
    assert made and all(re.search(r"\(by [1-9]\d? [A-Z][a-z]+ \d{4}\)$", text) for text in made), made

    escalations = [e for req in requests for e in req.escalations]
    speak = [e for e in escalations if e.kind is EscalationKind.SPEAK_TO_MANAGER]
    disagreements = [e for e in escalations if e.kind is EscalationKind.DISAGREEMENT]
    assert any(e.responded_at is None for e in speak) and any(e.responded_at for e in speak)
    assert disagreements and all(e.request.status is RequestStatus.CLOSED for e in disagreements)
    messages = [event for req in requests for event in req.events if event.kind is EventKind.MESSAGE]
    assert {event.actor.role for event in messages} >= {Role.PARTNER, Role.PRACTITIONER}

    partner = db.session.scalar(select(User).where(User.email == "partner@example.org"))
    pod_invites = db.session.scalars(select(PodInvite)).all()
    taken_place = [i for i in pod_invites if i.attendance_recorded_at is not None]
    upcoming = [i for i in pod_invites if is_open(i)]
    assert taken_place and all(i.starts_at < i.attendance_recorded_at <= now for i in taken_place)
    [theirs] = [i for i in upcoming if invitee_of(i, partner) is not None]
    assert invitee_of(theirs, partner).response is InviteResponse.NEEDS_ACTION
    assert len(theirs.invitees) > 1
    # The partner has a closed request whose pulse is still to answer; the older ones are answered.
    unanswered = [r for r in requests if r.status is RequestStatus.CLOSED and find_pulse(r) is None]
    assert [r.organisation_id for r in unanswered] == [partner.organisation_id]

    for req in requests:
        # A child by initials and year of birth, or a case reference; nothing in free text identifies anyone.
        assert (len(req.child_initials) in (2, 3) and req.child_birth_year) or req.case_reference, req.reference
        for text in _free_text(req):
            assert find_identifiers(text) == [], f"{req.reference}: {text!r}"
        # The timeline is told in order, in the past, and begins with the partner's request.
        events = req.events
        assert [e.at for e in events] == sorted(e.at for e in events) and events[-1].at <= now
        assert (events[0].kind, events[0].at, events[0].actor_id) == (
            EventKind.SUBMITTED,
            req.received_at,
            req.created_by_id,
        )
        assert req.acknowledge_due == due_at(req.received_at, req.locality.sla_acknowledge_days)
        for kind, moment in ((EventKind.ACKNOWLEDGED, req.acknowledged_at), (EventKind.CLOSED, req.closed_at)):
            assert [e.at for e in events if e.kind is kind] == ([moment] if moment else [])

    # The dashboards' step timings are what the request services record (portal.requests.timings).
    def step_timings() -> dict[tuple[int, str], tuple[Any, ...]]:
        rows = db.session.scalars(select(StepTiming)).all()
        return {(t.request_id, t.step.value): (t.worker_id, t.done_at, t.working_days, t.on_time) for t in rows}

    recorded = step_timings()
    assert len(recorded) == sum(1 for r in requests if r.acknowledged_at) + 2 * by_status[RequestStatus.CLOSED]
    for req in requests:
        if req.acknowledged_at:
            timings.record_acknowledged(req)
        if req.closed_at:
            timings.record_closed(req)
    assert step_timings() == recorded
    # The scheduled jobs have already done their work on the demo's past: starting the worker sends nothing.
    assert notify_overdue() == 0 and send_promise_reminders() == 0
    assert all(req.overdue_notified_at for req in requests if overdue(req))


def test_demo_requests_load_once(app):
    load_demo()
    db.session.commit()
    models = (ConsultationRequest, RequestEvent, Promise, PodInvite, StepTiming, PulseResponse, User)
    before = {m.__name__: _count(m) for m in models}
    load_demo()
    db.session.commit()
    assert {m.__name__: _count(m) for m in models} == before


def test_each_demo_school_sits_in_its_towns_real_district_and_a_gias_district_lands_in_one_locality(app):
    from portal.directory.models import DistrictMapping

    load_demo()
    real = {
        "Coalville": "North West Leicestershire",
        "Whitwick": "North West Leicestershire",
        "Ibstock": "North West Leicestershire",
        "Oakthorpe": "North West Leicestershire",
        "Desford": "Hinckley and Bosworth",
        "Loughborough": "Charnwood",
        "Barrow upon Soar": "Charnwood",
    }
    schools = db.session.scalars(select(Organisation).where(Organisation.kind == OrganisationKind.SCHOOL)).all()
    assert {s.name: s.district for s in schools} == {s.name: real[s.town] for s in SCHOOLS}
    mapped = {m.district: m.locality.name for m in db.session.scalars(select(DistrictMapping))}
    assert mapped == {
        "Charnwood": "Charnwood South and Desford",
        "Hinckley and Bosworth": "Charnwood South and Desford",
        "North West Leicestershire": "North West Leicestershire",
    }
    assert {name for name, _ in LOCALITIES.values()} == {loc.name for loc in db.session.scalars(select(Locality))}
