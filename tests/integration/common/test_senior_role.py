"""The senior leader (head of service, assistant director, lead member, scrutiny officer): reads every
locality's dashboards, reports and "You said, we did"; changes nothing; invited like any account."""

from __future__ import annotations

from flask import Flask

from portal.common.roles import Role
from portal.feedback.models import YouSaidWeDid
from portal.meetings.models import PartnershipMeeting
from portal.requests.models import ConsultationRequest
from tests.access import S
from tests.conftest import csrf_token
from tests.integration.common.test_access import ACCESS, endpoints
from tests.support.db import count

READS = {
    "dashboards.index",
    "dashboards.report",
    "dashboards.report_pdf",
    "dashboards.report_csv",
    "dashboards.report_year_pdf",
    "feedback.you_said_we_did",
}


def test_a_senior_leader_may_use_only_pages_that_read(app: Flask):
    """Every route the access table opens to the senior role by name answers GET only, and is one of the
    reading pages; any other route they reach is one every signed-in person has (their account, sign-out…)."""
    named = {endpoint for endpoint in endpoints(app) if S in ACCESS[endpoint]}
    assert named >= READS
    for rule in app.url_map.iter_rules():
        if rule.endpoint in named:
            assert (rule.methods or set()) - {"HEAD", "OPTIONS"} == {"GET"}, rule.endpoint


def test_a_senior_leader_reads_every_localitys_dashboard_and_report(client_for, world):
    senior = client_for(Role.SENIOR)
    for locality in (world.locality, world.other_locality):
        for path in ("/dashboards", "/dashboards/report", "/dashboards/report.csv"):
            response = senior.get(f"{path}?locality={locality.id}")
            assert response.status_code == 200, (path, locality.name)
    page = senior.get("/dashboards")
    options = {o.get_text(strip=True) for o in page.soup.select("#locality option")}
    assert {"Northfield", "Southmere"} <= options
    assert senior.get("/dashboards?locality=999999").status_code == 404


def test_a_senior_leader_is_refused_every_change_and_nothing_is_written(client_for, world, factories):
    from tests.feedback_factories import YouSaidWeDidFactory

    entry = YouSaidWeDidFactory(locality=world.locality, author=world.manager)
    senior = client_for(Role.SENIOR)
    token = {"csrf_token": csrf_token(senior, "/password-reset")}
    before = count(YouSaidWeDid), count(PartnershipMeeting), count(ConsultationRequest)
    for path in (
        "/feedback/you-said-we-did/new",
        f"/feedback/you-said-we-did/{entry.id}/edit",
        f"/feedback/you-said-we-did/{entry.id}/publish",
        "/meetings/schedule",
    ):
        assert senior.post(path, data=token).status_code == 403, path
    for path in ("/requests", "/meetings", "/feedback", "/feedback/review", "/meetings/coverage"):
        assert senior.get(path).status_code == 403, path
    assert (count(YouSaidWeDid), count(PartnershipMeeting), count(ConsultationRequest)) == before


def test_a_senior_leaders_home_links_every_localitys_report(client_for, world):
    page = client_for(Role.SENIOR).get("/home")
    assert page.status_code == 200
    links = [a.get_text(strip=True) for a in page.soup.select("#reports a")]
    assert links == ["Every locality, side by side", "Northfield", "Southmere"]
    nav = [a.get_text(strip=True) for a in page.soup.select(".govuk-service-navigation__link")]
    assert "Dashboards" in nav and "Requests" not in nav


def test_an_admin_may_invite_a_senior_leader(client_for, world, app):
    path = next(r.rule for r in app.url_map.iter_rules() if r.endpoint == "accounts.new_invitation")
    page = client_for(Role.ADMIN).get(path)
    values = [i["value"] for i in page.soup.select("input[name=role]")]
    assert "senior" in values
    assert "Senior leader" in page.soup.get_text()
