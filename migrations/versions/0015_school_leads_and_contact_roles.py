"""A lead for each school, and partners' roles in their organisations.

A locality has several leads, each with their schools (the partners' presentation's table): an
organisation gets its own lead, and the locality's lead becomes its duty lead, who answers for the
schools without one and for agencies. Each locality's current lead becomes the lead of all its schools,
so that every request goes where it went before. A partner account can say its role in its organisation
(designated safeguarding lead, SENCO…), so staff find a school's contacts by role.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 18:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _foreign_keys(on: bool) -> None:
    """SQLite copies a table to change its constraints, and dropping the old copy of a table that others refer
    to fails while foreign keys are enforced: enforcement pauses for the copy (SQLite's documented procedure
    for such changes); nothing else runs meanwhile, and the copy keeps every row."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(sa.text(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}"))


def upgrade() -> None:
    _foreign_keys(False)
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lead_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_organisation_lead_id"), ["lead_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_organisation_lead_id_user_account"), "user_account", ["lead_id"], ["id"]
        )
    op.execute(
        sa.text(
            "UPDATE organisation SET lead_id = "
            "(SELECT lead_id FROM locality WHERE locality.id = organisation.locality_id) "
            "WHERE kind = 'school' AND locality_id IS NOT NULL"
        )
    )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "contact_role",
                sa.Enum(
                    "dsl", "deputy_dsl", "senco", "head_teacher", "other", name="contactrole", native_enum=False, length=20
                ),
                nullable=True,
            )
        )
    _foreign_keys(True)


def downgrade() -> None:
    _foreign_keys(False)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("contact_role")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_organisation_lead_id_user_account"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_organisation_lead_id"))
        batch_op.drop_column("lead_id")
    _foreign_keys(True)
