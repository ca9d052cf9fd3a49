"""county_totals (issue 13): progress_totals added up over the 大类, per campaign and county, kept by the same
increments, for the dashboard's figures that do not break down by industry; filled here from progress_totals.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 17:20:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

INTEGERS = ("total", "notified", "accepted", "startup", "evaluation_applied", "evaluation_passed",
            "acceptance_applied", "acceptance_passed", "disclosed", "graded_before", "met_before", "graded_after",
            "met_after", "permit_confirmed", "permit_pending", "stamped", "latest_evaluation_passed",
            "latest_evaluation_failed", "latest_evaluation_in_review", "latest_acceptance_passed",
            "latest_acceptance_failed", "latest_acceptance_in_review", "low_cost", "high_cost", "implemented",
            "low_cost_implemented", "high_cost_implemented")
FIGURES = ("investment", "economic_benefit", "water_saved", "cod_reduced", "ammonia_reduced", "other_reduced",
           "energy_saved")


def upgrade() -> None:
    op.create_table(
        'county_totals',
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('city_code', sa.String(length=6), nullable=False),
        sa.Column('province_code', sa.String(length=6), nullable=False),
        *(sa.Column(name, sa.Integer(), server_default='0', nullable=False) for name in INTEGERS),
        *(sa.Column(name, sa.Float(), nullable=False) for name in FIGURES),
        sa.PrimaryKeyConstraint('notice_id', 'county_code'),
    )
    op.create_index('ix_county_totals_city_code', 'county_totals', ['city_code'])
    op.create_index('ix_county_totals_province_code', 'county_totals', ['province_code'])
    names = (*INTEGERS, *FIGURES)
    op.execute(f"INSERT INTO county_totals (notice_id, county_code, city_code, province_code, {', '.join(names)}) "
               f"SELECT notice_id, county_code, MIN(city_code), MIN(province_code), "
               f"{', '.join(f'SUM({n})' for n in names)} FROM progress_totals GROUP BY notice_id, county_code")


def downgrade() -> None:
    op.drop_index('ix_county_totals_province_code', table_name='county_totals')
    op.drop_index('ix_county_totals_city_code', table_name='county_totals')
    op.drop_table('county_totals')
