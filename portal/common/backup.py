"""`flask backup create FILE` and `flask backup restore FILE`: a copy of the whole database, and back.

PostgreSQL uses its own tools (pg_dump's custom format, restored with pg_restore into the configured
database, replacing what is there), so a backup is consistent while the portal keeps running. SQLite uses
its online backup API, which is consistent too. The password never appears on a command line: it is given
to the tools in PGPASSWORD. A restore drill in the tests compares every table's rows, all columns, before
and after a round trip.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # the database's own dump and restore tools, fixed arguments # nosec B404
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from portal.extensions import db


class BackupError(click.ClickException):
    pass


def _tool(name: str) -> str:
    """pg_dump / pg_restore: PG_BINDIR if set (to match the server's version), else the PATH."""
    bindir = current_app.config.get("PG_BINDIR")
    found = str(Path(bindir) / name) if bindir else shutil.which(name)
    if not found or not Path(found).exists():
        raise BackupError(f"{name} is not installed (install the PostgreSQL client, or set PG_BINDIR)")
    return found


def _libpq(url_text: str) -> tuple[str, dict[str, str]]:
    url = make_url(url_text)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return plain, env


def _sqlite_path(url_text: str) -> Path:
    database = make_url(url_text).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def create(path: Path) -> None:
    url_text = current_app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()
    if make_url(url_text).get_backend_name() == "postgresql":
        target, env = _libpq(url_text)
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={path}", target], env)
        return
    source = sqlite3.connect(_sqlite_path(url_text))
    try:
        copy = sqlite3.connect(path)
        with copy:
            source.backup(copy)
        copy.close()
    finally:
        source.close()


def restore(path: Path) -> None:
    if not path.exists():
        raise BackupError(f"{path} does not exist")
    url_text = current_app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()
    db.engine.dispose()
    if make_url(url_text).get_backend_name() == "postgresql":
        target, env = _libpq(url_text)
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={target}",
                str(path),
            ],
            env,
        )
        return
    source = sqlite3.connect(path)
    try:
        if source.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise BackupError(f"{path} is not a sound SQLite database")
        live = sqlite3.connect(_sqlite_path(url_text))
        with live:
            source.backup(live)
        live.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a SQLite database: {error}") from error
    finally:
        source.close()


def _run(cmd: list[str], env: dict[str, str]) -> None:
    # The command is a fixed tool with the configured database URL and a path the operator gave.
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603 # nosec B603
    if result.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed: {result.stderr.strip()[:500]}")


@click.group("backup", help="Back up the database to a file, and restore it.")
def backup_cli() -> None:
    pass


@backup_cli.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def create_command(file: Path) -> None:
    """Write a consistent copy of the whole database to FILE."""
    create(file)
    click.echo(f"backup: written to {file} ({file.stat().st_size:,} bytes)")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(file: Path, yes: bool) -> None:
    """Replace the whole database with the copy in FILE."""
    if not yes:
        click.confirm("This replaces everything in the database with the backup. Continue?", abort=True)
    restore(file)
    click.echo(f"backup: restored from {file}")
