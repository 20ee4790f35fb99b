"""Invitations: who may invite whom, the single-use link by real SMTP, and no mass assignment."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from portal.accounts.models import Invitation, User
from portal.common.models import AuditEvent, OutboxMessage
from portal.common.roles import Role
from portal.common.security import hash_token
from portal.extensions import db
from portal.models_base import utcnow
from tests.integration.accounts.conftest import body_of, count, fresh, link_path
from tests.support.db import row_counts
from tests.support.forms import assert_error_page, csrf_token, errors

INVITEE = "new.person@example.org"
PASSWORD = "a walk along the canal"


def invite(client: Any, **fields: Any) -> Any:
    data = {"name": "New Person", "email": INVITEE, "organisation_id": "0", "locality_id": "0", **fields}
    data["csrf_token"] = csrf_token(client, "/invitations/new")
    return client.post("/invitations/new", data=data)


def invitation_link(deliver: Any, inbox: Any) -> str:
    assert deliver() == (1, 0)
    message = inbox.wait_for(1)[-1]
    assert message["To"] == INVITEE
    return link_path(message, "/invitations/")


def accept(client: Any, path: str, **extra: Any) -> Any:
    # The token comes from another form page: a used link shows no form.
    return client.post(path, data={"password": PASSWORD, "csrf_token": csrf_token(client), **extra})


def nothing_created() -> bool:
    return count(Invitation) == 0 and count(OutboxMessage) == 0


# --- who may invite whom --------------------------------------------------------------------------


def test_admin_invites_a_practitioner_into_a_locality(client_for, world, deliver, inbox):
    admin = client_for(Role.ADMIN)
    response = invite(admin, role="practitioner", locality_id=str(world.locality.id))

    assert response.status_code == 302
    assert response.headers["Location"] == "/invitations"
    page = admin.get("/invitations")
    assert f"Invitation sent to {INVITEE}." in page.soup.select_one(".govuk-notification-banner").get_text()
    assert "New Person" in page.soup.select_one("table").get_text()
    invitation = db.session.scalars(select(Invitation)).one()
    assert (invitation.role, invitation.locality_id, invitation.organisation_id) == (
        Role.PRACTITIONER,
        world.locality.id,
        None,
    )
    assert invitation.invited_by_id == world.admin.id
    assert count(AuditEvent, AuditEvent.action == "invitation.created", AuditEvent.actor_id == world.admin.id) == 1

    assert inbox.messages == [], "nothing is sent until the outbox worker runs"
    path = invitation_link(deliver, inbox)
    body = body_of(inbox.messages[-1])
    assert inbox.messages[-1]["Subject"] == "You have been invited to Partner Portal"
    assert "Ada Admin has invited you" in body
    assert path.startswith("/invitations/")


def test_admin_must_pick_a_locality_for_a_practitioner(client_for, world):
    response = invite(client_for(Role.ADMIN), role="practitioner")
    assert response.status_code == 200
    assert errors(response) == ["Select the locality they work in"]
    assert nothing_created()


def test_admin_invites_a_partner_of_an_organisation(client_for, world):
    response = invite(client_for(Role.ADMIN), role="partner", organisation_id=str(world.other_school.id))
    assert response.status_code == 302
    invitation = db.session.scalars(select(Invitation)).one()
    # The partner's locality is their organisation's.
    assert (invitation.role, invitation.organisation_id, invitation.locality_id) == (
        Role.PARTNER,
        world.other_school.id,
        world.other_locality.id,
    )


def test_admin_must_pick_an_organisation_for_a_partner(client_for, world):
    response = invite(client_for(Role.ADMIN), role="partner")
    assert errors(response) == ["Select the partner's organisation"]
    assert response.soup.title.get_text().startswith("Error: ")
    assert nothing_created()


def test_manager_invites_a_partner_of_their_own_locality(client_for, world):
    manager = client_for(Role.MANAGER)
    form = manager.get("/invitations/new")
    assert [i["value"] for i in form.soup.select("input[name=role]")] == ["partner"]
    offered = {o["value"] for o in form.soup.select("select[name=organisation_id] option")}
    assert offered == {"0", str(world.school.id)}

    # A locality posted beside the organisation is ignored: a partner's locality is their organisation's.
    response = invite(
        manager, role="partner", organisation_id=str(world.school.id), locality_id=str(world.other_locality.id)
    )
    assert response.status_code == 302
    invitation = db.session.scalars(select(Invitation)).one()
    assert (invitation.role, invitation.organisation_id, invitation.locality_id) == (
        Role.PARTNER,
        world.school.id,
        world.locality.id,
    )


@pytest.mark.parametrize("role", ["admin", "manager", "practitioner"])
def test_manager_cannot_invite_staff(client_for, world, role):
    response = invite(
        client_for(Role.MANAGER), role=role, organisation_id=str(world.school.id), locality_id=str(world.locality.id)
    )
    assert response.status_code in (200, 403)
    if response.status_code == 200:
        assert errors(response) == ["Select a role from the list"]
    assert nothing_created()


def test_manager_cannot_invite_a_partner_of_another_locality(client_for, world):
    response = invite(client_for(Role.MANAGER), role="partner", organisation_id=str(world.other_school.id))
    assert response.status_code in (200, 403)
    if response.status_code == 200:
        assert errors(response) == ["Select an organisation from the list"]
    assert nothing_created()


@pytest.mark.parametrize("role", [Role.PARTNER, Role.PRACTITIONER])
def test_practitioners_and_partners_cannot_invite(client_for, world, role):
    client = client_for(role)
    assert client.get("/invitations/new").status_code == 403
    assert client.get("/invitations").status_code == 403
    token = csrf_token(client, "/account")
    response = client.post(
        "/invitations/new",
        data={
            "name": "X",
            "email": INVITEE,
            "role": "partner",
            "organisation_id": world.school.id,
            "csrf_token": token,
        },
    )
    assert response.status_code == 403
    assert nothing_created()


def test_inviting_someone_who_has_an_account_is_a_form_error(client_for, world):
    response = invite(
        client_for(Role.ADMIN),
        role="partner",
        organisation_id=str(world.school.id),
        email=world.partner.email.upper(),
    )
    assert response.status_code == 200
    assert errors(response) == ["There is already an account with this email address"]
    assert nothing_created()


def test_managers_see_only_their_own_invitations(client_for, world):
    invite(client_for(Role.ADMIN), role="partner", organisation_id=str(world.school.id))
    manager = client_for(Role.MANAGER)
    assert "No invitations have been sent yet." in manager.get("/invitations").soup.get_text()
    assert INVITEE in client_for(Role.ADMIN).get("/invitations").soup.select_one("table").get_text()


# --- accepting ------------------------------------------------------------------------------------


def test_accepting_creates_the_account_the_inviter_chose_and_signs_in(app, client_for, world, deliver, inbox):
    invite(client_for(Role.MANAGER), role="partner", organisation_id=str(world.school.id))
    path = invitation_link(deliver, inbox)
    client = app.test_client()

    page = client.get(path)
    assert page.status_code == 200
    assert page.soup.h1.get_text(strip=True) == "Create your account"
    assert "Max Manager has invited you" in page.soup.get_text()

    # Mass assignment: the invitee posts fields the form does not have; none of them counts.
    response = accept(
        client,
        path,
        role="admin",
        email="attacker@example.org",
        name="Someone Else",
        organisation_id=str(world.other_school.id),
        locality_id=str(world.other_locality.id),
        is_admin="1",
    )
    assert response.status_code == 302
    user = db.session.scalars(select(User).where(User.email == INVITEE)).one()
    assert (user.role, user.name, user.organisation_id, user.locality_id) == (
        Role.PARTNER,
        "New Person",
        world.school.id,
        world.locality.id,
    )
    assert count(User, User.email == "attacker@example.org") == 0

    account = client.get("/account")
    assert account.status_code == 200
    assert "New Person" in account.soup.select_one(".govuk-summary-list").get_text()
    invitation = db.session.scalars(select(Invitation)).one()
    assert fresh(Invitation, invitation.id).accepted_at is not None


def test_invitation_link_works_once(app, client_for, world, deliver, inbox):
    invite(client_for(Role.ADMIN), role="practitioner", locality_id=str(world.locality.id))
    path = invitation_link(deliver, inbox)
    assert accept(app.test_client(), path).status_code == 302

    again = app.test_client()
    page = again.get(path)
    assert page.status_code == 404
    assert page.soup.h1.get_text(strip=True) == "This link has expired"
    assert accept(again, path, password="another long password").status_code == 404
    assert count(User, User.email == INVITEE) == 1
    assert again.get("/account").status_code == 302


def test_expired_invitation_is_refused(app, client_for, world, deliver, inbox):
    invite(client_for(Role.ADMIN), role="practitioner", locality_id=str(world.locality.id))
    path = invitation_link(deliver, inbox)
    invitation = db.session.scalars(select(Invitation)).one()
    assert invitation.expires_at - utcnow() <= app.config["INVITATION_LIFETIME"]
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    client = app.test_client()
    assert client.get(path).status_code == 404
    assert accept(client, path).status_code == 404
    assert count(User, User.email == INVITEE) == 0


def test_accepting_after_someone_made_the_account_is_a_form_error(app, client_for, world, factories, deliver, inbox):
    invite(client_for(Role.ADMIN), role="practitioner", locality_id=str(world.locality.id))
    path = invitation_link(deliver, inbox)
    factories.UserFactory(email=INVITEE)

    response = accept(app.test_client(), path)
    assert response.status_code == 200
    assert errors(response) == ["There is already an account with this email address"]
    assert count(User, User.email == INVITEE) == 1


def test_accepting_with_a_weak_password_is_refused(app, client_for, world, deliver, inbox):
    invite(client_for(Role.ADMIN), role="practitioner", locality_id=str(world.locality.id))
    path = invitation_link(deliver, inbox)
    response = accept(app.test_client(), path, password="password123")
    assert errors(response) == ["Choose a password that is harder to guess"]
    assert count(User, User.email == INVITEE) == 0
    assert fresh(Invitation, db.session.scalars(select(Invitation.id)).one()).accepted_at is None


def test_invitation_tokens_are_stored_hashed(client_for, world, deliver, inbox):
    invite(client_for(Role.ADMIN), role="practitioner", locality_id=str(world.locality.id))
    token = invitation_link(deliver, inbox).rsplit("/", 1)[-1]
    assert len(token) >= 43
    assert db.session.scalars(select(Invitation)).one().token_hash == hash_token(token)
    stored = " ".join(str(value) for value in db.session.execute(select(Invitation.__table__)).one())
    assert token not in stored


@pytest.mark.parametrize(
    ("role", "fields", "saved"),
    [
        # Only the chosen role's revealed field counts: the others, hidden under other radios, are ignored.
        ("partner", {"organisation_id": "school", "locality_id": "other", "manager_locality_id": "other"}, "school"),
        ("practitioner", {"organisation_id": "other_school", "locality_id": "locality"}, "locality"),
        ("manager", {"locality_id": "other", "manager_locality_id": "locality"}, "locality"),
        ("admin", {"organisation_id": "school", "locality_id": "locality"}, None),
    ],
)
def test_an_invitation_uses_only_the_field_revealed_under_its_role(client_for, world, role, fields, saved):
    ids = {
        "school": world.school.id,
        "other_school": world.other_school.id,
        "locality": world.locality.id,
        "other": world.other_locality.id,
    }
    response = invite(client_for(Role.ADMIN), role=role, **{k: str(ids[v]) for k, v in fields.items()})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    invitation = db.session.scalars(select(Invitation).where(Invitation.email == INVITEE)).one()
    if role == "partner":
        assert (invitation.organisation_id, invitation.locality_id) == (world.school.id, world.locality.id)
    else:
        assert invitation.organisation_id is None
        assert invitation.locality_id == (ids[saved] if saved else None)


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ("partner", "Select the partner's organisation"),
        ("practitioner", "Select the locality they work in"),
        ("manager", "Select the locality they work in"),
    ],
)
def test_the_revealed_field_is_demanded_only_for_its_role(client_for, world, role, message):
    admin = client_for(Role.ADMIN)
    before = row_counts()
    response = invite(admin, role=role)
    assert_error_page(response, message)
    assert row_counts() == before
