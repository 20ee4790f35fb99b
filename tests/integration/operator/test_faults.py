"""Faults an operator will meet (QUALITY.md R4–R7), against the portal as production runs it: gunicorn,
PostgreSQL, Redis and the outbox worker in processes of their own, each stopped or killed mid-run."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import psycopg
import pytest
from aiosmtpd.controller import Controller

from portal.config import ROOT
from tests.integration.operator.conftest import Production, production_env, seed_world, sign_in
from tests.support.servers import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("operator")]


def _rows(url: str, query: str, *params: object) -> list[tuple[object, ...]]:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return list(conn.execute(query, params).fetchall())


def test_database_down_gives_503_writes_nothing_and_recovers_without_a_restart(own_postgres, smtp_server, tmp_path):
    url = own_postgres.create_database("portal")
    install = Production(production_env(url, smtp_server.port, tmp_path))
    try:
        install.flask("db", "upgrade")
        world = seed_world(url)
        partner = install.gunicorn(free_port(), workers=1)
        sign_in(partner, world.partners[0], world.password)
        session_page = f"/sessions/{world.session_id}"
        form = partner.get(session_page).soup.select_one(f"form[action='{session_page}/book']")
        token = form.select_one("input[name=csrf_token]")["value"]

        own_postgres.stop()
        assert partner.get("/healthz").status == 503
        page = partner.get(session_page)
        assert page.status == 503 and "Sorry, the service is unavailable" in page.h1
        assert partner.request("POST", f"{session_page}/book", {"csrf_token": token}).status == 503

        own_postgres.restart()
        assert _rows(url, "SELECT count(*) FROM session_booking") == [(0,)]  # nothing half-written
        assert partner.get("/healthz").status == 200  # the same processes: no restart
        page = partner.get(session_page)
        assert page.soup.select(f"form[action='{session_page}/book']"), (page.status, page.url, page.h1)
        page = partner.submit(session_page, {}, action=f"{session_page}/book")
        assert page.status == 200
        assert _rows(url, "SELECT status, count(*) FROM session_booking GROUP BY status") == [("confirmed", 1)]
        assert _rows(url, "SELECT booked FROM engagement_session WHERE id = %s", world.session_id) == [(1,)]
    finally:
        install.stop()


def test_redis_down_sign_in_and_bookings_still_work(production: Production, redis_server, port):
    production.env["RATELIMIT_STORAGE_URI"] = redis_server.url
    production.flask("db", "upgrade")
    world = seed_world(production.env["DATABASE_URL"])
    partner = production.gunicorn(port, workers=1)
    redis_server.stop()

    sign_in(partner, world.partners[0], world.password)  # the limiter falls back to memory
    session_page = f"/sessions/{world.session_id}"
    assert partner.submit(session_page, {}, action=f"{session_page}/book").status == 200
    assert _rows(production.env["DATABASE_URL"], "SELECT status FROM session_booking") == [("confirmed",)]


class SlowInbox:
    """An SMTP server that takes its time over each message, so a worker can be killed mid-send."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.receiving = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.receiving += 1
        await asyncio.sleep(0.6)
        self.messages.append(envelope.original_content or b"")  # type: ignore[attr-defined]
        return "250 Message accepted for delivery"


def test_a_worker_killed_mid_send_loses_nothing_and_duplicates_at_most_one(production: Production, smtp_server):
    from email import message_from_bytes

    inbox = SlowInbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        production.env.update(MAIL_PORT=str(smtp.port), OUTBOX_CLAIM_SECONDS="2")
        production.flask("db", "upgrade")
        _enqueue(production.env["DATABASE_URL"], [f"partner{n}@example.org" for n in range(6)])
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "portal", "outbox", "work", "--interval", "0.2"],
            env=production.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while inbox.receiving < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(worker.pid, signal.SIGKILL)  # mid-send: the third message is on the wire
        worker.wait()
        time.sleep(2.5)  # the dead worker's claim runs out

        production.flask("outbox", "work", "--once")
        production.flask("outbox", "work", "--once")
        ids = Counter(message_from_bytes(raw)["Message-ID"] for raw in inbox.messages)
        assert len(ids) == 6  # every message arrived
        assert sum(n - 1 for n in ids.values()) <= 1  # at most one duplicate, under the same Message-ID
        assert _rows(production.env["DATABASE_URL"], "SELECT status, count(*) FROM outbox_message GROUP BY status") == [
            ("sent", 6)
        ]
    finally:
        smtp.stop()


def _enqueue(url: str, recipients: list[str]) -> None:
    """E-mails waiting in the outbox, as after a burst of password resets."""
    from portal import create_app
    from portal.common import outbox
    from portal.extensions import db
    from portal.models_base import utcnow

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.test_request_context():
        for to in recipients:
            outbox.enqueue(
                to=to,
                subject="Reset your password",
                template="emails/password_reset.txt",
                link="x",
                expires_at=utcnow(),
            )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_several_workers_at_once_send_each_email_once(production: Production, smtp_server):
    """Three `flask outbox work` processes on three hosts, one PostgreSQL: each row is claimed by one."""
    production.flask("db", "upgrade")
    _enqueue(production.env["DATABASE_URL"], [f"partner{n}@example.org" for n in range(30)])
    smtp_server.inbox.clear()
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "portal", "outbox", "work", "--once"],
            env=production.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(3)
    ]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0, 0]
    production.flask("outbox", "work", "--once")  # whatever a worker listed but another had claimed
    ids = Counter(message["Message-ID"] for message in smtp_server.inbox.wait_for(30))
    assert len(ids) == 30 and set(ids.values()) == {1}
    assert _rows(production.env["DATABASE_URL"], "SELECT status, count(*) FROM outbox_message GROUP BY status") == [
        ("sent", 30)
    ]
