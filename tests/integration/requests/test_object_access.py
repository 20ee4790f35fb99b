"""Object-level access on every request route, found by walking the URL map: another school's partner and
another locality's practitioner and manager get 404 (the request's existence does not leak) wherever
their role may use the route, 403 where it never may, and change nothing; admins, who do not see case
records, get 403 everywhere."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from portal.common.models import AuditEvent
from portal.common.permissions import PUBLIC, SIGNED_IN
from portal.common.roles import Role
from portal.extensions import db
from portal.models_base import utcnow
from portal.requests.models import (
    ConsultationRequest,
    Escalation,
    PodInvite,
    PodInvitee,
    Promise,
    RequestStatus,
)
from tests.integration.requests.conftest import audit_rows, count, day_fields
from tests.support.db import row_counts
from tests.support.forms import post

# A body that the route would accept from someone allowed: a refusal is then about access, not content.
POST_DATA: dict[str, Any] = {
    "text": "Taken over by someone else",
    "kind": "speak_to_manager",
    "worker_id": "0",
    "next_step": "Taken over",
    "at": "2pm",
    "method": "phone",
    "details": "",
    "reason": "Taken over",
    "outcome": "no_further_action",
    "outcome_summary": "Taken over",
    "response": "Taken over",
}


@pytest.fixture
def target(world: Any, make_request: Any, factories: Any) -> dict[str, Any]:
    """A request of the world's school, with a promise, an escalation and a pod invite, and the values of
    every URL argument a request route may take."""
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    promise = factories.PromiseFactory(request=req, made_by_id=world.practitioner.id)
    escalation = factories.EscalationFactory(request=req, raised_by_id=world.partner.id)
    starts = utcnow() + timedelta(days=3)
    invite = PodInvite(
        request_id=req.id, organiser_id=world.practitioner.id, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    db.session.add(invite)
    db.session.flush()
    invitee = PodInvitee(invite_id=invite.id, user_id=world.partner.id)
    db.session.add(invitee)
    db.session.commit()
    return {
        "request": req,
        "args": {
            "request_id": req.id,
            "promise_id": promise.id,
            "escalation_id": escalation.id,
            "invite_id": invite.id,
            "invitee_id": invitee.id,
        },
    }


def request_routes(app: Flask, args: dict[str, int]) -> list[tuple[str, str, str, frozenset[Any]]]:
    """(endpoint, method, url, roles the route admits) for every method of every route on a request."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("requests.") or "request_id" not in rule.arguments:
            continue
        missing = set(rule.arguments) - set(args)
        assert not missing, f"{rule.endpoint}: give the target fixture a value for {missing}"
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<int:{name}>", str(args[name])).replace(f"<{name}>", str(args[name]))
        access = app.view_functions[rule.endpoint].access
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            routes.append((rule.endpoint, method, url, access))
    return routes


def test_every_request_route_is_covered(app, target):
    endpoints = {endpoint for endpoint, *_ in request_routes(app, target["args"])}
    assert {
        "requests.request_page",
        "requests.add_message",
        "requests.acknowledge",
        "requests.schedule",
        "requests.wait",
        "requests.resume",
        "requests.close",
        "requests.new_promise",
        "requests.keep_promise",
        "requests.escalate",
        "requests.respond",
    } <= endpoints


def snapshot(request_id: int) -> dict[str, Any]:
    db.session.expire_all()
    req = db.session.get(ConsultationRequest, request_id)
    assert req is not None
    return {
        "status": req.status,
        "worker_id": req.worker_id,
        "next_step": req.next_step,
        "outcome": req.outcome,
        "paused_since": req.paused_since,
        "consultation_at": req.consultation_at,
        "events": len(req.events),
        "promises": [(p.text, p.kept_at) for p in req.promises],
        "escalations": [(e.response, e.responded_at) for e in req.escalations],
    }


@pytest.mark.parametrize("who", ["other_partner", "other_practitioner", "other_manager", "admin"])
def test_outsiders_are_refused_on_every_request_route_and_change_nothing(app, client_for, world, target, today, who):
    user = getattr(world, who)
    client = client_for(user)
    req = target["request"]
    data = {
        **POST_DATA,
        **day_fields("expected_by", today + timedelta(days=3)),
        **day_fields("on", today + timedelta(days=3)),
        **day_fields("due_on", today + timedelta(days=3)),
    }
    before_rows = row_counts(skip=("audit_event",))
    before_audit = count(AuditEvent)
    before = snapshot(req.id)

    for endpoint, method, url, access in request_routes(app, target["args"]):
        response = client.get(url) if method == "GET" else post(client, url, data)
        may_use = user.role in access or bool(access & {PUBLIC, SIGNED_IN})
        expected = 404 if may_use and user.role is not Role.ADMIN else 403
        assert response.status_code == expected, f"{who}: {method} {url} ({endpoint}) gave {response.status_code}"
        if expected == 404:
            assert response.soup.h1.get_text(strip=True) == "Page not found"

    assert row_counts(skip=("audit_event",)) == before_rows
    assert snapshot(req.id) == before
    # Refusals by role are recorded as denied access; nothing else is written, and no view is recorded.
    db.session.expire_all()
    new_actions = {a.action for a in db.session.query(AuditEvent).where(AuditEvent.id > before_audit)}
    assert new_actions <= {"access.denied"}
    assert audit_rows(req.id, "request.viewed") == []


def test_the_request_is_not_in_an_outsiders_list(client_for, world, target):
    for who in ("other_partner", "other_practitioner"):
        page = client_for(getattr(world, who)).get("/requests")
        assert page.status_code == 200
        assert page.soup.select("table.govuk-table tbody tr") == []


def test_the_owners_get_through_on_every_route_they_may_use(app, client_for, world, target):
    """The control: the same GETs let the school's partner and the locality's staff through (a page, or a
    redirect for a step that does not apply yet)."""
    clients = {Role.PARTNER: client_for(Role.PARTNER), Role.PRACTITIONER: client_for(Role.PRACTITIONER)}
    manager_only = {"requests.respond"}
    for endpoint, method, url, access in request_routes(app, target["args"]):
        if method != "GET":
            continue
        for role, client in clients.items():
            if role in access and endpoint not in manager_only:
                response = client.get(url)
                assert response.status_code in (200, 302), f"{role}: GET {url} gave {response.status_code}"
                assert "/sign-in" not in response.headers.get("Location", ""), url
    assert count(Promise) == 1 and count(Escalation) == 1


def test_a_promise_or_escalation_of_another_request_cannot_be_reached_through_ones_own(
    client_for, world, target, make_request, factories
):
    """The ids in the URL must belong together: the locality's manager, who may see both requests, still
    gets 404 for a promise or escalation named under the wrong request."""
    other = make_request(status=RequestStatus.ACKNOWLEDGED)
    promise = factories.PromiseFactory(request=other, made_by_id=world.practitioner.id)
    escalation = factories.EscalationFactory(request=other, raised_by_id=world.partner.id)
    manager = client_for(Role.MANAGER)
    req_id = target["args"]["request_id"]
    before = row_counts(skip=("audit_event",))
    assert post(manager, f"/requests/{req_id}/promises/{promise.id}/keep").status_code == 404
    assert manager.get(f"/requests/{req_id}/escalations/{escalation.id}/respond").status_code == 404
    assert (
        post(manager, f"/requests/{req_id}/escalations/{escalation.id}/respond", {"response": "No"}).status_code == 404
    )
    assert row_counts(skip=("audit_event",)) == before
