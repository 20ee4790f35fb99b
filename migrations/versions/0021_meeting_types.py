"""Meetings with every agency: meeting types beyond the school partnership meeting, each inviting the
organisation kinds an admin names. The multi-agency locality meeting (schools, early years, health, police,
voluntary and other agencies) is made here. A meeting with no type is the school partnership meeting, as every
existing meeting is; each series keeps one meeting per locality and quarter (a partial unique index for the
school series, whose type is empty, and a unique constraint over the type for the others).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 18:30:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op


revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

MULTI_AGENCY = ("Multi-agency locality meeting", "school,early_years,health,police,voluntary,other")


def upgrade() -> None:
    meeting_type = op.create_table(
        "meeting_type",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("organisation_kinds", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_type")),
        sa.UniqueConstraint("name", name=op.f("uq_meeting_type_name")),
    )
    op.bulk_insert(
        meeting_type,
        [{"name": MULTI_AGENCY[0], "organisation_kinds": MULTI_AGENCY[1], "created_at": datetime.now(UTC)}],
    )
    with op.batch_alter_table("partnership_meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_type_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_partnership_meeting_meeting_type_id_meeting_type"),
            "meeting_type",
            ["meeting_type_id"],
            ["id"],
        )
        batch_op.drop_constraint("uq_partnership_meeting_locality_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_partnership_meeting_type_quarter", ["locality_id", "meeting_type_id", "quarter_start"]
        )
    op.create_index(
        "uq_partnership_meeting_schools_quarter",
        "partnership_meeting",
        ["locality_id", "quarter_start"],
        unique=True,
        sqlite_where=sa.text("meeting_type_id IS NULL"),
        postgresql_where=sa.text("meeting_type_id IS NULL"),
    )


def downgrade() -> None:
    # Meetings of other types cannot stay: the school series allows one meeting per locality and quarter.
    typed = "(SELECT id FROM partnership_meeting WHERE meeting_type_id IS NOT NULL)"
    op.execute(
        "DELETE FROM meeting_action_change WHERE action_id IN "  # noqa: S608 (no input)
        f"(SELECT id FROM meeting_action WHERE raised_at_meeting_id IN {typed})"
    )
    op.execute(f"DELETE FROM meeting_action WHERE raised_at_meeting_id IN {typed}")  # noqa: S608 (no input)
    op.execute(f"DELETE FROM meeting_invitation WHERE meeting_id IN {typed}")  # noqa: S608 (no input)
    op.execute("DELETE FROM partnership_meeting WHERE meeting_type_id IS NOT NULL")
    op.drop_index("uq_partnership_meeting_schools_quarter", table_name="partnership_meeting")
    with op.batch_alter_table("partnership_meeting", schema=None) as batch_op:
        batch_op.drop_constraint("uq_partnership_meeting_type_quarter", type_="unique")
        batch_op.create_unique_constraint("uq_partnership_meeting_locality_id", ["locality_id", "quarter_start"])
        batch_op.drop_constraint(batch_op.f("fk_partnership_meeting_meeting_type_id_meeting_type"), type_="foreignkey")
        batch_op.drop_column("meeting_type_id")
    op.drop_table("meeting_type")
