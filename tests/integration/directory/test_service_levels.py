"""Service levels per locality, in working days (acknowledge 1, consult 5, outcome 10 by default): admins
set them; new requests take their due dates from them, requests already made keep theirs."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from portal.common.errors import DomainError
from portal.common.models import AuditEvent
from portal.common.permissions import Forbidden
from portal.common.roles import Role
from portal.common.working_days import due_at
from portal.directory.models import Locality
from portal.directory.services import set_service_levels
from portal.extensions import db
from portal.requests import services as request_services
from portal.requests.models import ConsultationRequest, RequestKind
from tests.support.db import row_counts
from tests.support.forms import assert_error_page, post


def url(locality: Any) -> str:
    return f"/localities/{locality.id}/service-levels"


def levels(locality: Any) -> tuple[int, int, int]:
    db.session.expire_all()
    loc = db.session.get(Locality, locality.id)
    assert loc is not None
    return loc.sla_acknowledge_days, loc.sla_consult_days, loc.sla_outcome_days


def submit_request(world: Any) -> ConsultationRequest:
    """A partner at the world's school asks, as the new-request page does; committed."""
    req = request_services.submit_request(
        by=world.partner,
        kind=RequestKind.CONSULTATION,
        child_initials="KM",
        child_birth_year=2015,
        case_reference="",
        summary="Attendance has dropped this term.",
        help_wanted="Advice on what to do next.",
        confirmed=True,
    )
    db.session.commit()
    return req


# --- admins set them ------------------------------------------------------------------------------


def test_the_form_shows_the_defaults(client_for, world):
    page = client_for(Role.ADMIN).get(url(world.locality))

    assert page.status_code == 200
    assert page.soup.h1.get_text(strip=True) == "Service levels for Northfield"
    values = {
        name: page.soup.find("input", attrs={"name": name})["value"]
        for name in ("acknowledge_days", "consult_days", "outcome_days", "escalation_days")
    }
    assert values == {"acknowledge_days": "1", "consult_days": "5", "outcome_days": "10", "escalation_days": "5"}


def test_an_admin_sets_the_service_levels_and_the_change_is_audited(client_for, world):
    client = client_for(Role.ADMIN)

    response = post(
        client,
        url(world.locality),
        {"acknowledge_days": "2", "consult_days": "7", "outcome_days": "15", "escalation_days": "5"},
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/localities/{world.locality.id}")
    assert levels(world.locality) == (2, 7, 15)
    assert levels(world.other_locality) == (1, 5, 10)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "locality.service_levels_set"))
    assert event is not None
    assert (event.actor_id, event.object_id) == (world.admin.id, world.locality.id)
    assert event.detail == {
        "before": {"acknowledge": 1, "consult": 5, "outcome": 10, "escalation": 5},
        "after": {"acknowledge": 2, "consult": 7, "outcome": 15, "escalation": 5},
    }
    page = client.get(response.headers["Location"])
    assert (
        "Service levels for Northfield have been saved."
        in page.soup.select_one(".govuk-notification-banner").get_text()
    )
    assert "Acknowledge within 2, consult within 7 and share the outcome within 15 working days" in page.soup.get_text()


def test_the_locality_page_links_to_the_form_for_admins_only(client_for, world):
    admin_page = client_for(Role.ADMIN).get(f"/localities/{world.locality.id}")
    manager_page = client_for(Role.MANAGER).get(f"/localities/{world.locality.id}")

    assert admin_page.soup.find("a", href=url(world.locality)) is not None
    assert manager_page.status_code == 200
    assert manager_page.soup.find("a", href=url(world.locality)) is None


@pytest.mark.parametrize("role", [Role.MANAGER, Role.PRACTITIONER, Role.PARTNER])
def test_only_admins_may_see_or_set_service_levels(client_for, world, role):
    client = client_for(role)
    before = row_counts()

    assert client.get(url(world.locality)).status_code == 403
    response = post(
        client,
        url(world.locality),
        {"acknowledge_days": "3", "consult_days": "5", "outcome_days": "10", "escalation_days": "5"},
    )

    assert response.status_code == 403
    assert levels(world.locality) == (1, 5, 10)
    after = row_counts()
    assert {k: v for k, v in after.items() if k != "audit_event"} == {
        k: v for k, v in before.items() if k != "audit_event"
    }


def test_a_locality_that_does_not_exist_is_not_found(client_for, world):
    assert client_for(Role.ADMIN).get("/localities/999999/service-levels").status_code == 404


# --- refused input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        pytest.param(
            {"acknowledge_days": "", "consult_days": "", "outcome_days": "", "escalation_days": ""},
            [
                "Enter the number of working days to acknowledge, like 1",
                "Enter the number of working days to consult, like 5",
                "Enter the number of working days to share the outcome, like 10",
                "Enter the number of working days to respond to a partner who asks for a manager, like 5",
            ],
            id="empty",
        ),
        pytest.param(
            {"acknowledge_days": "one", "consult_days": "2.5", "outcome_days": "-3", "escalation_days": "5"},
            [
                "Acknowledge within must be a whole number of working days, like 1",
                "Consult within must be a whole number of working days, like 5",
                "Outcome shared within must be a whole number of working days, like 10",
            ],
            id="not-whole-numbers",
        ),
        pytest.param(
            {"acknowledge_days": "0", "consult_days": "31", "outcome_days": "100", "escalation_days": "5"},
            [
                "Acknowledge within must be between 1 and 30 working days",
                "Consult within must be between 1 and 30 working days",
                "Outcome shared within must be between 1 and 30 working days",
            ],
            id="out-of-range",
        ),
        pytest.param(
            {"acknowledge_days": "5", "consult_days": "3", "outcome_days": "10", "escalation_days": "5"},
            ["Consult within must be the same as or more than acknowledge within"],
            id="consult-before-acknowledge",
        ),
        pytest.param(
            {"acknowledge_days": "1", "consult_days": "10", "outcome_days": "5", "escalation_days": "5"},
            ["Outcome shared within must be the same as or more than consult within"],
            id="outcome-before-consult",
        ),
    ],
)
def test_bad_input_shows_gov_uk_errors_and_saves_nothing(client_for, world, data, messages):
    client = client_for(Role.ADMIN)
    before = row_counts()

    page = post(client, url(world.locality), data)

    assert page.status_code == 200
    soup = assert_error_page(page, *messages)
    assert len(soup.select(".govuk-error-summary__list a")) == len(messages)
    assert soup.find("input", attrs={"name": "acknowledge_days"})["value"] == data["acknowledge_days"]
    assert row_counts() == before
    assert levels(world.locality) == (1, 5, 10)


def test_a_post_without_the_fields_does_not_keep_the_old_values(client_for, world):
    page = post(client_for(Role.ADMIN), url(world.locality), {})

    assert_error_page(page, "Enter the number of working days to acknowledge, like 1")
    assert levels(world.locality) == (1, 5, 10)


# --- requests use them ----------------------------------------------------------------------------


def test_new_requests_use_the_new_service_levels_and_earlier_requests_keep_their_dates(app, client_for, world):
    earlier = submit_request(world)
    earlier_dues = (earlier.acknowledge_due, earlier.consult_due, earlier.outcome_due)
    assert earlier_dues == (
        due_at(earlier.received_at, 1),
        due_at(earlier.received_at, 5),
        due_at(earlier.received_at, 10),
    )

    post(
        client_for(Role.ADMIN),
        url(world.locality),
        {"acknowledge_days": "2", "consult_days": "7", "outcome_days": "15", "escalation_days": "5"},
    )
    db.session.expire_all()
    later = submit_request(world)

    assert (later.acknowledge_due, later.consult_due, later.outcome_due) == (
        due_at(later.received_at, 2),
        due_at(later.received_at, 7),
        due_at(later.received_at, 15),
    )
    assert later.outcome_due > due_at(later.received_at, 10)  # the change made a difference
    db.session.expire_all()
    kept = db.session.get(ConsultationRequest, earlier.id)
    assert kept is not None
    assert (kept.acknowledge_due, kept.consult_due, kept.outcome_due) == earlier_dues


# --- the service keeps its own rules --------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ((0, 5, 10), "Service levels must be between 1 and 30 working days"),
        ((1, 5, 31), "Service levels must be between 1 and 30 working days"),
        ((5, 3, 10), "Each service level must be the same as or longer than the one before it"),
        ((1, 10, 5), "Each service level must be the same as or longer than the one before it"),
    ],
)
def test_set_service_levels_refuses_what_the_form_would(world, days, message):
    with pytest.raises(DomainError, match=message):
        set_service_levels(
            world.locality,
            by=world.admin,
            acknowledge_days=days[0],
            consult_days=days[1],
            outcome_days=days[2],
            escalation_days=5,
        )
    db.session.rollback()
    assert levels(world.locality) == (1, 5, 10)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.PRACTITIONER, Role.PARTNER])
def test_set_service_levels_is_for_admins_only(world, role):
    user = {Role.MANAGER: world.manager, Role.PRACTITIONER: world.practitioner, Role.PARTNER: world.partner}[role]

    with pytest.raises(Forbidden):
        set_service_levels(
            world.locality, by=user, acknowledge_days=2, consult_days=5, outcome_days=10, escalation_days=5
        )
    db.session.rollback()
    assert levels(world.locality) == (1, 5, 10)
