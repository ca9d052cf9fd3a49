"""core.counters: numbers that cannot collide, seeded from the numbers made before the counters."""

from __future__ import annotations

import pytest

from core import counters, notice
from core.notice_models import NoticeLetter
from tests.security.races import THREADS, all_applied, race
from tests.support.roster import PROVINCE, approved_task, user
from tests.unit.test_notice import form


def test_a_sequence_counts_from_one_and_sequences_are_apart(uow):
    with uow() as s:
        assert [counters.next_value(s, "test:a") for _ in range(3)] == [1, 2, 3]
        assert counters.next_value(s, "test:b") == 1
        assert list(counters.next_values(s, "test:a", 5)) == [4, 5, 6, 7, 8]
        assert counters.next_value(s, "test:a") == 9
        with pytest.raises(ValueError):
            counters.next_values(s, "test:a", 0)


def test_a_new_sequence_starts_after_the_numbers_already_used(uow):
    with uow() as s:
        part = notice.create_notice(s, user(s, PROVINCE), approved_task(s), form())
        year = part.notice.publish_date.year
        prefix = f"{year}130681"  # 涿州市 has two letters: …00001, …00002
        assert counters.highest_suffix(s, NoticeLetter.letter_number, prefix) == 2
        assert counters.numbered(s, "test", NoticeLetter.letter_number, prefix) == f"{prefix}00003"
        assert counters.numbered(s, "test", NoticeLetter.letter_number, prefix) == f"{prefix}00004"
        assert counters.numbered(s, "test", NoticeLetter.letter_number, "1999130681") == "199913068100001"


def test_a_rolled_back_number_is_given_again(uow):
    class Refused(Exception):
        pass

    with pytest.raises(Refused), uow() as s:
        assert counters.next_value(s, "test:c") == 1
        raise Refused
    with uow() as s:
        assert counters.next_value(s, "test:c") == 1


def test_twenty_requests_at_once_take_twenty_numbers(db):
    numbers = all_applied(race(lambda s, i: counters.next_value(s, "test:race")))
    assert sorted(numbers) == list(range(1, THREADS + 1))
