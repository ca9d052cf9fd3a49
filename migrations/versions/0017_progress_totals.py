"""progress_totals (issue 13): letter_progress added up per campaign, county and industry 大类, kept by
increments in the same transaction as letter_progress; filled here from letter_progress.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 13:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

COUNTED = ("notified", "accepted", "startup", "evaluation_applied", "evaluation_passed", "acceptance_applied",
           "acceptance_passed", "disclosed")
STATUSES = {"passed": "('passed')", "failed": "('failed')", "in_review": "('submitted', 'in_review', 'returned')"}
LATEST = {f"latest_{kind}_{name}": (kind, values) for kind in ("evaluation", "acceptance")
          for name, values in STATUSES.items()}
OPTION_COUNTS = ("low_cost", "high_cost", "implemented", "low_cost_implemented", "high_cost_implemented")
OPTION_FIGURES = ("investment", "economic_benefit", "water_saved", "cod_reduced", "ammonia_reduced", "other_reduced",
                  "energy_saved")


def upgrade() -> None:
    op.create_table(
        'progress_totals',
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('industry_major', sa.String(length=2), nullable=False),
        sa.Column('city_code', sa.String(length=6), nullable=False),
        sa.Column('province_code', sa.String(length=6), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in (*COUNTED, *LATEST, *OPTION_COUNTS)),
        *(sa.Column(name, sa.Float(), nullable=False) for name in OPTION_FIGURES),
        sa.PrimaryKeyConstraint('notice_id', 'county_code', 'industry_major'),
    )
    op.create_index('ix_progress_totals_city_code', 'progress_totals', ['city_code'])
    op.create_index('ix_progress_totals_province_code', 'progress_totals', ['province_code'])
    sums = [f"COALESCE(SUM(CAST({name} AS INTEGER)), 0)" for name in COUNTED]
    sums += [f"COALESCE(SUM(CASE WHEN {kind}_status IN {values} THEN 1 ELSE 0 END), 0)"
             for kind, values in LATEST.values()]
    sums += [f"COALESCE(SUM({name}), 0)" for name in (*OPTION_COUNTS, *OPTION_FIGURES)]
    names = ", ".join((*COUNTED, *LATEST, *OPTION_COUNTS, *OPTION_FIGURES))
    op.execute(f"INSERT INTO progress_totals (notice_id, county_code, industry_major, city_code, province_code, "
               f"total, {names}) SELECT notice_id, county_code, industry_major, MIN(city_code), "
               f"MIN(province_code), COUNT(*), {', '.join(sums)} FROM letter_progress "
               f"GROUP BY notice_id, county_code, industry_major")


def downgrade() -> None:
    op.drop_index('ix_progress_totals_province_code', table_name='progress_totals')
    op.drop_index('ix_progress_totals_city_code', table_name='progress_totals')
    op.drop_table('progress_totals')
