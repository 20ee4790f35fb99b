"""Requests: consultations, pod invites and queries with their timeline, pauses, promises,
escalations and pod invites; service levels per locality (existing localities get the defaults).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:03:20.984286
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('consultation_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('consultation', 'pod_invite', 'query', name='requestkind', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'acknowledged', 'scheduled', 'waiting_on_partner', 'closed', name='requeststatus', native_enum=False, length=20), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('locality_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('routed_to_id', sa.Integer(), nullable=True),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('child_initials', sa.String(length=4), nullable=False),
    sa.Column('child_birth_year', sa.Integer(), nullable=True),
    sa.Column('case_reference', sa.String(length=30), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('help_wanted', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledge_due', sa.Date(), nullable=False),
    sa.Column('consult_due', sa.Date(), nullable=False),
    sa.Column('outcome_due', sa.Date(), nullable=False),
    sa.Column('paused_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_step', sa.Text(), nullable=False),
    sa.Column('expected_by', sa.Date(), nullable=True),
    sa.Column('consultation_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('consultation_method', sa.Enum('phone', 'video', 'in_person', name='consultationmethod', native_enum=False, length=20), nullable=True),
    sa.Column('consultation_details', sa.Text(), nullable=False),
    sa.Column('outcome', sa.Enum('advice_given', 'signposted', 'step_down_to_early_help', 'referral_to_front_door_advised', 'pod_invite_sent', 'no_further_action', name='outcome', native_enum=False, length=40), nullable=True),
    sa.Column('outcome_summary', sa.Text(), nullable=False),
    sa.Column('overdue_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(child_initials <> '' AND child_birth_year IS NOT NULL) OR case_reference <> ''", name=op.f('ck_consultation_request_child_identified')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_consultation_request_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['locality_id'], ['locality.id'], name=op.f('fk_consultation_request_locality_id_locality')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_consultation_request_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['routed_to_id'], ['user_account.id'], name=op.f('fk_consultation_request_routed_to_id_user_account')),
    sa.ForeignKeyConstraint(['worker_id'], ['user_account.id'], name=op.f('fk_consultation_request_worker_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_request'))
    )
    with op.batch_alter_table('consultation_request', schema=None) as batch_op:
        batch_op.create_index('ix_consultation_request_organisation', ['organisation_id', 'received_at'], unique=False)
        batch_op.create_index('ix_consultation_request_queue', ['locality_id', 'status', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_request_updated_at'), ['updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_request_worker_id'), ['worker_id'], unique=False)

    op.create_table('escalation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('speak_to_manager', 'disagreement', name='escalationkind', native_enum=False, length=20), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=True),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('responded_by_id', sa.Integer(), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('response', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['raised_by_id'], ['user_account.id'], name=op.f('fk_escalation_raised_by_id_user_account')),
    sa.ForeignKeyConstraint(['request_id'], ['consultation_request.id'], name=op.f('fk_escalation_request_id_consultation_request'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['responded_by_id'], ['user_account.id'], name=op.f('fk_escalation_responded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation'))
    )
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_request_id'), ['request_id'], unique=False)

    op.create_table('pod_invite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('pod_id', sa.Integer(), nullable=True),
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('online_link', sa.String(length=500), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attendance_recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_pod_invite_ends_after_start')),
    sa.ForeignKeyConstraint(['organiser_id'], ['user_account.id'], name=op.f('fk_pod_invite_organiser_id_user_account')),
    sa.ForeignKeyConstraint(['pod_id'], ['pod.id'], name=op.f('fk_pod_invite_pod_id_pod')),
    sa.ForeignKeyConstraint(['request_id'], ['consultation_request.id'], name=op.f('fk_pod_invite_request_id_consultation_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pod_invite'))
    )
    with op.batch_alter_table('pod_invite', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pod_invite_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pod_invite_updated_at'), ['updated_at'], unique=False)

    op.create_table('promise',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('made_by_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kept_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['made_by_id'], ['user_account.id'], name=op.f('fk_promise_made_by_id_user_account')),
    sa.ForeignKeyConstraint(['request_id'], ['consultation_request.id'], name=op.f('fk_promise_request_id_consultation_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promise'))
    )
    with op.batch_alter_table('promise', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_promise_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_promise_made_by_id'), ['made_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_promise_request_id'), ['request_id'], unique=False)

    op.create_table('request_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('submitted', 'acknowledged', 'scheduled', 'waiting_on_partner', 'resumed', 'closed', 'message', 'promise_made', 'promise_kept', 'escalated', 'disagreed', 'manager_responded', 'pod_invite_sent', 'pod_invite_changed', 'pod_invite_cancelled', 'reassigned', name='eventkind', native_enum=False, length=30), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_request_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['request_id'], ['consultation_request.id'], name=op.f('fk_request_event_request_id_consultation_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_event'))
    )
    with op.batch_alter_table('request_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_event_request_id'), ['request_id'], unique=False)

    op.create_table('request_pause',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['consultation_request.id'], name=op.f('fk_request_pause_request_id_consultation_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_pause'))
    )
    with op.batch_alter_table('request_pause', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_pause_request_id'), ['request_id'], unique=False)

    op.create_table('pod_invitee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invite_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('response', sa.Enum('needs_action', 'accepted', 'declined', 'proposed', name='inviteresponse', native_enum=False, length=20), nullable=False),
    sa.Column('proposed_starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attended', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['invite_id'], ['pod_invite.id'], name=op.f('fk_pod_invitee_invite_id_pod_invite'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_pod_invitee_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pod_invitee')),
    sa.UniqueConstraint('invite_id', 'user_id', name=op.f('uq_pod_invitee_invite_id'))
    )
    with op.batch_alter_table('pod_invitee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pod_invitee_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('locality', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_acknowledge_days', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('sla_consult_days', sa.Integer(), nullable=False, server_default='5'))
        batch_op.add_column(sa.Column('sla_outcome_days', sa.Integer(), nullable=False, server_default='10'))



def downgrade() -> None:
    with op.batch_alter_table('locality', schema=None) as batch_op:
        batch_op.drop_column('sla_outcome_days')
        batch_op.drop_column('sla_consult_days')
        batch_op.drop_column('sla_acknowledge_days')

    with op.batch_alter_table('pod_invitee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pod_invitee_user_id'))

    op.drop_table('pod_invitee')
    with op.batch_alter_table('request_pause', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_pause_request_id'))

    op.drop_table('request_pause')
    with op.batch_alter_table('request_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_event_request_id'))

    op.drop_table('request_event')
    with op.batch_alter_table('promise', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_promise_request_id'))
        batch_op.drop_index(batch_op.f('ix_promise_made_by_id'))
        batch_op.drop_index(batch_op.f('ix_promise_due_on'))

    op.drop_table('promise')
    with op.batch_alter_table('pod_invite', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pod_invite_updated_at'))
        batch_op.drop_index(batch_op.f('ix_pod_invite_request_id'))

    op.drop_table('pod_invite')
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalation_request_id'))

    op.drop_table('escalation')
    with op.batch_alter_table('consultation_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_request_worker_id'))
        batch_op.drop_index(batch_op.f('ix_consultation_request_updated_at'))
        batch_op.drop_index('ix_consultation_request_queue')
        batch_op.drop_index('ix_consultation_request_organisation')

    op.drop_table('consultation_request')
