"""Migrations 0018 (due_totals), 0019 (the 对标 sheets in letter_progress and progress_totals), 0020 (the
roster's counts per county and who corrected an entry) and 0021 (the permit's state in the progress
tables) fill what they add from the rows already there: a database with a campaign under way, a graded
audit with its permit confirmed and a corrected roster entry, taken back to 0017 and upgraded again, holds
tables that progress.verify and roster_counts.verify find right."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core import audit, case_counts, enterprise_counts, progress, roster_counts, roster_list
from core.enterprise_counts import EnterpriseCount
from core.disclosure_models import PermitClass, PermitRecord
from core.models import Enterprise, User, utcnow
from core.roster_counts import RosterCount
from core.workflow_models import RosterEntry
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
        project, enterprise = graded(s)
        s.add(PermitRecord(project_id=project.id, permit_number="91130600MA0000000X001P",
                           management_class=PermitClass.KEY, requirement_written=True, written_on=date(2026, 1, 5),
                           created_by_user_id=enterprise.id, recorded_by_user_id=enterprise.id,
                           confirmed_by_user_id=enterprise.id, confirmed_at=utcnow()))
        entry = s.scalars(select(RosterEntry)).first()
        county = s.scalar(select(User).where(User.login == entry.county_code))
        # A correction as core.roster_list.correct records it (the demo's lists are closed for changes now).
        audit.record(s, actor=county, action="roster.correct", object_type=roster_list.OWNER_ENTRY,
                     object_id=entry.id, before={"address": ""}, after={"address": "保定市清苑区测试路 1 号"})
    _alembic(scratch_url, "downgrade", "0017")
    _alembic(scratch_url, "upgrade", "head")
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count()).select_from(DueTotal)) > 0
        flags = s.execute(select(*(func.sum(func.cast(getattr(LetterProgress, k), progress.Integer))
                                   for k in progress.GRADED))).one()
        assert tuple(flags) == (1, 0, 1, 1)  # tests/support/grading: before below target, after met
        assert s.scalar(select(func.count()).where(LetterProgress.permit_confirmed.is_(True))) == 1
        assert s.scalar(select(func.count()).where(RosterEntry.corrected_by_county.is_(True))) == 1
        assert s.scalar(select(func.sum(RosterCount.changed_county))) >= 1
        assert progress.verify(s) == [] and roster_counts.verify(s) == []
        assert case_counts.verify(s) == [] and enterprise_counts.verify(s) == []
        assert s.scalar(select(func.sum(EnterpriseCount.enterprises))) == s.scalar(
            select(func.count()).select_from(Enterprise))
