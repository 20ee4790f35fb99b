"""`flask outbox …`: the e-mail worker, which also runs the scheduled jobs."""

from __future__ import annotations

import logging
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.common import outbox
from portal.extensions import db

log = logging.getLogger(__name__)


@click.group("outbox", help="Send the e-mails waiting in the outbox.")
def outbox_cli() -> None:
    pass


def run_scheduled_jobs() -> None:
    """The jobs that queue e-mails on a timetable. Each is safe to run from several workers at once."""
    # Imported here: the outbox is shared by every domain, while the jobs belong to their domains.
    from portal.meetings.cli import run_jobs as run_meeting_jobs
    from portal.requests.cli import run_jobs as run_request_jobs
    from portal.sessions.cli import run_jobs as run_session_jobs

    counts = run_request_jobs()
    if counts.promise_reminders or counts.overdue_requests:
        click.echo(str(counts))
    session_reminders = run_session_jobs()
    if session_reminders:
        click.echo(f"sessions: reminders and feedback requests {session_reminders}")
    action_reminders = run_meeting_jobs()
    if action_reminders:
        click.echo(f"meetings: action reminders {action_reminders}")


@outbox_cli.command("jobs")
@with_appcontext
def jobs() -> None:
    """Run the scheduled jobs once and stop (for cron, when JOBS_INTERVAL_SECONDS is 0)."""
    from portal.requests.cli import JobsNotConfigured  # the jobs belong to their domains (as above)

    try:
        run_scheduled_jobs()
    except JobsNotConfigured as error:
        raise click.ClickException(str(error)) from error


def _seconds() -> float:
    """The jobs' clock: monotonic, so that a change to the system time neither skips nor repeats a run."""
    return time.monotonic()


@outbox_cli.command("work")
@click.option("--once", is_flag=True, help="Run the jobs, send what is due now and stop.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls.")
@with_appcontext
def work(once: bool, interval: float) -> None:
    """Send due e-mails, retrying with back-off; runs until stopped unless --once.

    Every JOBS_INTERVAL_SECONDS (from the start) it also runs the scheduled jobs (promise reminders,
    overdue notices, retention, session reminders, action reminders), so that `make run` needs no other process; 0 turns
    them off (then run `flask outbox jobs` from cron).
    """
    jobs_every = float(current_app.config["JOBS_INTERVAL_SECONDS"])
    jobs_due = _seconds()
    while True:
        if jobs_every > 0 and _seconds() >= jobs_due:
            jobs_due = _seconds() + jobs_every
            try:
                run_scheduled_jobs()
            except Exception:
                if once:
                    raise
                # A failed run is tried again at the next interval; mail keeps flowing meanwhile.
                log.exception("outbox worker: the scheduled jobs failed; trying again in %s seconds", jobs_every)
                db.session.remove()
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
