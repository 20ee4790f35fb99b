"""The pulse after a closed request: asked of the partner on the closed request's page, answered once per
request (a second answer gets a clear message, not an error page); only the request's own organisation
may answer (404 otherwise), and not before the request is closed (409 with a message)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.common.roles import Role
from portal.extensions import db
from portal.feedback.models import PulseResponse
from portal.requests.models import RequestStatus
from tests.integration.feedback.conftest import audit_of, text_of
from tests.support.db import count
from tests.support.forms import assert_error_page, banner, post

YES_NO = {"helpful": "yes", "knew_what_next": "no"}


def pulses() -> list[PulseResponse]:
    db.session.expire_all()
    return list(db.session.scalars(select(PulseResponse).order_by(PulseResponse.id)))


@pytest.fixture
def partner(client_for):
    return client_for(Role.PARTNER)


def test_the_closed_request_page_asks_the_partner_the_two_questions(partner, client_for, closed_request, make_request):
    req = closed_request()
    page = partner.get(f"/requests/{req.id}")
    form = page.soup.select_one("#pulse-form")
    assert form is not None and form["action"] == f"/feedback/requests/{req.id}/pulse"
    legends = [" ".join(legend.get_text().split()) for legend in form.select("legend")]
    assert legends == ["Was this consultation helpful?", "Did you know what would happen next?"]
    assert {i["value"] for i in form.select("input[name=helpful]")} == {"yes", "no"}

    assert client_for(Role.PRACTITIONER).get(f"/requests/{req.id}").soup.select_one("#pulse") is None
    still_open = make_request(status=RequestStatus.ACKNOWLEDGED)
    assert partner.get(f"/requests/{still_open.id}").soup.select_one("#pulse") is None


def test_the_answers_are_saved_once_and_a_second_answer_is_told_so(partner, world, closed_request, client_for):
    req = closed_request()
    response = post(partner, f"/feedback/requests/{req.id}/pulse", YES_NO)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/requests/{req.id}#pulse"
    [row] = pulses()
    assert (row.request_id, row.helpful, row.knew_what_next, row.responded_by_id) == (
        req.id,
        True,
        False,
        world.partner.id,
    )
    assert [a.object_id for a in audit_of("feedback.pulse_answered")] == [row.id]
    page = partner.get(f"/requests/{req.id}")
    assert "Thank you" in banner(page)
    assert "Knew what would happen next: No" in text_of(page, "#pulse-answered")

    again = post(partner, f"/feedback/requests/{req.id}/pulse", {"helpful": "no", "knew_what_next": "no"})
    assert again.status_code == 302
    assert "already answered" in banner(partner.get(f"/requests/{req.id}"))
    assert count(PulseResponse) == 1
    assert pulses()[0].helpful is True


def test_a_colleague_at_the_same_school_cannot_answer_twice(world, factories, closed_request, client_for):
    req = closed_request()
    colleague = factories.UserFactory(role=Role.PARTNER, organisation=world.school, locality=world.locality)
    assert post(client_for(Role.PARTNER), f"/feedback/requests/{req.id}/pulse", YES_NO).status_code == 302
    response = post(client_for(colleague), f"/feedback/requests/{req.id}/pulse", YES_NO)
    assert response.status_code == 302
    assert count(PulseResponse) == 1


def test_missing_answers_show_the_errors(partner, closed_request):
    req = closed_request()
    response = post(partner, f"/feedback/requests/{req.id}/pulse", {})
    assert_error_page(
        response, "Select yes if the consultation was helpful", "Select yes if you knew what would happen next"
    )
    assert count(PulseResponse) == 0


def test_an_open_request_is_not_asked_yet(partner, make_request):
    req = make_request(status=RequestStatus.SCHEDULED)
    response = post(partner, f"/feedback/requests/{req.id}/pulse", YES_NO)
    assert response.status_code == 409
    assert "not closed yet" in text_of(response, "#pulse-message")
    assert count(PulseResponse) == 0


def test_another_schools_request_is_not_found(world, client_for, closed_request):
    req = closed_request(organisation=world.other_school, created_by=world.other_partner)
    partner = client_for(Role.PARTNER)
    assert partner.get(f"/feedback/requests/{req.id}/pulse").status_code == 404
    assert post(partner, f"/feedback/requests/{req.id}/pulse", YES_NO).status_code == 404
    assert post(partner, "/feedback/requests/999999/pulse", YES_NO).status_code == 404
    assert count(PulseResponse) == 0


def test_the_questions_have_a_page_of_their_own_too(partner, closed_request):
    req = closed_request()
    page = partner.get(f"/feedback/requests/{req.id}/pulse")
    assert page.status_code == 200
    assert {i["name"] for i in page.soup.select("form input[type=radio]")} == {"helpful", "knew_what_next"}
    post(partner, f"/feedback/requests/{req.id}/pulse", YES_NO)
    answered = partner.get(f"/feedback/requests/{req.id}/pulse")
    assert "answered these questions" in text_of(answered, "#pulse-answered")
    assert answered.soup.select("form input[type=radio]") == []
