"""Subject access (a person downloads their own data) and erasure (an admin closes an account and removes
the person from the records that stay)."""

from __future__ import annotations

import csv
import io
import json
import re

from sqlalchemy import select

from portal.accounts.models import User, UserSession
from portal.common import notifications
from portal.common.models import AuditEvent, Notification
from portal.extensions import db
from portal.feedback.models import Feedback, Theme
from portal.requests.models import EventKind, RequestEvent
from tests.factories import PASSWORD
from tests.support.db import count, fresh
from tests.support.forms import csrf_token


def reauthenticate(client, password: str = PASSWORD):
    url = "/account/confirm-password"
    return client.post(url, data={"password": password, "csrf_token": csrf_token(client, url)})


def test_exporting_or_erasing_asks_for_the_password_again(app, world, client_for):
    partner = client_for(world.partner)
    for url in ("/account/your-data", "/account/your-data.json"):
        response = partner.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/account/confirm-password?next=")
    wrong = reauthenticate(partner, "not-my-password")
    assert wrong.status_code == 200
    assert "Enter your password correctly" in wrong.get_data(as_text=True)
    assert partner.get("/account/your-data.json").status_code == 302

    confirmed = partner.post(
        "/account/confirm-password?next=/account/your-data",
        data={"password": PASSWORD, "csrf_token": csrf_token(partner, "/account/confirm-password")},
    )
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/account/your-data"
    assert partner.get("/account/your-data").status_code == 200

    admin = client_for(world.admin)
    assert (
        admin.get(f"/users/{world.other_partner.id}/erase").headers["Location"].startswith("/account/confirm-password")
    )
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("reauthentication%"))).all()
    assert sorted(actions) == ["reauthentication.failed", "reauthentication.succeeded"]


def test_the_readable_page_shows_the_same_data(app, world, factories, client_for):
    mine = factories.ConsultationRequestFactory(organisation=world.school, created_by=world.partner)
    partner = client_for(world.partner)
    reauthenticate(partner)
    page = partner.get("/account/your-data").get_data(as_text=True)
    assert mine.reference in page and world.partner.email in page and "Requests you made" in page


def test_the_readable_page_is_in_plain_english(app, world, factories, client_for):
    from datetime import UTC, datetime

    from portal.requests.models import Outcome, RequestStatus

    factories.ConsultationRequestFactory(
        organisation=world.school,
        created_by=world.partner,
        status=RequestStatus.CLOSED,
        outcome=Outcome.ADVICE_GIVEN,
        received_at=datetime(2026, 4, 7, 7, 50, tzinfo=UTC),  # 8:50am in London (summer time)
    )
    partner = client_for(world.partner)
    reauthenticate(partner)
    page = partner.get("/account/your-data")
    text = " ".join(page.soup.select_one("main").get_text().split())
    assert "7 April 2026 at 8:50am" in text
    assert "Advice given" in text
    headers = [th.get_text(strip=True) for th in page.soup.select("#requests + div th")]
    assert "Received" in headers and "Outcome" in headers
    # No names from the code, no ISO timestamps.
    assert "advice_given" not in text and "received_at" not in text and "Received at" not in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text)


def test_the_csv_download_is_plain_english_and_safe_in_a_spreadsheet(app, world, factories, client_for):
    factories.ConsultationRequestFactory(
        organisation=world.school, created_by=world.partner, summary='=HYPERLINK("https://evil.invalid")'
    )
    partner = client_for(world.partner)
    reauthenticate(partner)
    response = partner.get("/account/your-data.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="partner-portal-your-data.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Section", "Item", "Detail", "Value"]
    assert ["Your account", "", "Email address", world.partner.email] in rows
    [summary] = [r for r in rows if r[0] == "Requests you made" and r[2] == "Summary"]
    assert summary[3] == '\'=HYPERLINK("https://evil.invalid")'  # a leading apostrophe: text, not a formula
    assert count(AuditEvent, AuditEvent.action == "user.data_exported", AuditEvent.object_id == world.partner.id) == 1


def test_a_partner_downloads_their_own_data_and_nobody_elses(app, world, factories, client_for):
    mine = factories.ConsultationRequestFactory(
        organisation=world.school, created_by=world.partner, summary="Attendance has dropped."
    )
    theirs = factories.ConsultationRequestFactory(
        organisation=world.other_school, created_by=world.other_partner, summary="Someone else's worry."
    )
    db.session.add(RequestEvent(request_id=mine.id, kind=EventKind.MESSAGE, actor_id=world.partner.id, text="Thanks"))
    db.session.add(Feedback(theme=Theme.COMMUNICATION, rating=4, text="Clear", author_id=world.partner.id))
    db.session.add(Feedback(theme=Theme.RESPECT, rating=2, text="Anonymous words", anonymous=True))
    notifications.record(user_id=world.partner.id, subject=f"Request sent ({mine.reference})", link="/requests/1")
    notifications.record(user_id=world.other_partner.id, subject=f"Request sent ({theirs.reference})", link=None)
    db.session.commit()

    client = client_for(world.partner)
    reauthenticate(client)
    response = client.get("/account/your-data.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == world.partner.email
    assert data["account"]["organisation"] == world.school.name
    assert [r["reference"] for r in data["requests"]] == [mine.reference]
    assert data["requests"][0]["summary"] == "Attendance has dropped."
    assert [m["text"] for m in data["messages_and_updates_you_wrote"]] == ["Thanks"]
    assert [f["text"] for f in data["feedback_under_your_name"]] == ["Clear"]
    assert [n["subject"] for n in data["notifications"]] == [f"Request sent ({mine.reference})"]
    text = response.get_data(as_text=True)
    assert theirs.reference not in text and "Someone else's worry." not in text and "Anonymous words" not in text
    assert any(s["action"] == "sign_in.succeeded" for s in data["sign_ins"])
    assert count(AuditEvent, AuditEvent.action == "user.data_exported", AuditEvent.object_id == world.partner.id) == 1


def test_an_admin_erases_an_account_and_the_records_stay(app, world, factories, client_for):
    req = factories.ConsultationRequestFactory(organisation=world.school, created_by=world.partner)
    notifications.record(user_id=world.partner.id, subject=f"Request sent ({req.reference})", link="/requests/1")
    db.session.commit()
    partner_client = client_for(world.partner)
    admin = client_for(world.admin)
    reauthenticate(admin)

    page = admin.get(f"/users/{world.partner.id}/erase")
    assert page.status_code == 200 and world.partner.email in page.get_data(as_text=True)
    response = admin.post(
        f"/users/{world.partner.id}/erase", data={"csrf_token": csrf_token(admin, page.request.path), "confirm": "yes"}
    )

    assert response.status_code == 302
    erased = fresh(User, world.partner.id)
    assert erased.name == "Erased user"
    assert erased.email == f"erased-{erased.id}@erased.invalid"
    assert (erased.phone, erased.job_title, erased.password_hash) == ("", "", None)
    assert erased.disabled_at is not None
    assert count(UserSession, UserSession.user_id == erased.id) == 0
    assert count(Notification, Notification.user_id == erased.id) == 0
    assert fresh(type(req), req.id).created_by_id == erased.id  # the school's request stays
    assert count(AuditEvent, AuditEvent.action == "user.erased", AuditEvent.object_id == erased.id) == 1
    # Their session is gone: the next request sends them to sign in.
    assert partner_client.get("/account").status_code == 302


def test_a_locality_lead_cannot_be_erased_until_replaced(app, world, client_for):
    admin = client_for(world.admin)
    reauthenticate(admin)
    url = f"/users/{world.practitioner.id}/erase"
    response = admin.post(url, data={"csrf_token": csrf_token(admin, url), "confirm": "yes"})

    assert response.status_code == 409
    assert "choose someone else there first" in response.get_data(as_text=True)
    assert fresh(User, world.practitioner.id).name == "Lee Lead"


def test_an_admin_cannot_erase_themselves(app, world, client_for):
    admin = client_for(world.admin)
    reauthenticate(admin)
    url = f"/users/{world.admin.id}/erase"
    response = admin.post(url, data={"csrf_token": csrf_token(admin, url), "confirm": "yes"})
    assert response.status_code == 409
    assert db.session.scalar(select(User.name).where(User.id == world.admin.id)) == "Ada Admin"


def test_an_erased_person_cannot_sign_in(app, world, client_for):
    admin = client_for(world.admin)
    reauthenticate(admin)
    url = f"/users/{world.other_partner.id}/erase"
    email = world.other_partner.email
    admin.post(url, data={"csrf_token": csrf_token(admin, url), "confirm": "yes"})
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 200  # the form again, with the one vague error: the right password no longer works
    assert "Enter a correct email address and password" in response.get_data(as_text=True)
