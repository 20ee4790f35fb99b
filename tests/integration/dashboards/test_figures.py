"""Every dashboard figure for a quarter of known work (tests/dashboards_factories.py), counted by hand in
the comments there and compared with what the service, the page, the report and the CSV show."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest

from portal.common.roles import Role
from portal.dashboards import services
from portal.dashboards.figures import Cell, Dashboard, dashboard
from portal.extensions import db
from portal.feedback.models import Theme
from portal.requests.models import Step
from portal.sessions.models import SessionKind
from tests.dashboards_factories import PREVIOUS, QUARTER, Known, build_known_quarter


@pytest.fixture
def known(world: Any, factories: Any) -> Known:
    return build_known_quarter(world, factories)


@pytest.fixture
def manager(client_for: Any) -> Any:
    return client_for(Role.MANAGER)


def figures(world: Any, **filters: Any) -> Dashboard:
    return dashboard(services.resolve_filters(world.manager, **filters))


def rows(page: Any, table_id: str) -> dict[str, list[str]]:
    table = page.soup.find(id=table_id)
    assert table is not None, f"no #{table_id}"
    return {
        " ".join(tr.th.get_text().split()): [" ".join(td.get_text().split()) for td in tr.find_all("td")]
        for tr in table.select("tbody tr")
        if tr.th is not None
    }


PDFUAID = "http://www.aiim.org/pdfua/ns/id/"


def pdfua_part(reader: Any) -> str | None:
    """The PDF/UA part its XMP metadata declares (pdfuaid:part, as an attribute or an element)."""
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    root = ElementTree.fromstring(xmp)  # noqa: S314 (the metadata of the PDF this test has just rendered)
    for element in root.iter():
        if element.get(f"{{{PDFUAID}}}part") is not None:
            return element.get(f"{{{PDFUAID}}}part")
        if element.tag == f"{{{PDFUAID}}}part":
            return element.text
    return None


def structure_elements(reader: Any, kind: str) -> list[Any]:
    """Every structure element of type `kind` (e.g. "/Figure") in the PDF's tag tree."""
    found: list[Any] = []

    def walk(node: Any) -> None:
        node = node.get_object()
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict) and "/K" in node:
            if node.get("/S") == kind:
                found.append(node)
            walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


def steps(board: Dashboard) -> dict[Step, tuple[int, int | None, int | None, int | None]]:
    return {s.step: (s.done, s.median, s.p90, s.on_time_percent) for s in board.responsiveness.steps}


def test_working_days_to_each_step_over_bank_holidays_and_a_paused_clock(world, known):
    board = figures(world, period=QUARTER)
    # Acknowledged in Q3: R1 3 (over Christmas), R2 1, R3 0, R4 3 → median 1, 90th percentile 3, 2 of 4 on time.
    # Consulted (closed in Q3): R2 4, R3 4 (paused 3), R4 14, R5 3 → median 4, p90 14, 3 of 4 on time.
    # Outcome shared: R2 7, R3 6 (paused 3), R4 14, R5 3 → median 6, p90 14, 3 of 4.
    assert steps(board) == {
        Step.ACKNOWLEDGE: (4, 1, 3, 50),
        Step.CONSULT: (4, 4, 14, 75),
        Step.OUTCOME: (4, 6, 14, 75),
    }
    assert board.responsiveness.step(Step.ACKNOWLEDGE).histogram == {0: 1, 1: 1, 3: 2}
    # The quarter before: only R5's acknowledgement (1 working day, on time).
    assert steps(figures(world, period=PREVIOUS))[Step.ACKNOWLEDGE] == (1, 1, 1, 100)


def test_the_practitioner_and_pod_filters_count_their_requests_only(world, known):
    lead = figures(world, period=QUARTER, practitioner=str(world.practitioner.id))
    # Lee Lead worked R1 (3, late) and R2 (1; consult 4; outcome 7).
    assert steps(lead) == {Step.ACKNOWLEDGE: (2, 1, 3, 50), Step.CONSULT: (1, 4, 4, 100), Step.OUTCOME: (1, 7, 7, 100)}
    pod = figures(world, period=QUARTER, pod=str(known.pod.id))
    # The pod is Sam Second: R3 0 and R4 3 acknowledged; consult 3, 4, 14 (R5, R3, R4): median 4, p90 14, 2 of 3.
    assert steps(pod) == {Step.ACKNOWLEDGE: (2, 0, 3, 50), Step.CONSULT: (3, 4, 14, 67), Step.OUTCOME: (3, 6, 14, 67)}
    # Castle Rock's entry about R5 is the pod's only feedback: anonymous feedback has no request, so a pod
    # or practitioner filter never counts it.
    assert (pod.feedback.period.count, pod.feedback.period.average) == (1, Decimal("4.0"))
    assert (lead.feedback.period.count, lead.feedback.period.average) == (1, Decimal("5.0"))


def test_overdue_promises_and_escalations(world, known):
    r = figures(world, period=QUARTER).responsiveness
    # Overdue now: R1 (consult due 29 December 2025) and the request not acknowledged in ten days.
    assert r.overdue_now == 2
    # Promises due in Q3 here: kept, missed (never kept), kept on the day, kept late (the day after, in
    # London): 2 kept, 2 missed, 1 of them kept late.
    assert (r.promises_made, r.promises_kept, r.promises_missed, r.promises_kept_late) == (4, 2, 2, 1)
    assert (r.kept_percent, r.missed_percent) == (50, 50)
    assert (r.escalations, r.disagreements, r.escalations_answered) == (1, 1, 1)


def test_feedback_counts_anonymous_entries_and_the_pulse(world, known):
    fb = figures(world, period=QUARTER).feedback
    # 4, 2 (anonymous, from the police) and 5: 3 entries, average 11 / 3 = 3.7; the quarter before: one 3.
    assert (fb.period.count, fb.period.average) == (3, Decimal("3.7"))
    assert (fb.previous.count, fb.previous.average) == (1, Decimal("3.0"))
    assert fb.period_by_theme[Theme.KEEPING_PROMISES] == Cell(2, 6)
    assert fb.period_by_theme[Theme.COMMUNICATION] == Cell(1, 5)
    assert [q.key for q in fb.quarters] == ["2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3"]
    assert [(c.count, c.average) for c in fb.by_quarter] == [
        (0, None),
        (0, None),
        (1, Decimal("3.0")),
        (3, Decimal("3.7")),
    ]
    # Pulse: helpful 2 of 3 (67%), knew what next 2 of 3.
    assert (fb.pulse_count, fb.helpful_percent, fb.knew_next_percent) == (3, 67, 67)
    # Anonymous says nothing more: the locality has one police organisation, so its type would name it.
    assert [c.source for c in fb.comments] == ["Castle Rock High School", "Anonymous", "Castle Rock High School"]


def test_engagement(world, known):
    e = figures(world, period=QUARTER).engagement
    assert [(m.invited, m.recorded, m.represented) for m in e.meetings] == [(3, 3, 2)]
    assert e.coverage == 67
    shadowing, open_day = e.sessions
    assert (shadowing.kind, shadowing.sessions, shadowing.places, shadowing.booked, shadowing.attended) == (
        SessionKind.FRONT_DOOR_SHADOWING,
        1,
        10,
        4,
        3,
    )
    assert (shadowing.uptake, open_day.uptake) == (40, None)
    assert (e.invitees, e.accepted, e.declined, e.acceptance) == (4, 2, 1, 50)


def test_demand_by_month_and_organisation_type(world, known):
    d = figures(world, period=QUARTER).demand
    # October: R2 and Busy Brook's five (education); November: R3 (health); December: R1 and R4 (police).
    assert [(m.month.key, m.by_group) for m in d.months] == [
        ("2025-10", {"Education": 6, "Health": 0, "Police": 0, "Other": 0}),
        ("2025-11", {"Education": 0, "Health": 1, "Police": 0, "Other": 0}),
        ("2025-12", {"Education": 1, "Health": 0, "Police": 1, "Other": 0}),
    ]
    assert (d.total, d.previous_total) == (9, 1)
    assert d.schools == [("Busy Brook Academy", 5), ("Castle Rock High School", 2)]


def test_the_page_shows_the_figures_and_suppresses_small_school_counts(manager, world, known):
    page = manager.get(f"/dashboards?period={QUARTER}")
    assert page.status_code == 200
    assert rows(page, "table-steps") == {
        "Acknowledge": ["4", "1 working day", "3 working days", "50%"],
        "Consult": ["4", "4 working days", "14 working days", "75%"],
        "Share the outcome": ["4", "6 working days", "14 working days", "75%"],
    }
    promises = rows(page, "table-promises")
    assert promises["Overdue now"] == ["2", "2 requests"]
    assert promises["Promises kept by their due date"] == ["2 (50%)", ""]
    assert promises["Promises missed (not kept by their due date)"] == ["2 (50%), 1 of them kept late", "2 requests"]
    # The latest comments: the anonymous one from the police says only "Anonymous".
    sources = [" ".join(box.p.get_text().split()) for box in page.soup.select(".govuk-inset-text")]
    assert sources[1] == "Keeping promises, rated 2 out of 5, 20 November 2025, Anonymous"
    assert rows(page, "table-demand")["October 2025"] == ["6", "0", "0", "0", "6"]
    schools = [
        [td.get_text(strip=True) for td in tr.find_all("td")] for tr in page.soup.select("#table-schools tbody tr")
    ]
    assert schools == [["Busy Brook Academy", "5"], ["Castle Rock High School", "fewer than 5"]]
    # Each chart is an image labelled by the summary beside it.
    for svg in page.soup.select("svg.dashboard-chart"):
        assert svg["role"] == "img"
        assert page.soup.find(id=svg["aria-labelledby"]) is not None
    assert (
        "Acknowledge: 50%; Consult: 75%; Share the outcome: 75%" in page.soup.find(id="chart-steps-summary").get_text()
    )
    assert "Meadow Lane" not in page.get_data(as_text=True)


def test_the_report_link_carries_the_dashboards_filters_and_the_report_names_the_localities(
    manager, world, known, factories
):
    pod = factories.PodFactory(locality=world.locality, name="North pod")
    page = manager.get(f"/dashboards?period={QUARTER}&locality={world.locality.id}&pod={pod.id}")
    link = page.soup.find("a", string=lambda text: bool(text and text.startswith("Quarterly report")))
    query = parse_qs(urlsplit(link["href"]).query)
    assert query == {"period": [QUARTER], "locality": [str(world.locality.id)], "pod": [str(pod.id)]}
    report = manager.get(link["href"])
    assert report.status_code == 200
    assert report.soup.h1.get_text(strip=True) == "Quarterly report for Northfield, pod North pod: Q3 2025–26"
    # The whole area (the manager manages Southmere too): its localities by name, never "All localities in your area".
    world.other_locality.manager_id = world.manager.id
    db.session.commit()
    area = manager.get(f"/dashboards/report?period={QUARTER}")
    assert area.soup.h1.get_text(strip=True) == "Quarterly report for Northfield and Southmere: Q3 2025–26"
    assert "All localities" not in area.get_data(as_text=True)
    table = list(
        csv.reader(io.StringIO(manager.get(f"/dashboards/report.csv?period={QUARTER}").get_data(as_text=True)))
    )
    assert table[0][0] == "Quarterly report for Northfield and Southmere: Q3 2025–26"


def test_report_page_csv_and_pdf_agree_with_the_hand_counts(manager, world, known):
    from pypdf import PdfReader

    page = manager.get(f"/dashboards/report?period={QUARTER}&locality={world.locality.id}")
    assert page.status_code == 200
    headlines = rows(page, "table-headlines")
    assert headlines["Requests received"][:3] == ["9", "1", "8 more"]
    assert headlines["Acknowledged within the service level"][:3] == ["50%", "100%", "50 percentage points worse"]
    assert headlines["Median working days to share the outcome"][:3] == ["6 working days", "No data", "No comparison"]
    assert headlines["Promises kept by their due date"][:3] == ["50%", "No data", "No comparison"]
    assert headlines["Average feedback rating (out of 5)"][:3] == ["3.7", "3.0", "0.7 higher, better"]
    assert headlines["Found the consultation helpful"][:3] == ["67%", "No data", "No comparison"]
    assert headlines["Schools represented at partnership meetings"][:3] == ["67%", "No data", "No comparison"]
    assert "Every promise now has a date and a reminder." in page.get_data(as_text=True)
    # The report names what it covers: the locality and the quarter.
    assert page.soup.h1.get_text(strip=True) == "Quarterly report for Northfield: Q3 2025–26"

    response = manager.get(f"/dashboards/report.csv?period={QUARTER}&locality={world.locality.id}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    by_measure = {(row[0], row[1]): row[2:] for row in table if len(row) >= 3}
    assert table[0][0] == "Quarterly report for Northfield: Q3 2025–26"
    assert by_measure[("Headline", "Requests received")][:3] == ["9", "1", "8 more"]
    assert by_measure[("Headline", "Median working days to acknowledge")][:3] == [
        "1 working day",
        "1 working day",
        "No change",
    ]
    assert by_measure[("Feedback", "Keeping promises: entries")] == ["2", "0", "2"]
    assert by_measure[("Feedback", "Keeping promises: average rating")] == ["3.0", "No data", ""]
    # Numbers are numbers: a fall is -50, not the neutralised text '-50.
    assert by_measure[("Responsiveness", "Acknowledge: within the service level (%)")] == ["50", "100", "-50"]
    assert by_measure[("Responsiveness", "Consult: median working days")] == ["4", "No data", ""]
    assert by_measure[("Responsiveness", "Consult: 90th percentile working days")] == ["14", "No data", ""]
    assert by_measure[("Responsiveness", "Share the outcome: 90th percentile working days")] == ["14", "No data", ""]
    assert by_measure[("Responsiveness", "Overdue now")] == ["2", "", ""]
    assert by_measure[("Promises", "Missed (not kept by their due date)")] == ["2", "0", "2"]
    assert by_measure[("Promises", "Of those missed, kept late")] == ["1", "0", "1"]
    assert by_measure[("Pulse", "Knew what would happen next (%)")] == ["67", "No data", ""]
    assert by_measure[("Engagement", "Schools represented (%)")] == ["67", "No data", ""]
    assert by_measure[("Engagement", "Front Door shadowing: attended")] == ["3", "0", "3"]
    assert by_measure[("Engagement", "Pod invites: accepted (%)")] == ["50", "No data", ""]
    assert by_measure[("Requests by school", "Castle Rock High School")] == ["fewer than 5", "", ""]
    assert by_measure[("Requests by school", "Busy Brook Academy")] == ["5", "", ""]
    you_said = next(row for row in table if row and row[0] == "You said, we did")
    assert you_said[2].startswith("'=HYPERLINK(")

    pdf = manager.get(f"/dashboards/report.pdf?period={QUARTER}&locality={world.locality.id}")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.get_data()))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "Quarterly report for Northfield: Q3 2025–26" in text
    assert "Requests received 9 1 8 more" in text
    assert "Acknowledged within the service level 50% 100% 50 percentage points worse" in text
    assert "Every promise now has a date and a reminder." in text
    # Tagged: a structure tree and the PDF/UA identification.
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]
    assert pdfua_part(reader) == "1"
    # PDF/UA: every figure (the demand chart) has alternate text, the chart's summary.
    charts = structure_elements(reader, "/Figure")
    assert charts, "the report's chart is tagged as a figure"
    for figure in charts:
        assert figure.get("/Alt"), "a figure without alternate text"
    assert str(charts[0]["/Alt"]).startswith("Requests per month by the type of organisation asking. October 2025: 6;")
