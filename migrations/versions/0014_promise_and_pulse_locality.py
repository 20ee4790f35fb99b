"""Promises and pulse answers carry their request's locality, with indexes by (locality, time), so the
dashboards select a locality's rows of a period without joining every request (at 1,000,000 requests on
PostgreSQL those two joins were most of a dashboard's time). The copy cannot drift: each table's foreign
key to the request becomes one to the pair (request, its locality), on a new unique index of
consultation_request, with ON UPDATE CASCADE. Existing rows are filled from their requests.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 15:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# (table, its index by locality and time, the time column)
TABLES = (
    ("promise", "ix_promise_locality_due", "due_on"),
    ("pulse_response", "ix_pulse_response_locality_created", "created_at"),
)


def upgrade() -> None:
    with op.batch_alter_table("consultation_request", schema=None) as batch_op:
        batch_op.create_index("ix_consultation_request_id_locality", ["id", "locality_id"], unique=True)
    for table, index, time_column in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("locality_id", sa.Integer(), nullable=True))
        op.execute(
            sa.text(
                f"UPDATE {table} SET locality_id = "  # noqa: S608 (names from this file)
                f"(SELECT locality_id FROM consultation_request WHERE consultation_request.id = {table}.request_id)"
            )
        )
        name = f"fk_{table}_request_id_consultation_request"
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("locality_id", existing_type=sa.Integer(), nullable=False)
            batch_op.drop_constraint(name, type_="foreignkey")
            batch_op.create_foreign_key(
                name,
                "consultation_request",
                ["request_id", "locality_id"],
                ["id", "locality_id"],
                ondelete="CASCADE",
                onupdate="CASCADE",
            )
            batch_op.create_index(index, ["locality_id", time_column], unique=False)


def downgrade() -> None:
    for table, index, _ in TABLES:
        name = f"fk_{table}_request_id_consultation_request"
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(index)
            batch_op.drop_constraint(name, type_="foreignkey")
            batch_op.create_foreign_key(name, "consultation_request", ["request_id"], ["id"], ondelete="CASCADE")
            batch_op.drop_column("locality_id")
    with op.batch_alter_table("consultation_request", schema=None) as batch_op:
        batch_op.drop_index("ix_consultation_request_id_locality")
