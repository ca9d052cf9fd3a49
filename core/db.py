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
from core.errors import RuleViolation

_engines: dict[str, Engine] = {}
_side_engines: dict[str, Engine] = {}


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ARG001
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def get_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    engine = _engines.get(url)
    if engine is None:
        engine = _engines[url] = _create_engine(url)
    return engine


def side_engine(engine: Engine) -> Engine:
    """The same database through a pool of its own, for a short transaction opened while the
    caller's session holds a connection (core.throttle counts failed logins that way).

    From one pool, many threads each holding a connection and each waiting for a second one would
    wait for each other until the pool's timeout; the side pool's connections are never held while
    waiting for another, so the wait always ends.
    """
    url = engine.url.render_as_string(hide_password=False)
    side = _side_engines.get(url)
    if side is None:
        side = _side_engines[url] = _create_engine(url)
    return side


def dispose_engines() -> None:
    """Close every pooled connection (tests replace the database file underneath)."""
    for engine in (*_engines.values(), *_side_engines.values()):
        engine.dispose()
    _engines.clear()
    _side_engines.clear()


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
