"""Escalations in sight: a due date on every escalation and disagreement (the locality's working days, default
5), a tag in the queue, and an overdue one told once to the manager, or to who covers them when away."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from portal.common.models import OutboxMessage
from portal.common.roles import Role
from portal.common.times import format_date, london_today
from portal.common.working_days import due_at
from portal.extensions import db
from portal.requests import services
from portal.requests.models import Escalation, EscalationKind
from tests.support.forms import post


def _queue_tags(client: Any) -> dict[str, str]:
    page = client.get("/requests")
    return {
        row.select_one("th a").get_text(strip=True): " ".join(row.select("td")[-1].get_text(" ").split())
        for row in page.soup.select("tbody tr")
    }


def test_an_escalation_is_due_in_the_localitys_working_days_and_tagged_until_answered(client_for, world, factories):
    world.locality.sla_escalation_days = 3
    req = factories.ConsultationRequestFactory(
        organisation=world.school, created_by=world.partner, routed_to=world.practitioner
    )
    other = factories.ConsultationRequestFactory(organisation=world.school, routed_to=world.practitioner)
    db.session.commit()
    partner = client_for(Role.PARTNER)
    sent = post(partner, f"/requests/{req.id}/escalate", {"kind": "speak_to_manager", "text": "Please call me back."})
    assert sent.status_code == 302, sent.get_data(as_text=True)[:1500]

    escalation = db.session.scalars(select(Escalation)).one()
    assert escalation.due_on == due_at(escalation.raised_at, 3)
    page = partner.get(f"/requests/{req.id}")
    assert (
        f"A manager will respond by {format_date(escalation.due_on)}."
        in page.soup.select_one(f"#escalation-{escalation.id}-due").get_text()
    )

    tags = _queue_tags(client_for(Role.PRACTITIONER))
    assert "Waiting for a manager" in tags[req.reference] and "Waiting for a manager" not in tags[other.reference]

    manager = client_for(Role.MANAGER)
    answered = post(
        manager, f"/requests/{req.id}/escalations/{escalation.id}/respond", {"response": "I will call you today."}
    )
    assert answered.status_code == 302, answered.get_data(as_text=True)[:1500]
    assert "Waiting for a manager" not in _queue_tags(client_for(Role.PRACTITIONER))[req.reference]


def test_an_overdue_escalation_goes_once_to_who_covers_the_absent_manager(client_for, world, factories):
    today = london_today()
    req = factories.ConsultationRequestFactory(organisation=world.school, created_by=world.partner)
    factories.EscalationFactory(
        request=req, raised_by=world.partner, kind=EscalationKind.DISAGREEMENT, due_on=today - timedelta(days=1)
    )
    factories.EscalationFactory(request=req, raised_by=world.partner, due_on=today)  # due today: not overdue yet
    factories.StaffAbsenceFactory(
        user=world.manager,
        cover=world.practitioner,
        starts_on=today - timedelta(days=2),
        ends_on=today + timedelta(days=2),
    )
    db.session.commit()

    cover_home = client_for(Role.PRACTITIONER).get("/home")
    rows = [" ".join(li.get_text(" ").split()) for li in cover_home.soup.select("#covering-escalations li")]
    assert len(rows) == 2 and "Overdue" in rows[0] and "disagreed with the outcome" in rows[0]
    assert "Overdue" not in rows[1]
    manager_home = client_for(Role.MANAGER).get("/home")
    assert "Overdue" in manager_home.soup.select_one("#escalations li").get_text()

    # Overdue, it moves on to the head of service (tests/integration/requests/test_escalation_stages.py), and
    # who covers the absent manager is told once.
    assert services.notify_overdue_escalations(today=today) == 1
    db.session.commit()
    assert services.notify_overdue_escalations(today=today) == 0
    to_staff = [m for m in db.session.scalars(select(OutboxMessage)).all() if m.recipient != world.partner.email]
    [email] = to_staff
    assert email.recipient == world.practitioner.email
    assert email.subject.startswith("Passed to the head of service: a partner is waiting")
    assert req.reference in email.subject
