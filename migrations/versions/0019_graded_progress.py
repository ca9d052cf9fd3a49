"""The 对标 sheets in letter_progress and progress_totals (issue 13): per letter whether its 预审核 / 验收 sheet
was saved and met the campaign's target, added up per group, so that 统计分析 counts the audits that reached
their target from the groups instead of joining every letter of the province to its sheets. Filled here.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 16:10:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

GRADED = {"graded_before": ("before", ""), "met_before": ("before", " AND g.target_met"),
          "graded_after": ("after", ""), "met_after": ("after", " AND g.target_met")}


def upgrade() -> None:
    with op.batch_alter_table('letter_progress', schema=None) as batch_op:
        for name in GRADED:
            batch_op.add_column(sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('progress_totals', schema=None) as batch_op:
        for name in GRADED:
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default='0', nullable=False))
    if not op.get_bind().execute(sa.text("SELECT COUNT(*) FROM grading_sheets")).scalar():
        return  # nothing graded yet: every new flag and count is 0 already
    # The sheet's phase is stored as the enum's value (core.models.portable_enum).
    phase = {"before": "'before'", "after": "'after'"}
    for name, (which, condition) in GRADED.items():
        op.execute(f"UPDATE letter_progress SET {name} = EXISTS (SELECT 1 FROM grading_sheets g "
                   f"JOIN audit_projects p ON p.id = g.project_id WHERE p.letter_id = letter_progress.letter_id "
                   f"AND g.phase = {phase[which]}{condition})")
    sums = ", ".join(f"{name} = (SELECT COUNT(*) FROM letter_progress l WHERE l.{name} "
                     "AND l.notice_id = progress_totals.notice_id AND l.county_code = progress_totals.county_code "
                     "AND l.industry_major = progress_totals.industry_major)" for name in GRADED)
    op.execute(f"UPDATE progress_totals SET {sums}")


def downgrade() -> None:
    with op.batch_alter_table('progress_totals', schema=None) as batch_op:
        for name in GRADED:
            batch_op.drop_column(name)
    with op.batch_alter_table('letter_progress', schema=None) as batch_op:
        for name in GRADED:
            batch_op.drop_column(name)
