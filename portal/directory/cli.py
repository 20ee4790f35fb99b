"""`flask directory …`: import schools from the DfE's Get Information About Schools (GIAS) CSV."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from typing import TYPE_CHECKING, BinaryIO

import click
from flask.cli import with_appcontext

from portal.directory.gias import GiasFileError, ImportReport, import_gias
from portal.extensions import db

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

PROGRESS_FROM = 1000  # with fewer schools to write, the import is over before a bar would help
BAD_ROWS_SHOWN = 50


@click.group("directory", help="Maintain the directory of schools and organisations.")
def directory_cli() -> None:
    pass


class _ProgressBar:
    """A progress bar on stderr, opened on the first report of a long enough piece of work."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack
        self._bar: ProgressBar[int] | None = None

    def __call__(self, done: int, total: int) -> None:
        if total < PROGRESS_FROM:
            return
        if self._bar is None:
            self._bar = self._stack.enter_context(
                click.progressbar(length=total, label="Writing schools", file=sys.stderr)
            )
        self._bar.update(done - self._bar.pos)


def _bad_rows(report: ImportReport) -> str:
    count = len(report.bad_rows)
    return f"{count:,} bad row{'' if count == 1 else 's'}"


def _echo_bad_rows(report: ImportReport) -> None:
    for bad in report.bad_rows[:BAD_ROWS_SHOWN]:
        click.echo(f"  {bad}", err=True)
    if len(report.bad_rows) > BAD_ROWS_SHOWN:
        click.echo(f"  … and {len(report.bad_rows) - BAD_ROWS_SHOWN} more", err=True)


def _echo_summary(report: ImportReport) -> None:
    click.echo(f"Created:   {report.created:,}")
    click.echo(f"Updated:   {report.updated:,}")
    click.echo(f"Unchanged: {report.unchanged:,}")
    click.echo(f"Skipped:   {report.skipped_total:,}")
    for reason, count in sorted(report.skipped.items(), key=lambda item: (-item[1], item[0])):
        click.echo(f"  {count:>7,}  {reason}")
    if report.bad_rows:
        click.echo(f"Bad rows skipped: {len(report.bad_rows):,}")


@directory_cli.command("import-gias")
@click.argument("path", type=click.File("rb"))
@click.option("--skip-bad-rows", is_flag=True, help="Report broken rows and import the rest, instead of nothing.")
@with_appcontext
def import_gias_command(path: BinaryIO, skip_bad_rows: bool) -> None:
    """Create or update schools from a Get Information About Schools CSV (PATH, or - for standard input).

    Open schools in districts mapped to a locality are imported by URN; closed schools and unmapped
    districts are skipped. A file with a broken row changes nothing unless --skip-bad-rows is given.
    """
    try:
        with ExitStack() as stack:
            report = import_gias(path, skip_bad_rows=skip_bad_rows, progress=_ProgressBar(stack))
    except GiasFileError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    except BaseException:
        db.session.rollback()
        raise
    name = report.file_name or "the file"
    click.echo(f"Read {report.rows:,} rows from {name} ({report.encoding}).")
    if report.refused:
        db.session.rollback()
        click.echo(f"{_bad_rows(report)}:", err=True)
        _echo_bad_rows(report)
        raise click.ClickException(
            "Nothing was imported. Correct the rows above, or run again with --skip-bad-rows to import the others."
        )
    db.session.commit()
    if report.bad_rows:
        click.echo(f"{_bad_rows(report)} skipped:", err=True)
        _echo_bad_rows(report)
    _echo_summary(report)
