"""Backup and restore: `flask backup create` then `flask backup restore` gives back every row of every
table, every column of it, on SQLite and on PostgreSQL (the restore drill)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Column, Table, delete, inspect, select, text

from portal.accounts.models import User
from portal.extensions import db
from portal.models import Base
from seeds.demo import load_demo
from tests.support.db import row_counts


def _table_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, all columns, ordered by primary key, as the database has them now."""
    db.session.expire_all()
    tables = Base.metadata.sorted_tables
    # Every table in the database is one of the models' (a table outside them would go unchecked).
    assert set(inspect(db.engine).get_table_names()) == {table.name for table in tables}
    return {
        table.name: [tuple(row) for row in db.session.execute(select(table).order_by(*_order_of(table)))]
        for table in tables
    }


def _order_of(table: Table) -> list[Column[Any]]:
    """The primary key, or every column for a table without one, so that the order never depends on storage."""
    return list(table.primary_key.columns) or list(table.columns)


def _changed_tables(before: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    after = _table_rows()
    return [name for name, rows in before.items() if after[name] != rows]


def _cli(app: Flask, *args: str) -> Any:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result


def _drill(app: Flask, tmp_path: Path) -> None:
    with app.app_context():
        db.create_all()
        load_demo()
        db.session.commit()
        before = _table_rows()
        assert len(before["user_account"]) > 10 and len(before["organisation"]) > 10

        backup = tmp_path / "portal.backup"
        assert "backup: written to" in _cli(app, "backup", "create", str(backup)).output
        assert backup.stat().st_size > 0

        # Lose some data after the backup: a user gone, an organisation renamed.
        db.session.execute(delete(User).where(User.email == "admin@example.org"))
        db.session.execute(text("UPDATE organisation SET name = 'Changed' WHERE id = 1"))
        db.session.commit()
        assert {"user_account", "organisation"} <= set(_changed_tables(before))

        assert "backup: restored from" in _cli(app, "backup", "restore", "--yes", str(backup)).output

        assert _changed_tables(before) == []
        assert db.session.scalar(select(User.id).where(User.email == "admin@example.org")) is not None
        assert db.session.scalar(text("SELECT name FROM organisation WHERE id = 1")) != "Changed"
        db.session.remove()
        db.engine.dispose()


def test_restore_drill_on_sqlite(make_app, tmp_path):
    app = make_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}")
    _drill(app, tmp_path)


@pytest.mark.postgres
def test_restore_drill_on_postgresql(make_app, postgres_server, tmp_path):
    url = postgres_server.create_database("portal_backup_drill")
    app = make_app("testing", SQLALCHEMY_DATABASE_URI=url, PG_BINDIR=str(postgres_server.bindir))
    _drill(app, tmp_path)


def test_restore_refuses_a_file_that_is_not_a_backup(make_app, tmp_path):
    app = make_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}")
    junk = tmp_path / "junk.backup"
    junk.write_text("not a database")
    with app.app_context():
        db.create_all()
        load_demo()
        db.session.commit()
        users = row_counts()["user_account"]
        result = app.test_cli_runner().invoke(args=["backup", "restore", "--yes", str(junk)])
        assert result.exit_code != 0
        assert "is not a" in result.output
        assert row_counts()["user_account"] == users
        db.session.remove()
        db.engine.dispose()
