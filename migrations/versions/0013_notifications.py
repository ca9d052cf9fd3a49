"""Notifications: the in-app inbox (messages) and the outbox of SMS and e-mail with its delivery state.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 12:30:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('roster', 'notice', 'case_todo', 'case_return', 'case_result', 'due', 'overdue',
                              name='message_kind', native_enum=False, create_constraint=True, length=16),
              nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link_page', sa.String(length=64), nullable=True),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['recipient_user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key')
    )
    op.create_index('ix_messages_inbox', 'messages', ['recipient_user_id', 'read_at', 'created_at'], unique=False)
    op.create_index('ix_messages_recipient_created', 'messages', ['recipient_user_id', 'created_at', 'id'],
                    unique=False)
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('sms', 'email', name='outbox_channel', native_enum=False, create_constraint=True,
                                 length=16), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('queued', 'sent', 'failed', name='outbox_state', native_enum=False,
                               create_constraint=True, length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_outbox_state', 'outbox', ['state', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_outbox_state', table_name='outbox')
    op.drop_table('outbox')
    op.drop_index('ix_messages_recipient_created', table_name='messages')
    op.drop_index('ix_messages_inbox', table_name='messages')
    op.drop_table('messages')
