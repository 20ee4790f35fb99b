"""The report members read, on the known quarter (tests/dashboards_factories.py) plus, counted by hand here:

- the same quarter last year (Q3 2024–25): two requests received in Northfield, one acknowledged within the
  service level (the same morning) and one after it (five working days later): 2 received, 50% on time;
- a multi-agency meeting on 20 November 2025: the school (not answered, represented), the health centre
  (attending, represented) and the police (attending, not represented). With the known partnership meeting
  (three schools, two represented) that is education 4 invited, 0 said they would come, 4 on the registers,
  3 came (75%); health 1, 1, 1, 1 (100%); police 1, 1, 1, 0 (0%); other none; 4 of 6 organisations came (67%),
  and schools alone still 2 of 3 at the partnership meeting plus 1 of 1 at this one: 3 of 4 (75%);
- targets: acknowledged within the service level 95% for all, 55% for Northfield (its report uses 55: 50% is
  within a tenth, amber); median working days to share the outcome 6 for all (6 meets it: green); found the
  consultation helpful 70% for all (67% is within a tenth: amber); 80% of organisations represented (67% is
  more than a tenth below: red);
- the manager's commentary, printed in the page, the PDF and the CSV.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest

from portal.common.roles import Role
from portal.dashboards import members
from portal.extensions import db
from portal.meetings.models import MeetingAnswer, MeetingInvitation, PartnershipMeeting
from portal.requests.models import RequestStatus
from tests.dashboards_factories import QUARTER, _measure, _request, at, build_known_quarter
from tests.support.forms import assert_error_page, post

KEY_MESSAGES = "Acknowledgements slipped in December: two practitioners left.\n\nPromises are now tracked weekly."
NEXT_STEPS = "Recruit two practitioners by March; report promise-keeping at every team meeting."


@pytest.fixture
def known(world: Any, factories: Any) -> Any:
    k = build_known_quarter(world, factories)
    loc = world.locality
    # The same quarter a year before.
    for received, acknowledged in (
        (at(2024, 11, 5, 9), at(2024, 11, 5, 11)),
        (at(2024, 11, 6, 9), at(2024, 11, 13, 9)),
    ):
        req = _request(
            factories,
            world.school,
            received,
            status=RequestStatus.ACKNOWLEDGED,
            worker=world.practitioner,
            acknowledged_at=acknowledged,
        )
        _measure(req)
    # A multi-agency meeting in the quarter.
    meeting = PartnershipMeeting(
        locality_id=loc.id,
        quarter_start=date(2025, 10, 1),
        title="Northfield multi-agency locality meeting",
        starts_at=at(2025, 11, 20, 10),
        ends_at=at(2025, 11, 20, 12),
        organiser_id=world.manager.id,
        register_recorded_at=at(2025, 11, 20, 13),
        meeting_type_id=factories_type().id,
    )
    db.session.add(meeting)
    db.session.flush()
    for org, answer, represented in (
        (world.school, MeetingAnswer.NOT_ANSWERED, True),
        (k.health, MeetingAnswer.ATTENDING, True),
        (k.police, MeetingAnswer.ATTENDING, False),
    ):
        db.session.add(
            MeetingInvitation(meeting_id=meeting.id, organisation_id=org.id, answer=answer, represented=represented)
        )
    db.session.commit()
    return k


def factories_type() -> Any:
    from tests.meetings_factories import MeetingTypeFactory

    return MeetingTypeFactory()


def _set_targets(admin: Any, world: Any) -> None:
    for measure, locality, target in (
        ("acknowledged_on_time", "all", "95"),
        ("acknowledged_on_time", str(world.locality.id), "55"),
        ("median_outcome", "all", "6"),
        ("helpful", "all", "70"),
        ("agencies_represented", "all", "80"),
    ):
        response = post(admin, "/dashboards/targets", {"measure": measure, "locality": locality, "target": target})
        assert response.status_code == 302, (measure, response.status_code)


def _rows(page: Any, table_id: str) -> dict[str, list[str]]:
    table = page.soup.find(id=table_id)
    assert table is not None, f"no #{table_id}"
    return {
        " ".join(tr.th.get_text().split()): [" ".join(td.get_text().split()) for td in tr.find_all("td")]
        for tr in table.select("tbody tr")
    }


def test_the_report_has_last_year_targets_rag_agencies_and_the_commentary(client_for, world, known):
    _set_targets(client_for(Role.ADMIN), world)
    manager = client_for(Role.MANAGER)
    url = f"/dashboards/report?period={QUARTER}&locality={world.locality.id}"
    response = post(
        manager,
        f"/dashboards/commentary?period={QUARTER}&locality={world.locality.id}",
        {"key_messages": KEY_MESSAGES, "next_steps": NEXT_STEPS},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(url)

    page = manager.get(url)
    head = page.soup.select("#table-headlines thead th")
    assert [" ".join(th.get_text().split()) for th in head] == [
        "Measure",
        "Q3 2025–26",
        "Q2 2025–26",
        "Trend",
        "Q3 2024–25 (a year before)",
        "Target",
        "RAG",
    ]
    headlines = _rows(page, "table-headlines")
    assert headlines["Requests received"] == ["9", "1", "8 more", "2", "", ""]
    assert headlines["Acknowledged within the service level"] == [
        "50%",
        "100%",
        "50 percentage points worse",
        "50%",
        "55%",
        "Amber",
    ]
    assert headlines["Median working days to share the outcome"][3:] == ["No data", "6 working days", "Green"]
    assert headlines["Found the consultation helpful"][0::4] == ["67%", "70%"]
    assert headlines["Found the consultation helpful"][5] == "Amber"
    assert headlines["Invited organisations represented at meetings"] == [
        "67%",
        "No data",
        "No comparison",
        "No data",
        "80%",
        "Red",
    ]
    assert headlines["Schools represented at partnership meetings"][0] == "75%"
    assert headlines["Promises kept by their due date"][4:] == ["No target", ""]

    agencies = _rows(page, "table-agencies")
    assert agencies == {
        "Education": ["4", "0", "4", "3", "75%"],
        "Health": ["1", "1", "1", "1", "100%"],
        "Police": ["1", "1", "1", "0", "0%"],
        "Other": ["0", "0", "0", "0", "No data"],
    }
    commentary = page.soup.select_one(f"#commentary-{world.locality.id}")
    assert "Acknowledgements slipped in December: two practitioners left." in commentary.get_text()
    assert len(page.soup.select(f"#key-messages-{world.locality.id} p")) == 2
    assert NEXT_STEPS in commentary.get_text()
    # One locality: no side-by-side table.
    assert page.soup.find(id="table-localities") is None

    # The CSV matches the page, measure by measure.
    table = list(csv.reader(io.StringIO(manager.get(url.replace("/report?", "/report.csv?")).get_data(as_text=True))))
    csv_headlines = {row[1]: row[2:8] for row in table if row and row[0] == "Headline"}
    assert csv_headlines == headlines
    assert ["Same quarter last year", "Q3 2024–25"] in table
    assert ["Commentary", "Northfield: key messages", KEY_MESSAGES, "", ""] in table
    by_measure = {(row[0], row[1]): row[2:] for row in table if len(row) >= 3}
    assert by_measure[("Meetings by agency", "Police: came")][:2] == ["0", "0"]
    assert by_measure[("Meetings by agency", "Education: invited")][:2] == ["4", "0"]


def test_the_pdf_names_the_area_and_prints_the_commentary_and_figures(client_for, world, known):
    from pypdf import PdfReader

    _set_targets(client_for(Role.ADMIN), world)
    manager = client_for(Role.MANAGER)
    post(
        manager,
        f"/dashboards/commentary?period={QUARTER}&locality={world.locality.id}",
        {"key_messages": KEY_MESSAGES, "next_steps": NEXT_STEPS},
    )
    # The senior leader downloads it: they read every locality's report.
    response = client_for(Role.SENIOR).get(f"/dashboards/report.pdf?period={QUARTER}&locality={world.locality.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages).split())
    assert "Quarterly report for Northfield: Q3 2025–26" in text
    assert "Acknowledgements slipped in December: two practitioners left." in text
    assert "Recruit two practitioners by March" in text
    assert "Acknowledged within the service level 50% 100% 50 percentage points worse 50% 55% Amber" in text
    assert "Police 1 1 1 0 0%" in text


def test_the_years_pdf_has_the_four_quarters_each_with_its_figures_and_commentary(client_for, world, known):
    from pypdf import PdfReader

    _set_targets(client_for(Role.ADMIN), world)
    manager = client_for(Role.MANAGER)
    first_quarter = "Q1 had no requests: schools were told of the new front door in June."
    for period, key_messages in (("2025-Q1", first_quarter), (QUARTER, KEY_MESSAGES)):
        response = post(
            manager,
            f"/dashboards/commentary?period={period}&locality={world.locality.id}",
            {"key_messages": key_messages, "next_steps": NEXT_STEPS if period == QUARTER else ""},
        )
        assert response.status_code == 302, period
    report = manager.get(f"/dashboards/report?period={QUARTER}&locality={world.locality.id}")
    link = report.soup.find("a", string="Download the four quarters of 2025–26 (PDF)")
    assert link is not None and link["href"] == f"/dashboards/report-year.pdf?period=2025&locality={world.locality.id}"

    response = client_for(Role.SENIOR).get(link["href"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert 'filename="quarterly-reports-2025-locality-' in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert text.startswith("Quarterly reports for Northfield: 2025–26")
    # Each quarter's section, from its heading to the next: its own figures and commentary, not another's.
    headings = [f"Quarterly report for Northfield: Q{n} 2025–26" for n in (1, 2, 3, 4)]
    starts = [text.index(heading) for heading in headings]
    assert starts == sorted(starts)
    sections = [text[start:end] for start, end in zip(starts, [*starts[1:], len(text)], strict=True)]
    # Requests received, the quarter before, the trend and the same quarter a year before, counted by hand:
    # none in Q1, one in September (Q2), nine in Q3 (two in Q3 a year before), none in Q4.
    received = [
        "Requests received 0 0 No change 0",
        "Requests received 1 0 1 more 0",
        "Requests received 9 1 8 more 2",
        "Requests received 0 9 9 fewer 0",
    ]
    for section, row in zip(sections, received, strict=True):
        assert row in section, row
    q1, q2, q3, q4 = sections
    assert first_quarter in q1 and first_quarter not in q3
    assert "Acknowledgements slipped in December: two practitioners left." in q3
    assert "Recruit two practitioners by March" in q3
    assert "Acknowledged within the service level 50% 100% 50 percentage points worse 50% 55% Amber" in q3
    assert "Police 1 1 1 0 0%" in q3
    for section in (q2, q4):
        assert "No commentary has been written for this quarter." in section
    # A quarter is not a year.
    assert client_for(Role.SENIOR).get("/dashboards/report-year.pdf?period=2025-Q3").status_code == 404


def test_every_locality_side_by_side_and_a_years_four_quarters(client_for, world, known):
    senior = client_for(Role.SENIOR)
    page = senior.get(f"/dashboards/report?period={QUARTER}")
    assert page.status_code == 200
    names = [" ".join(th.get_text().split()) for th in page.soup.select("#table-localities thead th")]
    assert names[0] == "Measure" and names[-1] == "All" and "Northfield" in names and "Southmere" in names
    side = _rows(page, "table-localities")
    received = side["Requests received"]
    northfield = names.index("Northfield") - 1
    assert received[northfield] == "9"
    assert int(received[-1]) == sum(int(cell) for cell in received[:-1])
    # Counted with grouped queries, the same as Northfield's own report (tests above).
    assert side["Acknowledged within the service level"][northfield] == "50%"
    assert side["Median working days to share the outcome"][northfield] == "6 working days"
    assert side["Disagreements with the outcome"][northfield] == "1"
    assert "Found the consultation helpful" not in side  # not counted per locality

    response = senior.get(f"/dashboards/report-year.csv?period=2025&locality={world.locality.id}")
    assert response.status_code == 200
    assert 'filename="quarterly-reports-2025-locality-' in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    titles = [row[0] for row in table if row and row[0].startswith("Quarterly report for")]
    assert titles == [f"Quarterly report for Northfield: Q{n} 2025–26" for n in (1, 2, 3, 4)]
    assert senior.get("/dashboards/report-year.csv?period=2025-Q3").status_code == 404


def test_targets_are_for_admins_and_checked(client_for, world):
    admin = client_for(Role.ADMIN)
    assert_error_page(
        post(admin, "/dashboards/targets", {"measure": "helpful", "locality": "all", "target": "120"}),
        "Enter the target as a number between 0 and 100, like 95 or 2.5",
    )
    assert_error_page(
        post(admin, "/dashboards/targets", {"measure": "received", "locality": "all", "target": "5"}),
        "Select a measure from the list",
    )
    assert (
        post(admin, "/dashboards/targets", {"measure": "helpful", "locality": "all", "target": "70"}).status_code == 302
    )
    assert members.targets_for([world.locality.id]) == {"helpful": 70}
    assert (
        post(admin, "/dashboards/targets", {"measure": "helpful", "locality": "all", "target": ""}).status_code == 302
    )
    assert members.targets_for([world.locality.id]) == {}


@pytest.mark.parametrize(
    ("value", "target", "higher", "expected"),
    [
        (95, 95, True, "green"),
        (86, 95, True, "amber"),  # within 9.5 of 95
        (85, 95, True, "red"),
        (6, 6, False, "green"),
        (6.5, 6, False, "amber"),
        (7, 6, False, "red"),
        (None, 6, False, None),
        (5, None, True, None),
    ],
)
def test_red_amber_green(value, target, higher, expected):
    from decimal import Decimal

    found = members.rag(
        None if value is None else Decimal(str(value)), None if target is None else Decimal(target), higher
    )
    assert (found.value if found else None) == expected


def test_only_a_manager_of_the_locality_writes_its_commentary(client_for, world):
    other = client_for(world.other_manager)
    assert other.get(f"/dashboards/commentary?period={QUARTER}&locality={world.locality.id}").status_code == 404
    manager = client_for(Role.MANAGER)
    assert_error_page(
        post(manager, f"/dashboards/commentary?period={QUARTER}&locality={world.locality.id}", {"key_messages": " "}),
        "Enter the key messages",
    )
    assert manager.get(f"/dashboards/commentary?period=2025&locality={world.locality.id}").status_code == 404
