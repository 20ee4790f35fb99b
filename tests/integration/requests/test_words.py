"""What a request page says, and to whom: who the request was sent to (and who covers for them), promises on
a closed request, the Actions column only when there is something to do, a pod invite sent to one person."""

from __future__ import annotations

from datetime import date, timedelta

from portal.common.roles import Role
from portal.extensions import db
from portal.models_base import utcnow
from portal.requests.models import Outcome, RequestStatus
from tests.support.forms import banner, post


def next_step(page) -> str:  # type: ignore[no-untyped-def]
    return " ".join(page.soup.find(id="next-step").get_text().split())


def test_a_new_request_says_who_it_went_to_in_words_for_the_partner_and_for_staff(client_for, make_request, world):
    req = make_request()
    partner = next_step(client_for(Role.PARTNER).get(f"/requests/{req.id}"))
    assert partner.startswith("Your request has been sent to Lee Lead. They will acknowledge it by ")
    staff = next_step(client_for(Role.PRACTITIONER).get(f"/requests/{req.id}"))
    assert staff.startswith("This request was sent to Lee Lead. Acknowledge it by ")
    assert "Your request" not in staff


def test_with_the_lead_away_both_say_who_covers(client_for, make_request, world, factories):
    req = make_request()
    factories.StaffAbsenceFactory(
        user=world.practitioner, cover=world.manager, starts_on=date.today() - timedelta(days=1), ends_on=date.today()
    )
    db.session.commit()
    page = client_for(Role.PARTNER).get(f"/requests/{req.id}")
    assert next_step(page).startswith(
        "Your request has been sent to Lee Lead, who is away: Max Manager is covering. Max Manager will acknowledge it"
    )
    rows = {
        r.dt.get_text(strip=True): " ".join(r.dd.get_text().split())
        for r in page.soup.select("#request-details .govuk-summary-list__row")
    }
    assert rows["Contact"] == "Max Manager (covering for Lee Lead, who is away)"


def test_a_closed_request_without_promises_says_none_were_made(client_for, make_request):
    closed = make_request(
        status=RequestStatus.CLOSED, closed_at=utcnow(), outcome=Outcome.ADVICE_GIVEN, outcome_summary="Advice given."
    )
    open_one = make_request(status=RequestStatus.ACKNOWLEDGED)
    partner = client_for(Role.PARTNER)
    page = partner.get(f"/requests/{closed.id}")
    assert page.soup.find(id="no-promises") is not None, page.soup.find(id="promises")
    no_promises = page.soup.find(id="no-promises").get_text(strip=True)
    assert no_promises == "No promises were made on this request."
    still_open = partner.get(f"/requests/{open_one.id}").soup.find(id="no-promises").get_text(strip=True)
    assert still_open == "No promises have been made on this request yet."


def test_staff_see_no_empty_actions_column_on_a_closed_request(client_for, make_request):
    closed = make_request(
        status=RequestStatus.CLOSED, closed_at=utcnow(), outcome=Outcome.ADVICE_GIVEN, outcome_summary="Advice given."
    )
    headings = [
        h.get_text(strip=True) for h in client_for(Role.PRACTITIONER).get(f"/requests/{closed.id}").soup.select("h2")
    ]
    assert "Actions" not in headings
    acknowledged = make_request(status=RequestStatus.ACKNOWLEDGED)
    headings = [
        h.get_text(strip=True)
        for h in client_for(Role.PRACTITIONER).get(f"/requests/{acknowledged.id}").soup.select("h2")
    ]
    assert "Actions" in headings


def test_a_pod_invite_to_one_person_says_person(client_for, make_request, world):
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    day = date.today() + timedelta(days=10)
    practitioner = client_for(Role.PRACTITIONER)
    response = post(
        practitioner,
        f"/requests/{req.id}/pod-invites/new",
        {
            "on": [str(day.day), str(day.month), str(day.year)],
            "starts": "10am",
            "ends": "11am",
            "location": "Castle Rock High School, meeting room 2",
            "invitee_ids": [str(world.partner.id)],
        },
    )
    assert response.status_code == 302, response.soup.select(".govuk-error-summary")
    assert "Pod invite sent to 1 person." in banner(practitioner.get(response.headers["Location"]))
