"""Recognition: staff thank an organisation in their locality (a manager: their area); its partners get
an e-mail, through real SMTP, that says they have positive feedback and links to it, with no case
details; partners read it on their feedback page as "Positive feedback to you"."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.common.roles import Role
from portal.extensions import db
from portal.feedback.models import Recognition
from tests.integration.feedback.conftest import audit_of, body_of, text_of
from tests.support.db import count
from tests.support.forms import assert_error_page, banner, post


def rows() -> list[Recognition]:
    db.session.expire_all()
    return list(db.session.scalars(select(Recognition)))


THANKS = "Thank you for the careful referral and for joining the pod meeting at short notice."


@pytest.fixture
def practitioner(client_for):
    return client_for(Role.PRACTITIONER)


def test_recognition_reaches_the_partners_by_email_and_on_their_page(
    practitioner, client_for, world, factories, deliver, inbox, make_request
):
    req = make_request(summary="Worries about KM at home; attendance has dropped.")
    colleague = factories.UserFactory(role=Role.PARTNER, organisation=world.school, locality=world.locality)
    factories.UserFactory(role=Role.PARTNER, organisation=world.other_school, locality=world.other_locality)
    page = practitioner.get("/feedback/recognition/new")
    offered = [o.get_text() for o in page.soup.select("select[name=organisation_id] option")]
    assert world.school.name in offered and world.other_school.name not in offered

    response = post(
        practitioner, "/feedback/recognition/new", {"organisation_id": str(world.school.id), "text": THANKS}
    )

    assert response.status_code == 302
    [row] = rows()
    assert (row.organisation_id, row.from_user_id, row.text) == (world.school.id, world.practitioner.id, THANKS)
    assert [a.object_id for a in audit_of("feedback.recognition_sent")] == [row.id]
    assert "Positive feedback sent to Castle Rock High School" in banner(practitioner.get("/feedback"))

    assert deliver() == (2, 0)
    messages = inbox.wait_for(2)
    assert sorted(m["To"] for m in messages) == sorted([world.partner.email, colleague.email])
    for message in messages:
        body = body_of(message)
        assert message["Subject"] == "You have positive feedback"
        assert "http://" in body and "/feedback#positive-feedback" in body
        for detail in (req.reference, "KM", "attendance", world.practitioner.name):
            assert detail not in body and detail not in message["Subject"]

    partner_page = client_for(Role.PARTNER).get("/feedback")
    assert THANKS in text_of(partner_page, "#recognitions")
    assert world.practitioner.name in text_of(partner_page, "#recognitions")
    assert THANKS not in client_for(world.other_partner).get("/feedback").get_data(as_text=True)


def test_an_organisation_outside_the_locality_cannot_be_thanked(practitioner, world):
    response = post(
        practitioner, "/feedback/recognition/new", {"organisation_id": str(world.other_school.id), "text": THANKS}
    )
    assert_error_page(response, "Select an organisation")
    assert count(Recognition) == 0


def test_an_empty_form_shows_the_errors(practitioner):
    response = post(practitioner, "/feedback/recognition/new", {"organisation_id": "", "text": ""})
    assert_error_page(response, "Select an organisation", "Enter what you would like to thank them for")
    assert count(Recognition) == 0


def test_a_childs_details_are_caught_before_sending(practitioner, world, inbox):
    text = "Thank you for looking after Jayden Smith (DOB 14/03/2015) so well."
    response = post(practitioner, "/feedback/recognition/new", {"organisation_id": str(world.school.id), "text": text})
    assert response.status_code == 200 and response.soup.title.get_text().startswith("Error: ")
    assert response.soup.find("input", attrs={"name": "confirm_identifiers"}) is not None
    assert response.soup.find("textarea", attrs={"name": "text"}).get_text().strip() == text
    assert count(Recognition) == 0


def test_partners_and_admins_cannot_send_recognition(client_for, world):
    for role in (Role.PARTNER, Role.ADMIN):
        response = post(
            client_for(role), "/feedback/recognition/new", {"organisation_id": str(world.school.id), "text": THANKS}
        )
        assert response.status_code == 403
    assert count(Recognition) == 0
