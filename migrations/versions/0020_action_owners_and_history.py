"""Actions their owners keep: each update of a meeting action (its RAG status before and after, done, the note,
who and when) is kept as the action's history, and the owner's reminder before the due date is sent once.
Existing actions start with no history: what they were before this migration was not recorded.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 18:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meeting_action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "meeting_action_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "previous_rag", sa.Enum("red", "amber", "green", name="rag", native_enum=False, length=10), nullable=False
        ),
        sa.Column("rag", sa.Enum("red", "amber", "green", name="rag", native_enum=False, length=10), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["meeting_action.id"],
            name=op.f("fk_meeting_action_change_action_id_meeting_action"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["user_account.id"], name=op.f("fk_meeting_action_change_changed_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_action_change")),
    )
    with op.batch_alter_table("meeting_action_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_action_change_action_id"), ["action_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("meeting_action_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_action_change_action_id"))
    op.drop_table("meeting_action_change")
    with op.batch_alter_table("meeting_action", schema=None) as batch_op:
        batch_op.drop_column("reminded_at")
