"""Indicator systems (清洁生产评价指标体系) and each audit's 对标 sheets, entries and declarations.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 03:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('indicator_systems',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('version', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('industry_codes', sa.JSON(), nullable=False),
    sa.Column('source', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('untranscribed', sa.JSON(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('imported_by_user_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['imported_by_user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code', 'version')
    )
    with op.batch_alter_table('indicator_systems', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_systems_code'), ['code'], unique=False)

    op.create_table('indicator_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['system_id'], ['indicator_systems.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('indicator_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_groups_system_id'), ['system_id'], unique=False)

    op.create_table('indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=True),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('limiting', sa.Boolean(), nullable=False),
    sa.Column('water', sa.Boolean(), nullable=False),
    sa.Column('benchmarks', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['indicator_groups.id'], ),
    sa.ForeignKeyConstraint(['system_id'], ['indicator_systems.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('system_id', 'key')
    )
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicators_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicators_system_id'), ['system_id'], unique=False)

    op.create_table('grading_sheets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.Enum('before', 'after', name='sheet_phase', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('level', sa.String(length=4), nullable=True),
    sa.Column('target_met', sa.Boolean(), nullable=True),
    sa.Column('score_1', sa.Float(), nullable=False),
    sa.Column('score_2', sa.Float(), nullable=False),
    sa.Column('score_3', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_user_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['audit_projects.id'], ),
    sa.ForeignKeyConstraint(['system_id'], ['indicator_systems.id'], ),
    sa.ForeignKeyConstraint(['updated_by_user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project_id', 'phase')
    )
    with op.batch_alter_table('grading_sheets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grading_sheets_project_id'), ['project_id'], unique=False)

    op.create_table('indicator_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('declared_level', sa.String(length=4), nullable=True),
    sa.Column('not_applicable', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], ),
    sa.ForeignKeyConstraint(['sheet_id'], ['grading_sheets.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sheet_id', 'indicator_id')
    )
    with op.batch_alter_table('indicator_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_values_sheet_id'), ['sheet_id'], unique=False)

    op.create_table('grading_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('wastewater_to_plant', sa.Boolean(), nullable=True),
    sa.Column('permit_pollutants', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['audit_projects.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project_id')
    )


def downgrade() -> None:
    op.drop_table('grading_profiles')
    with op.batch_alter_table('indicator_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_values_sheet_id'))
    op.drop_table('indicator_values')
    with op.batch_alter_table('grading_sheets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grading_sheets_project_id'))
    op.drop_table('grading_sheets')
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicators_system_id'))
        batch_op.drop_index(batch_op.f('ix_indicators_group_id'))
    op.drop_table('indicators')
    with op.batch_alter_table('indicator_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_groups_system_id'))
    op.drop_table('indicator_groups')
    with op.batch_alter_table('indicator_systems', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_systems_code'))
    op.drop_table('indicator_systems')
