"""enterprise_counts: the directory's enterprises per division, kept with every enterprise added (by the
province, by a roster import), read by the home page and the directory, found out when tampered with."""

from __future__ import annotations

from sqlalchemy import func, select, update

from core import enterprise_counts, enterprises
from core.enterprise_counts import EnterpriseCount
from core.enterprises import DirectoryFilter
from core.models import Enterprise, ManagingTier
from tests.support.roster import CITY, PROVINCE, QINGYUAN, ZHUOZHOU, new_task, user


def test_added_enterprises_move_their_divisions_counts(uow):
    with uow() as s:
        before = {login: enterprises.enterprise_total(s, user(s, login)) for login in (PROVINCE, CITY, QINGYUAN)}
        enterprises.create_enterprise(s, user(s, PROVINCE), name="清苑区计数测试有限公司", county_code=QINGYUAN,
                                      industry_code="3360", managing_tier=ManagingTier.CITY)
        new_task(s)  # the small list's import adds the enterprises the directory lacks
        after = {login: enterprises.enterprise_total(s, user(s, login)) for login in (PROVINCE, CITY, QINGYUAN)}
        assert after[QINGYUAN] >= before[QINGYUAN] + 1 and after[CITY] >= before[CITY] + 1
        assert enterprise_counts.verify(s) == []
        for login in (PROVINCE, CITY, QINGYUAN, ZHUOZHOU):
            actor = user(s, login)
            # The directory's unfiltered total comes from the counts; a filter that keeps everyone counts rows.
            total = enterprises.search(s, actor, DirectoryFilter())[1]
            assert total == enterprises.search(s, actor, DirectoryFilter(double_exceed=True))[1] + \
                enterprises.search(s, actor, DirectoryFilter(double_exceed=False))[1]
        assert s.scalar(select(func.sum(EnterpriseCount.enterprises))) == s.scalar(
            select(func.count()).select_from(Enterprise))


def test_a_tampered_count_is_found_and_rebuilt(uow):
    with uow() as s:
        s.execute(update(EnterpriseCount).where(EnterpriseCount.division_code == QINGYUAN)
                  .values(enterprises=EnterpriseCount.enterprises + 5))
        [(code, stored, expected)] = enterprise_counts.verify(s)
        assert code == QINGYUAN and stored["enterprises"] == expected["enterprises"] + 5
        enterprise_counts.rebuild(s)
        assert enterprise_counts.verify(s) == []
