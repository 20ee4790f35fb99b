"""Reading the database as it is now: requests commit in their own sessions, so tests look afresh."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import func, select

from portal.extensions import db

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
