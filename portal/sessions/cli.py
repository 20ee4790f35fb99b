"""The sessions' scheduled job: reminders two working days before a session.

`flask outbox work` runs it with the other scheduled jobs (portal/common/cli.py run_scheduled_jobs).
It is safe to run from any number of processes at once: each booking is marked with one conditional
UPDATE before its reminder is queued, in the same transaction, so only one process queues it.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from portal.extensions import db
from portal.sessions import services


def run_jobs(now: datetime | None = None) -> int:
    """Queue the reminders that are due and commit; the number queued."""
    db.session.rollback()  # a fresh transaction
    base_url = current_app.config.get("PUBLIC_URL")
    try:
        if base_url:
            # Links in e-mails written outside a web request point at the portal's public address.
            with current_app.test_request_context(base_url=base_url):
                sent = services.send_session_reminders(now)
        else:
            sent = services.send_session_reminders(now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return sent
