"""The sessions' scheduled jobs: reminders two working days before a session, and the feedback requests
that wait for a session to end.

`flask outbox work` runs them with the other scheduled jobs (portal/common/cli.py run_scheduled_jobs).
They are safe to run from any number of processes at once: each booking is marked with a conditional
UPDATE before its e-mail is queued, in the same transaction, so only one process queues it.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from portal.extensions import db
from portal.sessions import follow_up


def _run(now: datetime | None) -> int:
    return follow_up.send_session_reminders(now) + follow_up.send_feedback_requests(now)


def run_jobs(now: datetime | None = None) -> int:
    """Queue the reminders and feedback requests that are due and commit; the number of e-mails queued
    (reminders and feedback requests together)."""
    db.session.rollback()  # a fresh transaction
    base_url = current_app.config.get("PUBLIC_URL")
    try:
        if base_url:
            # Links in e-mails written outside a web request point at the portal's public address.
            with current_app.test_request_context(base_url=base_url):
                sent = _run(now)
        else:
            sent = _run(now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return sent
