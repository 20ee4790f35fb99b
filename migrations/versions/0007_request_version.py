"""A version on each request, raised by every change, so two people changing the same request at once
cannot both succeed (the second gets "someone else changed this"); and the key of the form that made
each request, so the same form posted twice makes one request.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 07:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consultation_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("submission_key", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint("uq_consultation_request_submission", ["created_by_id", "submission_key"])


def downgrade() -> None:
    with op.batch_alter_table("consultation_request", schema=None) as batch_op:
        batch_op.drop_constraint("uq_consultation_request_submission", type_="unique")
        batch_op.drop_column("submission_key")
        batch_op.drop_column("version")
