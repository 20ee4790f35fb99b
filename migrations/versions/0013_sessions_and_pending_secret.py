"""Your account lists your sessions (last used, browser), and the authenticator secret being set up is kept
server side, on the account, instead of in the session cookie.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 15:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("user_agent", sa.String(length=300), nullable=True))
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_pending_secret", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("totp_pending_secret")
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_column("user_agent")
        batch_op.drop_column("last_used_at")
