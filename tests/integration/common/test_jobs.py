"""The scheduled jobs: promise reminders and overdue notices, from `flask requests remind` and from the
outbox worker; each e-mail once only, however often and from however many workers the jobs run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, url_for
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from portal.common import outbox
from portal.common.models import OutboxMessage
from portal.common.working_days import add_working_days
from portal.extensions import db
from portal.models_base import utcnow
from portal.requests import services
from portal.requests.cli import JobCounts, lock_jobs, run_jobs
from portal.requests.models import ConsultationRequest, Promise


def cli(app: Flask, *args: str) -> Any:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result


def queued() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def request_of(world: Any, factories: Any) -> Any:
    """request_of(**fields): a request from the world's school, worked by its practitioner."""

    def make(**fields: Any) -> ConsultationRequest:
        fields.setdefault("organisation", world.school)
        fields.setdefault("created_by", world.partner)
        fields.setdefault("routed_to", world.practitioner)
        fields.setdefault("worker", world.practitioner)
        return factories.ConsultationRequestFactory(**fields)

    return make


@pytest.fixture
def due_promise(world: Any, factories: Any, request_of: Any) -> Promise:
    """A promise the practitioner made, due today."""
    return factories.PromiseFactory(
        request=request_of(), made_by_id=world.practitioner.id, due_on=services.london_today()
    )


@pytest.fixture
def overdue_request(request_of: Any) -> ConsultationRequest:
    """A request nobody has acknowledged, a day past its acknowledge date."""
    return request_of(worker=None, acknowledge_due=services.london_today() - timedelta(days=1))


# --- promise reminders ----------------------------------------------------------------------------


def test_remind_sends_a_promise_reminder_once(app, world, due_promise, inbox):
    result = cli(app, "requests", "remind")

    assert "requests: promise reminders 1, overdue requests 0" in result.output
    assert outbox.send_due() == (1, 0)
    [message] = inbox.wait_for(1)
    assert message["To"] == world.practitioner.email
    assert message["Subject"] == f"Reminder: a promise is due ({due_promise.request.reference})"
    link = url_for("requests.request_page", request_id=due_promise.request_id, _external=True)
    assert link in message.get_payload(decode=True).decode().splitlines()

    again = cli(app, "requests", "remind")

    assert "requests: promise reminders 0, overdue requests 0" in again.output
    assert outbox.send_due() == (0, 0)
    assert len(inbox.messages) == 1


@pytest.mark.parametrize(
    "promise_fields",
    [
        pytest.param({"due_on": add_working_days(services.london_today(), 2)}, id="due-later"),
        pytest.param({"kept_at": utcnow()}, id="kept"),
        pytest.param({"due_on": services.london_today() - timedelta(days=1)}, id="already-missed"),
    ],
)
def test_no_reminder_for_a_promise_that_is_not_due_soon_or_is_kept(app, world, factories, request_of, promise_fields):
    fields = {"due_on": services.london_today(), **promise_fields}
    factories.PromiseFactory(request=request_of(), made_by_id=world.practitioner.id, **fields)

    assert "promise reminders 0" in cli(app, "requests", "remind").output
    assert queued() == []


# --- overdue notices ------------------------------------------------------------------------------


def test_remind_tells_the_practitioner_and_the_manager_once_when_a_request_is_overdue(
    app, world, overdue_request, inbox
):
    result = cli(app, "requests", "remind")

    assert "requests: promise reminders 0, overdue requests 1" in result.output
    assert outbox.send_due() == (2, 0)
    messages = inbox.wait_for(2)
    assert sorted(m["To"] for m in messages) == sorted([world.practitioner.email, world.manager.email])
    assert {m["Subject"] for m in messages} == {f"Request overdue ({overdue_request.reference})"}

    again = cli(app, "requests", "remind")

    assert "requests: promise reminders 0, overdue requests 0" in again.output
    assert outbox.send_due() == (0, 0)
    assert len(inbox.messages) == 2


def test_a_request_on_time_is_not_overdue(app, request_of):
    request_of()  # due dates in the future

    assert "overdue requests 0" in cli(app, "requests", "remind").output
    assert queued() == []


# --- the outbox worker runs them ------------------------------------------------------------------


def test_the_outbox_worker_runs_the_jobs_and_sends_what_they_queue(app, world, due_promise, inbox):
    result = cli(app, "outbox", "work", "--once")

    assert "requests: promise reminders 1, overdue requests 0" in result.output
    assert "outbox: sent 1, failed attempts 0" in result.output
    assert [m["To"] for m in inbox.wait_for(1)] == [world.practitioner.email]

    again = cli(app, "outbox", "work", "--once")

    assert "requests:" not in again.output
    assert "outbox:" not in again.output
    assert len(inbox.messages) == 1


def test_jobs_interval_0_leaves_the_jobs_to_cron(app, due_promise):
    app.config["JOBS_INTERVAL_SECONDS"] = 0

    result = cli(app, "outbox", "work", "--once")

    assert "requests:" not in result.output
    assert queued() == []
    assert db.session.get(Promise, due_promise.id).reminder_sent_at is None


def test_outbox_jobs_runs_every_domains_jobs_once_for_cron(app, due_promise):
    app.config["JOBS_INTERVAL_SECONDS"] = 0

    result = cli(app, "outbox", "jobs")

    assert "requests: promise reminders 1, overdue requests 0" in result.output
    assert [m.subject for m in queued()] == [f"Reminder: a promise is due ({due_promise.request.reference})"]
    assert "requests:" not in cli(app, "outbox", "jobs").output  # nothing is queued twice


def test_outbox_jobs_refuses_without_a_public_url(app, due_promise):
    app.config.update(PUBLIC_URL="", SERVER_NAME=None)

    result = app.test_cli_runner().invoke(args=["outbox", "jobs"])

    assert result.exit_code != 0
    assert "Set PUBLIC_URL" in result.output
    assert queued() == []


def test_the_long_running_worker_runs_the_jobs_every_interval_and_survives_a_failed_run(app, monkeypatch):
    """With JOBS_INTERVAL_SECONDS=600 and a poll every 100 seconds, the jobs run at 0 and 600 seconds
    (not at every poll), and a run that fails is logged and does not stop the worker."""
    app.config["JOBS_INTERVAL_SECONDS"] = 600
    clock = {"now": 0.0, "sleeps": 0}
    runs: list[float] = []

    def fake_run_jobs() -> JobCounts:
        runs.append(clock["now"])
        if len(runs) == 1:
            raise OperationalError("SELECT 1", {}, Exception("database unavailable"))
        return JobCounts(0, 0)

    class Stop(Exception):
        pass

    def sleep(seconds: float) -> None:
        clock["sleeps"] += 1
        clock["now"] += seconds
        if clock["sleeps"] == 7:
            raise Stop

    monkeypatch.setattr("portal.requests.cli.run_jobs", fake_run_jobs)
    monkeypatch.setattr("portal.app.cli._seconds", lambda: clock["now"])
    monkeypatch.setattr("portal.app.cli.time.sleep", sleep)

    result = app.test_cli_runner().invoke(args=["outbox", "work", "--interval", "100"])

    assert isinstance(result.exception, Stop)
    assert runs == [0.0, 600.0]


# --- several workers ------------------------------------------------------------------------------


def _wait_briefly_for_locks() -> None:
    """In this transaction, give up on a lock after 50 ms instead of waiting (15 s on SQLite)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL lock_timeout = '50ms'"))
    else:
        db.session.execute(text("PRAGMA busy_timeout = 50"))


def test_two_workers_never_send_the_same_reminder(app, world, due_promise, overdue_request):
    # Worker A takes the lock (the first statement of its transaction) and queues the e-mails, but
    # has not committed yet.
    db.session.rollback()
    lock_jobs()
    assert services.send_promise_reminders() == 1
    assert services.notify_overdue() == 1

    # Worker B, with its own connection, cannot start the jobs meanwhile: it waits for A's lock.
    with app.app_context():
        _wait_briefly_for_locks()
        with pytest.raises(OperationalError):
            lock_jobs()
        db.session.rollback()

    db.session.commit()  # A finishes

    # Then B runs, reads what A committed, and finds nothing left to send.
    with app.app_context():
        assert run_jobs() == JobCounts(0, 0)

    assert len(queued()) == 3  # one reminder, two overdue notices: A's only


# --- links ----------------------------------------------------------------------------------------


@pytest.fixture
def app_without_server_name(make_app: Any, database_url: str, smtp_server: Any) -> Any:
    """app_without_server_name(**config): the app as it runs in production, where only PUBLIC_URL
    (not Flask's SERVER_NAME) says where the portal is."""

    def make(**config: Any) -> Flask:
        return make_app(
            "testing", SQLALCHEMY_DATABASE_URI=database_url, MAIL_PORT=smtp_server.port, SERVER_NAME=None, **config
        )

    return make


def test_links_in_the_jobs_emails_use_public_url(app, app_without_server_name, due_promise):
    worker_app = app_without_server_name(PUBLIC_URL="https://portal.example.org")

    with worker_app.app_context():
        assert run_jobs() == JobCounts(1, 0)

    [message] = queued()
    assert f"https://portal.example.org/requests/{due_promise.request_id}" in message.body_text.splitlines()


def test_remind_refuses_without_public_url_and_marks_nothing(app, app_without_server_name, due_promise):
    worker_app = app_without_server_name(PUBLIC_URL="")

    with worker_app.app_context():
        result = worker_app.test_cli_runner().invoke(args=["requests", "remind"])

    assert result.exit_code == 1
    assert "Set PUBLIC_URL" in result.output
    assert queued() == []
    assert db.session.get(Promise, due_promise.id).reminder_sent_at is None
