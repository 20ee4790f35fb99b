"""Migrations 0017 (urgency), 0018 (escalation stage, head of service, staff-only notes) and 0019 (levels of
need), after 0015 and 0016 (school leads, worker changes), on a database with rows in it, on SQLite and
PostgreSQL: the upgrade keeps every row and reads what was there as before (routine requests, escalations at the
first stage, no staff-only entries, no head of service). On SQLite an upgrade must not rebuild a table that
others reference (with foreign keys on, dropping it fails or cascades), which is why the rows matter.
PostgreSQL also goes down to 0014 and up again with the rows in place; SQLite's downgrades rebuild tables, as
the earlier migrations' do, and are run on an empty database by test_migrations.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from portal import create_app
from portal.extensions import db


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path, worker_id: str) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'issue15.db'}"
    server = request.getfixturevalue("postgres_server")
    return str(server.create_database(f"portal_issue15_{worker_id}"))


def _flask(app: Any, *args: str) -> None:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, f"flask {' '.join(args)} failed:\n{result.output}\n{result.exception!r}"


NOW = "2026-12-01 10:00:00"
ROWS_AT_0014 = [
    "INSERT INTO locality (id, name, front_door_phone, front_door_email, front_door_hours, created_at, updated_at)"
    " VALUES (1, 'Northfield', '0116 496 0000', 'door@example.org', 'Weekdays', :now, :now)",
    "INSERT INTO organisation (id, name, kind, phase, establishment_type, postcode, town, district, locality_id,"
    " created_at, updated_at) VALUES (1, 'Castle Rock High School', 'school', '', '', '', '', '', 1, :now, :now)",
    "INSERT INTO user_account (id, email, name, job_title, phone, role, locality_id, created_at, updated_at)"
    " VALUES (1, 'max@example.org', 'Max Manager', '', '', 'manager', 1, :now, :now)",
    "INSERT INTO consultation_request (id, kind, status, organisation_id, locality_id, created_by_id, child_initials,"
    " child_birth_year, case_reference, summary, help_wanted, received_at, acknowledge_due, consult_due, outcome_due,"
    " next_step, consultation_details, outcome_summary, created_at, updated_at) VALUES (1, 'consultation',"
    " 'submitted', 1, 1, 1, 'KM', 2015, '', 'A worry', '', :now, '2026-12-02', '2026-12-08', '2026-12-15', '', '',"
    " '', :now, :now)",
    "INSERT INTO escalation (id, request_id, kind, raised_by_id, raised_at, text, response, due_on)"
    " VALUES (1, 1, 'speak_to_manager', 1, :now, 'Call me', '', '2026-12-08')",
    "INSERT INTO request_event (id, request_id, actor_id, at, kind, text) VALUES (1, 1, 1, :now, 'submitted', '')",
]


def _read() -> dict[str, Any]:
    with db.engine.connect() as conn:
        one = lambda sql: tuple(conn.execute(text(sql)).one())  # noqa: E731
        return {
            "request": one("SELECT id, urgency, respond_by_at, need_level_id, summary FROM consultation_request"),
            "escalation": one("SELECT id, stage, moved_on_at, due_on FROM escalation"),
            "event": one("SELECT id, staff_only FROM request_event"),
            "user": one("SELECT id, is_head_of_service FROM user_account"),
            "locality": one("SELECT sla_today_cutoff, sla_today_by, sla_today_next_by, sla_soon_days FROM locality"),
            "levels": one("SELECT COUNT(*) FROM need_level"),
        }


def _check(found: dict[str, Any]) -> None:
    assert found["request"] == (1, "routine", None, None, "A worry")
    assert found["escalation"][:3] == (1, 1, None) and str(found["escalation"][3]) == "2026-12-08"
    assert found["event"][0] == 1 and not found["event"][1]
    assert found["user"][0] == 1 and not found["user"][1]
    assert [str(t)[:5] for t in found["locality"][:3]] == ["14:00", "17:00", "12:00"] and found["locality"][3] == 1
    assert found["levels"] == (0,)


def test_0015_to_0019_upgrade_a_database_with_rows_in_it(migrated_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=migrated_url)
    with app.app_context():
        _flask(app, "db", "upgrade", "0014")
        with db.engine.begin() as conn:
            for statement in ROWS_AT_0014:
                conn.execute(text(statement), {"now": NOW})
        _flask(app, "db", "upgrade")
        _check(_read())
        _flask(app, "db", "check")

        if db.engine.dialect.name == "postgresql":
            _flask(app, "db", "downgrade", "0014")
            columns = {c["name"] for c in inspect(db.engine).get_columns("consultation_request")}
            assert {"urgency", "respond_by_at", "need_level_id"}.isdisjoint(columns)
            assert "need_level" not in inspect(db.engine).get_table_names()
            _flask(app, "db", "upgrade")
            _check(_read())
        db.engine.dispose()
