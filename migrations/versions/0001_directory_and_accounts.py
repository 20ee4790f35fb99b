"""Directory and accounts: localities, organisations, pods, absences, users, sessions,
invitations, password resets, the audit log and the e-mail outbox.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 03:12:20.860643
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('locality',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('front_door_phone', sa.String(length=40), nullable=False),
    sa.Column('front_door_email', sa.String(length=254), nullable=False),
    sa.Column('front_door_hours', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locality')),
    sa.UniqueConstraint('name', name=op.f('uq_locality_name'))
    )
    with op.batch_alter_table('locality', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_locality_updated_at'), ['updated_at'], unique=False)

    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='outboxstatus', native_enum=False, length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_message_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('district_mapping',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district', sa.String(length=120), nullable=False),
    sa.Column('locality_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['locality_id'], ['locality.id'], name=op.f('fk_district_mapping_locality_id_locality'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_district_mapping')),
    sa.UniqueConstraint('district', name=op.f('uq_district_mapping_district'))
    )
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('school', 'health', 'police', 'early_years', 'voluntary', 'other', name='organisationkind', native_enum=False, length=20), nullable=False),
    sa.Column('urn', sa.Integer(), nullable=True),
    sa.Column('phase', sa.String(length=60), nullable=False),
    sa.Column('establishment_type', sa.String(length=120), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('town', sa.String(length=80), nullable=False),
    sa.Column('district', sa.String(length=120), nullable=False),
    sa.Column('locality_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['locality_id'], ['locality.id'], name=op.f('fk_organisation_locality_id_locality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('urn', name=op.f('uq_organisation_urn'))
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_locality_id'), ['locality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_postcode'), ['postcode'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_updated_at'), ['updated_at'], unique=False)

    op.create_table('pod',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('locality_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['locality_id'], ['locality.id'], name=op.f('fk_pod_locality_id_locality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pod')),
    sa.UniqueConstraint('locality_id', 'name', name=op.f('uq_pod_locality_id'))
    )
    with op.batch_alter_table('pod', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pod_locality_id'), ['locality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pod_updated_at'), ['updated_at'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('job_title', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('role', sa.Enum('partner', 'practitioner', 'manager', 'admin', name='role', native_enum=False, length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('locality_id', sa.Integer(), nullable=True),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['locality_id'], ['locality.id'], name=op.f('fk_user_account_locality_id_locality')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_user_account_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('email', name=op.f('uq_user_account_email'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_locality_id'), ['locality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_account_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_account_updated_at'), ['updated_at'], unique=False)

    # locality and user_account refer to each other: the locality's lead and manager keys are added
    # once user_account exists.
    with op.batch_alter_table('locality', schema=None) as batch_op:
        batch_op.create_foreign_key(op.f('fk_locality_lead_id_user_account'), 'user_account', ['lead_id'], ['id'])
        batch_op.create_foreign_key(op.f('fk_locality_manager_id_user_account'), 'user_account', ['manager_id'], ['id'])

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=True),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('ip_address', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_audit_event_actor_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_event_object', ['object_type', 'object_id'], unique=False)

    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.Enum('partner', 'practitioner', 'manager', 'admin', name='role', native_enum=False, length=20), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('locality_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user_account.id'], name=op.f('fk_invitation_invited_by_id_user_account')),
    sa.ForeignKeyConstraint(['locality_id'], ['locality.id'], name=op.f('fk_invitation_locality_id_locality')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_invitation_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitation_token_hash'))
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_email'), ['email'], unique=False)

    op.create_table('password_reset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_password_reset_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_token_hash'))
    )
    with op.batch_alter_table('password_reset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_user_id'), ['user_id'], unique=False)

    op.create_table('pod_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pod_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('pod_role', sa.Enum('team_manager', 'senior_practitioner', 'social_worker', 'support_and_assessment_worker', 'family_intervention_worker', 'support_worker', 'coordinator', name='podrole', native_enum=False, length=40), nullable=False),
    sa.ForeignKeyConstraint(['pod_id'], ['pod.id'], name=op.f('fk_pod_member_pod_id_pod'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_pod_member_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pod_member')),
    sa.UniqueConstraint('pod_id', 'user_id', name=op.f('uq_pod_member_pod_id'))
    )
    with op.batch_alter_table('pod_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pod_member_user_id'), ['user_id'], unique=False)

    op.create_table('staff_absence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('cover_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('cover_id <> user_id', name=op.f('ck_staff_absence_cover_is_someone_else')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_staff_absence_dates_in_order')),
    sa.ForeignKeyConstraint(['cover_id'], ['user_account.id'], name=op.f('fk_staff_absence_cover_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_staff_absence_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_staff_absence_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_absence'))
    )
    with op.batch_alter_table('staff_absence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_absence_updated_at'), ['updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_absence_user_id'), ['user_id'], unique=False)

    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ip_address', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_session_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_session_token_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('locality', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_locality_lead_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_locality_manager_id_user_account'), type_='foreignkey')

    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))

    op.drop_table('user_session')
    with op.batch_alter_table('staff_absence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_absence_user_id'))
        batch_op.drop_index(batch_op.f('ix_staff_absence_updated_at'))

    op.drop_table('staff_absence')
    with op.batch_alter_table('pod_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pod_member_user_id'))

    op.drop_table('pod_member')
    with op.batch_alter_table('password_reset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_user_id'))

    op.drop_table('password_reset')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_email'))

    op.drop_table('invitation')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_object')
        batch_op.drop_index(batch_op.f('ix_audit_event_at'))
        batch_op.drop_index(batch_op.f('ix_audit_event_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_action'))

    op.drop_table('audit_event')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_updated_at'))
        batch_op.drop_index(batch_op.f('ix_user_account_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_user_account_locality_id'))

    op.drop_table('user_account')
    with op.batch_alter_table('pod', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pod_updated_at'))
        batch_op.drop_index(batch_op.f('ix_pod_locality_id'))

    op.drop_table('pod')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_updated_at'))
        batch_op.drop_index(batch_op.f('ix_organisation_postcode'))
        batch_op.drop_index(batch_op.f('ix_organisation_locality_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_kind'))

    op.drop_table('organisation')
    op.drop_table('district_mapping')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_due')

    op.drop_table('outbox_message')
    with op.batch_alter_table('locality', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_locality_updated_at'))

    op.drop_table('locality')
