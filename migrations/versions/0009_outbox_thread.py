"""E-mails about one thing to one person share a thread and are sent in the order they were written.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread_key", sa.String(length=200), nullable=True))
        batch_op.create_index("ix_outbox_message_thread", ["thread_key", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_thread")
        batch_op.drop_column("thread_key")
