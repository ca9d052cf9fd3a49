"""due_totals (issue 13): letters per campaign, county and the due date of their earliest unmet milestone,
kept by increments with letter_progress, for the home pages' reminders; filled here from letter_progress.
An index on letter_progress (county_code, next_due) finds the letters of the most urgent groups.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 16:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'due_totals',
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('next_due', sa.Date(), nullable=False),
        sa.Column('city_code', sa.String(length=6), nullable=False),
        sa.Column('province_code', sa.String(length=6), nullable=False),
        sa.Column('letters', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('notice_id', 'county_code', 'next_due'),
    )
    op.create_index('ix_due_totals_city_code', 'due_totals', ['city_code'])
    op.create_index('ix_due_totals_province_code', 'due_totals', ['province_code'])
    op.create_index('ix_letter_progress_county_due', 'letter_progress', ['county_code', 'next_due'])
    op.execute("INSERT INTO due_totals (notice_id, county_code, next_due, city_code, province_code, letters) "
               "SELECT notice_id, county_code, next_due, MIN(city_code), MIN(province_code), COUNT(*) "
               "FROM letter_progress WHERE next_due IS NOT NULL GROUP BY notice_id, county_code, next_due")


def downgrade() -> None:
    op.drop_index('ix_letter_progress_county_due', table_name='letter_progress')
    op.drop_index('ix_due_totals_province_code', table_name='due_totals')
    op.drop_index('ix_due_totals_city_code', table_name='due_totals')
    op.drop_table('due_totals')
