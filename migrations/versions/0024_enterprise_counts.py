"""enterprise_counts (issue 13): the enterprises counted per division, kept with the directory, for the home
page's 辖区企业 and the directory's unfiltered total; filled here.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 17:10:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'enterprise_counts',
        sa.Column('division_code', sa.String(length=6), nullable=False),
        sa.Column('city_code', sa.String(length=6), nullable=False),
        sa.Column('province_code', sa.String(length=6), nullable=False),
        sa.Column('enterprises', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('division_code'),
    )
    op.create_index('ix_enterprise_counts_city_code', 'enterprise_counts', ['city_code'])
    op.create_index('ix_enterprise_counts_province_code', 'enterprise_counts', ['province_code'])
    op.execute("INSERT INTO enterprise_counts (division_code, city_code, province_code, enterprises) "
               "SELECT d.code, MIN(COALESCE(d.city_code, d.code)), MIN(d.province_code), COUNT(*) "
               "FROM enterprises e JOIN divisions d ON d.code = e.division_code GROUP BY d.code")


def downgrade() -> None:
    op.drop_index('ix_enterprise_counts_province_code', table_name='enterprise_counts')
    op.drop_index('ix_enterprise_counts_city_code', table_name='enterprise_counts')
    op.drop_table('enterprise_counts')
