"""Migrations: upgrade an empty database, `flask db check` finds nothing to generate, and the
downgrade/upgrade round trip works — on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import inspect

from portal import create_app
from portal.extensions import db
from portal.models import Base


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path, worker_id: str) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    server = request.getfixturevalue("postgres_server")
    return str(server.create_database(f"portal_migrations_{worker_id}"))


def _flask(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, f"flask {' '.join(args)} failed:\n{result.output}\n{result.exception!r}"
    return str(result.output)


def test_upgrade_check_and_round_trip_on_an_empty_database(empty_database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        _flask(app, "db", "upgrade")
        tables = set(inspect(db.engine).get_table_names())
        assert {t.name for t in Base.metadata.sorted_tables} <= tables
        _flask(app, "db", "check")
        _flask(app, "db", "downgrade", "base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        _flask(app, "db", "upgrade")
        _flask(app, "db", "check")
        db.engine.dispose()


def test_migration_files_are_numbered_in_order():
    versions = sorted(p.name for p in Path("migrations/versions").glob("*.py"))
    numbers = [name.split("_", 1)[0] for name in versions]
    assert numbers == [f"{i:04d}" for i in range(1, len(numbers) + 1)]
