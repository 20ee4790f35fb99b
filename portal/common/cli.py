"""`flask outbox …`: the e-mail worker."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from portal.common import outbox


@click.group("outbox", help="Send the e-mails waiting in the outbox.")
def outbox_cli() -> None:
    pass


@outbox_cli.command("work")
@click.option("--once", is_flag=True, help="Send what is due now and stop.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls.")
@with_appcontext
def work(once: bool, interval: float) -> None:
    """Send due e-mails, retrying with back-off; runs until stopped unless --once."""
    while True:
        sent, failed = outbox.send_due()
        if sent or failed:
            click.echo(f"outbox: sent {sent}, failed attempts {failed}")
        if once:
            return
        time.sleep(interval)
