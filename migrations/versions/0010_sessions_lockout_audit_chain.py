"""Sessions with idle timeout and cookie tickets, lockout per (account, client), hash-chained audit log,
the instance's mode (demo or production).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 10:02:11.000000
"""
from alembic import op
import sqlalchemy as sa

from core.audit import GENESIS_HASH, HEAD_ID, row_hash
from core.models import UTCDateTime, utcnow


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_AUDIT = sa.table(
    'audit_log',
    sa.column('id', sa.Integer()), sa.column('at', UTCDateTime()), sa.column('actor_user_id', sa.Integer()),
    sa.column('actor_login', sa.String()), sa.column('action', sa.String()), sa.column('object_type', sa.String()),
    sa.column('object_id', sa.String()), sa.column('before', sa.JSON()), sa.column('after', sa.JSON()),
    sa.column('statement', sa.Text()), sa.column('prev_hash', sa.String()), sa.column('row_hash', sa.String()),
)


def upgrade() -> None:
    _upgrade_sessions()
    _replace_login_throttle()
    op.create_table('instance_settings',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    # Until now the only way to create accounts was the demo: a database with accounts holds demo data.
    if op.get_bind().execute(sa.text("SELECT 1 FROM users LIMIT 1")).first():
        settings = sa.table('instance_settings', sa.column('key', sa.String()), sa.column('value', sa.String()),
                            sa.column('updated_at', UTCDateTime()))
        op.bulk_insert(settings, [{'key': 'mode', 'value': 'demo', 'updated_at': utcnow()}])
    _chain_audit_log()


def _upgrade_sessions() -> None:
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('client', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('cookie_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('ticket_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('ticket_expires_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE user_sessions SET last_seen_at = created_at")
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.alter_column('last_seen_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_user_sessions_cookie_hash'), ['cookie_hash'])
        batch_op.create_unique_constraint(batch_op.f('uq_user_sessions_ticket_hash'), ['ticket_hash'])


def _replace_login_throttle() -> None:
    # Counters only (the oldest is 15 minutes old when it matters): the new shape starts empty.
    op.drop_table('login_throttle')
    op.create_table('login_throttle',
    sa.Column('scope', sa.String(length=8), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('scope', 'login', 'client')
    )


def _chain_audit_log() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == 'postgresql'
    _drop_append_only_triggers(postgres)
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('row_hash', sa.String(length=64), nullable=True))
    last_id, last_hash = 0, GENESIS_HASH
    rows = bind.execute(sa.select(_AUDIT).order_by(_AUDIT.c.id)).mappings().all()
    for row in rows:
        values = dict(row) | {'prev_hash': last_hash}
        last_id, last_hash = row['id'], row_hash(values)
        bind.execute(_AUDIT.update().where(_AUDIT.c.id == row['id']).values(prev_hash=values['prev_hash'],
                                                                           row_hash=last_hash))
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('row_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_log_prev_hash'), ['prev_hash'])
    if postgres:
        # Ids come from the chain head only; an insert that bypasses it fails instead of forking.
        op.execute("ALTER TABLE audit_log ALTER COLUMN id DROP DEFAULT")
    head = op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_id', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(head, [{'id': HEAD_ID, 'last_id': last_id, 'last_hash': last_hash}])
    _create_append_only_triggers(postgres)


def _drop_append_only_triggers(postgres: bool) -> None:
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")


def _create_append_only_triggers(postgres: bool) -> None:
    # The audit log is evidence: the database refuses to change, remove, empty or replace an entry,
    # and to remove the chain head.
    if postgres:
        op.execute("""
            CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()
        """)
        for table in ('audit_log', 'audit_chain_head'):
            op.execute(f"""
                CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()
            """)
        op.execute("""
            CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head
            FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()
        """)
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"""
            CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
        """)
    # INSERT OR REPLACE deletes the row it conflicts with without firing DELETE triggers (unless
    # recursive_triggers is on): refuse any insert that would collide with an existing entry.
    op.execute("""
        CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
        WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id OR prev_hash = NEW.prev_hash)
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
    """)
    op.execute("""
        CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
    """)


def _drop_chain_triggers(postgres: bool) -> None:
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_chain_head_no_truncate ON audit_chain_head")
        op.execute("DROP TRIGGER IF EXISTS audit_chain_head_no_delete ON audit_chain_head")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_replace")
        op.execute("DROP TRIGGER IF EXISTS audit_chain_head_no_delete")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    _drop_chain_triggers(postgres)
    _drop_append_only_triggers(postgres)
    op.drop_table('audit_chain_head')
    if postgres:
        op.execute("ALTER TABLE audit_log ALTER COLUMN id SET DEFAULT nextval('audit_log_id_seq')")
        op.execute("SELECT setval('audit_log_id_seq', COALESCE((SELECT max(id) FROM audit_log), 0) + 1, false)")
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_log_prev_hash'), type_='unique')
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')
    _recreate_0001_triggers(postgres)
    op.drop_table('instance_settings')
    op.drop_table('login_throttle')
    op.create_table('login_throttle',
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('login')
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_user_sessions_ticket_hash'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_user_sessions_cookie_hash'), type_='unique')
        batch_op.drop_column('ticket_expires_at')
        batch_op.drop_column('ticket_hash')
        batch_op.drop_column('cookie_hash')
        batch_op.drop_column('client')
        batch_op.drop_column('last_seen_at')


def _recreate_0001_triggers(postgres: bool) -> None:
    if postgres:
        op.execute("""
            CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()
        """)
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"""
            CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
        """)
