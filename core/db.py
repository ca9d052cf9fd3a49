"""Engines and the unit of work.

One engine per database URL per process. Every service in core/ takes a Session opened by
`unit_of_work()`: it commits when the block ends and rolls everything back when a rule refuses the
request, so a failed step changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from core.config import database_url
from core.errors import RuleViolation, ValidationError
import core.progress  # noqa: F401,E402  (its session hooks keep letter_progress current)

_engines: dict[str, Engine] = {}


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ARG001
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


def get_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    engine = _engines.get(url)
    if engine is None:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        event.listen(engine, "before_cursor_execute", _refuse_unstorable)
        _engines[url] = engine
    return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests replace the database file underneath)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


@contextmanager
def unit_of_work(engine: Engine | None = None) -> Iterator[Session]:
    factory = sessionmaker(bind=engine or get_engine(), expire_on_commit=False)
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def flush_or_stale(session: Session, message: str) -> None:
    """Flush; if a versioned row was changed by someone else meanwhile, refuse with `message`.

    The rows carry SQLAlchemy's version_id_col, so a write based on an old version matches no row.
    """
    try:
        session.flush()
    except StaleDataError as exc:
        raise RuleViolation(message) from exc
