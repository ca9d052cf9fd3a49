"""case_counts (issue 13): the cases counted per county, kind, status, managing tier and step, kept with the
cases, for 业务办理's and the home page's counts; filled here from the cases.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 16:50:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'case_counts',
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('managing_tier', sa.String(length=16), nullable=False),
        sa.Column('step', sa.String(length=32), nullable=False),
        sa.Column('city_code', sa.String(length=6), nullable=False),
        sa.Column('province_code', sa.String(length=6), nullable=False),
        sa.Column('cases', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('county_code', 'kind', 'status', 'managing_tier', 'step'),
    )
    op.create_index('ix_case_counts_city_code', 'case_counts', ['city_code'])
    op.create_index('ix_case_counts_province_code', 'case_counts', ['province_code'])
    op.execute("INSERT INTO case_counts (county_code, kind, status, managing_tier, step, city_code, province_code, "
               "cases) SELECT d.code, c.kind, c.status, c.managing_tier, c.step, MIN(COALESCE(d.city_code, d.code)), "
               "MIN(d.province_code), COUNT(*) FROM cases c JOIN audit_projects p ON p.id = c.project_id "
               "JOIN enterprises e ON e.id = p.enterprise_id JOIN divisions d ON d.code = e.division_code "
               "GROUP BY d.code, c.kind, c.status, c.managing_tier, c.step")


def downgrade() -> None:
    op.drop_index('ix_case_counts_province_code', table_name='case_counts')
    op.drop_index('ix_case_counts_city_code', table_name='case_counts')
    op.drop_table('case_counts')
