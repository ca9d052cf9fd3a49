"""The permit record's state in letter_progress and progress_totals (issue 13): confirmed, or written and
awaiting the county's confirmation, so that 许可与公开跟踪 counts its figures from the groups instead of
joining every letter of the province to its permit. Filled here.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 16:30:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

PERMIT = {"permit_confirmed": "r.confirmed_at IS NOT NULL", "permit_pending": "r.confirmed_at IS NULL"}


def upgrade() -> None:
    with op.batch_alter_table('letter_progress', schema=None) as batch_op:
        for name in PERMIT:
            batch_op.add_column(sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('progress_totals', schema=None) as batch_op:
        for name in PERMIT:
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default='0', nullable=False))
    if not op.get_bind().execute(sa.text("SELECT COUNT(*) FROM permit_records")).scalar():
        return  # no permit recorded yet: every new flag and count is 0 already
    for name, condition in PERMIT.items():
        op.execute(f"UPDATE letter_progress SET {name} = EXISTS (SELECT 1 FROM permit_records r "
                   "JOIN audit_projects p ON p.id = r.project_id WHERE p.letter_id = letter_progress.letter_id "
                   f"AND r.requirement_written AND {condition})")
    # Added up per group in one pass over letter_progress (a correlated count per group read each county's
    # letters once per group).
    op.execute("CREATE TEMPORARY TABLE permit_sums AS SELECT notice_id, county_code, industry_major, "
               "SUM(CASE WHEN permit_confirmed THEN 1 ELSE 0 END) AS confirmed, "
               "SUM(CASE WHEN permit_pending THEN 1 ELSE 0 END) AS pending FROM letter_progress "
               "GROUP BY notice_id, county_code, industry_major")
    op.execute("CREATE INDEX ix_permit_sums ON permit_sums (notice_id, county_code, industry_major)")
    match = ("s.notice_id = progress_totals.notice_id AND s.county_code = progress_totals.county_code "
             "AND s.industry_major = progress_totals.industry_major")
    op.execute(f"UPDATE progress_totals SET permit_confirmed = COALESCE((SELECT s.confirmed FROM permit_sums s "
               f"WHERE {match}), 0), permit_pending = COALESCE((SELECT s.pending FROM permit_sums s WHERE {match}), 0)")
    op.execute("DROP TABLE permit_sums")


def downgrade() -> None:
    with op.batch_alter_table('progress_totals', schema=None) as batch_op:
        for name in PERMIT:
            batch_op.drop_column(name)
    with op.batch_alter_table('letter_progress', schema=None) as batch_op:
        for name in PERMIT:
            batch_op.drop_column(name)
