"""Reassignment: the lead, their manager or who covers them passes an open request to another worker of the
area with a reason; the partner sees who holds it now and why; the timeline and the audit log record it,
the partner is e-mailed (no case details) and the request counts the change. Refusals change nothing.
And the repeat-request flag: a request about a child asked about in the 365 days before."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from portal.common.roles import Role
from portal.common.times import london_today
from portal.extensions import db
from portal.models_base import utcnow
from portal.requests.models import ConsultationRequest, EventKind, RequestKind, RequestStatus
from portal.requests.services import submit_request
from tests.integration.requests.conftest import audit_actions, event_kinds, fresh, outbox_to
from tests.support.db import row_counts
from tests.support.forms import errors, post

REASON = "Sam now works part-time; Nia will see this through to the end."


@pytest.fixture
def nia(factories: Any, world: Any) -> Any:
    return factories.UserFactory(role=Role.PRACTITIONER, locality=world.locality, name="Nia Newworker")


def reassign(client: Any, req: Any, worker: Any, reason: str = REASON) -> Any:
    return post(client, f"/requests/{req.id}/reassign", {"worker_id": str(worker.id), "reason": reason})


def details(page: Any) -> dict[str, str]:
    return {
        row.select_one(".govuk-summary-list__key").get_text(strip=True): row.select_one(
            ".govuk-summary-list__value"
        ).get_text(" ", strip=True)
        for row in page.soup.select("#request-details .govuk-summary-list__row")
    }


def test_the_lead_reassigns_and_the_partner_sees_who_holds_it_now_and_why(make_request, world, nia, client_for):
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    lead = client_for(Role.PRACTITIONER)
    assert lead.get(f"/requests/{req.id}").soup.find("a", string="Reassign to another worker") is not None
    form = lead.get(f"/requests/{req.id}/reassign")
    assert form.status_code == 200
    # The one who holds it now is not offered.
    offered = [o.get_text() for o in form.soup.select("#worker_id option")]
    assert "Nia Newworker" in offered and "Lee Lead" not in offered

    response = reassign(lead, req, nia)

    assert response.status_code == 302
    saved = fresh(ConsultationRequest, req.id)
    assert (saved.worker_id, saved.worker_changes) == (nia.id, 1)
    assert event_kinds(req.id)[-1] is EventKind.REASSIGNED
    assert "request.reassigned" in audit_actions(req.id)
    page = client_for(Role.PARTNER).get(f"/requests/{req.id}")
    shown = details(page)
    assert shown["Contact"] == "Nia Newworker"
    assert shown["Reassigned"].endswith(f": now held by Nia Newworker. Why: {REASON}")
    timeline = page.soup.select_one("ol.portal-timeline").get_text(" ", strip=True)
    assert "Reassigned" in timeline and REASON in timeline
    # The partner and the new worker are told, with no case details.
    to_partner = [m for m in outbox_to(world.partner.email) if "someone new" in m.subject]
    assert len(to_partner) == 1
    assert REASON not in to_partner[0].body_text and "KM" not in to_partner[0].body_text
    assert [m.subject for m in outbox_to(nia.email)] == [f"A request has been passed to you ({req.reference})"]


def test_before_acknowledgement_it_is_sent_to_the_new_worker_to_acknowledge(make_request, nia, client_for):
    req = make_request()
    assert reassign(client_for(Role.PRACTITIONER), req, nia).status_code == 302
    saved = fresh(ConsultationRequest, req.id)
    assert (saved.routed_to_id, saved.worker_id, saved.worker_changes) == (nia.id, None, 1)


def test_the_manager_and_the_cover_may_reassign_and_each_change_counts(make_request, world, nia, factories, client_for):
    cover = factories.UserFactory(role=Role.PRACTITIONER, locality=world.locality, name="Cora Cover")
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    assert reassign(client_for(Role.MANAGER), req, nia).status_code == 302
    factories.StaffAbsenceFactory(
        user=nia, cover=cover, starts_on=london_today(), ends_on=london_today() + timedelta(days=1)
    )
    assert reassign(client_for(cover), req, world.practitioner, "Nia is away for a week.").status_code == 302
    saved = fresh(ConsultationRequest, req.id)
    assert (saved.worker_id, saved.worker_changes) == (world.practitioner.id, 2)
    assert event_kinds(req.id).count(EventKind.REASSIGNED) == 2


def test_others_may_not_reassign_and_refusals_change_nothing(make_request, world, nia, factories, client_for):
    bystander = factories.UserFactory(role=Role.PRACTITIONER, locality=world.locality, name="Bea Bystander")
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    skip = ("audit_event", "user_session")  # views are audited; signing in makes a session
    before = row_counts(skip=skip)
    as_bystander = client_for(bystander)
    assert as_bystander.get(f"/requests/{req.id}").soup.find("a", string="Reassign to another worker") is None
    assert as_bystander.get(f"/requests/{req.id}/reassign").status_code == 403
    assert reassign(as_bystander, req, nia).status_code == 403
    assert reassign(client_for(world.other_practitioner), req, nia).status_code == 404
    assert client_for(Role.PARTNER).get(f"/requests/{req.id}/reassign").status_code == 403

    lead = client_for(Role.PRACTITIONER)
    assert errors(reassign(lead, req, nia, reason="   ")) == ["Enter why the request is moving to another worker"]
    assert errors(reassign(lead, req, world.other_practitioner)) == ["Select who should hold the request now"]
    assert errors(reassign(lead, req, world.practitioner)) == ["Select who should hold the request now"]
    assert fresh(ConsultationRequest, req.id).worker_changes == 0
    assert row_counts(skip=skip) == before

    closed = make_request(status=RequestStatus.CLOSED, closed_at=utcnow())
    assert lead.get(f"/requests/{closed.id}/reassign").status_code == 403


# --- repeat requests ------------------------------------------------------------------------------------------


def ask(world: Any, *, initials: str = "KM", year: int | None = 2015, case: str = "") -> ConsultationRequest:
    req = submit_request(
        by=world.partner,
        kind=RequestKind.QUERY,
        child_initials=initials,
        child_birth_year=year,
        case_reference=case,
        summary="A question about support.",
        help_wanted="",
        confirmed=False,
    )
    db.session.commit()
    return req


def test_a_child_asked_about_in_the_year_before_makes_a_repeat(world, factories):
    first = ask(world)
    assert not first.is_repeat
    assert ask(world).is_repeat  # same school, initials and year of birth
    assert not ask(world, year=2016).is_repeat
    assert not ask(world, initials="JB").is_repeat


def test_the_same_case_reference_from_any_school_is_a_repeat(world, factories):
    factories.ConsultationRequestFactory(
        organisation=world.other_school, case_reference="CR-2041", child_initials="", child_birth_year=None
    )
    db.session.commit()
    assert ask(world, initials="", year=None, case="cr-2041").is_repeat
    assert not ask(world, initials="", year=None, case="CR-2042").is_repeat


def test_a_request_older_than_365_days_another_schools_or_an_anonymised_one_is_no_repeat(world, factories):
    factories.ConsultationRequestFactory(organisation=world.school, received_at=utcnow() - timedelta(days=366))
    factories.ConsultationRequestFactory(organisation=world.other_school)
    factories.ConsultationRequestFactory(
        organisation=world.school,
        case_reference="CR-9",
        child_initials="",
        child_birth_year=None,
        anonymised_at=utcnow(),
    )
    db.session.commit()
    assert not ask(world).is_repeat
    assert not ask(world, initials="", year=None, case="CR-9").is_repeat
    factories.ConsultationRequestFactory(organisation=world.school, received_at=utcnow() - timedelta(days=364))
    db.session.commit()
    assert ask(world).is_repeat
