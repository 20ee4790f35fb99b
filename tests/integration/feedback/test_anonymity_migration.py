"""Migration 0008: anonymous feedback can no longer be linked to a request. A row that broke the rule
before the upgrade keeps its feedback but loses the link (the partner was promised anonymity); the
downgrade restores the old rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from portal import create_app
from portal.extensions import db

ROW = (
    "INSERT INTO feedback (id, theme, rating, text, anonymous, organisation_kind, request_id, created_at) "
    "VALUES (:id, 'respect', 3, '', :anonymous, 'school', :request_id, '2025-11-20 00:00:00.000000')"
)


def _flask(app: Flask, *args: str) -> None:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, f"flask {' '.join(args)} failed:\n{result.output}\n{result.exception!r}"


def test_the_upgrade_unlinks_anonymous_feedback_from_its_request_and_the_downgrade_works(tmp_path: Path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'feedback.db'}")
    with app.app_context():
        _flask(app, "db", "upgrade", "0007")
        with db.engine.connect() as conn:
            # No request 42 exists: the row is about the check, not the foreign key.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.execute(
                text(ROW),
                [{"id": 1, "anonymous": True, "request_id": 42}, {"id": 2, "anonymous": False, "request_id": None}],
            )
            conn.commit()
        db.engine.dispose()

        _flask(app, "db", "upgrade", "0008")
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, anonymous, request_id FROM feedback ORDER BY id")).all()
            assert [tuple(row) for row in rows] == [(1, True, None), (2, False, None)]
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            with pytest.raises(IntegrityError):
                conn.execute(text(ROW), {"id": 3, "anonymous": True, "request_id": 42})
            conn.rollback()
        db.engine.dispose()

        _flask(app, "db", "downgrade", "0007")
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.execute(text(ROW), {"id": 3, "anonymous": True, "request_id": 42})  # the old rule allowed it
            conn.commit()
        db.engine.dispose()
