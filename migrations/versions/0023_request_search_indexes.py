"""The request list's filters and search at 1,000,000 requests: the worker index gains the date received (the
"received" filter reads the index alone), and the case reference (in lower case) and the child's initials get
their own indexes, so a search finds its requests by id instead of reading every request the person may see.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 19:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_consultation_request_worker", table_name="consultation_request")
    op.create_index(
        "ix_consultation_request_worker", "consultation_request", ["worker_id", "status", "received_at"]
    )
    op.create_index(
        "ix_consultation_request_case_reference_lower", "consultation_request", [sa.text("lower(case_reference)")]
    )
    op.create_index("ix_consultation_request_child_initials", "consultation_request", ["child_initials"])


def downgrade() -> None:
    op.drop_index("ix_consultation_request_child_initials", table_name="consultation_request")
    op.drop_index("ix_consultation_request_case_reference_lower", table_name="consultation_request")
    op.drop_index("ix_consultation_request_worker", table_name="consultation_request")
    op.create_index("ix_consultation_request_worker", "consultation_request", ["worker_id", "status"])
