"""`flask directory …`: import schools from the DfE's Get Information About Schools (GIAS) CSV."""

from __future__ import annotations

import click


@click.group("directory", help="Maintain the directory of schools and organisations.")
def directory_cli() -> None:
    pass
