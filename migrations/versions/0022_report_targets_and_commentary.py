"""The report members read: a target per measure (for one locality, or for all when the locality is empty: a
partial unique index, as NULLs are distinct in a unique constraint) and each locality's commentary for a
quarter (key messages, what we will do next).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 18:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=60), nullable=False),
        sa.Column("locality_id", sa.Integer(), nullable=True),
        sa.Column("target", sa.Numeric(precision=8, scale=1), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["locality_id"], ["locality.id"], name=op.f("fk_report_target_locality_id_locality")),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["user_account.id"], name=op.f("fk_report_target_set_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_target")),
        sa.UniqueConstraint("measure", "locality_id", name="uq_report_target_measure_locality"),
    )
    op.create_index(
        "uq_report_target_measure_all",
        "report_target",
        ["measure"],
        unique=True,
        sqlite_where=sa.text("locality_id IS NULL"),
        postgresql_where=sa.text("locality_id IS NULL"),
    )
    op.create_table(
        "report_commentary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("locality_id", sa.Integer(), nullable=False),
        sa.Column("quarter_start", sa.Date(), nullable=False),
        sa.Column("key_messages", sa.Text(), nullable=False),
        sa.Column("next_steps", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["locality_id"], ["locality.id"], name=op.f("fk_report_commentary_locality_id_locality")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_report_commentary_author_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_commentary")),
        sa.UniqueConstraint("locality_id", "quarter_start", name="uq_report_commentary_quarter"),
    )


def downgrade() -> None:
    op.drop_table("report_commentary")
    op.drop_index("uq_report_target_measure_all", table_name="report_target")
    op.drop_table("report_target")
