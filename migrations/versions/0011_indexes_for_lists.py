"""Indexes for lists read a page at a time (issue 13): one object's audit-log rows (a case's 办理记录,
a roster entry's 变更记录), cases newest first, the cases waiting at a step (a department's to-dos) and
a roster's list in its order, the directory in county and name order and the 大类 present in it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 05:45:00
"""
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_audit_log_object', 'audit_log', ['object_type', 'object_id', 'id'], unique=False)
    op.create_index('ix_cases_submitted_at', 'cases', ['submitted_at'], unique=False)
    op.create_index('ix_cases_holder', 'cases', ['managing_tier', 'step', 'status'], unique=False)
    op.create_index('ix_enterprises_division_name', 'enterprises', ['division_code', 'name'], unique=False)
    op.create_index('ix_enterprises_division_industry', 'enterprises', ['division_code', 'industry_code'],
                    unique=False)
    op.create_index('ix_roster_entries_order', 'roster_entries', ['task_id', 'county_code', 'list_number', 'id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_enterprises_division_industry', table_name='enterprises')
    op.drop_index('ix_enterprises_division_name', table_name='enterprises')
    op.drop_index('ix_roster_entries_order', table_name='roster_entries')
    op.drop_index('ix_cases_holder', table_name='cases')
    op.drop_index('ix_cases_submitted_at', table_name='cases')
    op.drop_index('ix_audit_log_object', table_name='audit_log')
