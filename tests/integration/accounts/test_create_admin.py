"""`flask users create-admin`: how an operator creates the first account, in every configuration."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from portal.accounts.models import PasswordReset, User
from portal.common.models import AuditEvent
from portal.common.roles import Role
from portal.extensions import db
from tests.integration.accounts.conftest import count
from tests.integration.accounts.test_password_reset import can_sign_in, choose_password


def test_creates_an_enabled_admin_and_prints_a_single_use_link_from_public_url(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create-admin", " First.Admin@Example.org ", "--name", "Sam  Taylor"])
    assert result.exit_code == 0, result.output

    admin = db.session.scalar(select(User).where(User.email == "first.admin@example.org"))
    assert admin is not None and admin.role is Role.ADMIN and admin.is_active and admin.name == "Sam Taylor"
    assert admin.password_hash is None
    link = result.output.strip().splitlines()[-1]
    assert link.startswith(app.config["PUBLIC_URL"] + "/password-reset/")
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.user_id == admin.id))
    assert reset is not None
    lifetime = reset.expires_at - reset.created_at
    assert abs(lifetime - app.config["INVITATION_LIFETIME"]).total_seconds() < 5
    assert "7 days" in result.output
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_id == admin.id)) == "user.admin_created"

    client = app.test_client()
    path = urlsplit(link).path
    assert not can_sign_in(app, admin.email, "a walk along the canal")
    assert choose_password(client, path, "a walk along the canal").status_code == 302
    assert can_sign_in(app, admin.email, "a walk along the canal")
    assert client.get(path).status_code == 404  # single use


def test_refuses_an_email_already_in_use_and_changes_nothing(app, world):
    before = count(User), count(PasswordReset)
    result = app.test_cli_runner().invoke(args=["users", "create-admin", world.partner.email.upper(), "--name", "X Y"])
    assert result.exit_code != 0
    assert "There is already an account with this email address" in result.output
    assert (count(User), count(PasswordReset)) == before


def test_refuses_a_bad_email_or_an_empty_name(app, world):
    before = count(User)
    for args in (["not-an-email", "--name", "Sam Taylor"], ["sam@example.org", "--name", "   "]):
        result = app.test_cli_runner().invoke(args=["users", "create-admin", *args])
        assert result.exit_code != 0 and "Error:" in result.output
    assert count(User) == before


def test_works_in_production_with_links_at_public_url(app, database_url, make_app):
    production = make_app(
        "production", SECRET_KEY="s" * 40, SQLALCHEMY_DATABASE_URI=database_url, PUBLIC_URL="https://portal.example.org"
    )
    with production.app_context():
        result = production.test_cli_runner().invoke(
            args=["users", "create-admin", "admin@example.org", "--name", "Sam Taylor"]
        )
        assert result.exit_code == 0, result.output
        assert result.output.strip().splitlines()[-1].startswith("https://portal.example.org/password-reset/")
        assert db.session.scalar(select(User.role).where(User.email == "admin@example.org")) is Role.ADMIN
