"""The notice's enterprise list, counted, filtered and paged in SQL for each level's part."""

from __future__ import annotations

from sqlalchemy import select

from core import notice_lists
from core.models import ManagingTier
from core.notice_lists import LetterFilter
from core.notice_models import NoticeAssignment
from tests.support.roster import CITY, PROVINCE, QINGYUAN, ZHUOZHOU
from tests.support.stats import campaign


def parts(s, notice_id: int) -> dict[str, NoticeAssignment]:
    return {p.division_code: p for p in s.scalars(select(NoticeAssignment)
                                                  .where(NoticeAssignment.notice_id == notice_id))}


def test_each_part_counts_and_lists_its_own_area(uow):
    with uow() as s:
        found = parts(s, campaign(s))
        province, city, zhuozhou = found[PROVINCE], found[CITY], found[ZHUOZHOU]
        assert notice_lists.counts_by_part(s, [province, city, zhuozhou, found[QINGYUAN]]) == {
            province.id: 3, city.id: 3, zhuozhou.id: 2, found[QINGYUAN].id: 1}
        assert notice_lists.industry_table(s, province) == [
            ("13", "农副食品加工业", 1), ("33", "金属制品业", 1), ("40", "仪器仪表制造业", 1)]
        assert notice_lists.industry_table(s, zhuozhou) == [("33", "金属制品业", 1), ("40", "仪器仪表制造业", 1)]
        assert notice_lists.counties_of(s, city) == [(QINGYUAN, "清苑区"), (ZHUOZHOU, "涿州市")]
        rows = notice_lists.letter_rows(s, province)
        assert [(r["序号"], r["企业名称"], r["所属地市"], r["所属区县"], r["办理机构"], r["清审行业"]) for r in rows] == [
            (1, "保定玖福食品有限公司", "保定市", "清苑区", "地市级", "农副食品加工业"),
            (2, "涿州市飞耀金属制品有限公司", "保定市", "涿州市", "省级", "金属制品业"),
            (3, "涿州迅利达创新科技发展有限公司", "保定市", "涿州市", "地市级", "仪器仪表制造业")]
        # 玖福 accepted and passed evaluation in the small campaign; it has a project number.
        assert rows[0]["办理进度"] == "评估通过" and rows[0]["项目编号"] != "—"
        assert rows[1]["办理进度"] == "未告知" and rows[1]["项目编号"] == "—"
        # the project leader and mobile 玖福 gave when it accepted (tests.support.stats), for the departments
        assert [(r["项目负责人"], r["移动电话"]) for r in rows] == [("张三", "13812345678"), ("", ""), ("", "")]
        assert notice_lists.letter_rows(s, found[QINGYUAN])[0]["移动电话"] == "13812345678"


def test_filters_and_pages(uow):
    with uow() as s:
        province = parts(s, campaign(s))[PROVINCE]
        def names(flt: LetterFilter, **page) -> list[str]:
            return [r["企业名称"] for r in notice_lists.letter_rows(s, province, flt, **page)]

        assert names(LetterFilter(name="涿州")) == ["涿州市飞耀金属制品有限公司", "涿州迅利达创新科技发展有限公司"]
        assert notice_lists.letter_count(s, province, LetterFilter(name="涿州")) == 2
        assert names(LetterFilter(name="%")) == [] and notice_lists.letter_count(s, province, LetterFilter(name="_")) == 0
        assert names(LetterFilter(managing_tier=ManagingTier.PROVINCE)) == ["涿州市飞耀金属制品有限公司"]
        assert names(LetterFilter(county_code=QINGYUAN)) == ["保定玖福食品有限公司"]
        assert names(LetterFilter(industry_major="40")) == ["涿州迅利达创新科技发展有限公司"]
        assert notice_lists.letter_count(s, province, LetterFilter(industry_major="40", county_code=QINGYUAN)) == 0
        second = notice_lists.letter_rows(s, province, offset=1, limit=1)
        assert [(r["序号"], r["企业名称"]) for r in second] == [(2, "涿州市飞耀金属制品有限公司")]


def test_task_statistics_count_each_area_under_the_part(uow):
    with uow() as s:
        found = parts(s, campaign(s))
        [city] = notice_lists.task_statistics(s, found[PROVINCE])
        assert (city.code, city.name, city.status, city.enterprises, city.stamped) == (CITY, "保定市", "已派发", 3, 1)
        keys = [k for k, _ in notice_lists.STAT_COLUMNS]
        #                   notified accepted startup disclosed eval_applied eval_passed acc_applied acc_passed
        assert [city.reached[k] for k in keys] == [1, 1, 1, 1, 1, 1, 0, 0]
        counties = notice_lists.task_statistics(s, found[CITY])
        assert [(a.name, a.status, a.enterprises, a.stamped, a.reached["notified"], a.reached["evaluation_passed"])
                for a in counties] == [("清苑区", "已派发", 1, 1, 1, 1), ("涿州市", "待派发", 2, 0, 0, 0)]
        assert notice_lists.task_statistics(s, found[ZHUOZHOU]) == []  # a county has its 企业告知书 step
