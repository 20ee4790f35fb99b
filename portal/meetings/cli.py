"""The meetings' scheduled job: the reminder to an action's owner two working days before it is due.

`flask outbox work` runs it with the other scheduled jobs (portal/app/cli.py run_scheduled_jobs). Safe to run
from any number of processes at once: each action is marked with a conditional UPDATE before its e-mails are
queued, in the same transaction, so only one process queues them.
"""

from __future__ import annotations

from datetime import datetime

from portal.extensions import db
from portal.meetings import owners


def run_jobs(now: datetime | None = None) -> int:
    """Queue the action reminders that are due and commit; the number of actions reminded."""
    db.session.rollback()  # a fresh transaction
    try:
        reminded = owners.send_action_reminders(now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return reminded
