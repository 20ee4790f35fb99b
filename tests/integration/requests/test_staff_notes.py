"""Staff-only notes (management oversight, case direction): staff add them to a request's timeline,
marked "staff only", each audited; they never reach a partner — not any page a partner can open, not an
e-mail, not the partner's own data export."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import func, select

from portal.common.models import OutboxMessage
from portal.common.roles import Role
from portal.directory.models import NeedLevel
from portal.extensions import db
from portal.requests.models import ConsultationRequest, EventKind, Outcome, RequestEvent, RequestStatus, Urgency
from tests.access import ANY_SIGNED_IN, EVERYONE, P
from tests.integration.accounts.test_personal_data import reauthenticate
from tests.integration.common.test_access import ACCESS, _urls
from tests.integration.requests.conftest import audit_rows, body_of
from tests.support.forms import assert_error_page, post

NOTE = "Oversight 7731: step up to an assessment if attendance falls again"


def _note_on(client, request_id: int, text: str = NOTE):
    return post(client, f"/requests/{request_id}/staff-notes", {"note": text})


def test_staff_add_a_note_marked_staff_only_and_audited_with_no_email(client_for, world, make_request):
    req = make_request()
    outbox_before = db.session.scalar(select(func.count(OutboxMessage.id)))
    manager = client_for(Role.MANAGER)
    added = _note_on(manager, req.id)
    assert added.status_code == 302 and added.headers["Location"].endswith(f"/requests/{req.id}#timeline")

    [event] = db.session.scalars(select(RequestEvent).where(RequestEvent.kind == EventKind.STAFF_NOTE)).all()
    assert event.staff_only and event.text == NOTE and event.actor_id == world.manager.id
    [row] = audit_rows(req.id, "request.staff_note_added")
    assert row.actor_id == world.manager.id and row.detail == {"event_id": event.id}
    assert NOTE not in json.dumps(row.detail)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == outbox_before  # nobody is e-mailed

    for client in (manager, client_for(Role.PRACTITIONER)):
        items = client.get(f"/requests/{req.id}").soup.select(".portal-timeline__item")
        [noted] = [item for item in items if NOTE in item.get_text()]
        assert " ".join(noted.select_one("h3").get_text().split()) == "Staff note Staff only"


def test_a_note_is_checked_for_a_childs_identifiers_and_must_not_be_empty(client_for, make_request):
    req = make_request()
    practitioner = client_for(Role.PRACTITIONER)
    assert_error_page(_note_on(practitioner, req.id, "   "), "Enter the staff note")
    assert_error_page(_note_on(practitioner, req.id, "NHS number 943 476 5919"), "Remove the NHS number (943 476 5919)")
    assert db.session.scalar(select(func.count(RequestEvent.id)).where(RequestEvent.staff_only)) == 0


def test_partners_and_admins_cannot_add_one(client_for, make_request):
    req = make_request()
    assert _note_on(client_for(Role.PARTNER), req.id).status_code == 403
    assert _note_on(client_for(Role.ADMIN), req.id).status_code == 403
    assert db.session.scalar(select(func.count(RequestEvent.id)).where(RequestEvent.staff_only)) == 0


def test_no_staff_note_reaches_a_partner_on_any_page_in_any_email_or_in_their_export(
    app, client_for, world, factories, make_request, deliver, inbox
):
    # Every route with its objects (tests/access), then a note on every request there is, in the middle of
    # a request's life: the partner is e-mailed about the changes before and after it.
    urls = _urls(app, world, factories)
    req = make_request(urgency=Urgency.TODAY)
    # A closed request of theirs, with the level of need advised: the export carries it with the outcome.
    level = NeedLevel(locality=world.locality, name="Level 3: child in need", position=3)
    db.session.add(level)
    closed = make_request(
        status=RequestStatus.CLOSED,
        urgency=Urgency.WITHIN_A_WORKING_DAY,
        outcome=Outcome.STEP_DOWN_TO_EARLY_HELP,
        outcome_summary="The family support team will call.",
        need_level=level,
    )
    practitioner = client_for(Role.PRACTITIONER)
    post(practitioner, f"/requests/{req.id}/messages", {"text": "We will call you tomorrow."})
    manager = client_for(Role.MANAGER)
    for request_id in db.session.scalars(select(ConsultationRequest.id)).all():
        assert _note_on(manager, request_id).status_code == 302
    post(practitioner, f"/requests/{req.id}/messages", {"text": "Thank you for the figures."})
    partner = client_for(Role.PARTNER)
    post(partner, f"/requests/{req.id}/messages", {"text": "Here they are."})

    # Every page the partner may open (GET), their data export included (after the password again).
    reauthenticate(partner)
    seen = 0
    for endpoint, method, url in urls:
        allowed = ACCESS[endpoint]
        if method != "GET" or not (allowed in (EVERYONE, ANY_SIGNED_IN) or P in allowed):
            continue
        if endpoint == "accounts.sign_out":
            continue
        response = partner.get(url)
        body = response.get_data()  # bytes: some answers are calendar files or other downloads
        assert NOTE.encode() not in body, f"a staff note reached the partner at {endpoint} ({url})"
        assert b"Staff note" not in body and b"Staff only" not in body, endpoint
        seen += response.status_code == 200
    assert seen > 20  # the crawl really saw the partner's pages
    page = partner.get(f"/requests/{req.id}")
    assert "We will call you tomorrow." in page.get_data(as_text=True)  # the partner does see the rest
    for export in ("/account/your-data", "/account/your-data.json", "/account/your-data.csv"):
        response = partner.get(export)
        assert response.status_code == 200 and NOTE not in response.get_data(as_text=True), export
    # …while it does carry, for each of their requests, the urgency they chose and the level advised.
    exported = {r["reference"]: r for r in json.loads(partner.get("/account/your-data.json").get_data())["requests"]}
    assert exported[req.reference]["urgency"] == "today"
    assert exported[req.reference]["level_of_need_advised"] is None
    assert exported[closed.reference]["urgency"] == "within_a_working_day"
    assert exported[closed.reference]["outcome"] == "step_down_to_early_help"
    assert exported[closed.reference]["level_of_need_advised"] == level.name
    readable = partner.get("/account/your-data")
    [table] = [t for t in readable.soup.select("table") if t.caption.get_text(strip=True) == "Requests you made"]
    columns = [th.get_text(strip=True) for th in table.select("thead th")]
    rows = {
        cells[columns.index("Reference")]: cells
        for cells in ([td.get_text(strip=True) for td in tr.select("th, td")] for tr in table.select("tbody tr"))
    }
    assert rows[req.reference][columns.index("How soon you needed a response")] == "Today"
    assert rows[closed.reference][columns.index("How soon you needed a response")] == "Within a working day"
    assert rows[closed.reference][columns.index("Level of need advised")] == level.name
    csv_rows = list(csv.reader(io.StringIO(partner.get("/account/your-data.csv").get_data(as_text=True))))
    by_item: dict[str, dict[str, str]] = {}
    for section, item, detail, value in csv_rows[1:]:
        if section == "Requests you made":
            by_item.setdefault(item, {})[detail] = value
    in_csv = {details["Reference"]: details for details in by_item.values()}
    assert in_csv[req.reference]["How soon you needed a response"] == "Today"
    assert in_csv[closed.reference]["How soon you needed a response"] == "Within a working day"
    assert in_csv[closed.reference]["Level of need advised"] == level.name
    assert in_csv[closed.reference]["Outcome"] == rows[closed.reference][columns.index("Outcome")] != ""

    # Every e-mail, as delivered by real SMTP (and its copy in the notifications).
    deliver()
    assert inbox.messages, "the partner and staff were e-mailed about the messages"
    for message in inbox.messages:
        assert NOTE not in body_of(message) and NOTE not in str(message["Subject"])
    for row in db.session.scalars(select(OutboxMessage)):
        assert NOTE not in row.subject and NOTE not in row.body_text
