"""Racing the same request: N threads released together by a barrier, each in its own unit of work.

The outcome of each thread is kept as ("ok", value), ("refused", RuleViolation) or ("error", exception):
a race is won by exactly one thread, and every other one must be refused with a Chinese message, never
fail with a database error (those reach the user as a traceback).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.config import database_url
from core.db import unit_of_work
from core.errors import RuleViolation
from core.models import AuditLogEntry, User

THREADS = 20
# How the racing units begin. "write": as the screens' act() does (BEGIN IMMEDIATE on SQLite). "deferred":
# a unit that reads before it writes, as any unit not marked as writing; on SQLite it meets a newer
# snapshot when it writes. On PostgreSQL both begin alike, so one mode is enough there.
MODES = ("write", "deferred") if database_url().startswith("sqlite") else ("write",)


@dataclass(frozen=True)
class Outcome:
    kind: str  # "ok", "refused", "error"
    value: object

    def __repr__(self) -> str:
        return f"{self.kind}: {self.value!r}"


def race_calls(call: Callable[[int], object], *, threads: int = THREADS) -> list[Outcome]:
    """Run call(i) in `threads` threads released together; `call` opens its own units of work."""
    barrier = threading.Barrier(threads)
    outcomes: list[Outcome | None] = [None] * threads

    def run(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = Outcome("ok", call(i))
        except RuleViolation as exc:
            outcomes[i] = Outcome("refused", exc.message)
        except BaseException as exc:  # noqa: BLE001 - whatever it is, the test shows it
            outcomes[i] = Outcome("error", f"{type(exc).__name__}: {exc}")

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return [o for o in outcomes if o is not None]


def race(action: Callable[[Session, int], object], *, mode: str = "write", threads: int = THREADS) -> list[Outcome]:
    """Run action(session, i) in `threads` threads at once, each in its own unit of work."""
    def call(i: int) -> object:
        with unit_of_work(write=mode == "write") as session:
            return action(session, i)

    return race_calls(call, threads=threads)


def one_applied(outcomes: list[Outcome], threads: int = THREADS) -> object:
    """Exactly one thread applied the request and every other one was refused; returns the winner's value."""
    assert len(outcomes) == threads, outcomes
    errors = [o for o in outcomes if o.kind == "error"]
    assert not errors, errors
    won = [o for o in outcomes if o.kind == "ok"]
    assert len(won) == 1, outcomes
    return won[0].value


def all_applied(outcomes: list[Outcome], threads: int = THREADS) -> list[object]:
    assert len(outcomes) == threads and all(o.kind == "ok" for o in outcomes), outcomes
    return [o.value for o in outcomes]


def actor(session: Session, user_id: int) -> User:
    return session.get(User, user_id)


def audit_count(session: Session, action: str, object_id: object | None = None) -> int:
    stmt = select(func.count()).select_from(AuditLogEntry).where(AuditLogEntry.action == action)
    if object_id is not None:
        stmt = stmt.where(AuditLogEntry.object_id == str(object_id))
    return session.scalar(stmt)
