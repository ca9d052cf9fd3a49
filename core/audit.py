"""The append-only, hash-chained audit log: every change records who, when, what, before -> after.

Entries are chained in id order: each row stores the hash of the row before it (`prev_hash`) and
its own hash (`row_hash`, sha256 of the canonical JSON of its content, prev_hash included), so
that rewriting, removing or inserting a row breaks every later link (`python -m core.audit_verify`).

Concurrent writers must not fork the chain, so appending takes the lock of the one-row chain head.
To hold that lock briefly, `record()` only collects the entry; the entries of a transaction are
numbered, hashed and inserted when it commits, after its other changes were flushed (or earlier,
when the same transaction reads the log, so that it sees its own entries).
"""

from __future__ import annotations

import hashlib
import json
from datetime import timezone
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.util import find_tables

from core.models import AuditChainHead, AuditLogEntry, User, utcnow

# The statement a user agrees to before a binding step (seed 000, 下发任务 screen).
STATEMENT = "电子形式内容完全等同于纸质效力，请确认本次任务内容完整、准确，并对此承担责任。"

GENESIS_HASH = "0" * 64
HEAD_ID = 1
_PENDING = "audit_pending"

# The content a row's hash covers. Frozen: changing it would break the verification of old rows.
HASHED_FIELDS = ("id", "at", "actor_user_id", "actor_login", "action", "object_type", "object_id",
                 "before", "after", "statement", "prev_hash")


def record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    statement: str | None = None,
    actor_login: str | None = None,
) -> AuditLogEntry:
    """Log a change; the entry is written with the transaction's commit (never if it rolls back)."""
    entry = AuditLogEntry(
        at=utcnow(),
        actor_user_id=actor.id if actor else None,
        actor_login=actor.login if actor else actor_login,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        # As the JSON column will give them back, so that the hash is computed on what is stored.
        before=_as_stored(before),
        after=_as_stored(after),
        statement=statement,
    )
    session.info.setdefault(_PENDING, []).append(entry)
    return entry


def _as_stored(value: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else json.loads(json.dumps(value, ensure_ascii=False))


def canonical(values: dict[str, Any]) -> bytes:
    """The bytes a row's hash is computed over (values as read back from the database)."""
    content = dict(values)
    at = content["at"]
    content["at"] = at.astimezone(timezone.utc).isoformat(timespec="microseconds") if at else None
    content = {name: content[name] for name in HASHED_FIELDS}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def row_hash(values: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(values)).hexdigest()


def _values(entry: AuditLogEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in HASHED_FIELDS}


def append_pending(session: Session) -> int:
    """Number, hash and insert the entries this session collected; returns how many."""
    entries: list[AuditLogEntry] = session.info.pop(_PENDING, [])
    if not entries:
        return 0
    head = _lock_head(session)
    last_id, last_hash = head.last_id, head.last_hash
    for entry in entries:
        last_id += 1
        entry.id, entry.prev_hash = last_id, last_hash
        entry.row_hash = last_hash = row_hash(_values(entry))
    session.add_all(entries)
    head.last_id, head.last_hash = last_id, last_hash
    session.flush()
    return len(entries)


def _lock_head(session: Session) -> AuditChainHead:
    # A no-op UPDATE takes the row lock on PostgreSQL and the write lock on SQLite; only then is the
    # head read, so two transactions can never both extend the same last entry.
    session.execute(update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                    .values(last_id=AuditChainHead.last_id),
                    execution_options={"synchronize_session": False})
    head = session.scalar(select(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                          .execution_options(populate_existing=True))
    if head is None:
        raise RuntimeError("audit_chain_head is missing: the audit log cannot be extended")
    return head


@event.listens_for(Session, "before_commit")
def _append_at_commit(session: Session) -> None:
    if session.info.get(_PENDING):
        session.flush()  # the transaction's own changes first, before the chain head is locked
        append_pending(session)


@event.listens_for(Session, "do_orm_execute")
def _append_before_reading_the_log(state: ORMExecuteState) -> None:
    session = state.session
    if state.is_select and session.info.get(_PENDING) and AuditLogEntry.__table__ in find_tables(
            state.statement, include_joins=True, include_aliases=True):
        append_pending(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_on_rollback(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
