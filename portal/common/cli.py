"""`flask outbox …`: the e-mail worker."""

from __future__ import annotations

import logging
import time

import click
from flask.cli import with_appcontext

from portal.common import outbox
from portal.extensions import db

log = logging.getLogger(__name__)


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
        try:
            sent, failed = outbox.send_due()
        except Exception:
            if once:
                raise
            # The long-running worker outlives a database outage: log it and poll again, so mail
            # flows once the database is back, without a restart.
            log.exception("outbox worker: polling failed; trying again in %s seconds", interval)
            db.session.remove()
        else:
            if sent or failed:
                click.echo(f"outbox: sent {sent}, failed attempts {failed}")
        if once:
            return
        time.sleep(interval)
