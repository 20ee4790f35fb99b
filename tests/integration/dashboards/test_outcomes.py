"""Outcomes counted, against figures worked out by hand: the outcome mix of the requests closed in a quarter
(all, by locality, practitioner and organisation type, with the type's cells of 1 to 4 suppressed), the
repeat-request share of those received, and worker changes per closed request — in the figures, on the
dashboard, on the report page and in the report's CSV.

The quarter is Q3 2025–26 (October to December 2025). The manager manages Northfield (the world's locality)
and Eastmoor. Closed in the quarter, with their worker changes:

| # | locality | organisation | worker | outcome | changes |
| 1, 2 | Northfield | school | Lee Lead | advice given | 0, 1 |
| 3 | Northfield | school | Nia Newworker | referral to the Front Door advised | 2 |
| 4 | Northfield | health | Nia Newworker | step down to early help | 0 |
| 5 | Northfield | health | Lee Lead | no further action | 0 |
| 6 | Eastmoor | police | Eve Eastworker | referral to the Front Door advised | 1 |
| 7 | Eastmoor | school | Eve Eastworker | advice given | 0 |
| 8–12 | Northfield | school | Lee Lead | advice given | 0 |

12 closed: advice 8 (67%), referral 2 (17%), step down 1 (8%), no further action 1 (8%). Worker changes
4 over 12 requests: 0.3 a request; 9 of 12 (75%) kept one worker. Received in the quarter: those 12 and
one still open, 13, of which 3 are repeats (23%). Not counted: a request closed in September (the
quarter before: advice given, 3 changes, a repeat), one of Southmere (not the manager's), and the open one
in the mix."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from portal.common.roles import Role
from portal.dashboards import services as dashboard_services
from portal.dashboards.figures import outcomes
from portal.directory.models import OrganisationKind
from portal.extensions import db
from portal.requests.models import Outcome, RequestStatus

QUARTER = "2025-Q3"
LONDON = ZoneInfo("Europe/London")
A, R, S, N = (
    Outcome.ADVICE_GIVEN,
    Outcome.REFERRAL_TO_FRONT_DOOR_ADVISED,
    Outcome.STEP_DOWN_TO_EARLY_HELP,
    Outcome.NO_FURTHER_ACTION,
)


def at(month: int, day: int, year: int = 2025) -> datetime:
    return datetime(year, month, day, 10, tzinfo=LONDON)


@pytest.fixture
def known(world: Any, factories: Any) -> Any:
    f = factories
    east = f.LocalityFactory(name="Eastmoor", manager_id=world.manager.id)
    nia = f.UserFactory(role=Role.PRACTITIONER, locality=world.locality, name="Nia Newworker")
    eve = f.UserFactory(role=Role.PRACTITIONER, locality=east, name="Eve Eastworker")
    health = f.OrganisationFactory(
        name="Testville Health Visitors", kind=OrganisationKind.HEALTH, locality=world.locality
    )
    police = f.OrganisationFactory(name="Eastmoor Police Station", kind=OrganisationKind.POLICE, locality=east)
    east_school = f.OrganisationFactory(name="Eastmoor Primary", locality=east)

    def closed(
        org: Any, worker: Any, outcome: Outcome, changes: int = 0, *, repeat: bool = False, month: int = 11
    ) -> Any:
        return f.ConsultationRequestFactory(
            organisation=org,
            worker=worker,
            status=RequestStatus.CLOSED,
            outcome=outcome,
            received_at=at(month - 1, 6),
            acknowledged_at=at(month - 1, 7),
            closed_at=at(month, 3),
            worker_changes=changes,
            is_repeat=repeat,
        )

    lee, school = world.practitioner, world.school
    closed(school, lee, A)
    closed(school, lee, A, 1, repeat=True)
    closed(school, nia, R, 2)
    closed(health, nia, S)
    closed(health, lee, N)
    closed(police, eve, R, 1)
    closed(east_school, eve, A)
    for i in range(5):
        closed(school, lee, A, repeat=i == 0)
    # Not in the mix: still open (but received in the quarter, a repeat, with a change).
    f.ConsultationRequestFactory(
        organisation=school,
        worker=lee,
        status=RequestStatus.ACKNOWLEDGED,
        received_at=at(12, 1),
        is_repeat=True,
        worker_changes=1,
    )
    # Not in the quarter: closed in September (the quarter before), received in August.
    closed(school, lee, A, 3, repeat=True, month=9)
    # Not the manager's: Southmere.
    closed(world.other_school, world.other_practitioner, R, 5, repeat=True)
    db.session.commit()
    return nia


def counts(**by: int) -> dict[Outcome, int]:
    out = dict.fromkeys(Outcome, 0)
    out.update({Outcome(k): v for k, v in by.items()})
    return out


def figures_for(manager: Any, **args: Any) -> Any:
    return outcomes(dashboard_services.resolve_filters(manager, period=QUARTER, **args))


def test_the_figures_equal_the_hand_counts(world, known):
    o = figures_for(world.manager)
    assert o.closed.counts == counts(
        advice_given=8, referral_to_front_door_advised=2, step_down_to_early_help=1, no_further_action=1
    )
    assert [o.closed.percent(x) for x in (A, R, S, N, Outcome.SIGNPOSTED)] == [67, 17, 8, 8, 0]
    assert [(row.label, row.counts) for row in o.by_locality] == [
        ("Eastmoor", counts(advice_given=1, referral_to_front_door_advised=1)),
        (
            "Northfield",
            counts(advice_given=7, referral_to_front_door_advised=1, step_down_to_early_help=1, no_further_action=1),
        ),
    ]
    assert [(row.label, row.counts) for row in o.by_practitioner] == [
        ("Eve Eastworker", counts(advice_given=1, referral_to_front_door_advised=1)),
        ("Lee Lead", counts(advice_given=7, no_further_action=1)),
        ("Nia Newworker", counts(referral_to_front_door_advised=1, step_down_to_early_help=1)),
    ]
    assert [(row.label, row.counts) for row in o.by_group] == [
        ("Education", counts(advice_given=8, referral_to_front_door_advised=1)),
        ("Health", counts(step_down_to_early_help=1, no_further_action=1)),
        ("Police", counts(referral_to_front_door_advised=1)),
        ("Other", counts()),
    ]
    assert (o.worker_changes, o.reassigned, o.changes_per_request, o.one_worker_percent) == (4, 3, Decimal("0.3"), 75)
    assert (o.received, o.repeats, o.repeat_percent) == (13, 3, 23)


def test_the_practitioner_and_locality_filters_narrow_them(world, known):
    nia = figures_for(world.manager, practitioner=str(known.id))
    assert nia.closed.counts == counts(referral_to_front_door_advised=1, step_down_to_early_help=1)
    assert (nia.worker_changes, nia.reassigned) == (2, 1)
    north = figures_for(world.manager, locality=str(world.locality.id))
    assert north.closed.total == 10
    assert (north.received, north.repeats) == (11, 3)
    assert figures_for(world.other_manager).closed.counts == counts(referral_to_front_door_advised=1)


def rows_of(page: Any, table_id: str) -> list[list[str]]:
    return [
        [cell.get_text(" ", strip=True) for cell in row.select("th, td")]
        for row in page.soup.select(f"#{table_id} tbody tr")
    ]


def test_the_dashboard_and_the_report_page_show_them_suppressing_small_counts_by_type(world, known, client_for):
    manager = client_for(Role.MANAGER)
    for url, prefix in ((f"/dashboards?period={QUARTER}", ""), (f"/dashboards/report?period={QUARTER}", "report-")):
        page = manager.get(url)
        assert page.status_code == 200
        summary = page.soup.select_one(f"#{prefix}outcomes-summary").get_text(" ", strip=True)
        assert summary == (
            "12 requests closed in the period: Advice given 8 (67%); Step down to early help 1 (8%);"
            " Referral to the Front Door advised 2 (17%); No further action 1 (8%)."
        )
        shown = {
            r.select_one(".govuk-summary-list__key").get_text(strip=True): r.select_one(
                ".govuk-summary-list__value"
            ).get_text(strip=True)
            for r in page.soup.select(f"#{prefix}outcome-figures .govuk-summary-list__row")
        }
        assert shown == {
            "Requests about a child asked about in the 12 months before": "3 of 13 received (23%)",
            "Worker changes per closed request": "0.3 (4 changes)",
            "Closed requests that kept one worker": "75% (9 of 12)",
        }
        # Columns: advice, signposted, step down, referral, pod invite, no further action, total.
        assert rows_of(page, f"{prefix}table-outcomes-type") == [
            ["Education", "8", "0", "0", "fewer than 5", "0", "0", "9"],
            ["Health", "0", "0", "fewer than 5", "0", "0", "fewer than 5", "fewer than 5"],
            ["Police", "0", "0", "0", "fewer than 5", "0", "0", "fewer than 5"],
            ["Other", "0", "0", "0", "0", "0", "0", "0"],
        ]
        assert rows_of(page, f"{prefix}table-outcomes-locality") == [
            ["Eastmoor", "1", "0", "0", "1", "0", "0", "2"],
            ["Northfield", "7", "0", "1", "1", "0", "1", "10"],
        ]
    assert rows_of(manager.get(f"/dashboards?period={QUARTER}"), "table-outcomes-practitioner")[1] == [
        "Lee Lead",
        "7",
        "0",
        "0",
        "0",
        "0",
        "1",
        "8",
    ]


def test_the_csv_carries_the_same_figures(world, known, client_for):
    response = client_for(Role.MANAGER).get(f"/dashboards/report.csv?period={QUARTER}")
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    by_measure = {(row[0], row[1]): row[2:] for row in table if len(row) >= 4}
    assert by_measure[("Outcomes", "Advice given: closed")] == ["8", "1", "7"]
    assert by_measure[("Outcomes", "Advice given: of those closed (%)")] == ["67", "100", "-33"]
    assert by_measure[("Outcomes", "Requests closed")] == ["12", "1", "11"]
    assert by_measure[("Outcomes", "Requests received")] == ["13", "1", "12"]
    assert by_measure[("Outcomes", "About a child asked about in the 12 months before (%)")] == ["23", "100", "-77"]
    assert by_measure[("Outcomes", "Worker changes on the requests closed")] == ["4", "3", "1"]
    assert by_measure[("Outcomes", "Worker changes per closed request")] == ["0.3", "3.0", "-2.7"]
    assert by_measure[("Outcomes", "Closed requests that kept one worker (%)")] == ["75", "0", "75"]
    assert by_measure[("Outcomes by locality", "Northfield: Advice given")][0] == "7"
    # By practitioner, as by type: cells of 1 to 4 suppressed (Nia's one step down; Lee's seven advice given).
    assert by_measure[("Outcomes by practitioner", "Nia Newworker: Step down to early help")][0] == "fewer than 5"
    assert by_measure[("Outcomes by practitioner", "Lee Lead: Advice given")][0] == "7"
    assert by_measure[("Outcomes by practitioner", f"Lee Lead: {Outcome.SIGNPOSTED.label}")][0] == "0"
    assert by_measure[("Outcomes by organisation type", "Education: Advice given")][0] == "8"
    assert by_measure[("Outcomes by organisation type", "Health: No further action")][0] == "fewer than 5"
    headlines = {row[1]: row[2:] for row in table if row and row[0] == "Headline"}
    assert headlines["Worker changes per closed request"][:2] == ["0.3", "3.0"]
    assert headlines["Requests about a child asked about in the 12 months before"][:2] == ["23%", "100%"]


# The hand counts by practitioner (the table in the module docstring), in the report's column order (advice,
# signposted, step down, referral, pod invite, no further action, total), with 1 to 4 as "fewer than 5".
F = "fewer than 5"
PRACTITIONERS_IN_THE_REPORT = [
    ["Eve Eastworker", F, "0", "0", F, "0", "0", F],
    ["Lee Lead", "7", "0", "0", "0", "0", F, "8"],
    ["Nia Newworker", "0", "0", F, F, "0", "0", F],
]


def test_the_report_shows_the_mix_by_practitioner_suppressing_small_counts_as_by_type(world, known, client_for):
    manager = client_for(Role.MANAGER)
    page = manager.get(f"/dashboards/report?period={QUARTER}")
    assert page.status_code == 200
    assert rows_of(page, "report-table-outcomes-practitioner") == PRACTITIONERS_IN_THE_REPORT
    assert (
        page.soup.select_one("#report-outcomes-suppression")
        .get_text(" ", strip=True)
        .startswith('Counts of 1 to 4 by practitioner and by organisation type are shown as "fewer than 5".')
    )
    # The dashboard, read by the practitioners' managers, keeps the counts (Eve's row: 1 advice, 1 referral).
    dashboard = manager.get(f"/dashboards?period={QUARTER}")
    assert rows_of(dashboard, "table-outcomes-practitioner")[0] == ["Eve Eastworker", "1", "0", "0", "1", "0", "0", "2"]

    # The CSV carries the same cells as the page, practitioner by practitioner and outcome by outcome.
    response = manager.get(f"/dashboards/report.csv?period={QUARTER}")
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    in_csv = [row[1:3] for row in table if row and row[0] == "Outcomes by practitioner"]
    on_page = [
        [f"{cells[0]}: {outcome.label}", cells[1 + i]]
        for cells in PRACTITIONERS_IN_THE_REPORT
        for i, outcome in enumerate(Outcome)
    ]
    assert in_csv == on_page


def test_the_report_pdf_shows_the_mix_by_practitioner_suppressed(world, known, client_for):
    from pypdf import PdfReader

    response = client_for(Role.MANAGER).get(f"/dashboards/report.pdf?period={QUARTER}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Outcomes by practitioner" in text
    assert "Counts of 1 to 4 by practitioner and by organisation type" in text
    # Lee Lead's row as the page shows it: 7 advice given, no further action suppressed, 8 in all.
    assert "Lee Lead 7 0 0 0 0 fewer than 5 8" in text
