"""The sessions' scheduled jobs: reminders two working days before a session, and the feedback requests
that wait for a session to end.

`flask outbox work` runs them with the other scheduled jobs (portal/app/cli.py run_scheduled_jobs).
They are safe to run from any number of processes at once: each booking is marked with a conditional
UPDATE before its e-mail is queued, in the same transaction, so only one process queues it.
"""

from __future__ import annotations

from datetime import datetime

from portal.extensions import db
from portal.sessions import follow_up


def _run(now: datetime | None) -> int:
    return follow_up.send_session_reminders(now) + follow_up.send_feedback_requests(now)


def run_jobs(now: datetime | None = None) -> int:
    """Queue the reminders and feedback requests that are due and commit; the number of e-mails queued
    (reminders and feedback requests together)."""
    db.session.rollback()  # a fresh transaction
    try:
        sent = _run(now)  # links come from PUBLIC_URL (portal.common.links), request or none
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return sent
