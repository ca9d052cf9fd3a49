"""The audit log: hash-chained, append-only in the database, verified by a command (finding 11)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic import command
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError

from core import attachments, audit, audit_verify, auth
from core.audit_verify import verify_chain
from core.db import dispose_engines, get_engine
from core.errors import Conflict
from core.models import AuditChainHead, AuditLogEntry, User
from core.setup import alembic_config
from tests.conftest import demo_password
from tests.support.roster import pdf_bytes

COUNTY = "130602"


def _postgres() -> bool:
    return get_engine().dialect.name == "postgresql"


def _report(uow):
    with uow() as s:
        return verify_chain(s)


def _count(uow, action=None) -> int:
    with uow() as s:
        stmt = select(func.count()).select_from(AuditLogEntry)
        return s.scalar(stmt.where(AuditLogEntry.action == action) if action else stmt)


def test_every_entry_extends_an_intact_chain(uow):
    with uow() as s:
        auth.authenticate(s, COUNTY, demo_password(COUNTY))
        auth.authenticate(s, COUNTY, "Wrong#Pass1")
    report = _report(uow)
    assert report.intact and report.rows == _count(uow) > 2
    with uow() as s:
        rows = list(s.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id)))
        head = s.get(AuditChainHead, audit.HEAD_ID)
    assert rows[0].prev_hash == audit.GENESIS_HASH
    assert all(b.prev_hash == a.row_hash for a, b in zip(rows, rows[1:]))
    assert (head.last_id, head.last_hash) == (rows[-1].id, rows[-1].row_hash)


def _tamper(statement: str) -> None:
    """What someone with the owner's rights could do behind the application's back."""
    with get_engine().begin() as connection:
        if _postgres():
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
            connection.execute(text("DROP TRIGGER audit_log_no_delete"))
        connection.execute(text(statement))


@pytest.mark.parametrize(("statement", "reason"), [
    ("UPDATE audit_log SET actor_login = 'forged' WHERE id = 5", "row_hash does not match"),
    ("DELETE FROM audit_log WHERE id = 5", "prev_hash does not match"),
    ("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)", "chain head names"),
])
def test_the_verify_command_reports_the_first_broken_link(uow, capsys, statement, reason):
    assert audit_verify.main() == 0
    assert "audit log intact" in capsys.readouterr().out
    _tamper(statement)
    report = _report(uow)
    assert not report.intact and reason in report.reason
    assert report.broken_at == (None if "max(id)" in statement else (5 if "UPDATE" in statement else 6))
    assert audit_verify.main() == 1
    assert "audit log BROKEN" in capsys.readouterr().out


def test_replacing_an_entry_is_refused(uow):
    with uow() as s:
        first = s.get(AuditLogEntry, 1)
        original = (first.action, first.row_hash)
    if _postgres():
        statement = ("INSERT INTO audit_log (id, at, action, object_type, prev_hash, row_hash) "
                     "VALUES (1, now(), 'forged', 'x', 'p', 'h') ON CONFLICT (id) DO UPDATE SET action = 'forged'")
    else:
        statement = ("INSERT OR REPLACE INTO audit_log (id, at, action, object_type, prev_hash, row_hash) "
                     "VALUES (1, '2026-01-01 00:00:00.000000', 'forged', 'x', 'p', 'h')")
    with pytest.raises(DBAPIError, match="append-only"):
        with uow() as s:
            s.execute(text(statement))
    # Nor can a row claim an existing predecessor (SQLite: the trigger; PostgreSQL: the unique constraint,
    # which the unit of work reports as a Conflict caused by it).
    with pytest.raises((DBAPIError, Conflict)) as refused:
        with uow() as s:
            s.execute(text("INSERT INTO audit_log (id, at, action, object_type, prev_hash, row_hash) "
                           "SELECT 100000, at, 'forged', 'x', prev_hash, row_hash FROM audit_log WHERE id = 1"))
    assert re.search("append-only|uq_audit_log_prev_hash", f"{refused.value} {refused.value.__cause__}")
    with uow() as s:
        first = s.get(AuditLogEntry, 1)
        assert (first.action, first.row_hash) == original
    assert _report(uow).intact


def test_emptying_the_log_or_removing_its_head_is_refused(uow):
    before = _count(uow)
    empty = "TRUNCATE audit_log" if _postgres() else "DELETE FROM audit_log"
    for statement in (empty, "DELETE FROM audit_chain_head"):
        with pytest.raises(DBAPIError, match="append-only"):
            with uow() as s:
                s.execute(text(statement))
    assert _count(uow) == before and _report(uow).intact


def test_parallel_writers_never_fork_the_chain(uow):
    before = _count(uow)

    def write(n: int) -> None:
        with uow(write=True) as s:  # a writing request, as every screen's step is
            user = s.scalar(select(User).where(User.login == COUNTY))
            user.display_name = user.display_name  # an ordinary change in the same transaction
            for i in range(3):
                audit.record(s, actor=user, action="test.parallel", object_type="test", object_id=f"{n}-{i}")

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(write, range(20)))
    assert _count(uow) == before + 60
    assert _report(uow).intact


def test_a_transaction_sees_its_own_entries_and_a_rollback_leaves_none(uow):
    before = _count(uow)
    with uow() as s:
        audit.record(s, actor=None, actor_login="system", action="test.visible", object_type="test")
        assert s.scalar(select(func.count()).select_from(AuditLogEntry)
                        .where(AuditLogEntry.action == "test.visible")) == 1
        audit.record(s, actor=None, actor_login="system", action="test.visible", object_type="test")
    with pytest.raises(RuntimeError):
        with uow() as s:
            audit.record(s, actor=None, actor_login="system", action="test.rolled_back", object_type="test")
            raise RuntimeError("refused")
    assert _count(uow) == before + 2 and _count(uow, "test.rolled_back") == 0
    assert _report(uow).intact


def test_the_migration_chains_the_rows_written_before_it(uow):
    before = _count(uow)
    dispose_engines()
    cfg = alembic_config()
    command.downgrade(cfg, "0009")
    with get_engine().begin() as connection:
        assert "row_hash" not in {c["name"] for c in inspect(connection).get_columns("audit_log")}
    command.upgrade(cfg, "head")
    report = _report(uow)
    assert report.intact and report.rows == before
    with uow() as s:  # and the chain goes on from the backfilled head
        audit.record(s, actor=None, actor_login="system", action="test.after_migration", object_type="test")
    assert _report(uow).intact


def test_downloads_of_attachments_are_logged(uow):
    with uow() as s:
        user = s.scalar(select(User).where(User.login == COUNTY))
        item = attachments.attach(s, user, "roster_task", 1, attachments.TASK_FILE, "通知.pdf", pdf_bytes())
        attachments.record_download(s, user, item)
    with uow() as s:
        entry = s.scalar(select(AuditLogEntry).where(AuditLogEntry.action == "attachment.download"))
    assert (entry.actor_login, entry.object_type, entry.object_id) == (COUNTY, "roster_task", "1")
    assert entry.after["name"] == "通知.pdf" and entry.after["attachment_id"] == item.id
