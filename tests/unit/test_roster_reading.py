"""The roster list read a page at a time: filters, counts, who may edit which row, the final list."""

from __future__ import annotations

from sqlalchemy import select

from core import roster, roster_list, roster_reading
from core.models import Enterprise
from core.roster_reading import EntryFilter
from tests.support.roster import CITY, PROVINCE, QINGYUAN, ZHUOZHOU, new_task, part, pdf_bytes, user


def at_counties(s):
    """The small list dispatched to 涿州 (2 enterprises) and 清苑 (1); returns the parts."""
    province = new_task(s)
    roster.dispatch(s, user(s, PROVINCE), province.id, province.version, agreed=True)
    city = part(s, province.task_id, CITY)
    roster.dispatch(s, user(s, CITY), city.id, city.version, agreed=True)
    return province, city, part(s, province.task_id, ZHUOZHOU), part(s, province.task_id, QINGYUAN)


def test_each_department_reads_and_may_edit_only_its_part(uow):
    with uow() as s:
        province, city, zhuozhou, qingyuan = at_counties(s)
        rows = roster_reading.entry_rows(s, user(s, ZHUOZHOU), zhuozhou)
        assert [(r.name, r.county, r.editable) for r in rows] == [
            ("涿州市飞耀金属制品有限公司", "涿州市", True), ("涿州迅利达创新科技发展有限公司", "涿州市", True)]
        # The city sees all three, but the counties hold the pen while they verify.
        city_rows = roster_reading.entry_rows(s, user(s, CITY), city)
        assert len(city_rows) == 3 and not any(r.editable for r in city_rows)
        assert not roster_reading.holds_any(s, user(s, CITY), city)
        assert roster_reading.holds_any(s, user(s, QINGYUAN), qingyuan)
        assert roster_reading.counties_of(s, city) == [(QINGYUAN, "清苑区"), (ZHUOZHOU, "涿州市")]
        assert roster_reading.entries_by_area(s, province, by_city=True) == {CITY: 3}
        assert roster_reading.entries_by_area(s, city, by_city=False) == {QINGYUAN: 1, ZHUOZHOU: 2}


def test_filters_counts_pages_and_the_final_list(uow):
    with uow() as s:
        _, city, zhuozhou, _ = at_counties(s)
        county = user(s, ZHUOZHOU)
        [first, second] = roster_reading.entry_rows(s, county, zhuozhou)
        roster_list.mark_excluded(s, county, [(first.entry_id, first.version)], "企业已关停，厂房已拆除",
                                  [("关停证明.pdf", pdf_bytes())])
        # 增补: an enterprise of 涿州 from the directory that is not on the list.
        other = Enterprise(name="涿州市测试增补企业有限公司", division_code=ZHUOZHOU, industry_code="3360")
        s.add(other)
        s.flush()
        roster_list.add_enterprise(s, county, zhuozhou.id, other.id)

        def names(flt: EntryFilter, **page) -> list[str]:
            return [r.name for r in roster_reading.entry_rows(s, county, zhuozhou, flt, **page)]

        assert names(EntryFilter(included=False)) == ["涿州市飞耀金属制品有限公司"]
        assert names(EntryFilter(changed_only=True)) == ["涿州市飞耀金属制品有限公司", "涿州市测试增补企业有限公司"]
        assert names(EntryFilter(name="迅利达")) == ["涿州迅利达创新科技发展有限公司"]
        assert roster_reading.entry_count(s, county, zhuozhou, EntryFilter(name="%")) == 0
        assert roster_reading.entry_count(s, county, zhuozhou) == 3
        assert names(EntryFilter(), offset=2, limit=5) == ["涿州市测试增补企业有限公司"]  # additions come last
        excluded = roster_reading.entry_rows(s, county, zhuozhou, EntryFilter(included=False))[0]
        assert excluded.evidence == 1 and excluded.exclusion_reason == "企业已关停，厂房已拆除"
        final = roster_reading.final_list(s, county, zhuozhou)
        assert [(r["序号"], r["企业名称"], r["来源"]) for r in final] == [
            (1, "涿州迅利达创新科技发展有限公司", "省级名单"), (2, "涿州市测试增补企业有限公司", "增补")]
        assert s.scalar(select(Enterprise.id).where(Enterprise.id == other.id))
