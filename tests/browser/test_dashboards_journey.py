"""A manager reads the dashboard as they would: filter by locality and quarter, read a chart's data
table, open the quarterly report and download it as PDF and CSV; axe and the page checks on every page.
The PDF opens and holds the same headline figures as the page."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from portal.accounts.models import User
from portal.common.working_days import due_at
from portal.directory.models import Locality, Organisation
from portal.extensions import db
from portal.requests import timings
from portal.requests.models import ConsultationRequest, RequestStatus

LONDON = ZoneInfo("Europe/London")
QUARTER = "2025-Q3"


def _some_work(app) -> str:
    """Three requests in Morgan Reyes's locality in Q3 2025–26, measured as the services would measure
    them: acknowledged in 1, 3 (over Christmas) and 0 working days."""
    with app.app_context():
        manager = db.session.scalar(select(User).where(User.email == "manager@example.org"))
        loc = db.session.get(Locality, manager.locality_id)
        school = db.session.scalar(select(Organisation).where(Organisation.locality_id == loc.id).limit(1))
        worker = db.session.get(User, loc.lead_id)
        times = (
            (datetime(2025, 10, 1, 9, tzinfo=LONDON), datetime(2025, 10, 2, 9, tzinfo=LONDON)),
            (datetime(2025, 12, 22, 10, tzinfo=LONDON), datetime(2025, 12, 29, 9, tzinfo=LONDON)),
            (datetime(2025, 11, 3, 9, tzinfo=LONDON), datetime(2025, 11, 3, 15, tzinfo=LONDON)),
        )
        for received, acknowledged in times:
            req = ConsultationRequest(
                kind="consultation",
                status=RequestStatus.ACKNOWLEDGED,
                organisation_id=school.id,
                locality_id=loc.id,
                worker_id=worker.id,
                child_initials="KM",
                child_birth_year=2016,
                summary="Attendance has dropped this term.",
                received_at=received,
                acknowledged_at=acknowledged,
                acknowledge_due=due_at(received, 1),
                consult_due=due_at(received, 5),
                outcome_due=due_at(received, 10),
            )
            db.session.add(req)
            db.session.flush()
            timings.record_acknowledged(req)
        db.session.commit()
        return loc.name


def _download(visitor, link_name):
    with visitor.page.expect_download() as info:
        visitor.page.get_by_role("link", name=link_name).click()
    download = info.value
    path = download.path()
    assert path is not None
    with open(path, "rb") as handle:
        return download.suggested_filename, handle.read()


def test_a_manager_filters_reads_a_chart_and_downloads_the_report(visitor, live_server):
    locality = _some_work(live_server.app)
    visitor.sign_in("manager@example.org")
    page = visitor.goto("/dashboards")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")

    page.get_by_label("Locality", exact=True).select_option(label=locality)
    page.get_by_label("Period", exact=True).select_option(value=QUARTER)
    visitor.submit("Show figures")
    expect(page.locator(".govuk-body-l").first).to_contain_text(f"{locality}: October to December 2025")

    # The responsiveness chart: an image labelled by its summary, with its data table beside it.
    chart = page.get_by_role("img", name="Share done within the service level", exact=False)
    expect(chart).to_be_visible()
    row = page.locator("#table-steps tbody tr").filter(has_text="Acknowledge")
    expect(row.locator("td")).to_have_text(["3", "1 working day", "3 working days", "67%"])
    expect(page.locator("#chart-steps-summary")).to_contain_text("Acknowledge: 67%")

    with page.expect_navigation() as navigation:
        page.get_by_role("link", name="Quarterly report", exact=False).click()
    visitor.last_response = navigation.value
    visitor.check()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Quarterly report for {locality}: Q3 2025–26")
    headline = page.locator("#table-headlines tbody tr").filter(has_text="Median working days to acknowledge")
    expect(headline.locator("td").first).to_have_text("1 working day")

    name, pdf = _download(visitor, "Download the report (PDF)")
    assert name == f"quarterly-report-{QUARTER}-locality-{page.url.split('locality=')[1].split('&')[0]}.pdf"
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert f"Quarterly report for {locality}: Q3 2025–26" in text
    assert "Requests received 3 0 3 more" in text
    assert "Acknowledged within the service level 67%" in text
    assert "Median working days to acknowledge 1 working day" in text

    name, data = _download(visitor, "Download the figures (CSV)")
    assert name.endswith(".csv")
    table = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert table[0][0] == f"Quarterly report for {locality}: Q3 2025–26"
    headlines = [row[:5] for row in table if row and row[0] == "Headline"]  # then last year, target and RAG
    assert ["Headline", "Requests received", "3", "0", "3 more"] in headlines
    assert ["Headline", "Acknowledged within the service level", "67%", "No data", "No comparison"] in headlines
