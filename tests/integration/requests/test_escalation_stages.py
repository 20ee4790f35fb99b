"""A staged escalation with the clock moved: due, overdue and moved on to the head of service (a flag on a
manager, set by admins), told to the manager's cover while the manager is away; the partner sees the stage
and the date; an answer closes the stage."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.common.roles import Role
from portal.common.times import format_date
from portal.common.working_days import add_working_days
from portal.extensions import db
from portal.requests import services
from portal.requests.models import Escalation, EscalationStage, EventKind
from tests.integration.requests.conftest import (
    audit_actions,
    audit_rows,
    event_kinds,
    london_moment,
    outbox_to,
    text_of,
)
from tests.support.forms import post

MONDAY = date(2026, 11, 30)  # the escalation is raised; 5 working days later, Monday 7 December, it is due


def _raise(client_for, world, factories, clock):
    clock.set(london_moment(MONDAY, 10))
    req = factories.ConsultationRequestFactory(
        organisation=world.school, created_by=world.partner, routed_to=world.practitioner
    )
    db.session.commit()
    sent = post(
        client_for(Role.PARTNER), f"/requests/{req.id}/escalate", {"kind": "speak_to_manager", "text": "Call me."}
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)[:1500]
    escalation = db.session.scalars(select(Escalation)).one()
    assert escalation.due_on == date(2026, 12, 7) and escalation.stage == EscalationStage.MANAGER
    return req, escalation


def _head_of_service(factories, world):
    """A manager of the other locality, marked by an admin as the head of service."""
    head = factories.UserFactory(role=Role.MANAGER, locality=world.other_locality, name="Hana Head")
    db.session.commit()
    return head


def test_on_its_due_date_it_stays_with_the_manager_and_the_day_after_it_moves_on(client_for, world, factories, clock):
    req, escalation = _raise(client_for, world, factories, clock)
    head = _head_of_service(factories, world)
    admin = client_for(Role.ADMIN)
    assert post(admin, f"/users/{head.id}/head-of-service", {}).status_code == 302
    db.session.refresh(head)
    assert head.is_head_of_service

    clock.set(london_moment(date(2026, 12, 7), 18))  # due today: not yet overdue
    assert services.notify_overdue_escalations() == 0
    assert client_for(head).get("/home").soup.select("#escalations li") == []
    partner = client_for(Role.PARTNER)
    due_text = text_of(partner.get(f"/requests/{req.id}"), f"#escalation-{escalation.id}-due")
    assert due_text == "Stage 1 of 2. A manager will respond by 7 December 2026."
    # The head of service cannot see a request whose escalation has not reached them.
    assert client_for(head).get(f"/requests/{req.id}").status_code == 404

    clock.set(london_moment(date(2026, 12, 8), 7))  # overdue
    assert services.notify_overdue_escalations() == 1
    db.session.commit()
    db.session.refresh(escalation)
    assert escalation.stage == EscalationStage.HEAD_OF_SERVICE
    assert escalation.due_on == add_working_days(date(2026, 12, 8), 5) == date(2026, 12, 15)
    assert escalation.moved_on_at is not None
    assert services.notify_overdue_escalations() == 0  # moved on once
    assert EventKind.ESCALATION_MOVED_ON in event_kinds(req.id)
    assert "escalation.moved_on" in audit_actions(req.id)

    [to_head] = outbox_to(head.email)
    assert to_head.subject == f"Passed to the head of service: a partner is waiting ({req.reference})"
    [to_manager] = outbox_to(world.manager.email)[-1:]
    assert to_manager.subject.startswith("Passed to the head of service")
    assert outbox_to(world.partner.email)[-1].subject == f"Passed to the head of service ({req.reference})"

    page = client_for(Role.PARTNER).get(f"/requests/{req.id}")
    assert text_of(page, f"#escalation-{escalation.id}-due") == (
        "Stage 2 of 2. No manager responded in time, so it was passed to the head of service on 8 December 2026."
        " The head of service will respond by 15 December 2026."
    )
    assert "Passed to the head of service" in text_of(page, ".portal-timeline")

    # The head of service, a manager of another locality, now has it on their home, sees the request and
    # answers: the stage closes.
    head_client = client_for(head)
    waiting = head_client.get("/home").soup.select("#escalations li")
    assert [req.reference in item.get_text() for item in waiting] == [True]
    assert head_client.get(f"/requests/{req.id}").status_code == 200
    answered = post(
        head_client, f"/requests/{req.id}/escalations/{escalation.id}/respond", {"response": "I will call you."}
    )
    assert answered.status_code == 302, answered.get_data(as_text=True)[:1500]
    db.session.refresh(escalation)
    assert escalation.responded_by_id == head.id and escalation.responded_at is not None
    page = client_for(Role.PARTNER).get(f"/requests/{req.id}")
    assert "The head of service's response" in page.soup.get_text()
    assert not page.soup.select(f"#escalation-{escalation.id}-due")
    clock.set(london_moment(date(2026, 12, 20), 9))
    assert services.notify_overdue_escalations() == 0  # answered: nothing moves on or is told


def test_while_the_manager_is_away_their_cover_is_told_at_each_stage(client_for, world, factories, clock):
    cover = factories.UserFactory(role=Role.MANAGER, locality=world.locality, name="Cora Cover")
    factories.StaffAbsenceFactory(
        user=world.manager, cover=cover, starts_on=MONDAY - timedelta(days=1), ends_on=date(2026, 12, 31)
    )
    db.session.commit()
    req, escalation = _raise(client_for, world, factories, clock)
    # Raised while the manager is away: their cover is told, not the manager.
    assert [m.subject for m in outbox_to(cover.email)] == [f"Asked to speak to a manager ({req.reference})"]
    assert outbox_to(world.manager.email) == []

    head = _head_of_service(factories, world)
    head.is_head_of_service = True
    db.session.commit()
    clock.set(london_moment(date(2026, 12, 8), 9))
    assert services.notify_overdue_escalations() == 1
    db.session.commit()
    assert outbox_to(cover.email)[-1].subject.startswith("Passed to the head of service")
    assert outbox_to(world.manager.email) == []
    assert len(outbox_to(head.email)) == 1

    # The second stage overdue too: the head of service and the cover are told once more, once.
    clock.set(london_moment(date(2026, 12, 16), 9))
    assert services.notify_overdue_escalations() == 1
    db.session.commit()
    assert services.notify_overdue_escalations() == 0
    assert outbox_to(head.email)[-1].subject == (
        f"Overdue: a partner is waiting for the head of service ({req.reference})"
    )
    assert outbox_to(cover.email)[-1].subject.startswith("Overdue: a partner is waiting for the head of service")
    assert "escalation.overdue_notified" in audit_actions(req.id)
    page = client_for(Role.PARTNER).get(f"/requests/{req.id}")
    due = text_of(page, f"#escalation-{escalation.id}-due")
    assert due.startswith("Overdue Stage 2 of 2.") and format_date(date(2026, 12, 15)) in due


def test_only_an_admin_marks_a_head_of_service_and_only_a_manager_can_be_one(client_for, world):
    admin = client_for(Role.ADMIN)
    refused = post(admin, f"/users/{world.practitioner.id}/head-of-service", {})
    assert refused.status_code == 302
    db.session.refresh(world.practitioner)
    assert not world.practitioner.is_head_of_service
    assert "Only a manager can be the head of service" in admin.get("/users").get_data(as_text=True)
    assert post(client_for(Role.MANAGER), f"/users/{world.manager.id}/head-of-service", {}).status_code == 403
    db.session.refresh(world.manager)
    assert not world.manager.is_head_of_service
    # The admin's toggle: on, then off again, each audited.
    post(admin, f"/users/{world.manager.id}/head-of-service", {})
    db.session.refresh(world.manager)
    assert world.manager.is_head_of_service
    users = admin.get("/users")
    assert "Manager, head of service" in users.get_data(as_text=True)
    post(admin, f"/users/{world.manager.id}/head-of-service", {})
    db.session.refresh(world.manager)
    assert not world.manager.is_head_of_service


def _respond_link(page, req, escalation):
    return page.soup.find("a", href=f"/requests/{req.id}/escalations/{escalation.id}/respond")


def test_while_the_manager_is_away_a_practitioner_covering_them_answers_and_the_stage_closes(
    client_for, world, factories, clock
):
    # The cover works in another locality: covering the manager is what lets them see and answer.
    cover = factories.UserFactory(role=Role.PRACTITIONER, locality=world.other_locality, name="Cal Cover")
    factories.StaffAbsenceFactory(user=world.manager, cover=cover, starts_on=MONDAY, ends_on=date(2026, 12, 4))
    db.session.commit()
    req, escalation = _raise(client_for, world, factories, clock)
    url = f"/requests/{req.id}/escalations/{escalation.id}/respond"
    assert [m.subject for m in outbox_to(cover.email)] == [f"Asked to speak to a manager ({req.reference})"]

    clock.set(london_moment(date(2026, 12, 2), 11))  # Wednesday: the manager is still away
    # Practitioners who do not cover the manager: the locality's own lead sees the request but may not answer
    # (403, as before); one of another locality does not see it at all (404).
    lead = client_for(world.practitioner)
    assert _respond_link(lead.get(f"/requests/{req.id}"), req, escalation) is None
    assert lead.get(url).status_code == 403
    assert post(lead, url, {"response": "Not mine to answer."}).status_code == 403
    assert client_for(world.other_practitioner).get(url).status_code == 404
    assert post(client_for(world.other_practitioner), url, {"response": "No."}).status_code == 404
    db.session.refresh(escalation)
    assert escalation.responded_at is None

    covering = client_for(cover)
    page = covering.get(f"/requests/{req.id}")
    assert page.status_code == 200
    assert _respond_link(page, req, escalation) is not None
    assert covering.get(url).status_code == 200
    answered = post(covering, url, {"response": "I am covering for the manager and will call you today."})
    assert answered.status_code == 302, answered.get_data(as_text=True)[:1500]
    db.session.refresh(escalation)
    assert escalation.responded_by_id == cover.id and escalation.responded_at is not None
    assert escalation.stage == EscalationStage.MANAGER
    assert event_kinds(req.id)[-1] is EventKind.MANAGER_RESPONDED
    [responded] = audit_rows(req.id, "escalation.responded")
    assert responded.actor_id == cover.id and responded.detail["covering_for"] == world.manager.id
    assert outbox_to(world.partner.email)[-1].subject == f"A manager has responded ({req.reference})"

    page = client_for(Role.PARTNER).get(f"/requests/{req.id}")
    assert "Manager's response (Cal Cover," in " ".join(
        page.soup.select_one("#escalations").find_next("div").get_text().split()
    )
    assert not page.soup.select(f"#escalation-{escalation.id}-due")
    timeline = text_of(page, ".portal-timeline")
    assert "I am covering for the manager and will call you today." in timeline
    # Answered: it does not move on to the head of service.
    clock.set(london_moment(date(2026, 12, 10), 9))
    assert services.notify_overdue_escalations() == 0


def test_once_the_manager_is_back_their_cover_can_no_longer_answer(client_for, world, factories, clock):
    # The locality's lead covers the manager on Monday and Tuesday only.
    factories.StaffAbsenceFactory(
        user=world.manager, cover=world.practitioner, starts_on=MONDAY, ends_on=MONDAY + timedelta(days=1)
    )
    db.session.commit()
    req, escalation = _raise(client_for, world, factories, clock)
    url = f"/requests/{req.id}/escalations/{escalation.id}/respond"
    lead = client_for(world.practitioner)
    assert _respond_link(lead.get(f"/requests/{req.id}"), req, escalation) is not None
    assert lead.get(url).status_code == 200

    clock.set(london_moment(MONDAY + timedelta(days=2), 9))  # Wednesday: the manager is back
    assert _respond_link(lead.get(f"/requests/{req.id}"), req, escalation) is None
    assert lead.get(url).status_code == 403
    assert post(lead, url, {"response": "Too late."}).status_code == 403
    db.session.refresh(escalation)
    assert escalation.responded_at is None
    assert "escalation.responded" not in audit_actions(req.id)
    manager = client_for(Role.MANAGER)
    assert _respond_link(manager.get(f"/requests/{req.id}"), req, escalation) is not None
    assert post(manager, url, {"response": "I am back and will call you."}).status_code == 302
    db.session.refresh(escalation)
    assert escalation.responded_by_id == world.manager.id
