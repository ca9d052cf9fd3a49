"""Progress statistics against a small campaign counted by hand."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import stats
from core.errors import PermissionDenied
from core.models import User
from core.stats import StatsFilter
from tests.support.roster import CITY, LIANCHI, PROVINCE, QINGYUAN, ZHUOZHOU, user
from tests.support.stats import campaign


def counts(row: dict) -> tuple:
    return (row["total"],) + tuple(row[k] for k, _ in stats.STAGES)


def test_funnel_by_city_county_and_industry(uow):
    with uow() as s:
        notice_id = campaign(s)
        city = user(s, CITY)
        #                     total notified accepted startup eval_app eval_pass acc_app acc_pass
        assert [counts(r) for r in stats.funnel(s, city)] == [(3, 1, 1, 1, 1, 1, 0, 0)]
        assert [(r["key"], r["name"], counts(r)) for r in stats.funnel(s, city, by="county")] == [
            (QINGYUAN, "清苑区", (1, 1, 1, 1, 1, 1, 0, 0)), (ZHUOZHOU, "涿州市", (2, 0, 0, 0, 0, 0, 0, 0))]
        assert [(r["key"], r["name"], r["total"]) for r in stats.funnel(s, user(s, PROVINCE), by="city")] == [
            (CITY, "保定市", 3)]
        assert [(r["key"], r["name"], counts(r)) for r in stats.funnel(s, city, by="industry")] == [
            ("13", "农副食品加工业", (1, 1, 1, 1, 1, 1, 0, 0)), ("33", "金属制品业", (1, 0, 0, 0, 0, 0, 0, 0)),
            ("40", "仪器仪表制造业", (1, 0, 0, 0, 0, 0, 0, 0))]
        assert counts(stats.funnel(s, city, StatsFilter(notice_id=notice_id))[0])[0] == 3
        assert stats.funnel(s, city, StatsFilter(notice_id=notice_id + 1)) == []
        assert stats.funnel(s, city, StatsFilter(batch="第九批")) == []


def test_each_department_counts_only_its_jurisdiction_and_drills_down(uow):
    with uow() as s:
        campaign(s)
        assert [counts(r) for r in stats.funnel(s, user(s, ZHUOZHOU))] == [(2, 0, 0, 0, 0, 0, 0, 0)]
        assert stats.funnel(s, user(s, LIANCHI)) == []
        assert stats.funnel(s, user(s, "130100")) == []
        drilled = stats.enterprise_rows(s, user(s, PROVINCE), StatsFilter(county_code=QINGYUAN))
        assert [(r["企业名称"], r["当前进度"]) for r in drilled] == [("保定玖福食品有限公司", "评估通过")]
        by_city = stats.enterprise_rows(s, user(s, PROVINCE), StatsFilter(city_code=CITY))
        assert sorted(r["当前进度"] for r in by_city) == ["未告知", "未告知", "评估通过"]
        assert [n.name for n in stats.campaigns(s, user(s, QINGYUAN))] == [n.name for n in stats.campaigns(s, user(s, CITY))]
        assert stats.campaigns(s, user(s, LIANCHI)) == []
        enterprise = s.scalar(select(User).where(User.enterprise_id.is_not(None), User.must_change_password.is_(False)))
        with pytest.raises(PermissionDenied):
            stats.funnel(s, enterprise)


def test_the_total_of_a_partition_equals_the_counted_total(uow):
    with uow() as s:
        campaign(s)
        city = user(s, CITY)
        [counted] = stats.funnel(s, city)
        for by in ("county", "industry"):
            assert stats.total_of(stats.funnel(s, city, by=by)) == counted
