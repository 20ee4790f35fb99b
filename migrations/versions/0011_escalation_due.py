"""A due date on every escalation and disagreement (the locality's escalation service level, default 5
working days) and a mark for the one overdue notice.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 16:00:00.000000

Escalations raised before this migration get a due date of 5 weekdays after they were raised (bank
holidays are not known here; the portal counts them for every escalation raised from now on).
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _five_weekdays_after(day: date) -> date:
    added = 0
    while added < 5:
        day += timedelta(days=1)
        if day.weekday() < 5:
            added += 1
    return day


def upgrade() -> None:
    with op.batch_alter_table("locality", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sla_escalation_days", sa.Integer(), server_default="5", nullable=False))
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("overdue_notified_at", sa.DateTime(timezone=True), nullable=True))
    escalation = sa.table("escalation", sa.column("id"), sa.column("raised_at"), sa.column("due_on", sa.Date()))
    bind = op.get_bind()
    for row in bind.execute(sa.select(escalation.c.id, escalation.c.raised_at)).all():
        # SQLite hands back the stored text, PostgreSQL a datetime: the day it was raised either way.
        raised = date.fromisoformat(row.raised_at[:10]) if isinstance(row.raised_at, str) else row.raised_at.date()
        bind.execute(escalation.update().where(escalation.c.id == row.id).values(due_on=_five_weekdays_after(raised)))


def downgrade() -> None:
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_column("overdue_notified_at")
        batch_op.drop_column("due_on")
    with op.batch_alter_table("locality", schema=None) as batch_op:
        batch_op.drop_column("sla_escalation_days")
