"""Reading the database as it is now (requests commit in their own sessions, so tests look afresh), and
counting the statements a page or a job runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import event, func, select

from portal.extensions import db
from portal.models import Base

T = TypeVar("T")


def count(model: Any, *where: Any) -> int:
    """Rows of `model` (matching `where`) as the database has them now, not as this session remembers."""
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def fresh(model: type[T], row_id: int) -> T:
    """The row as the database has it now."""
    db.session.expire_all()
    row = db.session.get(model, row_id)
    assert row is not None, f"{model.__name__} {row_id} does not exist"
    return row


def row_counts(*, skip: tuple[str, ...] = ()) -> dict[str, int]:
    """How many rows every table holds (but those in `skip`), read afresh: a refused post changes none."""
    db.session.expire_all()
    return {
        table.name: int(db.session.scalar(select(func.count()).select_from(table)) or 0)
        for table in Base.metadata.sorted_tables
        if table.name not in skip
    }


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """The SQL statements run on the app's engine inside the block, in order."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
