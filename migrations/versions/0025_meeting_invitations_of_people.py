"""Meetings invite named people as well as organisations: an invitation may name a person (any partner account
of any organisation), kept with that person's organisation, so the attendance by agency counts them by its
kind. One invitation per organisation (a partial unique index over the organisations' invitations) and one per
person.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 21:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meeting_invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_meeting_invitation_user_id_user_account"), "user_account", ["user_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_meeting_invitation_user_id"), ["user_id"], unique=False)
        batch_op.drop_constraint("uq_meeting_invitation_meeting_id", type_="unique")
        batch_op.create_unique_constraint("uq_meeting_invitation_person", ["meeting_id", "user_id"])
    op.create_index(
        "uq_meeting_invitation_organisation",
        "meeting_invitation",
        ["meeting_id", "organisation_id"],
        unique=True,
        sqlite_where=sa.text("user_id IS NULL"),
        postgresql_where=sa.text("user_id IS NULL"),
    )


def downgrade() -> None:
    # The people invited by name cannot stay: one invitation per organisation again.
    op.execute("DELETE FROM meeting_invitation WHERE user_id IS NOT NULL")
    op.drop_index("uq_meeting_invitation_organisation", table_name="meeting_invitation")
    with op.batch_alter_table("meeting_invitation", schema=None) as batch_op:
        batch_op.drop_constraint("uq_meeting_invitation_person", type_="unique")
        batch_op.create_unique_constraint("uq_meeting_invitation_meeting_id", ["meeting_id", "organisation_id"])
        batch_op.drop_index(batch_op.f("ix_meeting_invitation_user_id"))
        batch_op.drop_constraint(batch_op.f("fk_meeting_invitation_user_id_user_account"), type_="foreignkey")
        batch_op.drop_column("user_id")
