"""The level of need advised: each locality's own list of levels (set by admins), the link to its
threshold document, and the level recorded on a closed request.

On SQLite the column and its foreign key are added by one ALTER TABLE: Alembic would otherwise rebuild
consultation_request (copy, drop, rename), and dropping it with rows that other tables reference fails, or
cascades, with foreign keys on.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 18:22:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_consultation_request_need_level_id_need_level"


def upgrade() -> None:
    op.create_table(
        "need_level",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("locality_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=300), server_default="", nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("retired", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["locality_id"], ["locality.id"], name=op.f("fk_need_level_locality_id_locality"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_level")),
        sa.UniqueConstraint("locality_id", "name", name=op.f("uq_need_level_locality_id")),
    )
    with op.batch_alter_table("need_level", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_need_level_locality_id"), ["locality_id"], unique=False)
    with op.batch_alter_table("locality", schema=None) as batch_op:
        batch_op.add_column(sa.Column("threshold_document_url", sa.String(length=500), server_default="", nullable=False))
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE consultation_request ADD COLUMN need_level_id INTEGER"
            f" CONSTRAINT {FOREIGN_KEY} REFERENCES need_level (id)"
        )
    else:
        with op.batch_alter_table("consultation_request", schema=None) as batch_op:
            batch_op.add_column(sa.Column("need_level_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(FOREIGN_KEY, "need_level", ["need_level_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot drop a column with a foreign key, so consultation_request is rebuilt without it; with
        # foreign keys off, or dropping the old table would fail, or delete the rows that reference it by
        # cascade. The pragma works outside a transaction only: this is the first step down from 0019.
        op.execute("PRAGMA foreign_keys=OFF")
        with op.batch_alter_table("consultation_request", schema=None) as batch_op:
            batch_op.drop_column("need_level_id")
        op.execute('ALTER TABLE locality DROP COLUMN "threshold_document_url"')
    else:
        with op.batch_alter_table("consultation_request", schema=None) as batch_op:
            batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")
            batch_op.drop_column("need_level_id")
        with op.batch_alter_table("locality", schema=None) as batch_op:
            batch_op.drop_column("threshold_document_url")
    with op.batch_alter_table("need_level", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_need_level_locality_id"))
    op.drop_table("need_level")
