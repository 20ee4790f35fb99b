"""`flask requests …`: the scheduled jobs (promise reminders and overdue notices) and retention.

`flask outbox work` also runs them every JOBS_INTERVAL_SECONDS, so one worker process is enough; a
cron job can run `flask requests remind` instead. Both are safe to run at once, from any number of
processes: see `lock_jobs`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import false, func, select, update

from portal.extensions import db
from portal.requests import services
from portal.requests.models import Promise
from portal.requests.retention import anonymise_closed_requests

# The key of the PostgreSQL advisory lock the jobs take ("portal" in ASCII), one number for the whole app.
JOBS_LOCK_KEY = 0x706F7274616C


class JobsNotConfigured(RuntimeError):
    """The jobs cannot write correct links: there is no PUBLIC_URL."""


@dataclass(frozen=True)
class JobCounts:
    promise_reminders: int
    overdue_requests: int
    anonymised: int = 0
    overdue_escalations: int = 0

    def __str__(self) -> str:
        return (
            f"requests: promise reminders {self.promise_reminders}, overdue requests {self.overdue_requests}, "
            f"overdue escalations {self.overdue_escalations}, anonymised {self.anonymised}"
        )


def lock_jobs() -> None:
    """Take the jobs' lock for the rest of the current transaction, waiting while another process holds it.

    The services find what is due by reading marks (reminder_sent_at, overdue_notified_at) and then
    set them. Two processes reading at once would both find the same rows and both send, so the
    jobs run one at a time: the lock is the first statement of the transaction, and every read after
    it sees what the previous holder committed. PostgreSQL has advisory locks for this (and, at its
    default READ COMMITTED level, each read sees the latest commits). SQLite has
    one writer at a time: a write that changes nothing takes the write lock (it waits up to the
    connection's busy timeout), and a transaction that starts with a write reads the latest data.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(JOBS_LOCK_KEY)))
    else:
        db.session.execute(
            update(Promise).where(false()).values(reminder_sent_at=None).execution_options(synchronize_session=False)
        )


@contextmanager
def _links_context() -> Iterator[None]:
    """Refuse before anything is marked when the jobs' e-mails could not link to the portal: every
    link is built from PUBLIC_URL (portal.common.links), and the jobs run outside any web request."""
    if not current_app.config.get("PUBLIC_URL"):
        raise JobsNotConfigured("Set PUBLIC_URL to the portal's address (e.g. https://portal.example.org)")
    yield


def run_jobs() -> JobCounts:
    """Queue the promise reminders and overdue notices that are due, and commit; then anonymise the
    closed requests past their retention period. Running it again sends nothing new: each promise and
    each request is marked when its e-mail is queued, and each request anonymised once."""
    db.session.rollback()  # a fresh transaction, so that the lock is its first statement
    try:
        with _links_context():
            lock_jobs()
            reminders, overdue = services.send_promise_reminders(), services.notify_overdue()
            escalations = services.notify_overdue_escalations()
        db.session.commit()
        anonymised = anonymise_closed_requests(retention_days=int(current_app.config["REQUEST_RETENTION_DAYS"]))
    except Exception:
        db.session.rollback()
        raise
    return JobCounts(reminders, overdue, anonymised, escalations)


@click.group("requests", help="Scheduled jobs for partners' requests.")
def requests_cli() -> None:
    pass


@requests_cli.command("anonymise")
@click.option("--days", type=click.IntRange(min=1), default=None, help="Override REQUEST_RETENTION_DAYS.")
@with_appcontext
def anonymise(days: int | None) -> None:
    """Anonymise closed requests older than the retention period (REQUEST_RETENTION_DAYS after closing)."""
    retention_days = days if days is not None else int(current_app.config["REQUEST_RETENTION_DAYS"])
    count = anonymise_closed_requests(retention_days=retention_days)
    click.echo(f"requests: anonymised {count} closed more than {retention_days} days ago")


@requests_cli.command("remind")
@with_appcontext
def remind() -> None:
    """Remind practitioners of promises due by the next working day; tell staff about overdue requests."""
    try:
        counts = run_jobs()
    except JobsNotConfigured as error:
        raise click.ClickException(str(error)) from error
    click.echo(str(counts))
