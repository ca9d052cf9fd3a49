"""Whether a letter's stamped scan is uploaded, in letter_progress and progress_totals (issue 13), so that
the notice's 任务统计 adds up its stamped letters from the groups instead of joining the province's
attachments to its letters. Filled here.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 17:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('letter_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stamped', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('progress_totals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stamped', sa.Integer(), server_default='0', nullable=False))
    op.execute("UPDATE letter_progress SET stamped = EXISTS (SELECT 1 FROM attachments a "
               "WHERE a.owner_type = 'notice_letter' AND a.purpose = 'stamped_letter' "
               "AND a.owner_id = letter_progress.letter_id)")
    # Added up per group in one pass over letter_progress, as 0021 does.
    op.execute("CREATE TEMPORARY TABLE stamped_sums AS SELECT notice_id, county_code, industry_major, "
               "SUM(CASE WHEN stamped THEN 1 ELSE 0 END) AS stamped FROM letter_progress "
               "GROUP BY notice_id, county_code, industry_major")
    op.execute("CREATE INDEX ix_stamped_sums ON stamped_sums (notice_id, county_code, industry_major)")
    op.execute("UPDATE progress_totals SET stamped = COALESCE((SELECT s.stamped FROM stamped_sums s WHERE "
               "s.notice_id = progress_totals.notice_id AND s.county_code = progress_totals.county_code "
               "AND s.industry_major = progress_totals.industry_major), 0)")
    op.execute("DROP TABLE stamped_sums")


def downgrade() -> None:
    with op.batch_alter_table('progress_totals', schema=None) as batch_op:
        batch_op.drop_column('stamped')
    with op.batch_alter_table('letter_progress', schema=None) as batch_op:
        batch_op.drop_column('stamped')
