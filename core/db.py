"""Engines and the unit of work.

One engine per database URL per process. Every service in core/ takes a Session opened by
`unit_of_work()`: it commits when the block ends and rolls everything back when a rule refuses the
request, so a failed step changes nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from core.config import database_url
from core.errors import RuleViolation

_engines: dict[str, Engine] = {}


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ARG001
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def get_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    engine = _engines.get(url)
    if engine is None:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
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
