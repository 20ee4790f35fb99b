"""Queue indexes: a worker's requests by status, and unassigned requests by who they were sent to,
so the practitioner queue reads only open work at a million requests (bench/requests_queue.py).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 04:59:11.914848
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('consultation_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_request_worker_id'))
        batch_op.create_index('ix_consultation_request_routed_unassigned', ['routed_to_id', 'worker_id', 'status'], unique=False)
        batch_op.create_index('ix_consultation_request_worker', ['worker_id', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('consultation_request', schema=None) as batch_op:
        batch_op.drop_index('ix_consultation_request_worker')
        batch_op.drop_index('ix_consultation_request_routed_unassigned')
        batch_op.create_index(batch_op.f('ix_consultation_request_worker_id'), ['worker_id'], unique=False)

