"""Sign-in with the organisation's account: each account's identity (issuer and subject) at a provider.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provider_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_provider_identity_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_identity")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_provider_identity_issuer")),
        sa.UniqueConstraint("user_id", "issuer", name=op.f("uq_provider_identity_user_id")),
    )
    with op.batch_alter_table("provider_identity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provider_identity_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("provider_identity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provider_identity_user_id"))
    op.drop_table("provider_identity")
