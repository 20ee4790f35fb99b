"""Notifications: what the portal e-mails a person also waits for them in the portal.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 15:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name="fk_notification_user_id_user_account",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_notification"),
    )
    op.create_index("ix_notification_user", "notification", ["user_id", "id"], unique=False)
    op.create_index("ix_notification_unread", "notification", ["user_id", "read_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_notification_unread", table_name="notification")
    op.drop_index("ix_notification_user", table_name="notification")
    op.drop_table("notification")
