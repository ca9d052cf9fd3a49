"""core.paging.keys_for_page: the keys that hold a page of a list ordered by key, read from counts per key."""

from __future__ import annotations

import random

import pytest

from core.paging import keys_for_page


def page_through_keys(counts, offset, limit):
    """The page as a reader of the chosen keys' rows gets it."""
    keys, inner = keys_for_page(counts, offset, limit)
    rows = [(key, i) for key, n in counts if key in keys for i in range(n)]
    return rows[inner:inner + limit]


@pytest.mark.parametrize(("offset", "limit"), [(0, 5), (3, 5), (5, 5), (9, 1), (10, 5), (0, 100)])
def test_a_page_read_through_its_keys_is_the_page_of_the_whole_list(offset, limit):
    counts = [("130602", 3), ("130606", 2), ("130607", 0), ("130608", 5)]
    whole = [(key, i) for key, n in counts for i in range(n)]
    assert page_through_keys(counts, offset, limit) == whole[offset:offset + limit]
    assert keys_for_page(counts, 3, 2) == (["130606"], 0)  # exactly one county's rows


def test_random_lists_agree_with_the_list_spelt_out():
    rnd = random.Random(13)
    for _ in range(300):
        counts = [(f"k{i:03d}", rnd.choice((0, 1, 2, 7, 50))) for i in range(rnd.randint(1, 12))]
        total = sum(n for _, n in counts)
        offset, limit = rnd.randint(0, total + 3), rnd.randint(1, 60)
        keys, inner = keys_for_page(counts, offset, limit)
        rows = [(key, i) for key, n in counts if key in keys for i in range(n)]
        expected = [(key, i) for key, n in counts for i in range(n)][offset:offset + limit]
        assert rows[inner:inner + limit] == expected


def test_the_counts_are_read_only_as_far_as_the_page():
    read = []

    def counts():
        for i in range(1000):
            read.append(i)
            yield f"k{i:04d}", 10
    keys, inner = keys_for_page(counts(), 25, 10)
    assert (keys, inner, len(read)) == (["k0002", "k0003"], 5, 4)
