"""What the portal e-mails a person also waits for them in the portal, linking to the thing."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select

from portal.accounts.models import User
from portal.common.models import Notification, OutboxMessage
from portal.common.roles import Role
from portal.extensions import db
from portal.requests.models import ConsultationRequest
from tests import sessions_factories
from tests.integration.requests.test_ask import VALID
from tests.support.forms import csrf_token, post


def _notifications(user: Any) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))
    )


def test_every_email_to_a_person_is_also_one_notification_and_an_address_without_an_account_none(
    app, client_for, world, factories
):
    partner = client_for(Role.PARTNER)
    assert post(partner, "/requests/new", VALID).status_code == 302
    session = sessions_factories.SessionFactory(locality=world.locality, host=world.practitioner)
    assert post(partner, f"/sessions/{session.id}/book").status_code == 302
    manager = client_for(Role.MANAGER)
    invited = post(
        manager,
        "/invitations/new",
        {
            "name": "New Person",
            "email": "new.person@example.org",
            "role": "partner",
            "organisation_id": str(world.school.id),
            "locality_id": "0",
        },
    )
    assert invited.status_code == 302
    anonymous = app.test_client()
    reset = anonymous.post(
        "/password-reset", data={"email": world.partner.email, "csrf_token": csrf_token(anonymous, "/password-reset")}
    )
    assert reset.status_code == 200

    db.session.expire_all()
    emails = db.session.scalars(select(OutboxMessage)).all()
    people = {u.email: u.id for u in db.session.scalars(select(User))}
    expected = Counter((people[m.recipient], m.subject) for m in emails if m.recipient in people)
    kept = Counter((n.user_id, n.subject) for n in db.session.scalars(select(Notification)))
    assert len(emails) >= 5 and len(expected) >= 4, [m.subject for m in emails]
    assert kept == expected
    assert "new.person@example.org" not in people  # the invitation went to an address, not yet a person


def test_the_partner_opens_the_receipt_from_the_header_count_and_it_is_read(client_for, world):
    partner = client_for(Role.PARTNER)
    assert post(partner, "/requests/new", VALID).status_code == 302
    req = db.session.scalars(select(ConsultationRequest)).one()
    [receipt] = _notifications(world.partner)
    assert receipt.link == f"/requests/{req.id}" and receipt.read_at is None

    page = partner.get("/notifications")
    assert page.soup.select_one("#unread-count").get_text(" ", strip=True) == "1 unread"
    [item] = page.soup.select("#notifications li")
    assert req.reference in item.get_text() and "Unread" in item.get_text()
    opened = post(partner, f"/notifications/{receipt.id}/open")
    assert opened.status_code == 302 and opened.headers["Location"] == f"/requests/{req.id}"
    assert _notifications(world.partner)[0].read_at is not None
    page = partner.get("/notifications")
    assert (
        page.soup.select_one("#unread-count") is None
        and "Unread" not in page.soup.select_one("#notifications").get_text()
    )


def test_another_persons_notification_cannot_be_opened(client_for, world):
    partner = client_for(Role.PARTNER)
    assert post(partner, "/requests/new", VALID).status_code == 302
    [lead_notice] = _notifications(world.practitioner)
    assert post(partner, f"/notifications/{lead_notice.id}/open").status_code == 404
    assert _notifications(world.practitioner)[0].read_at is None
    assert "Unread" in client_for(Role.PRACTITIONER).get("/notifications").soup.select_one("#notifications").get_text()


def test_mark_all_read_and_the_unread_filter(client_for, world):
    partner = client_for(Role.PARTNER)
    assert post(partner, "/requests/new", VALID).status_code == 302
    assert post(partner, "/requests/new", {**VALID, "child_initials": "RT"}).status_code == 302
    assert len(client_for(Role.PARTNER).get("/notifications?show=unread").soup.select("#notifications li")) == 2
    marked = post(partner, "/notifications/read")
    assert marked.status_code == 302
    assert "2 notifications marked as read" in partner.get("/notifications").get_data(as_text=True)
    unread = partner.get("/notifications?show=unread")
    assert unread.soup.select_one("#no-notifications").get_text(strip=True) == "You have no unread notifications."
    assert all(n.read_at is not None for n in _notifications(world.partner))


def test_a_password_reset_is_noted_without_its_secret_link(client, world):
    client.post(
        "/password-reset", data={"email": world.partner.email, "csrf_token": csrf_token(client, "/password-reset")}
    )
    [note] = _notifications(world.partner)
    assert note.link is None and "password" in note.subject.lower()
    db.session.expire_all()
    [email] = db.session.scalars(select(OutboxMessage)).all()
    assert "/password-reset/" in email.body_text


def test_notifications_are_paged_newest_first(client_for, world):
    from portal.common import notifications

    for number in range(30):
        notifications.record(user_id=world.partner.id, subject=f"Update {number}", link=None)
    db.session.commit()
    partner = client_for(Role.PARTNER)
    first = partner.get("/notifications")
    items = [li.select_one("button").get_text(strip=True) for li in first.soup.select("#notifications li")]
    assert items[0] == "Update 29" and len(items) == 25
    second = partner.get("/notifications?page=2")
    assert [li.select_one("button").get_text(strip=True) for li in second.soup.select("#notifications li")] == [
        f"Update {n}" for n in range(4, -1, -1)
    ]
    assert partner.get("/notifications?page=99").status_code == 200
