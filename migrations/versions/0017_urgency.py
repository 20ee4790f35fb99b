"""Urgency: how soon the partner needs a response (today, within a working day, routine), the moment a
"today" request's response is due in working hours, and each locality's service levels by urgency
(a cut-off time, the same-day and next-day times, the working days for "within a working day").

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 18:20:00.000000

Requests made before this migration are routine, which is how they were timed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consultation_request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "urgency",
                sa.Enum("today", "within_a_working_day", "routine", name="urgency", native_enum=False, length=30),
                server_default="routine",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("respond_by_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("locality", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sla_today_cutoff", sa.Time(), server_default="14:00:00", nullable=False))
        batch_op.add_column(sa.Column("sla_today_by", sa.Time(), server_default="17:00:00", nullable=False))
        batch_op.add_column(sa.Column("sla_today_next_by", sa.Time(), server_default="12:00:00", nullable=False))
        batch_op.add_column(sa.Column("sla_soon_days", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    _drop_columns("locality", "sla_soon_days", "sla_today_next_by", "sla_today_by", "sla_today_cutoff")
    _drop_columns("consultation_request", "respond_by_at", "urgency")


def _drop_columns(table: str, *columns: str) -> None:
    """Drop plain columns. On SQLite with ALTER TABLE … DROP COLUMN (3.35 and later) rather than Alembic's
    rebuild of the table, which drops it: with foreign keys on, dropping a table that other rows reference
    fails, or deletes them by cascade."""
    if op.get_bind().dialect.name == "sqlite":
        for column in columns:
            op.execute(f'ALTER TABLE {table} DROP COLUMN "{column}"')
        return
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.drop_column(column)
