"""The audit log, readable: admins search all of it and managers what the people of their area did, by person,
record, action and date, a page at a time (GOV.UK pagination), and download the result as CSV. Views of a
request already recorded appear there; each search and download is audited itself."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from portal.common.models import AuditEvent
from portal.common.roles import Role
from portal.common.times import london_today
from portal.extensions import db
from portal.models_base import utcnow
from tests.support.db import count
from tests.support.forms import assert_error_page


def _event(actor, action, *, object_type=None, object_id=None, days_ago=0):
    db.session.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            at=utcnow() - timedelta(days=days_ago),
            detail={"note": '=HYPERLINK("http://x.invalid")'},
        )
    )


def _actions(page):
    return [" ".join(td.get_text().split()) for td in page.soup.select("#audit-events tbody tr td:nth-child(3)")]


def test_a_view_of_a_request_appears_in_the_audit_log(client_for, world, factories):
    req = factories.ConsultationRequestFactory(organisation=world.school, created_by=world.partner)
    db.session.commit()
    assert client_for(Role.PRACTITIONER).get(f"/requests/{req.id}").status_code == 200
    page = client_for(Role.ADMIN).get(f"/audit?record_type=ConsultationRequest&record_id={req.id}")
    assert page.status_code == 200
    assert "request.viewed" in _actions(page)
    assert "Lee Lead" in page.soup.select_one("#audit-events").get_text()


def test_searching_by_person_action_and_date(client_for, world):
    _event(world.practitioner, "locality.saved", object_type="Locality", object_id=world.locality.id)
    _event(world.other_practitioner, "locality.saved", object_type="Locality", object_id=world.other_locality.id)
    _event(world.practitioner, "pod.created", days_ago=10)
    db.session.commit()
    admin = client_for(Role.ADMIN)
    assert _actions(admin.get("/audit?person=lee+lead&action=locality.saved")) == ["locality.saved"]
    old = london_today() - timedelta(days=10)
    boxes = [old.day, old.month, old.year]
    dated = admin.get("/audit", query_string={"person": "Lee", "from_date": boxes, "to_date": boxes})
    assert _actions(dated) == ["pod.created"]


def test_a_manager_reads_what_the_people_of_their_area_did_only(client_for, world):
    _event(world.practitioner, "area.event")
    _event(world.partner, "partner.event")
    _event(world.other_practitioner, "other.event")
    _event(world.admin, "admin.event")
    db.session.commit()
    page = client_for(Role.MANAGER).get("/audit")
    seen = set(_actions(page))
    assert {"area.event", "partner.event"} <= seen
    assert not {"other.event", "admin.event"} & seen


def test_the_log_is_paginated(client_for, world):
    for n in range(60):
        _event(world.practitioner, f"event.{n:02d}")
    db.session.commit()
    admin = client_for(Role.ADMIN)
    first = admin.get("/audit?person=Lee")
    assert len(_actions(first)) == 50
    nav = first.soup.select_one("nav.govuk-pagination")
    assert "Page 1 of 2" in nav.get_text()
    second = admin.get(nav.select_one("a[rel=next]")["href"])
    assert len(_actions(second)) == 10
    assert admin.get("/audit?person=Lee&page=99999999999999999999").status_code == 200


def test_the_result_downloads_as_csv_with_formulas_neutralised(client_for, world):
    _event(world.practitioner, "locality.saved", object_type="Locality", object_id=world.locality.id)
    _event(world.practitioner, "＝cmd|' /C calc'!A0")  # a full-width "=": no action is named so, but a cell could be
    db.session.commit()
    response = client_for(Role.ADMIN).get("/audit.csv?person=Lee")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:4] == ["When (UTC)", "Person", "Email address", "Action"]
    assert sorted(r[3] for r in rows[1:]) == ["'＝cmd|' /C calc'!A0", "locality.saved"]
    assert {r[7] for r in rows[1:]} == {'note==HYPERLINK("http://x.invalid")'}
    assert count(AuditEvent, AuditEvent.action == "audit.exported") == 1


def test_a_bad_search_is_a_gov_uk_error(client_for, world):
    page = client_for(Role.ADMIN).get(
        "/audit", query_string={"record_id": "²", "from_date": ["99999999999999999999", "1", "2026"]}
    )
    assert_error_page(page, "Record number must be a whole number, like 12", "The first day must be a real date")


def test_partners_and_practitioners_cannot_read_the_log(client_for, world):
    assert client_for(Role.PARTNER).get("/audit").status_code == 403
    assert client_for(Role.PRACTITIONER).get("/audit.csv").status_code == 403
