"""`flask users …`: the operator's commands for accounts (the first admin, before anyone can sign in)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.accounts.services import create_admin
from portal.common.errors import DomainError
from portal.common.links import PublicUrlMissing
from portal.extensions import db


@click.group("users", help="Manage accounts from the command line.")
def users_cli() -> None:
    pass


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", required=True, help='The admin\'s full name, e.g. --name "Sam Taylor".')
@with_appcontext
def create_admin_command(email: str, name: str) -> None:
    """Create an enabled admin and print a single-use link to set their password."""
    try:
        user, link = create_admin(email=email, name=name)
        db.session.commit()
    except (DomainError, PublicUrlMissing) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    days = current_app.config["INVITATION_LIFETIME"].days
    click.echo(f"Created the admin {user.name} <{user.email}>.")
    click.echo(f"They set their password at this link (it works once, for {days} days):")
    click.echo(link)
