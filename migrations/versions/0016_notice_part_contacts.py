"""A contact person and phone on each department's part of an audit notice: the enterprise's 接受清审任务
shows the city's and the county's contact beside the province's (seed 000 §2.2, 市任务信息 *联系人 *联系方式).

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-01 12:40:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notice_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_person', sa.String(length=32), server_default='', nullable=False))
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=32), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('notice_assignments', schema=None) as batch_op:
        batch_op.drop_column('contact_phone')
        batch_op.drop_column('contact_person')
