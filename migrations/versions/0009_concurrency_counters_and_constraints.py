"""Concurrency (issue 12): number counters, a version on panel members, and unique indexes that make a
double-applied transition impossible: one open case of each kind per project, one first draw per case
and round, one replacement per declined expert, one stamped scan per letter and one result PDF per result.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OPEN_CASE = "status NOT IN ('passed', 'failed')"
FIRST_DRAW = "replaces_expert_id IS NULL"
REDRAW = "replaces_expert_id IS NOT NULL"
SINGLE_FILE = "purpose IN ('stamped_letter', 'result_pdf')"

# (index, table, columns, where): created unique where `where` holds.
INDEXES = (
    ("uq_cases_open_kind", "cases", ["project_id", "kind"], OPEN_CASE),
    ("uq_expert_draws_first", "expert_draws", ["case_id", "round"], FIRST_DRAW),
    ("uq_expert_draws_replacement", "expert_draws", ["case_id", "replaces_expert_id"], REDRAW),
    ("uq_attachments_single_file", "attachments", ["owner_type", "owner_id", "purpose"], SINGLE_FILE),
)


def _refuse_existing_doubles() -> None:
    """Doubles made before this revision must be resolved by a person: say which, change nothing."""
    connection = op.get_bind()
    for index, table, columns, where in INDEXES:
        keys = ", ".join(columns)
        doubles = connection.execute(sa.text(
            f"SELECT {keys}, COUNT(*) FROM {table} WHERE {where} GROUP BY {keys} HAVING COUNT(*) > 1")).all()
        if doubles:
            shown = "; ".join(", ".join(str(v) for v in row) for row in doubles[:20])
            raise RuntimeError(f"{table} holds rows that {index} forbids ({keys}, count): {shown}. "
                               "Resolve them (they were made by concurrent requests) and migrate again.")


def upgrade() -> None:
    op.create_table('counters',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    _refuse_existing_doubles()
    for index, table, columns, where in INDEXES:
        op.create_index(index, table, columns, unique=True, sqlite_where=sa.text(where),
                        postgresql_where=sa.text(where))


def downgrade() -> None:
    for index, table, _, _ in reversed(INDEXES):
        op.drop_index(index, table_name=table)
    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.drop_column('version')
    op.drop_table('counters')
