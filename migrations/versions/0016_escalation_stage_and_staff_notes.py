"""A staged escalation and staff-only notes: each escalation's stage (1 the locality manager, 2 the head
of service) and when it moved on; the head-of-service flag on a user (set by admins; not a role); and
the staff-only mark on a timeline entry, which keeps it from partners.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 18:21:00.000000

Escalations raised before this migration are at the first stage.

The booleans' server default is the literal "0", not sa.false(): on SQLite an expression as a default makes
Alembic rebuild the table (copy, drop, rename), and dropping user_account or request_event with rows that
other tables reference fails, or cascades, with foreign keys on. '0' is false on both databases.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0016"
down_revision = "0015"
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
    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.drop_column("staff_only")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("is_head_of_service")
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_column("moved_on_at")
        batch_op.drop_column("stage")
