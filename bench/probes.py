"""What the page benchmark measures besides the clock: the database work and the memory of a run."""

from __future__ import annotations

import os
import threading
import time

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


class SqlCounter:
    """Queries, rows fetched and the time spent in the database driver (executing and fetching).

    Statements are counted with the engine events before/after_cursor_execute. Fetching is timed too,
    by wrapping SQLAlchemy's cursor fetch strategies: SQLite computes most rows while they are fetched,
    after the execute call has returned, so the events alone would miss most of a large query's time.
    """

    def __init__(self):
        self.count, self.rows, self.seconds = 0, 0, 0.0
        # Each statement's SQL and seconds, its fetching included (a page runs its queries one after
        # another, so a fetch belongs to the statement executed last).
        self.statements: list[list] = []
        self._inside = 0
        self._originals: list[tuple] = []

    def __enter__(self) -> SqlCounter:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine, cursor

        event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)
        for strategy in (cursor.CursorFetchStrategy, cursor.BufferedRowCursorFetchStrategy,
                         cursor.FullyBufferedCursorFetchStrategy):
            for name in ("fetchone", "fetchmany", "fetchall"):
                if name in vars(strategy):
                    original = vars(strategy)[name]
                    self._originals.append((strategy, name, original))
                    setattr(strategy, name, self._timed_fetch(original, name == "fetchone"))
        return self

    def __exit__(self, *exc) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.remove(Engine, "before_cursor_execute", self._before)
        event.remove(Engine, "after_cursor_execute", self._after)
        for strategy, name, original in self._originals:
            setattr(strategy, name, original)
        self._originals.clear()

    def _before(self, conn, cursor, statement, parameters, context, executemany):  # noqa: ARG002
        conn.info.setdefault("qjsc_bench_start", []).append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):  # noqa: ARG002
        elapsed = time.perf_counter() - conn.info["qjsc_bench_start"].pop()
        self.seconds += elapsed
        self.count += 1
        self.statements.append([statement, elapsed])

    def _timed_fetch(self, fetch, one: bool):
        counter = self

        def timed(strategy, *args, **kwargs):
            if counter._inside:  # a fetch calling another (a buffered fetchmany calls fetchall)
                return fetch(strategy, *args, **kwargs)
            counter._inside += 1
            start = time.perf_counter()
            try:
                rows = fetch(strategy, *args, **kwargs)
            finally:
                counter._inside -= 1
                elapsed = time.perf_counter() - start
                counter.seconds += elapsed
                if counter.statements:
                    counter.statements[-1][1] += elapsed
            counter.rows += (rows is not None) if one else len(rows or ())
            return rows
        return timed

    def reset(self) -> None:
        self.count, self.rows, self.seconds = 0, 0, 0.0
        self.statements = []

    def slowest(self, n: int) -> list[tuple[float, str]]:
        """The n slowest statements since the last reset: (ms, SQL on one line)."""
        ranked = sorted(self.statements, key=lambda x: -x[1])[:n]
        return [(seconds * 1000, " ".join(sql.split())) for sql, seconds in ranked]


class RssPeak:
    """The largest resident set size seen while a run goes on, sampled every 2 ms by a thread."""

    def __init__(self):
        self._stop = threading.Event()
        self.start = self.peak = _rss()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, _rss())

    def __enter__(self) -> RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.start) / 1_048_576


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE_SIZE
