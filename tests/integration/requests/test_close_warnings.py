"""Closing a request while its work is not finished (a consultation still ahead, a promise not kept) asks
first: the page lists what is unfinished, and the request closes only when the closer ticks that they mean it."""

from __future__ import annotations

from datetime import timedelta

from portal.common.roles import Role
from portal.models_base import utcnow
from portal.requests.models import ConsultationRequest, RequestStatus
from tests.support.db import fresh, row_counts
from tests.support.forms import assert_error_page, banner, post

OUTCOME = {"outcome": "advice_given", "outcome_summary": "We talked it through; the school will review in a month."}
CONFIRM = "Confirm that you want to close the request before its work is finished"


def test_a_consultation_still_ahead_is_named_and_the_close_waits_for_an_explicit_yes(client_for, make_request):
    in_three_days = utcnow() + timedelta(days=3)
    req = make_request(status=RequestStatus.SCHEDULED, consultation_at=in_three_days, scheduled_at=utcnow())
    client = client_for(Role.PRACTITIONER)

    page = client.get(f"/requests/{req.id}/close")
    assert "The work on this request is not finished" in page.soup.find(id="unfinished").get_text()
    [item] = [li.get_text(strip=True) for li in page.soup.select("#unfinished-work li")]
    assert item.startswith("The consultation arranged for ") and item.endswith("has not happened yet")
    assert page.soup.find("input", attrs={"name": "close_unfinished"}) is not None

    before = row_counts()
    refused = post(client, f"/requests/{req.id}/close", OUTCOME)
    assert_error_page(refused, CONFIRM)
    assert row_counts() == before
    assert fresh(ConsultationRequest, req.id).status is RequestStatus.SCHEDULED

    closed = post(client, f"/requests/{req.id}/close", {**OUTCOME, "close_unfinished": "y"})
    assert "closed" in banner(client.get(closed.headers["Location"]))
    assert fresh(ConsultationRequest, req.id).status is RequestStatus.CLOSED


def test_an_open_promise_is_named(client_for, make_request, factories, world):
    req = make_request(status=RequestStatus.ACKNOWLEDGED)
    factories.PromiseFactory(request=req, made_by=world.practitioner, text="I will call the SENCO back")
    client = client_for(Role.PRACTITIONER)
    page = client.get(f"/requests/{req.id}/close")
    [item] = [li.get_text(strip=True) for li in page.soup.select("#unfinished-work li")]
    assert item.startswith("The promise “I will call the SENCO back”, due ") and item.endswith("has not been kept")
    assert_error_page(post(client, f"/requests/{req.id}/close", OUTCOME), CONFIRM)
    assert fresh(ConsultationRequest, req.id).status is RequestStatus.ACKNOWLEDGED


def test_with_the_work_done_there_is_no_warning_and_no_question(client_for, make_request, factories, world):
    req = make_request(
        status=RequestStatus.SCHEDULED, consultation_at=utcnow() - timedelta(hours=1), scheduled_at=utcnow()
    )
    factories.PromiseFactory(request=req, made_by=world.practitioner, kept_at=utcnow())
    client = client_for(Role.PRACTITIONER)
    page = client.get(f"/requests/{req.id}/close")
    assert page.soup.find(id="unfinished") is None
    assert page.soup.find("input", attrs={"name": "close_unfinished"}) is None
    post(client, f"/requests/{req.id}/close", OUTCOME)
    assert fresh(ConsultationRequest, req.id).status is RequestStatus.CLOSED
