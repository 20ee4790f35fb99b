"""Asking: the form warns that the portal is not for emergencies; a request is routed to the locality
lead (or whoever covers today) with due dates in working days; bad input and likely identifiers save
nothing; a partner cannot set what only staff may set."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.common.roles import Role
from portal.common.times import london_today
from portal.common.working_days import add_working_days, due_at
from portal.extensions import db
from portal.requests.models import ConsultationRequest, EventKind, RequestStatus
from tests.integration.requests.conftest import (
    assert_no_case_details,
    audit_rows,
    body_of,
    event_kinds,
    outbox_to,
    text_of,
)
from tests.support.db import row_counts
from tests.support.forms import assert_error_page, errors, post

SUMMARY = "Attendance has dropped sharply since half term and the family has stopped answering calls."
HELP = "Advice on whether to refer to early help."
VALID = {
    "kind": "consultation",
    "urgency": "routine",
    "child_initials": "QZ",
    "child_birth_year": "2013",
    "case_reference": "",
    "summary": SUMMARY,
    "help_wanted": HELP,
}


@pytest.fixture
def partner(client_for: Any) -> Any:
    return client_for(Role.PARTNER)


def only_request() -> ConsultationRequest:
    db.session.expire_all()
    rows = list(db.session.scalars(select(ConsultationRequest)))
    assert len(rows) == 1, f"expected one request, found {len(rows)}"
    return rows[0]


def test_the_form_says_it_is_not_for_emergencies_with_the_front_door_number(partner, world):
    world.locality.front_door_phone = "0116 496 0999"
    db.session.commit()
    page = partner.get("/requests/new")
    assert page.status_code == 200
    warning = text_of(page, "main .govuk-warning-text")
    assert "not for emergencies" in warning
    assert "call 999" in warning
    assert "0116 496 0999" in warning


def test_a_request_is_routed_to_the_lead_with_due_dates_in_working_days(partner, world, deliver, inbox):
    response = post(partner, "/requests/new", VALID)

    assert response.status_code == 302
    req = only_request()
    assert response.headers["Location"] == f"/requests/{req.id}"
    assert (req.organisation_id, req.locality_id, req.created_by_id) == (
        world.school.id,
        world.locality.id,
        world.partner.id,
    )
    assert req.routed_to_id == world.practitioner.id
    assert req.worker_id is None
    assert req.status is RequestStatus.SUBMITTED
    assert (req.child_initials, req.child_birth_year, req.case_reference) == ("QZ", 2013, "")
    loc = world.locality
    assert req.acknowledge_due == due_at(req.received_at, loc.sla_acknowledge_days)
    assert req.consult_due == due_at(req.received_at, loc.sla_consult_days)
    assert req.outcome_due == due_at(req.received_at, loc.sla_outcome_days)
    assert event_kinds(req.id) == [EventKind.SUBMITTED]
    [audit] = audit_rows(req.id, "request.submitted")
    assert audit.actor_id == world.partner.id
    assert audit.detail["identifiers_confirmed"] is False

    # The partner lands on the request, told when it will be acknowledged.
    page = partner.get(response.headers["Location"])
    assert page.status_code == 200
    assert f"acknowledge it by {req.acknowledge_due.day} {req.acknowledge_due:%B %Y}" in text_of(page, "#next-step")
    assert SUMMARY not in text_of(page, "title")

    # The lead is told by e-mail, and the partner gets a receipt: the reference and a link, never the case.
    [queued] = outbox_to(world.practitioner.email)
    [receipt] = outbox_to(world.partner.email)
    assert deliver() == (2, 0)
    message = next(m for m in inbox.wait_for(2) if m["To"] == world.practitioner.email)
    assert message["To"] == world.practitioner.email
    assert receipt.subject == f"Request sent ({req.reference})"
    assert world.practitioner.name in receipt.body_text
    assert f"by {req.acknowledge_due.day} {req.acknowledge_due:%B %Y}" in receipt.body_text
    assert f"http://localhost/requests/{req.id}" in receipt.body_text
    assert_no_case_details([receipt.subject, receipt.body_text], SUMMARY, HELP, "QZ", "2013")
    body = body_of(message)
    assert req.reference in message["Subject"]
    assert req.reference in body
    assert f"http://localhost/requests/{req.id}" in body
    assert_no_case_details([message["Subject"], body, queued.body_text], SUMMARY, HELP, "QZ", "2013")


def test_a_due_date_is_counted_in_working_days_from_the_locality_service_levels(partner, world):
    world.locality.sla_acknowledge_days, world.locality.sla_consult_days, world.locality.sla_outcome_days = 2, 3, 7
    db.session.commit()
    assert post(partner, "/requests/new", VALID).status_code == 302
    req = only_request()
    start = due_at(req.received_at, 0)
    assert (req.acknowledge_due, req.consult_due, req.outcome_due) == (
        add_working_days(start, 2),
        add_working_days(start, 3),
        add_working_days(start, 7),
    )


def test_with_the_lead_away_today_the_request_goes_to_the_cover(partner, world, factories, today, deliver, inbox):
    cover = factories.UserFactory(role=Role.PRACTITIONER, locality=world.locality, name="Cory Cover")
    factories.StaffAbsenceFactory(
        user=world.practitioner, cover=cover, starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=3)
    )
    assert post(partner, "/requests/new", VALID).status_code == 302
    req = only_request()
    assert req.routed_to_id == cover.id
    assert outbox_to(world.practitioner.email) == []
    assert deliver() == (2, 0)
    assert sorted(m["To"] for m in inbox.wait_for(2)) == sorted([cover.email, world.partner.email])


def test_an_empty_form_shows_the_errors_and_saves_nothing(partner):
    before = row_counts()
    response = post(partner, "/requests/new", {})
    assert_error_page(
        response,
        "Select what you need",
        "Enter the child's initials and year of birth, or a case reference",
        "Enter what is worrying you, or your question",
    )
    # One message for the missing child, not one per box.
    assert "Enter the child's year of birth" not in errors(response)
    assert row_counts() == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"child_initials": "", "child_birth_year": ""},
            "Enter the child's initials and year of birth, or a case reference",
        ),
        (
            {"child_initials": "", "child_birth_year": "2013"},
            "Enter the child's initials and year of birth, or a case reference",
        ),
        ({"child_birth_year": ""}, "Enter the child's year of birth"),
        ({"child_birth_year": "twenty"}, "Year of birth must be a number, like 2015"),
        ({"child_birth_year": "²⁰¹³"}, "Year of birth must be a number, like 2015"),
        (
            {"child_birth_year": "1990"},
            f"Year of birth must be between {london_today().year - 25} and {london_today().year}",
        ),
        ({"child_initials": "Q1"}, "Initials must only include letters"),
    ],
    ids=[
        "neither",
        "year-only",
        "initials-only",
        "year-not-a-number",
        "year-superscript",
        "year-too-early",
        "initials-not-letters",
    ],
)
def test_the_child_must_be_identified_by_initials_and_year_or_a_case_reference(partner, fields, message):
    before = row_counts()
    assert_error_page(post(partner, "/requests/new", {**VALID, **fields}), message)
    assert row_counts() == before


def test_a_made_up_choice_is_refused_in_govuk_words(partner):
    before = row_counts()
    assert_error_page(post(partner, "/requests/new", {**VALID, "kind": "emergency"}), "Select what you need")
    assert row_counts() == before


def test_a_case_reference_alone_identifies_the_child(partner):
    response = post(
        partner, "/requests/new", {**VALID, "child_initials": "", "child_birth_year": "", "case_reference": "cs-4471"}
    )
    assert response.status_code == 302
    req = only_request()
    assert (req.child_initials, req.child_birth_year, req.case_reference) == ("", None, "CS-4471")


@pytest.mark.parametrize(
    ("summary", "message"),
    [
        ("Mum gave his NHS number as 943 476 5919 at the meeting.", "Remove the NHS number (943 476 5919)"),
        ("The pupil, DOB 14/03/2015, has been absent for weeks.", "Remove the date of birth (14/03/2015)"),
        ("The family have moved to LE67 3AB and the pupil is not attending.", "Remove the postcode (LE67 3AB)"),
        ("Jayden Smith has not been in school since Monday.", "Remove the name (Jayden Smith). Use initials instead"),
    ],
    ids=["nhs-number", "date-of-birth", "postcode", "full-name"],
)
def test_likely_identifiers_are_flagged_and_saved_only_once_confirmed(partner, summary, message):
    data = {**VALID, "summary": summary}
    before = row_counts()
    warned = post(partner, "/requests/new", data)

    assert_error_page(warned, message)
    assert "may identify a child" in text_of(warned, "form .govuk-warning-text")
    box = warned.soup.find("input", attrs={"name": "confirm_identifiers", "type": "checkbox"})
    assert box is not None and not box.has_attr("checked")
    # What the partner wrote is kept, so that they can edit it.
    assert warned.soup.find("textarea", attrs={"name": "summary"}).get_text().strip() == summary
    assert row_counts() == before

    confirmed = post(partner, "/requests/new", {**data, "confirm_identifiers": "y"})
    assert confirmed.status_code == 302
    req = only_request()
    assert req.summary == summary
    [audit] = audit_rows(req.id, "request.submitted")
    assert audit.detail["identifiers_confirmed"] is True


def test_identifiers_in_what_would_help_are_flagged_by_that_field(partner):
    before = row_counts()
    warned = post(partner, "/requests/new", {**VALID, "help_wanted": "Please ring Jayden Smith's mum."})
    assert_error_page(warned, "Remove the name (Jayden Smith). Use initials instead")
    field_error = warned.soup.select_one("#help_wanted-error")
    assert field_error is not None and "Jayden Smith" in field_error.get_text()
    assert row_counts() == before


def test_a_partner_cannot_set_staff_only_fields_by_posting_them(partner, world):
    response = post(
        partner,
        "/requests/new",
        {
            **VALID,
            "worker_id": str(world.practitioner.id),
            "routed_to_id": str(world.manager.id),
            "locality_id": str(world.other_locality.id),
            "organisation_id": str(world.other_school.id),
            "status": "closed",
            "outcome": "no_further_action",
            "outcome_summary": "Closed by the partner",
            "next_step": "Nothing",
            "acknowledge_due": "2099-01-01",
            "acknowledge_due-day": "1",
            "received_at": "2000-01-01",
            "created_by_id": str(world.other_partner.id),
        },
    )
    assert response.status_code == 302
    req = only_request()
    assert req.status is RequestStatus.SUBMITTED
    assert (req.worker_id, req.routed_to_id) == (None, world.practitioner.id)
    assert (req.locality_id, req.organisation_id, req.created_by_id) == (
        world.locality.id,
        world.school.id,
        world.partner.id,
    )
    assert (req.outcome, req.outcome_summary, req.next_step) == (None, "", "")
    assert req.acknowledge_due == due_at(req.received_at, world.locality.sla_acknowledge_days)


def test_staff_cannot_make_a_request(client_for):
    practitioner = client_for(Role.PRACTITIONER)
    before = row_counts(skip=("audit_event",))
    assert practitioner.get("/requests/new").status_code == 403
    assert post(practitioner, "/requests/new", VALID).status_code == 403
    assert row_counts(skip=("audit_event",)) == before


def test_every_identifier_in_every_text_is_shown_after_one_submission(partner):
    # An NHS number with a valid check digit, a date of birth and a postcode in one text, a name in the other:
    # one submission names them all, each as its own message by its own field, and saves nothing.
    summary = "NHS number 943 476 5919, born 14 March 2015, now living at LE67 3AB."
    data = {**VALID, "summary": summary, "help_wanted": "Please ring Jayden Smith's mum."}
    before = row_counts()
    warned = post(partner, "/requests/new", data)

    in_summary = [
        "Remove the NHS number (943 476 5919)",
        "Remove the date of birth (14 March 2015)",
        "Remove the postcode (LE67 3AB)",
    ]
    in_help = ["Remove the name (Jayden Smith). Use initials instead"]
    assert_error_page(warned, *in_summary, *in_help)
    assert errors(warned) == in_summary + in_help
    for field, messages in (("summary", in_summary), ("help_wanted", in_help)):
        lines = list(warned.soup.select_one(f"#{field}-error").stripped_strings)
        assert lines == ["Error:", *messages]
    assert "may identify a child" in text_of(warned, "form .govuk-warning-text")
    assert row_counts() == before
    assert db.session.scalar(select(func.count()).select_from(ConsultationRequest)) == 0

    confirmed = post(partner, "/requests/new", {**data, "confirm_identifiers": "y"})
    assert confirmed.status_code == 302
    req = only_request()
    assert (req.summary, req.help_wanted) == (summary, data["help_wanted"])
