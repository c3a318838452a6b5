"""meetings: participants, agenda, preparation with reminders, decisions

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kompas_cc.db.base

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('starts_at', kompas_cc.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', kompas_cc.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', kompas_cc.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kompas_cc.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_meetings_ends_after_start')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_meetings_author_id_users')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_meetings_client_id_clients'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organiser_id'], ['users.id'], name=op.f('fk_meetings_organiser_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_organiser_id'), ['organiser_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_status'), ['status'], unique=False)

    op.create_table('meeting_participants',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_participants_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_meeting_participants_user_id_users')),
    sa.PrimaryKeyConstraint('meeting_id', 'user_id', name=op.f('pk_meeting_participants'))
    )
    with op.batch_alter_table('meeting_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_participants_user_id'), ['user_id'], unique=False)

    op.create_table('meeting_agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('speaker_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_agenda_items_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['speaker_id'], ['users.id'], name=op.f('fk_meeting_agenda_items_speaker_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_agenda_items'))
    )
    with op.batch_alter_table('meeting_agenda_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_agenda_items_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_prep_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=False),
    sa.Column('due_at', kompas_cc.db.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('done_at', kompas_cc.db.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_meeting_prep_items_assignee_id_users')),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_meeting_prep_items_done_by_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_prep_items_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_prep_items'))
    )
    with op.batch_alter_table('meeting_prep_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_prep_items_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_prep_items_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_prep_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('before_seconds', sa.Integer(), nullable=True),
    sa.Column('remind_at', kompas_cc.db.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', kompas_cc.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(before_seconds IS NULL) <> (remind_at IS NULL)', name=op.f('ck_meeting_prep_reminders_one_moment')),
    sa.ForeignKeyConstraint(['item_id'], ['meeting_prep_items.id'], name=op.f('fk_meeting_prep_reminders_item_id_meeting_prep_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_prep_reminders'))
    )
    with op.batch_alter_table('meeting_prep_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_prep_reminders_item_id'), ['item_id'], unique=False)

    op.create_table('meeting_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('deadline_end_at', kompas_cc.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', kompas_cc.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kompas_cc.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_meeting_decisions_author_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_decisions_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['responsible_id'], ['users.id'], name=op.f('fk_meeting_decisions_responsible_id_users')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_meeting_decisions_task_id_tasks'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_decisions')),
    sa.UniqueConstraint('task_id', name=op.f('uq_meeting_decisions_task_id'))
    )
    with op.batch_alter_table('meeting_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_decisions_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_decisions_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_decisions_responsible_id'), ['responsible_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('meeting_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_decisions_responsible_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_decisions_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_decisions_deadline'))

    op.drop_table('meeting_decisions')
    with op.batch_alter_table('meeting_prep_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_prep_reminders_item_id'))

    op.drop_table('meeting_prep_reminders')
    with op.batch_alter_table('meeting_prep_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_prep_items_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_prep_items_assignee_id'))

    op.drop_table('meeting_prep_items')
    with op.batch_alter_table('meeting_agenda_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_agenda_items_meeting_id'))

    op.drop_table('meeting_agenda_items')
    with op.batch_alter_table('meeting_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_participants_user_id'))

    op.drop_table('meeting_participants')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_status'))
        batch_op.drop_index(batch_op.f('ix_meetings_starts_at'))
        batch_op.drop_index(batch_op.f('ix_meetings_organiser_id'))
        batch_op.drop_index(batch_op.f('ix_meetings_client_id'))

    op.drop_table('meetings')
