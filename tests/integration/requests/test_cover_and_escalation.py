"""Someone answers when the worker is away, and a partner can always reach a manager: asking to speak to
one at any time, disagreeing with the outcome once the request is closed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from portal.common.roles import Role
from portal.extensions import db
from portal.requests.models import Escalation, EscalationKind, EventKind, Outcome, RequestStatus
from tests.integration.requests.conftest import (
    assert_no_case_details,
    audit_actions,
    body_of,
    count,
    event_kinds,
    outbox_to,
)
from tests.support.db import row_counts
from tests.support.forms import assert_error_page, post

ASK = "I have not heard back in a week and the situation at home is getting worse."
RESPONSE = "I am sorry for the delay. I have asked the worker's cover to call you today."


@pytest.fixture
def partner(client_for: Any) -> Any:
    return client_for(Role.PARTNER)


def contact(page: Any) -> str:
    for row in page.soup.select("#request-details .govuk-summary-list__row"):
        if row.select_one(".govuk-summary-list__key").get_text(strip=True) == "Contact":
            return " ".join(row.select_one(".govuk-summary-list__value").get_text().split())
    raise AssertionError("no Contact row")


def queue_references(client: Any) -> list[str]:
    page = client.get("/requests")
    assert page.status_code == 200
    return [row.th.get_text(strip=True) for row in page.soup.select("table.govuk-table tbody tr")]


def _only_escalation_id(request_id: int) -> int:
    db.session.expire_all()
    ids = list(db.session.scalars(select(Escalation.id).where(Escalation.request_id == request_id)))
    assert len(ids) == 1, ids
    return ids[0]


def test_while_the_worker_is_away_the_partner_sees_the_cover_and_the_cover_sees_the_request(
    partner, client_for, world, factories, make_request, today
):
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    assert contact(partner.get(f"/requests/{req.id}")) == world.practitioner.name

    # The cover works in another locality.
    cover = world.other_practitioner
    factories.StaffAbsenceFactory(
        user=world.practitioner, cover=cover, starts_on=today, ends_on=today + timedelta(days=5)
    )
    assert contact(partner.get(f"/requests/{req.id}")) == (
        f"{cover.name} (covering for {world.practitioner.name}, who is away)"
    )
    covering = client_for(cover)
    assert queue_references(covering) == [req.reference]
    assert covering.get(f"/requests/{req.id}").status_code == 200


def test_a_request_sent_to_an_absent_lead_is_in_the_covers_queue_before_anyone_picks_it_up(
    client_for, world, factories, make_request, today
):
    req = make_request()  # routed to the lead, nobody assigned yet
    cover = world.other_practitioner
    covering = client_for(cover)
    assert queue_references(covering) == []
    assert covering.get(f"/requests/{req.id}").status_code == 404

    factories.StaffAbsenceFactory(user=world.practitioner, cover=cover, starts_on=today, ends_on=today)
    assert queue_references(covering) == [req.reference]
    assert covering.get(f"/requests/{req.id}").status_code == 200


def test_an_absence_that_has_ended_gives_the_request_back(client_for, world, factories, make_request, today):
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    factories.StaffAbsenceFactory(
        user=world.practitioner,
        cover=world.other_practitioner,
        starts_on=today - timedelta(days=5),
        ends_on=today - timedelta(days=1),
    )
    assert client_for(world.other_practitioner).get(f"/requests/{req.id}").status_code == 404


def test_the_partner_asks_to_speak_to_a_manager_who_responds(partner, client_for, world, make_request, deliver, inbox):
    req = make_request(status=RequestStatus.ACKNOWLEDGED, child_initials="QZ", child_birth_year=2013)
    form = partner.get(f"/requests/{req.id}/escalate?kind=speak_to_manager")
    assert form.status_code == 200
    checked = form.soup.find("input", attrs={"name": "kind", "checked": True})
    assert checked is not None and checked["value"] == "speak_to_manager"

    response = post(partner, f"/requests/{req.id}/escalate", {"kind": "speak_to_manager", "text": ASK})
    assert response.status_code == 302
    escalation_id = _only_escalation_id(req.id)

    # The manager is told, and sees a way to respond.
    [queued] = outbox_to(world.manager.email)
    assert queued.subject == f"Asked to speak to a manager ({req.reference})"
    manager = client_for(Role.MANAGER)
    page = manager.get(f"/requests/{req.id}")
    link = page.soup.find("a", href=f"/requests/{req.id}/escalations/{escalation_id}/respond")
    assert link is not None and link.get_text(strip=True).startswith("Respond")
    # The practitioner sees the escalation but cannot respond to it.
    practitioner = client_for(Role.PRACTITIONER)
    assert practitioner.get(f"/requests/{req.id}").soup.find("a", href=link["href"]) is None
    assert practitioner.get(link["href"]).status_code == 403

    assert manager.get(link["href"]).status_code == 200
    assert post(manager, link["href"], {"response": RESPONSE}).status_code == 302
    page = partner.get(f"/requests/{req.id}")
    escalations = " ".join(page.soup.select_one("#escalations").find_next("div").get_text().split())
    assert ASK in escalations
    assert f"Manager's response ({world.manager.name}," in escalations
    assert RESPONSE in escalations
    assert event_kinds(req.id)[-2:] == [EventKind.ESCALATED, EventKind.MANAGER_RESPONDED]
    changes = [a for a in audit_actions(req.id) if a != "request.viewed"]
    assert changes == ["request.escalated", "escalation.responded"]

    # Responding again is refused.
    before = row_counts()
    assert_error_page(post(manager, link["href"], {"response": "Again"}), "A manager has already responded")
    assert row_counts() == before

    sent, failed = deliver()
    assert (sent, failed) == (2, 0)
    messages = inbox.wait_for(2)
    assert sorted(m["To"] for m in messages) == sorted([world.manager.email, world.partner.email])
    assert_no_case_details(
        [body_of(m) for m in messages] + [m["Subject"] for m in messages], ASK, RESPONSE, req.summary, "QZ", "2013"
    )


def test_disagreeing_is_offered_and_allowed_only_once_the_request_is_closed(partner, world, make_request):
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    disagree = f"/requests/{req.id}/escalate?kind=disagreement"
    assert partner.get(f"/requests/{req.id}").soup.find("a", href=disagree) is None
    before = row_counts()
    response = post(partner, f"/requests/{req.id}/escalate", {"kind": "disagreement", "text": "I disagree."})
    assert_error_page(response, "You can disagree with the outcome once the request is closed")
    assert row_counts() == before

    closed = make_request(status=RequestStatus.CLOSED, outcome=Outcome.NO_FURTHER_ACTION, outcome_summary="No action.")
    page = partner.get(f"/requests/{closed.id}")
    assert page.soup.find("a", href=f"/requests/{closed.id}/escalate?kind=disagreement") is not None
    response = post(partner, f"/requests/{closed.id}/escalate", {"kind": "disagreement", "text": "We still worry."})
    assert response.status_code == 302
    assert count(Escalation, Escalation.request_id == closed.id, Escalation.kind == EscalationKind.DISAGREEMENT) == 1
    assert event_kinds(closed.id)[-1] is EventKind.DISAGREED
    assert [m.subject for m in outbox_to(world.manager.email)] == [f"Disagrees with the outcome ({closed.reference})"]


def test_an_escalation_needs_a_reason_and_holds_likely_identifiers(partner, make_request):
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    before = row_counts()
    assert_error_page(
        post(partner, f"/requests/{req.id}/escalate", {}), "Select what you want to do", "Tell the manager why"
    )
    warned = post(
        partner, f"/requests/{req.id}/escalate", {"kind": "speak_to_manager", "text": "Jayden Smith is at risk."}
    )
    assert_error_page(warned, "Remove the name (Jayden Smith). Use initials instead")
    assert warned.soup.find("input", attrs={"name": "confirm_identifiers"}) is not None
    assert row_counts() == before
