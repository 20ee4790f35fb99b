"""Migrations 0020 (action history and reminders), 0021 (meeting types) and 0022 (report targets and
commentary), down and up again with rows in them, on SQLite and PostgreSQL: the downgrade to 0019 keeps the
school partnership meetings and their actions and drops only what the three added; the upgrade makes the
multi-agency locality meeting type."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from portal import create_app
from portal.common.roles import Role
from portal.extensions import db
from portal.meetings.models import MeetingAction, MeetingActionChange, MeetingType, PartnershipMeeting, Rag
from tests import factories as f


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path, worker_id: str) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'issue16.db'}"
    server = request.getfixturevalue("postgres_server")
    return str(server.create_database(f"portal_issue16_{worker_id}"))


def _flask(app: Any, *args: str) -> None:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, f"flask {' '.join(args)} failed:\n{result.output}\n{result.exception!r}"


def _meeting(locality: Any, organiser: Any, starts: datetime, type_id: int | None) -> PartnershipMeeting:
    meeting = PartnershipMeeting(
        locality_id=locality.id,
        quarter_start=date(2026, 4, 1),
        title="A meeting",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        organiser_id=organiser.id,
        meeting_type_id=type_id,
    )
    db.session.add(meeting)
    db.session.flush()
    return meeting


def test_0020_to_0022_down_and_up_with_rows(migrated_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=migrated_url)
    with app.app_context():
        _flask(app, "db", "upgrade")
        [multi] = db.session.query(MeetingType).all()
        assert multi.name == "Multi-agency locality meeting"
        loc = f.LocalityFactory(name="Northfield")
        manager = f.UserFactory(role=Role.MANAGER, locality=loc)
        starts = datetime(2026, 5, 6, 13, tzinfo=UTC)
        school_meeting = _meeting(loc, manager, starts, None)
        typed = _meeting(loc, manager, starts + timedelta(days=1), multi.id)  # the same quarter: another series
        for meeting in (school_meeting, typed):
            action = MeetingAction(
                locality_id=loc.id,
                raised_at_meeting_id=meeting.id,
                text="Share the guidance",
                owner_user_id=manager.id,
                due_on=date(2026, 6, 1),
                rag=Rag.AMBER,
            )
            db.session.add(action)
            db.session.flush()
            db.session.add(
                MeetingActionChange(
                    action_id=action.id,
                    changed_by_id=manager.id,
                    changed_at=starts,
                    previous_rag=Rag.AMBER,
                    rag=Rag.GREEN,
                    done=False,
                    note="",
                )
            )
        db.session.execute(
            text(
                "INSERT INTO report_target (measure, locality_id, target, updated_at) VALUES ('helpful', NULL, 70, :t)"
            ),
            {"t": starts},
        )
        db.session.commit()
        school_meeting_id = school_meeting.id
        db.session.remove()

        _flask(app, "db", "downgrade", "0019")
        tables = set(inspect(db.engine).get_table_names())
        assert not {"meeting_action_change", "meeting_type", "report_target", "report_commentary"} & tables
        with db.engine.connect() as conn:
            assert [tuple(r) for r in conn.execute(text("SELECT id FROM partnership_meeting"))] == [
                (school_meeting_id,)
            ]
            assert conn.execute(text("SELECT count(*) FROM meeting_action")).scalar() == 1
            columns = list(conn.execute(text("SELECT * FROM meeting_action")).keys())
            assert "reminded_at" not in columns
        db.engine.dispose()

        _flask(app, "db", "upgrade")
        _flask(app, "db", "check")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM meeting_type")).scalars().all() == [
                "Multi-agency locality meeting"
            ]
            assert conn.execute(text("SELECT meeting_type_id FROM partnership_meeting")).scalars().all() == [None]
        db.engine.dispose()
