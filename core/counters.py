"""Numbers that cannot collide: one row per sequence in `counters`, incremented by the database.

`max(number) + 1` read by two requests at once gives both the same number (15 of 17 parallel
acceptances failed on PostgreSQL that way). Here the increment is one UPDATE ... RETURNING, or, for a
sequence's first number, INSERT ... ON CONFLICT DO UPDATE SET value = value + n RETURNING value (SQLite
3.35+ and PostgreSQL): the row is locked from the increment to the end of the transaction, so a
concurrent request waits and gets the next number; a rolled-back transaction gives its number back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import ColumnElement, Connection, Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.models import Counter


def next_values(session: Session, name: str, count: int = 1, used: Callable[[], int] = lambda: 0) -> range:
    """Reserve the next `count` numbers of sequence `name`.

    `used()` is the highest number already taken when the sequence has no row yet (numbers made
    before the counters existed); it is read only then.
    """
    if count < 1:
        raise ValueError("count must be positive")
    table = Counter.__table__
    last = session.scalar(update(table).where(table.c.name == name).values(value=table.c.value + count)
                          .returning(table.c.value))
    if last is None:
        stmt = _insert(session.get_bind().dialect.name)(table).values(name=name, value=used() + count)
        stmt = stmt.on_conflict_do_update(index_elements=[table.c.name], set_={"value": table.c.value + count})
        last = session.scalar(stmt.returning(table.c.value))
    return range(last - count + 1, last + 1)


def _insert(dialect_name: str):
    """The dialect's INSERT, which has ON CONFLICT DO UPDATE (SQLite 3.24+, PostgreSQL)."""
    return postgresql.insert if dialect_name == "postgresql" else sqlite.insert


def add_to(connection: Connection, table: Table, key: Mapping, amounts: Mapping, rest: Mapping | None = None) -> None:
    """Add `amounts` to the columns of the row of `table` whose primary key is `key`, or insert that row
    with them (and `rest`, its other columns) if there is none: one INSERT ... ON CONFLICT DO UPDATE SET
    col = col + excluded.col. The row stays locked to the end of the transaction, so two transactions
    adding to it both land (the counter tables kept with the events: core.progress_totals, …)."""
    stmt = _insert(connection.dialect.name)(table).values(**key, **(rest or {}), **amounts)
    connection.execute(stmt.on_conflict_do_update(
        index_elements=list(key), set_={column: table.c[column] + stmt.excluded[column] for column in amounts}))


def next_value(session: Session, name: str, used: Callable[[], int] = lambda: 0) -> int:
    """The next number of sequence `name` (see next_values)."""
    return next_values(session, name, 1, used)[0]


def highest_suffix(session: Session, column: ColumnElement[str], prefix: str) -> int:
    """The largest number after `prefix` among the values of `column` that start with it (0 if none)."""
    last = session.scalar(select(func.max(column)).where(column.startswith(prefix, autoescape=True)))
    return int(last[len(prefix):]) if last else 0


def numbered(session: Session, kind: str, column: ColumnElement[str], prefix: str, width: int = 5) -> str:
    """`prefix` + the next number of the sequence `kind:prefix`, zero-padded to `width` digits."""
    number = next_value(session, f"{kind}:{prefix}", lambda: highest_suffix(session, column, prefix))
    return f"{prefix}{number:0{width}d}"
