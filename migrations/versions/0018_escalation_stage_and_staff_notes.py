"""A staged escalation and staff-only notes: each escalation's stage (1 the locality manager, 2 the head
of service) and when it moved on; the head-of-service flag on a user (set by admins; not a role); and
the staff-only mark on a timeline entry, which keeps it from partners.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 18:21:00.000000

Escalations raised before this migration are at the first stage.

The booleans' server default is the literal "0", not sa.false(): on SQLite an expression as a default makes
Alembic rebuild the table (copy, drop, rename), and dropping user_account or request_event with rows that
other tables reference fails, or cascades, with foreign keys on. '0' is false on both databases.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stage", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("moved_on_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_head_of_service", sa.Boolean(), server_default="0", nullable=False))
    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_only", sa.Boolean(), server_default="0", nullable=False))


def downgrade() -> None:
    _drop_columns("request_event", "staff_only")
    _drop_columns("user_account", "is_head_of_service")
    _drop_columns("escalation", "moved_on_at", "stage")


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
