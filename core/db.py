"""Engines and the unit of work.

One engine per database URL per process. Every service in core/ takes a Session opened by
`unit_of_work()`: it commits when the block ends and rolls everything back when a rule refuses the
request, so a failed step changes nothing.

Concurrency: two requests based on the same state must not both apply.
- Every transition bumps the version of the row it moves (version_id_col, `bump`) or locks it (`lock`:
  SELECT ... FOR UPDATE on PostgreSQL) in the same transaction, before checking it; rows created under
  a parent (a case under a project, a draw under a case) lock or bump the parent.
- SQLite: pysqlite would open a transaction only at the first INSERT/UPDATE, so the checks before it
  read outside any transaction. The driver is told not to manage transactions and every unit begins
  with an explicit BEGIN, so that it reads one snapshot. A unit that writes (`write=True`) begins with
  BEGIN IMMEDIATE: it takes SQLite's single write lock first, waiting for it (busy_timeout). A deferred
  transaction that read an older snapshot and then writes would fail at once (SQLITE_BUSY_SNAPSHOT,
  busy_timeout does not apply). Readers never wait in WAL mode, so pages that only read stay
  concurrent; a writing unit must not do slow work (bcrypt, PDFs) while it holds the lock.
- A conflict the database still detects (a stale version, a unique index, a busy database, a deadlock,
  a serialization failure) leaves the unit of work as core.errors.Conflict, with a Chinese message.
  `run_write` retries such a unit once.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError

from core.config import database_url
from core.errors import Conflict, KeptRefusal, RuleViolation, ValidationError
import core.progress  # noqa: F401,E402  (its session hooks keep letter_progress current)
import core.notify_events  # noqa: F401,E402  (its session hooks write the messages of audited events)

T = TypeVar("T")
_engines: dict[str, Engine] = {}
WRITE_OPTION = "qjsc_write"

STALE = "数据已被他人修改或刚刚处理过，请刷新页面后重试"
DUPLICATE = "该操作已由他人完成或数据已存在，请刷新页面查看最新状态"
BUSY = "系统正忙，其他用户正在处理相同的数据，请稍后重试"

# PostgreSQL SQLSTATEs: serialization_failure, deadlock_detected, lock_not_available.
_PG_TRANSIENT = {"40001", "40P01", "55P03"}
_PG_UNIQUE = "23505"


def _sqlite_connect(dbapi_connection, connection_record) -> None:  # noqa: ARG001
    dbapi_connection.isolation_level = None  # transactions are begun by _sqlite_begin, not by pysqlite
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


UNSTORABLE_MESSAGE = "输入内容含有不可见的控制字符，请删除后重新输入"


def _unstorable(value) -> bool:
    """Whether a bound value holds NUL (PostgreSQL refuses it mid-statement) or a lone surrogate
    (no encoding takes it), looking inside the containers and JSON wrappers that reach the driver."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_unstorable(v) for v in value)
    wrapped = getattr(value, "obj", None)  # psycopg's Json / Jsonb
    return wrapped is not None and _unstorable(wrapped)


def _refuse_unstorable(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ARG001
    """The safety net behind core.text.clean: a value that would crash the driver or the database is
    refused with a message instead, before the statement is sent, on every engine alike."""
    if parameters and _unstorable(parameters):
        raise ValidationError(UNSTORABLE_MESSAGE)


def _sqlite_begin(connection) -> None:
    immediate = connection.get_execution_options().get(WRITE_OPTION)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _pool_sizes() -> dict[str, int]:
    """Connections kept and allowed per process. SQLAlchemy's default (5 + 10) ran out with 30 people
    opening a page at once (each rerun runs in its own thread and holds a connection per unit of work);
    QJSC_DB_POOL_SIZE sets the kept connections, twice as many more may open under load."""
    size = int(os.environ.get("QJSC_DB_POOL_SIZE", "20"))
    return {"pool_size": size, "max_overflow": 2 * size, "pool_timeout": 30}


def get_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    engine = _engines.get(url)
    if engine is None:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False}, **_pool_sizes())
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
        else:
            engine = create_engine(url, pool_pre_ping=True, **_pool_sizes())
        event.listen(engine, "before_cursor_execute", _refuse_unstorable)
        _engines[url] = engine
    return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests replace the database file underneath)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
    # A connection only a reference cycle still holds (a thread's exception and its traceback) is
    # closed by the collector whenever it runs: if that is after the SQLite file was replaced, closing
    # it deletes the new file's -wal and -shm and every connection then fails with "disk I/O error".
    gc.collect()


def conflict_of(exc: BaseException) -> Conflict | None:
    """The Conflict a database error stands for, or None when it is not a concurrency conflict."""
    if isinstance(exc, StaleDataError | ObjectDeletedError):
        return Conflict(STALE)
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    state = getattr(orig, "sqlstate", None)
    if state is not None:  # PostgreSQL
        if state == _PG_UNIQUE:
            return Conflict(DUPLICATE)
        return Conflict(BUSY) if state in _PG_TRANSIENT else None
    text = str(orig).lower()
    if isinstance(exc, IntegrityError) and "unique constraint failed" in text:
        return Conflict(DUPLICATE)
    name = getattr(orig, "sqlite_errorname", "") or ""
    if isinstance(exc, OperationalError) and (name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
                                              or "database is locked" in text or "database table is locked" in text):
        return Conflict(BUSY)
    return None


@contextmanager
def unit_of_work(engine: Engine | None = None, *, write: bool = False) -> Iterator[Session]:
    """A transaction: committed when the block ends, rolled back when anything is raised.

    `write=True` for a unit that changes data: on SQLite it starts with the write lock held (see the
    module's docstring); on PostgreSQL it changes nothing. Database conflicts leave it as Conflict.
    """
    factory = sessionmaker(bind=engine or get_engine(), expire_on_commit=False)
    with factory() as session:
        try:
            if write:
                session.connection(execution_options={WRITE_OPTION: True})
            yield session
            session.commit()
        except KeptRefusal:
            session.commit()  # the refusal's own record (a failed password's count) stays
            raise
        except BaseException as exc:
            session.rollback()
            conflict = conflict_of(exc)
            if conflict is not None:
                raise conflict from exc
            raise


def run_write(action: Callable[[Session], T], engine: Engine | None = None, *, lock_first: bool = True,
              attempts: int = 2) -> T:
    """`action(session)` in a writing unit of work; a Conflict is tried again in a fresh transaction.

    A retry cannot apply anything twice: the action re-reads the state it decides on, and the versions
    the user saw are among its arguments, so after someone else's change its own checks refuse it.
    `lock_first=False` for an action that does slow work before it writes (bcrypt in a login or a
    password reset): it must not hold SQLite's write lock meanwhile, and a write that finds its
    snapshot outdated is retried instead, then taking the lock first: a second deferred try could meet
    the next writer again (two sign-ins at once failed both tries), a locking one waits its turn.
    """
    for attempt in range(1, attempts + 1):
        try:
            with unit_of_work(engine, write=lock_first or attempt > 1) as session:
                return action(session)
        except Conflict:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


def flush_or_stale(session: Session, message: str) -> None:
    """Flush; if a versioned row was changed by someone else meanwhile, or a unique index refuses a
    row another request has just written, refuse with `message`.

    The rows carry SQLAlchemy's version_id_col, so a write based on an old version matches no row.
    """
    try:
        session.flush()
    except (StaleDataError, IntegrityError) as exc:
        conflict = conflict_of(exc)
        if conflict is None:
            raise
        raise RuleViolation(message) from exc


def lock(session: Session, obj, gone: str = STALE) -> None:
    """Hold `obj`'s row until the transaction ends and reload it as last committed.

    PostgreSQL: SELECT ... FOR UPDATE, so a concurrent request on the same row waits here and then
    sees what this one committed. SQLite has no row locks: a writing unit holds the whole database
    (BEGIN IMMEDIATE), and this only reloads. Call it before changing `obj`: unflushed changes are lost.
    """
    state = inspect(obj)
    columns = state.mapper.primary_key
    stmt = select(*columns).where(*(c == v for c, v in zip(columns, state.identity, strict=True)))
    if session.execute(stmt.with_for_update()).first() is None:
        raise RuleViolation(gone)
    session.refresh(obj)


def bump(session: Session, obj, message: str = STALE) -> None:
    """Move `obj`'s version on although none of its columns changes (rows created under it, a file).

    A request that read the old version and writes the same row afterwards is then refused.
    """
    mapper = inspect(obj).mapper
    key = next(p.key for p in mapper.column_attrs
               if p.columns[0] is not mapper.version_id_col and not p.columns[0].primary_key)
    getattr(obj, key)  # loaded, so that it can be flagged
    flag_modified(obj, key)
    flush_or_stale(session, message)
