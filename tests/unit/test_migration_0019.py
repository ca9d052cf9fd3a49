"""Migrations 0018 (due_totals) and 0019 (the 对标 sheets in letter_progress and progress_totals) fill what
they add from the rows already there: a database with a campaign under way and graded audits, taken back
to 0017 and upgraded again, holds totals that progress.verify finds right."""

from __future__ import annotations

from sqlalchemy import func, select

from core import progress
from core.db import get_engine, unit_of_work
from core.progress import LetterProgress
from core.progress_totals import DueTotal
from core.setup import prepare
from tests.security.test_migration_0009 import _alembic, scratch_url  # noqa: F401  (the fixture)
from tests.support.grading import graded


def test_0018_and_0019_fill_their_tables_from_the_existing_rows(scratch_url):  # noqa: F811
    prepare(demo=True, url=scratch_url)
    engine = get_engine(scratch_url)
    with unit_of_work(engine) as s:
        graded(s)
    _alembic(scratch_url, "downgrade", "0017")
    _alembic(scratch_url, "upgrade", "head")
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count()).select_from(DueTotal)) > 0
        flags = s.execute(select(*(func.sum(func.cast(getattr(LetterProgress, k), progress.Integer))
                                   for k in progress.GRADED))).one()
        assert tuple(flags) == (1, 0, 1, 1)  # tests/support/grading: before below target, after met
        assert progress.verify(s) == []
