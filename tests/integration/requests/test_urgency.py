"""Urgency: the partner says how soon they need a response (with what each choice is for); the service
level follows it in working hours and the locality's own times; the queue orders by urgency and due time;
a "today" request reaches the lead and who covers them at once. The clock is moved (`clock`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.common.models import AuditEvent
from portal.common.roles import Role
from portal.common.times import LONDON
from portal.extensions import db
from portal.requests import services
from portal.requests.models import ConsultationRequest, RequestKind, RequestStatus, Urgency
from tests.integration.requests.conftest import london_moment, outbox_to, text_of
from tests.integration.requests.test_ask import VALID
from tests.support.forms import assert_error_page, post

WEDNESDAY = date(2026, 12, 2)
FRIDAY = date(2026, 12, 4)
CHRISTMAS_EVE = date(2026, 12, 24)  # a Thursday; Friday is Christmas Day, Monday Boxing Day's substitute


def at(day: date, hour: int, minute: int = 0):
    return london_moment(day, hour).replace(minute=minute)


def _ask(partner, urgency: str) -> ConsultationRequest:
    response = post(partner, "/requests/new", {**VALID, "urgency": urgency})
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    db.session.expire_all()
    return db.session.scalars(select(ConsultationRequest).order_by(ConsultationRequest.id.desc())).first()


def test_the_form_asks_how_soon_with_what_each_choice_is_for(client_for):
    page = client_for(Role.PARTNER).get("/requests/new")
    fieldset = page.soup.select_one("input[name=urgency]").find_parent("fieldset")
    assert fieldset.select_one("legend").get_text(strip=True) == "How soon do you need a response?"
    labels = [" ".join(label.get_text().split()) for label in fieldset.select("label")]
    assert labels == ["Today", "Within a working day", "Routine"]
    hints = [" ".join(hint.get_text().split()) for hint in fieldset.select(".govuk-radios__hint")]
    assert hints == [u.hint for u in Urgency]
    assert "Asked by 2pm, you hear back the same afternoon" in hints[0]


def test_urgency_must_be_chosen(client_for):
    response = post(client_for(Role.PARTNER), "/requests/new", {**VALID, "urgency": ""})
    assert_error_page(response, "Select how soon you need a response")
    assert db.session.scalar(select(ConsultationRequest.id)) is None


@pytest.mark.parametrize(
    ("asked", "respond_by"),
    [
        (at(WEDNESDAY, 13, 59), (WEDNESDAY, time(17, 0))),
        (at(WEDNESDAY, 14, 1), (WEDNESDAY + timedelta(days=1), time(12, 0))),
        (at(FRIDAY, 13, 59), (FRIDAY, time(17, 0))),
        (at(FRIDAY, 14, 1), (date(2026, 12, 7), time(12, 0))),
        (at(CHRISTMAS_EVE, 13, 59), (CHRISTMAS_EVE, time(17, 0))),
        (at(CHRISTMAS_EVE, 14, 1), (date(2026, 12, 29), time(12, 0))),
    ],
)
def test_a_today_request_is_due_in_working_hours(client_for, clock, asked, respond_by):
    clock.set(asked)
    partner = client_for(Role.PARTNER)
    req = _ask(partner, "today")
    due_day, due_time = respond_by
    local = req.respond_by_at.astimezone(LONDON)
    assert (local.date(), local.time()) == (due_day, due_time)
    assert req.acknowledge_due == req.consult_due == due_day
    page = partner.get(f"/requests/{req.id}")
    hour = "5pm" if due_time == time(17, 0) else "midday"
    assert f"{due_day.day} {due_day:%B %Y} at {hour}" in text_of(page, "#next-step")
    assert text_of(page, "#clocks tbody tr:first-child td").startswith(f"{due_day.day} {due_day:%B %Y} at {hour}")


def test_a_today_request_is_overdue_from_its_time_not_the_next_day(client_for, clock, world):
    clock.set(at(WEDNESDAY, 10))
    req = _ask(client_for(Role.PARTNER), "today")
    clock.set(at(WEDNESDAY, 16, 59))
    tags = services.list_requests(world.practitioner).overdue_ids
    assert req.id not in tags
    clock.set(at(WEDNESDAY, 17, 1))
    assert req.id in services.list_requests(world.practitioner).overdue_ids
    assert services.notify_overdue(today=WEDNESDAY) == 1


def test_within_a_working_day_and_routine(client_for, clock, world):
    clock.set(at(FRIDAY, 16))
    partner = client_for(Role.PARTNER)
    soon = _ask(partner, "within_a_working_day")
    assert soon.respond_by_at is None
    assert soon.acknowledge_due == soon.consult_due == date(2026, 12, 7)
    routine = _ask(partner, "routine")
    assert routine.acknowledge_due == date(2026, 12, 7) and routine.consult_due == date(2026, 12, 11)
    assert soon.outcome_due == routine.outcome_due


def test_the_localitys_service_levels_by_urgency_set_by_an_admin(client_for, clock, world):
    admin = client_for(Role.ADMIN)
    page = admin.get(f"/localities/{world.locality.id}/urgent-service-levels")
    assert page.soup.select_one("#today_cutoff")["value"] == "2pm"
    fields = {
        "soon_days": "2",
        "today_cutoff": "3pm",
        "today_by": "4:30pm",
        "today_next_by": "10am",
    }
    assert_error_page(
        post(admin, f"/localities/{world.locality.id}/urgent-service-levels", {**fields, "today_next_by": "6pm"}),
        "The time answered by on the next working day must be the same as or before the same day's",
    )
    assert_error_page(
        post(admin, f"/localities/{world.locality.id}/urgent-service-levels", {**fields, "today_by": "25:00"}),
        "Enter a real time, like 5pm or 17:00",
    )
    saved = post(admin, f"/localities/{world.locality.id}/urgent-service-levels", fields)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:1500]
    [row] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "locality.urgent_service_levels_set")
    ).all()
    assert row.actor_id == world.admin.id and row.detail == {
        "before": {"soon_days": 1, "today_cutoff": "14:00", "today_by": "17:00", "today_next_by": "12:00"},
        "after": {"soon_days": 2, "today_cutoff": "15:00", "today_by": "16:30", "today_next_by": "10:00"},
    }
    assert (
        post(client_for(Role.MANAGER), f"/localities/{world.locality.id}/urgent-service-levels", fields).status_code
        == 403
    )

    clock.set(at(WEDNESDAY, 14, 30))  # after 2pm, before the locality's 3pm
    partner = client_for(Role.PARTNER)
    today = _ask(partner, "today")
    assert today.respond_by_at == datetime.combine(WEDNESDAY, time(16, 30), tzinfo=LONDON)
    soon = _ask(partner, "within_a_working_day")
    # Consulted within the locality's 2 working days; acknowledged no later than a routine request would be.
    assert (soon.acknowledge_due, soon.consult_due) == (date(2026, 12, 3), date(2026, 12, 4))


def test_a_today_request_reaches_the_lead_and_who_covers_them_at_once(client_for, clock, world, factories):
    clock.set(at(WEDNESDAY, 11))
    cover = factories.UserFactory(role=Role.PRACTITIONER, locality=world.locality, name="Casey Cover")
    factories.StaffAbsenceFactory(
        user=world.practitioner, cover=cover, starts_on=WEDNESDAY, ends_on=WEDNESDAY + timedelta(days=2)
    )
    db.session.commit()
    req = _ask(client_for(Role.PARTNER), "today")
    assert req.routed_to_id == cover.id
    for person in (world.practitioner, cover):
        [email] = outbox_to(person.email)
        assert email.subject == f"Urgent: a response is needed today ({req.reference})"
    # A routine request goes to who covers only, as before.
    _ask(client_for(Role.PARTNER), "routine")
    assert len(outbox_to(world.practitioner.email)) == 1
    assert [m.subject.split(" (")[0] for m in outbox_to(cover.email)][-1] == "New request"


def test_the_queue_orders_by_urgency_then_due_time(client_for, clock, world, make_request):
    clock.set(at(WEDNESDAY, 9))
    routine_old = make_request(received_at=at(WEDNESDAY, 8))
    partner = client_for(Role.PARTNER)
    soon = _ask(partner, "within_a_working_day")
    clock.set(at(WEDNESDAY, 15))
    today_late = _ask(partner, "today")  # due tomorrow at midday
    clock.set(at(WEDNESDAY, 15, 30))
    routine_new = _ask(partner, "routine")
    clock.set(at(WEDNESDAY, 13))
    today_early = _ask(partner, "today")  # asked at 1pm (the clock moved back): due today at 5pm
    listing = services.list_requests(world.practitioner)
    assert [r.id for r in listing.requests] == [today_early.id, today_late.id, soon.id, routine_old.id, routine_new.id]
    page = client_for(Role.PRACTITIONER).get("/requests")
    first = " ".join(page.soup.select_one("tbody tr").get_text(" ").split())
    assert "Urgent: today" in first and "Respond by 2 December 2026 at 5pm" in first


URGENT = st.sampled_from([Urgency.TODAY, Urgency.WITHIN_A_WORKING_DAY])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    urgency=URGENT,
    asked_hour=st.integers(min_value=0, max_value=24 * 14),
    wait_after=st.integers(min_value=0, max_value=24 * 5),
    wait_for=st.integers(min_value=0, max_value=24 * 12),
)
def test_waiting_on_the_partner_never_brings_a_due_date_sooner(
    client_for, clock, world, urgency, asked_hour, wait_after, wait_for
):
    asked = at(WEDNESDAY, 0) + timedelta(hours=asked_hour)
    clock.set(asked)
    req = services.submit_request(
        by=world.partner,
        kind=RequestKind.CONSULTATION,
        child_initials="QZ",
        child_birth_year=2016,
        case_reference="",
        summary="A worry about attendance.",
        help_wanted="",
        confirmed=True,
        urgency=urgency,
    )
    services.acknowledge_request(
        req,
        by=world.practitioner,
        worker_id=world.practitioner.id,
        next_step="We will call.",
        expected_by=asked.astimezone(LONDON).date(),
    )
    before = (req.consult_due, req.outcome_due)
    clock.set(asked + timedelta(hours=wait_after))
    services.wait_on_partner(req, by=world.practitioner, reason="The attendance figures, please.")
    clock.set(asked + timedelta(hours=wait_after + wait_for))
    services.resume_request(req, by=world.practitioner)
    assert req.status is RequestStatus.ACKNOWLEDGED
    assert req.consult_due >= before[0] and req.outcome_due >= before[1]
    assert req.consult_due >= asked.astimezone(LONDON).date()
    db.session.rollback()
