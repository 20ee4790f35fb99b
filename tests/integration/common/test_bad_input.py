"""The bad input issue 14 found answered with a 500, each as a regression test: impossible periods on the
dashboards, report, CSV, PDF and uptake; "²" and huge numbers as filters, pages and ids; a 20-digit day; a file
posted as a message; a message of spaces only or with NUL. Each is a GOV.UK error or a 404, and nothing is saved
(the fuzz sweep, test_fuzz.py, covers every route; these are the cases named in the issue)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from portal.common.roles import Role
from portal.common.times import london_today
from portal.extensions import db
from portal.requests.models import RequestEvent
from tests.support.db import count, row_counts
from tests.support.forms import assert_error_page, post

PERIODS = ["99999999999999999999", "0000-Q4", "0001-01"]
PERIOD_PAGES = [
    "/dashboards",
    "/dashboards/report",
    "/dashboards/report.csv",
    "/dashboards/report.pdf",
    "/sessions/uptake",
]


@pytest.mark.parametrize("period", PERIODS)
def test_an_impossible_period_is_an_error_or_a_404(client_for, world, period):
    client = client_for(Role.MANAGER)
    for path in PERIOD_PAGES:
        response = client.get(path, query_string={"period": period})
        assert response.status_code in (200, 404), (path, response.status_code)
    page = client.get("/dashboards", query_string={"period": period})
    assert "Select a month, quarter or financial year from the list" in page.get_data(as_text=True)


@pytest.mark.parametrize("value", ["²", "-1", "99999999999999999999", "١"])
def test_a_filter_that_is_not_a_whole_number_is_a_404(client_for, world, value):
    client = client_for(Role.MANAGER)
    for name in ("locality", "pod", "practitioner"):
        assert client.get("/dashboards", query_string={name: value}).status_code == 404


@pytest.mark.parametrize("path", ["/requests", "/sessions/", "/feedback/review"])
def test_a_page_number_that_is_not_one_shows_the_first_page(client_for, world, path):
    client = client_for(Role.MANAGER)
    for page in ("99999999999999999999", "-1", "²", "0"):
        assert client.get(path, query_string={"page": page}).status_code == 200


def test_huge_and_non_ascii_ids_in_a_path_are_404s(client_for, world):
    client = client_for(Role.MANAGER)
    for bad in ("99999999999999999999", "2147483648", "%C2%B2", "-1"):
        assert client.get(f"/requests/{bad}").status_code == 404
        assert client.get(f"/localities/{bad}/edit").status_code == 404


@pytest.fixture
def req(world, factories):
    made = factories.ConsultationRequestFactory(organisation=world.school, created_by=world.partner)
    db.session.commit()
    return made


def test_a_file_posted_as_the_message_is_refused(client_for, world, req):
    client = client_for(world.partner)
    before = row_counts(skip=("audit_event", "user_session"))
    response = post(client, f"/requests/{req.id}/messages", {"text": (io.BytesIO(b"hello"), "message.txt")})
    assert_error_page(response, "Message must be typed in, not sent as a file")
    assert row_counts(skip=("audit_event", "user_session")) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   \r\n\t ", "Enter your message"),
        ("Tea\x00time", "Message must not include hidden control characters, like a null byte: check it and try again"),
    ],
)
def test_a_message_of_spaces_only_or_with_nul_is_not_saved(client_for, world, req, text, message):
    before = count(RequestEvent)
    response = post(client_for(world.partner), f"/requests/{req.id}/messages", {"text": text})
    assert_error_page(response, message)
    assert count(RequestEvent) == before


def test_a_twenty_digit_day_and_a_far_year_are_gov_uk_errors(client_for, world, req):
    client = client_for(Role.PRACTITIONER)
    soon = london_today() + timedelta(days=3)
    for boxes, message in (
        (["99999999999999999999", str(soon.month), str(soon.year)], "The promise's date must be a real date"),
        (
            [str(soon.day), str(soon.month), "9999"],
            f"Enter a year between {london_today().year - 1} and {london_today().year + 2}",
        ),
    ):
        response = post(client, f"/requests/{req.id}/promises/new", {"text": "I will call you back", "due_on": boxes})
        assert_error_page(response, message)
