"""The report of every locality at 1,000,000 requests: the dashboards' counts read their indexes alone (the
closed requests' outcomes, the received requests' repeat flag, feedback's theme and rating join the indexes
that find them, and the clocks of "overdue now" get their own), and a period's escalations and pod invites are found by their own dates, each then checked
against its request's locality, instead of walking every request of the area to find the few that have one.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 21:45:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

CLOSED = ["locality_id", "closed_at", "status", "outcome", "worker_id", "organisation_id", "worker_changes"]
RECEIVED = ["locality_id", "received_at", "organisation_id", "worker_id", "is_repeat"]
OVERDUE = ["locality_id", "status", "acknowledged_at", "acknowledge_due", "respond_by_at", "consultation_at"]
OVERDUE += ["consult_due", "outcome_due"]


def upgrade() -> None:
    op.drop_index("ix_consultation_request_closed", table_name="consultation_request")
    op.create_index("ix_consultation_request_closed", "consultation_request", CLOSED)
    op.drop_index("ix_consultation_request_received", table_name="consultation_request")
    op.create_index("ix_consultation_request_received", "consultation_request", RECEIVED)
    op.drop_index("ix_feedback_locality_created", table_name="feedback")
    op.create_index("ix_feedback_locality_created", "feedback", ["locality_id", "created_at", "theme", "rating"])
    op.create_index("ix_escalation_raised_at", "escalation", ["raised_at"])
    op.create_index("ix_pod_invite_starts_at", "pod_invite", ["starts_at"])
    op.create_index("ix_consultation_request_overdue", "consultation_request", OVERDUE)


def downgrade() -> None:
    op.drop_index("ix_consultation_request_overdue", table_name="consultation_request")
    op.drop_index("ix_pod_invite_starts_at", table_name="pod_invite")
    op.drop_index("ix_escalation_raised_at", table_name="escalation")
    op.drop_index("ix_feedback_locality_created", table_name="feedback")
    op.create_index("ix_feedback_locality_created", "feedback", ["locality_id", "created_at"])
    op.drop_index("ix_consultation_request_received", table_name="consultation_request")
    op.create_index("ix_consultation_request_received", "consultation_request", RECEIVED[:-1])
    op.drop_index("ix_consultation_request_closed", table_name="consultation_request")
    op.create_index("ix_consultation_request_closed", "consultation_request", ["locality_id", "closed_at"])
