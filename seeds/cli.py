"""`flask seed demo`: load the demo data (refused in production)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.extensions import db
from seeds.demo import DemoDataRefused, load_demo


@click.group("seed", help="Load seed data.")
def seed_cli() -> None:
    pass


@seed_cli.command("demo")
@with_appcontext
def demo() -> None:
    """Load the demo localities, schools, staff and one account per role; prints the sign-ins."""
    try:
        sign_ins = load_demo()
    except DemoDataRefused as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo("Demo sign-ins (all invented people):")
    for s in sign_ins:
        click.echo(f"  {s.role.label:<13} {s.email:<26} password: {s.password}   {s.note}")
