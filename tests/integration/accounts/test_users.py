"""User administration: disabling an account takes effect on that person's next request."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import User, UserSession
from portal.common.models import AuditEvent
from portal.common.roles import Role
from portal.extensions import db
from tests.integration.accounts.conftest import count, fresh
from tests.support.db import row_counts
from tests.support.forms import csrf_token


def audited(action: str) -> list[tuple[str | None, int | None, int | None]]:
    """(object type, object id, actor) of each `action` audit row."""
    db.session.expire_all()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
    return [(event.object_type, event.object_id, event.actor_id) for event in events]


def signed_in_sessions(user_id: int) -> int:
    return count(UserSession, UserSession.user_id == user_id, UserSession.revoked_at.is_(None))


def disable(admin_client, user_id: int):
    return admin_client.post(f"/users/{user_id}/disable", data={"csrf_token": csrf_token(admin_client, "/users")})


def test_admin_sees_everyone_on_the_users_page(client_for, world):
    page = client_for(Role.ADMIN).get("/users")
    assert page.status_code == 200
    names = [th.get_text(strip=True) for th in page.soup.select("tbody th")]
    assert {"Pat Partner", "Lee Lead", "Max Manager", "Ada Admin"} <= set(names)


def test_disabling_a_user_signs_them_out_on_their_next_request(client_for, world):
    partner = client_for(world.partner)
    assert partner.get("/account").status_code == 200
    admin = client_for(Role.ADMIN)

    response = disable(admin, world.partner.id)

    assert response.status_code == 302
    banner = admin.get(response.headers["Location"]).soup.select_one(".govuk-notification-banner")
    assert "Pat Partner's account has been disabled." in banner.get_text()
    following = partner.get("/account")
    assert following.status_code == 302
    assert following.headers["Location"].startswith("/sign-in")
    user = fresh(User, world.partner.id)
    assert user.disabled_at is not None
    assert signed_in_sessions(world.partner.id) == 0
    assert audited("user.disabled") == [("User", world.partner.id, world.admin.id)]


def test_a_disabled_user_cannot_sign_in_and_can_again_once_enabled(client, client_for, world):
    admin = client_for(Role.ADMIN)
    disable(admin, world.practitioner.id)
    token = csrf_token(client)
    data = {"email": world.practitioner.email, "password": "correct-horse-battery", "csrf_token": token}
    assert client.post("/sign-in", data=data).status_code == 200
    assert count(UserSession, UserSession.user_id == world.practitioner.id) == 0
    assert fresh(User, world.practitioner.id).last_sign_in_at is None

    response = admin.post(f"/users/{world.practitioner.id}/enable", data={"csrf_token": csrf_token(admin, "/users")})
    assert response.status_code == 302
    assert fresh(User, world.practitioner.id).disabled_at is None
    assert audited("user.enabled") == [("User", world.practitioner.id, world.admin.id)]
    assert client.post("/sign-in", data=data).status_code == 302
    assert client.get("/account").status_code == 200
    assert signed_in_sessions(world.practitioner.id) == 1


def test_admin_cannot_disable_themselves(client_for, world):
    admin = client_for(Role.ADMIN)
    response = disable(admin, world.admin.id)
    assert response.status_code == 302
    page = admin.get(response.headers["Location"])
    assert "You cannot disable your own account" in page.soup.select_one(".govuk-notification-banner").get_text()
    assert admin.get("/account").status_code == 200
    user = fresh(User, world.admin.id)
    assert user.disabled_at is None
    assert audited("user.disabled") == []
    assert signed_in_sessions(world.admin.id) == 1


def test_admin_enabling_themselves_is_harmless(client_for, world):
    admin = client_for(Role.ADMIN)
    response = admin.post(f"/users/{world.admin.id}/enable", data={"csrf_token": csrf_token(admin, "/users")})
    assert response.status_code == 302
    assert admin.get("/account").status_code == 200
    assert fresh(User, world.admin.id).disabled_at is None


@pytest.mark.parametrize("role", [Role.PARTNER, Role.PRACTITIONER, Role.MANAGER])
def test_only_admins_may_disable_users(client_for, world, role):
    client = client_for(role)
    assert client.get("/users").status_code == 403
    response = client.post(
        f"/users/{world.other_partner.id}/disable", data={"csrf_token": csrf_token(client, "/account")}
    )
    assert response.status_code == 403
    assert response.soup.h1.get_text(strip=True) == "You do not have permission to see this page"
    user = fresh(User, world.other_partner.id)
    assert user.disabled_at is None
    assert count(AuditEvent, AuditEvent.action == "access.denied") == 2


def test_disabling_someone_who_does_not_exist_is_not_found(client_for, world):
    admin = client_for(Role.ADMIN)
    before = row_counts()
    assert disable(admin, 999_999).status_code == 404
    assert row_counts() == before


def test_disable_needs_the_csrf_token(client_for, world):
    admin = client_for(Role.ADMIN)
    before = row_counts()
    response = admin.post(f"/users/{world.partner.id}/disable")
    assert response.status_code == 400
    user = fresh(User, world.partner.id)
    assert user.disabled_at is None
    assert row_counts() == before
