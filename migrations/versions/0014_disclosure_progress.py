"""letter_progress.disclosed (issue 14): the milestone 登录系统填报并公布审核信息 is met by a recorded
publication of the audit information, no longer by accepting the task. Filled from disclosure_records.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 12:40:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('letter_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disclosed', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE letter_progress SET disclosed = (EXISTS (SELECT 1 FROM disclosure_records d "
               "JOIN audit_projects p ON p.id = d.project_id WHERE p.letter_id = letter_progress.letter_id))")
    # A notified letter that has not published yet owes register_due again (before, acceptance met it);
    # once published its next milestone is the one it had, since publishing needs the accepted project.
    op.execute("UPDATE letter_progress SET next_milestone = 'register_due', next_due = (SELECT n.register_due "
               "FROM audit_notices n WHERE n.id = letter_progress.notice_id) WHERE notified AND NOT disclosed")


def downgrade() -> None:
    with op.batch_alter_table('letter_progress', schema=None) as batch_op:
        batch_op.drop_column('disclosed')
