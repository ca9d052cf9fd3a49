"""A version on each stage record (issue 14): two tabs of one enterprise saving the same item no longer
overwrite each other silently; the later save, made on what the user saw before, is refused.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 09:50:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stage_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('stage_records', schema=None) as batch_op:
        batch_op.drop_column('version')
