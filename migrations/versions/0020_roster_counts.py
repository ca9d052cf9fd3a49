"""roster_counts (issue 13): each roster task's entries counted per county, kept with the entries, and on
roster_entries which levels corrected (修正) an entry's facts; both filled here (the flags from the audit
log's roster.correct records by the level of their author).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 16:40:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

LEVELS = ("county", "city", "province")
WEIGHED = {"county": ("county",), "city": ("county", "city"), "province": ("county", "city", "province")}


def upgrade() -> None:
    with op.batch_alter_table('roster_entries', schema=None) as batch_op:
        for level in LEVELS:
            batch_op.add_column(sa.Column(f'corrected_by_{level}', sa.Boolean(), server_default=sa.false(),
                                          nullable=False))
    for level in LEVELS:
        op.execute(f"UPDATE roster_entries SET corrected_by_{level} = EXISTS (SELECT 1 FROM audit_log a "
                   "JOIN users u ON u.id = a.actor_user_id JOIN divisions d ON d.code = u.division_code "
                   "WHERE a.object_type = 'roster_entry' AND a.action = 'roster.correct' "
                   f"AND a.object_id = CAST(roster_entries.id AS VARCHAR(32)) AND d.level = '{level}')")
    op.create_table(
        'roster_counts',
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('city_code', sa.String(length=6), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False)
          for name in ("total", "kept", "added", *(f"changed_{level}" for level in LEVELS))),
        sa.PrimaryKeyConstraint('task_id', 'county_code'),
    )
    op.create_index('ix_roster_counts_city_code', 'roster_counts', ['city_code'])
    changed = ", ".join(
        "SUM(CASE WHEN NOT included OR added_by_division IS NOT NULL OR "
        + " OR ".join(f"corrected_by_{below}" for below in WEIGHED[level])
        + " THEN 1 ELSE 0 END)" for level in LEVELS)
    op.execute("INSERT INTO roster_counts (task_id, county_code, city_code, total, kept, added, changed_county, "
               "changed_city, changed_province) SELECT task_id, county_code, MIN(city_code), COUNT(*), "
               "SUM(CASE WHEN included THEN 1 ELSE 0 END), "
               "SUM(CASE WHEN added_by_division IS NOT NULL THEN 1 ELSE 0 END), "
               f"{changed} FROM roster_entries GROUP BY task_id, county_code")


def downgrade() -> None:
    op.drop_index('ix_roster_counts_city_code', table_name='roster_counts')
    op.drop_table('roster_counts')
    with op.batch_alter_table('roster_entries', schema=None) as batch_op:
        for level in LEVELS:
            batch_op.drop_column(f'corrected_by_{level}')
