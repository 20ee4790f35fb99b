"""Anonymous feedback is never linked to a request (a request names its school): the check that
anonymous feedback keeps no author and no organisation now also requires no request. Rows that broke
the rule lose their link to the request, so that the anonymity promised to the partner is kept.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NAME = "ck_feedback_anonymous_is_anonymous"
WITH_REQUEST = "NOT anonymous OR (author_id IS NULL AND organisation_id IS NULL AND request_id IS NULL)"
WITHOUT_REQUEST = "NOT anonymous OR (author_id IS NULL AND organisation_id IS NULL)"


def upgrade() -> None:
    op.execute(sa.text("UPDATE feedback SET request_id = NULL WHERE anonymous AND request_id IS NOT NULL"))
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_="check")
        batch_op.create_check_constraint(op.f(NAME), WITH_REQUEST)


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_="check")
        batch_op.create_check_constraint(op.f(NAME), WITHOUT_REQUEST)
