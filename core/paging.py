"""A page of a long list ordered by a key first (a county, say), read through the counts per key that a
counter table keeps: only the rows of the keys that hold the page are sorted, not the whole list.

At 50x a province's list sorted 255k letters to show 50; with the counts per county (progress_totals)
the database sorts the one or two counties the page falls in.

Also the chunks a long list of ids is read in (one IN list per statement).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
IN_LIST = 1000  # values per IN list, well inside SQLite's and PostgreSQL's parameter limits


def in_chunks(values: Sequence[T], size: int = IN_LIST) -> Iterator[Sequence[T]]:
    """`values` in consecutive slices of at most `size`, for statements with one IN list each."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def keys_for_page(counts: Iterable[tuple[Any, int]], offset: int, limit: int) -> tuple[list, int]:
    """The keys, in list order, whose rows hold rows offset .. offset + limit - 1 of the list, and the
    offset of the page within those keys' rows. `counts`: (key, rows) in list order; it is read only as
    far as the page."""
    keys, before, end = [], 0, None
    for key, rows in counts:
        if end is None:
            if before + rows <= offset:
                before += rows  # wholly before the page
                continue
            end = before
        keys.append(key)
        end += rows
        if end >= offset + limit:
            break
    return keys, offset - before
