"""Outcomes counted: worker changes and repeat requests.

Each request counts the times it passed to another worker (reassignment), and says whether the same
child had been asked about in the 365 days before it arrived (the same organisation, initials and year
of birth, or the same case reference), which the dashboards count as the repeat-request share. Existing
requests are worked out here, in received order; anonymised ones match nothing. Two indexes: a
locality's requests closed in a period (the outcome mix) and a case reference's requests (the check made
when a request arrives).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 18:35:00.000000
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op


revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

REPEAT_WINDOW = timedelta(days=365)
BATCH = 500


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _foreign_keys(on: bool) -> None:
    """As in 0015: SQLite copies consultation_request to drop its columns, and the requests' timelines,
    promises and the rest refer to it, so enforcement pauses for the copy."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(sa.text(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}"))


def upgrade() -> None:
    # A plain string default (not sa.false()), so that SQLite adds the column in place instead of copying
    # the table: false is written as each database spells it.
    false = "0" if op.get_bind().dialect.name == "sqlite" else "false"
    with op.batch_alter_table("consultation_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("worker_changes", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("is_repeat", sa.Boolean(), server_default=false, nullable=False))
        batch_op.create_index("ix_consultation_request_closed", ["locality_id", "closed_at"], unique=False)
        batch_op.create_index(
            "ix_consultation_request_case_reference", ["case_reference", "received_at"], unique=False
        )
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, organisation_id, child_initials, child_birth_year, case_reference, received_at "
            "FROM consultation_request WHERE anonymised_at IS NULL ORDER BY received_at, id"
        )
    )
    last_seen: dict[tuple[object, ...], datetime] = {}
    repeats: list[int] = []
    for request_id, organisation_id, initials, birth_year, case_reference, received_at in rows:
        received = _aware(received_at if isinstance(received_at, datetime) else datetime.fromisoformat(received_at))
        keys: list[tuple[object, ...]] = []
        if case_reference:
            keys.append(("case", case_reference))
        if initials and birth_year is not None:
            keys.append(("child", organisation_id, initials, birth_year))
        if any(key in last_seen and received - last_seen[key] <= REPEAT_WINDOW for key in keys):
            repeats.append(request_id)
        for key in keys:
            last_seen[key] = received
    flag = sa.text("UPDATE consultation_request SET is_repeat = :yes WHERE id IN :ids").bindparams(
        sa.bindparam("ids", expanding=True)
    )
    for start in range(0, len(repeats), BATCH):
        bind.execute(flag, {"yes": True, "ids": repeats[start : start + BATCH]})
    # Reassignments before this migration were none: no page could reassign a request.
    counts: defaultdict[int, int] = defaultdict(int)
    for (request_id,) in bind.execute(sa.text("SELECT request_id FROM request_event WHERE kind = 'reassigned'")):
        counts[request_id] += 1
    for request_id, count in counts.items():
        bind.execute(
            sa.text("UPDATE consultation_request SET worker_changes = :n WHERE id = :id"), {"n": count, "id": request_id}
        )


def downgrade() -> None:
    _foreign_keys(False)
    with op.batch_alter_table("consultation_request", schema=None) as batch_op:
        batch_op.drop_index("ix_consultation_request_case_reference")
        batch_op.drop_index("ix_consultation_request_closed")
        batch_op.drop_column("is_repeat")
        batch_op.drop_column("worker_changes")
    _foreign_keys(True)
