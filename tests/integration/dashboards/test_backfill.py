"""Migration 0005 measures the requests that were acknowledged or closed before it, with the same rules
as the request services: working days over pauses, on time against the stored due dates."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import column, insert, select, table

from portal import create_app
from portal.accounts.models import User
from portal.common.working_days import due_at
from portal.directory.models import Locality, Organisation
from portal.extensions import db
from portal.requests.models import ConsultationRequest, RequestPause, StepTiming

LONDON = ZoneInfo("Europe/London")


def at(y: int, m: int, d: int, hour: int = 9) -> datetime:
    return datetime(y, m, d, hour, tzinfo=LONDON)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, worker_id: str) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'backfill.db'}"
    server = request.getfixturevalue("postgres_server")
    return str(server.create_database(f"portal_backfill_{worker_id}"))


def _flask(app, *args: str) -> None:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, f"flask {' '.join(args)} failed:\n{result.output}\n{result.exception!r}"


def _request(conn, rid: int, received: datetime, **fields) -> None:
    now = datetime.now(LONDON)
    values = {
        "id": rid,
        "kind": "consultation",
        "status": "closed",
        "organisation_id": 1,
        "locality_id": 1,
        "worker_id": 1,
        "child_initials": "KM",
        "child_birth_year": 2015,
        "case_reference": "",
        "summary": "Advice wanted.",
        "help_wanted": "",
        "received_at": received,
        "acknowledge_due": due_at(received, 1),
        "consult_due": due_at(received, 5),
        "outcome_due": due_at(received, 10),
        "next_step": "",
        "consultation_details": "",
        "outcome_summary": "",
        "created_at": now,
        "updated_at": now,
        **fields,
    }
    conn.execute(*_insert_as_at_0004(ConsultationRequest, values))


def _insert_as_at_0004(model: Any, values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """An INSERT of only the given columns: the tables as they were at 0004 (the models have gained some since)."""
    columns = model.__table__.c
    return insert(table(model.__tablename__, *(column(k, columns[k].type) for k in values))), values


def test_0005_measures_requests_done_before_it(database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        _flask(app, "db", "upgrade", "0004")
        now = datetime.now(LONDON)
        with db.engine.begin() as conn:
            conn.execute(
                *_insert_as_at_0004(
                    Locality,
                    {
                        "id": 1,
                        "name": "Northfield",
                        "front_door_phone": "0116 496 0000",
                        "front_door_email": "fd@example.org",
                        "front_door_hours": "",
                        "sla_acknowledge_days": 1,
                        "sla_consult_days": 5,
                        "sla_outcome_days": 10,
                        "created_at": now,
                        "updated_at": now,
                    },
                ),
            )
            conn.execute(
                *_insert_as_at_0004(
                    Organisation,
                    {
                        "id": 1,
                        "name": "Castle Rock High School",
                        "kind": "school",
                        "phase": "",
                        "establishment_type": "",
                        "postcode": "",
                        "town": "",
                        "district": "",
                        "locality_id": 1,
                        "created_at": now,
                        "updated_at": now,
                    },
                ),
            )
            conn.execute(
                *_insert_as_at_0004(
                    User,
                    {
                        "id": 1,
                        "email": "lee@example.org",
                        "name": "Lee Lead",
                        "job_title": "",
                        "phone": "",
                        "role": "practitioner",
                        "locality_id": 1,
                        "created_at": now,
                        "updated_at": now,
                    },
                ),
            )
            # Acknowledged over Christmas (3 working days, late), still open.
            _request(conn, 1, at(2025, 12, 22, 10), status="acknowledged", acknowledged_at=at(2025, 12, 29))
            # Paused Wednesday to Friday: consulted in 7 − 3 = 4, closed in 9 − 3 = 6, both on time.
            _request(
                conn,
                2,
                at(2025, 11, 3),
                acknowledged_at=at(2025, 11, 3, 15),
                consultation_at=at(2025, 11, 12, 10),
                closed_at=at(2025, 11, 14, 12),
                consult_due=date(2025, 11, 13),
                outcome_due=date(2025, 11, 20),
            )
            conn.execute(
                *_insert_as_at_0004(
                    RequestPause,
                    {"request_id": 2, "started_at": at(2025, 11, 4, 17), "ended_at": at(2025, 11, 10), "reason": ""},
                )
            )
            # Never acknowledged: nothing to measure.
            _request(conn, 3, at(2025, 12, 1), status="submitted")
        _flask(app, "db", "upgrade", "0005")
        rows = db.session.execute(
            select(StepTiming.request_id, StepTiming.step, StepTiming.working_days, StepTiming.on_time).order_by(
                StepTiming.request_id, StepTiming.step
            )
        ).all()
        assert [(rid, step.value, days, on_time) for rid, step, days, on_time in rows] == [
            (1, "acknowledge", 3, False),
            (2, "acknowledge", 0, True),
            (2, "consult", 4, True),
            (2, "outcome", 6, True),
        ]
        done = db.session.scalar(select(StepTiming.done_at).where(StepTiming.request_id == 1))
        assert done == at(2025, 12, 29)
        # Read back through the model's range query, as the dashboards do (SQLite compares text).
        assert (
            db.session.scalar(
                select(StepTiming.request_id).where(
                    StepTiming.done_at >= at(2025, 12, 29), StepTiming.done_at < at(2025, 12, 30)
                )
            )
            == 1
        )
        db.session.remove()
        db.engine.dispose()
