"""Step timings for the dashboards: the working days each step of a request took, measured when it was
done (portal.requests.models.StepTiming), with indexes by locality and by worker over the time done.
Requests already acknowledged or closed are measured here with the same rules (portal.requests.timings).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 07:40:00.000000
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    op.create_table(
        "step_timing",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column(
            "step",
            sa.Enum("acknowledge", "consult", "outcome", name="step", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("locality_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["locality_id"], ["locality.id"], name=op.f("fk_step_timing_locality_id_locality")),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["consultation_request.id"],
            name=op.f("fk_step_timing_request_id_consultation_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["worker_id"], ["user_account.id"], name=op.f("fk_step_timing_worker_id_user_account")),
        sa.PrimaryKeyConstraint("request_id", "step", name=op.f("pk_step_timing")),
    )
    with op.batch_alter_table("step_timing", schema=None) as batch_op:
        batch_op.create_index(
            "ix_step_timing_locality", ["locality_id", "done_at", "step", "working_days", "on_time"], unique=False
        )
        batch_op.create_index(
            "ix_step_timing_worker", ["worker_id", "done_at", "step", "working_days", "on_time"], unique=False
        )
    with op.batch_alter_table("consultation_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consultation_request_received",
            ["locality_id", "received_at", "organisation_id", "worker_id"],
            unique=False,
        )
    _backfill()


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite without type information
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _day(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _backfill() -> None:
    from portal.requests.timings import consulted_at, measure

    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(
            sa.text(
                "SELECT id, locality_id, worker_id, received_at, acknowledged_at, consultation_at, closed_at,"
                " acknowledge_due, consult_due, outcome_due FROM consultation_request"
                " WHERE id > :last AND acknowledged_at IS NOT NULL ORDER BY id LIMIT :batch"
            ),
            {"last": last, "batch": BATCH},
        ).all()
        if not rows:
            return
        last = rows[-1][0]
        pauses: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
        for request_id, started, ended in conn.execute(
            sa.text("SELECT request_id, started_at, ended_at FROM request_pause WHERE request_id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": [row[0] for row in rows]},
        ):
            pauses[request_id].append((_aware(started), _aware(ended)))  # type: ignore[arg-type]
        timings = []
        for rid, loc, worker, received, ack, consultation, closed, ack_due, consult_due, outcome_due in rows:
            received, ack, consultation, closed = _aware(received), _aware(ack), _aware(consultation), _aware(closed)
            steps = [("acknowledge", ack, ack_due)]
            if closed is not None:
                steps += [
                    ("consult", consulted_at(consultation, closed), consult_due),
                    ("outcome", closed, outcome_due),
                ]
            for step, done, due in steps:
                days, on_time = measure(received, done, _day(due), pauses[rid])
                timings.append(
                    {
                        "request_id": rid,
                        "step": step,
                        "locality_id": loc,
                        "worker_id": worker,
                        "done_at": done,
                        "working_days": days,
                        "on_time": on_time,
                    }
                )
        conn.execute(sa.insert(_TIMING), timings)


_TIMING = sa.table(
    "step_timing",
    sa.column("request_id", sa.Integer()),
    sa.column("step", sa.String()),
    sa.column("locality_id", sa.Integer()),
    sa.column("worker_id", sa.Integer()),
    sa.column("done_at", sa.DateTime(timezone=True)),
    sa.column("working_days", sa.Integer()),
    sa.column("on_time", sa.Boolean()),
)


def downgrade() -> None:
    with op.batch_alter_table("consultation_request", schema=None) as batch_op:
        batch_op.drop_index("ix_consultation_request_received")
    with op.batch_alter_table("step_timing", schema=None) as batch_op:
        batch_op.drop_index("ix_step_timing_worker")
        batch_op.drop_index("ix_step_timing_locality")

    op.drop_table("step_timing")
