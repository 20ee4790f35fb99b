"""Whose figures a manager sees: their area only. A locality, pod or practitioner outside it is 404 on
every route (never data, never a hint that it exists); a period that is not one is a form error."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.common.roles import Role
from portal.common.working_days import due_at, due_date_with_pauses
from portal.dashboards import services
from portal.extensions import db
from portal.models_base import utcnow
from portal.requests import services as requests_services
from portal.requests import timings
from portal.requests.models import ConsultationMethod, Outcome, RequestPause, RequestStatus, Step, StepTiming
from tests.support.db import count

LONDON = ZoneInfo("Europe/London")
ROUTES = ("/dashboards", "/dashboards/report", "/dashboards/report.pdf", "/dashboards/report.csv")


@pytest.mark.parametrize("path", ROUTES)
def test_another_localitys_manager_gets_404_for_a_filter_outside_their_area(client_for, world, factories, path):
    other = client_for(world.other_manager)
    pod = factories.PodFactory(locality=world.locality)
    for query in (
        f"locality={world.locality.id}",
        f"pod={pod.id}",
        f"practitioner={world.practitioner.id}",
        "locality=999999",
        "locality=abc",
    ):
        response = other.get(f"{path}?{query}")
        assert response.status_code == 404, (query, response.status_code)
    assert other.get(f"{path}?locality={world.other_locality.id}").status_code == 200


def test_a_manager_of_two_localities_sees_both(client_for, world, factories):
    loc = world.other_locality
    loc.manager_id = world.manager.id
    db.session.commit()
    area = services.area_of(world.manager)
    assert {x.name for x in area.localities} == {"Northfield", "Southmere"}
    page = client_for(world.manager).get(f"/dashboards?locality={loc.id}")
    assert page.status_code == 200
    assert "Southmere" in page.soup.select_one("#locality option[selected]").get_text()


def test_a_period_that_is_not_one_is_a_form_error_and_shows_no_figures(client_for, world):
    page = client_for(Role.MANAGER).get("/dashboards?period=2025-Q9")
    assert page.status_code == 200
    assert page.soup.title.get_text().startswith("Error: Dashboard")
    assert (
        "Select a month, quarter or financial year from the list"
        in page.soup.select_one(".govuk-error-summary").get_text()
    )
    assert page.soup.find(id="responsiveness") is None
    # A report is only for a quarter.
    assert client_for(Role.MANAGER).get("/dashboards/report?period=2025-11").status_code == 404


def test_admins_and_practitioners_are_refused(client_for):
    for role in (Role.ADMIN, Role.PRACTITIONER, Role.PARTNER):
        assert client_for(role).get("/dashboards").status_code == 403


def test_acknowledging_and_closing_a_request_measure_its_steps(world, factories):
    """The request services record the step timings in the same transaction as the change."""
    req = factories.ConsultationRequestFactory(organisation=world.school, created_by=world.partner)
    lead = world.practitioner
    requests_services.acknowledge_request(
        req, by=lead, worker_id=lead.id, next_step="We will call.", expected_by=requests_services.london_today()
    )
    db.session.commit()
    ack = db.session.get(StepTiming, (req.id, Step.ACKNOWLEDGE))
    assert ack is not None
    assert (ack.working_days, ack.on_time, ack.worker_id, ack.locality_id) == (0, True, lead.id, world.locality.id)
    requests_services.close_request(req, by=lead, outcome=Outcome.ADVICE_GIVEN, summary="Advice given.")
    db.session.commit()
    assert count(StepTiming, StepTiming.request_id == req.id) == 3
    assert db.session.get(StepTiming, (req.id, Step.OUTCOME)).on_time is True


def test_a_rolled_back_change_leaves_no_timing(world, factories):
    """The timing is written in the change's own transaction: when that transaction is rolled back (as
    every request's is when anything after the service fails), no timing is left behind."""
    req = factories.ConsultationRequestFactory(organisation=world.school, created_by=world.partner)
    lead = world.practitioner
    requests_services.acknowledge_request(
        req, by=lead, worker_id=lead.id, next_step="We will call.", expected_by=requests_services.london_today()
    )
    assert count(StepTiming, StepTiming.request_id == req.id) == 1  # flushed, in the transaction
    db.session.rollback()
    assert count(StepTiming, StepTiming.request_id == req.id) == 0


def test_a_wait_after_the_consultation_is_booked_moves_the_consult_due_date_as_it_shortens_the_clock(world, factories):
    """The consult clock runs until the consultation takes place, so a wait between booking it and holding
    it is taken out of the working days measured; its due date moves on by the same days, and the step
    measured when the consultation takes place is on time, as its working days say."""
    loc, lead = world.locality, world.practitioner
    today = requests_services.london_today()
    received = datetime.combine(today - timedelta(days=21), time(10), LONDON)
    paused = datetime.combine(today - timedelta(days=20), time(15), LONDON)
    consultation = utcnow() + timedelta(days=1)
    req = factories.ConsultationRequestFactory(
        organisation=world.school,
        created_by=world.partner,
        status=RequestStatus.WAITING_ON_PARTNER,
        worker=lead,
        received_at=received,
        acknowledged_at=received,
        acknowledge_due=due_at(received, loc.sla_acknowledge_days),
        consult_due=due_at(received, loc.sla_consult_days),
        outcome_due=due_at(received, loc.sla_outcome_days),
        consultation_at=consultation,
        consultation_method=ConsultationMethod.PHONE,
        paused_since=paused,
    )
    db.session.add(RequestPause(request_id=req.id, started_at=paused, reason="The attendance figures, please."))
    db.session.commit()
    booked_due = req.consult_due
    assert booked_due < today  # without the wait, the consultation tomorrow would be late

    requests_services.resume_request(req, by=lead)
    db.session.commit()

    db.session.refresh(req)
    pauses = [(p.started_at, p.ended_at) for p in req.pauses]
    assert req.status is RequestStatus.SCHEDULED
    assert req.consult_due == due_date_with_pauses(received, loc.sla_consult_days, pauses) > booked_due
    # What the dashboards will record when the consultation has taken place (timings.record_closed).
    days, on_time = timings.measure(req.received_at, consultation, req.consult_due, pauses)
    assert days <= loc.sla_consult_days
    assert on_time is True
