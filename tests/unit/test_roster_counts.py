"""roster_counts: each task's entries counted per county, kept with every write of an entry (mark 否, restore,
增补, withdraw, 修正 by each level), read by the screens' counts, and found out when tampered with."""

from __future__ import annotations

from sqlalchemy import select, update

from core import roster, roster_counts, roster_list, roster_reading
from core.models import Enterprise
from core.roster_counts import RosterCount
from core.roster_reading import EntryFilter
from core.workflow_models import RosterEntry
from tests.support.roster import CITY, PROVINCE, ZHUOZHOU, pdf_bytes, user
from tests.unit.test_roster_reading import at_counties


def figures(s, part) -> tuple:
    counts = roster_reading.area_counts(s, part)
    return counts.total, counts.kept, counts.excluded, counts.added


def counted_by_hand(s, part, level: str) -> int:
    """变更企业 for a reviewing level, from the entries themselves."""
    weighed = roster_counts.WEIGHED[level]
    return sum(1 for e in s.scalars(select(RosterEntry).where(roster_list.area_filter(part)))
               if not e.included or e.added_by_division or any(getattr(e, f"corrected_by_{w}") for w in weighed))


def test_every_write_of_an_entry_moves_its_countys_counts(uow):
    with uow() as s:
        province, city, zhuozhou, qingyuan = at_counties(s)
        county = user(s, ZHUOZHOU)
        assert figures(s, zhuozhou) == (2, 2, 0, 0) and figures(s, province) == (3, 3, 0, 0)
        [first, second] = roster_reading.entry_rows(s, county, zhuozhou)
        roster_list.mark_excluded(s, county, [(first.entry_id, first.version)], "企业已关停，厂房已拆除",
                                  [("关停证明.pdf", pdf_bytes())])
        other = Enterprise(name="涿州市测试增补企业有限公司", division_code=ZHUOZHOU, industry_code="3360")
        s.add(other)
        s.flush()
        added = roster_list.add_enterprise(s, county, zhuozhou.id, other.id)
        assert figures(s, zhuozhou) == (3, 2, 1, 1) and figures(s, city) == (4, 3, 1, 1)
        roster_list.correct(s, county, second.entry_id, second.version, {"double_exceed": True})
        assert roster_reading.change_count(s, county, zhuozhou) == 3  # 否, 增补, 修正
        assert roster_counts.verify(s) == []

        excluded = s.get(RosterEntry, first.entry_id)
        roster_list.restore(s, county, excluded.id, excluded.version)
        roster_list.withdraw(s, county, added.id, added.version)
        assert figures(s, zhuozhou) == (2, 2, 0, 0)
        assert roster_reading.change_count(s, county, zhuozhou) == 1  # the correction stays a change
        assert roster_reading.entry_count(s, county, zhuozhou, EntryFilter(changed_only=True)) == 1
        assert roster_reading.entry_count(s, county, zhuozhou, EntryFilter(county_code=ZHUOZHOU)) == 2
        for part, level in ((zhuozhou, "county"), (city, "city"), (province, "province")):
            reader = user(s, {"county": ZHUOZHOU, "city": CITY, "province": PROVINCE}[level])
            assert roster_reading.change_count(s, reader, part) == counted_by_hand(s, part, level)
        assert roster_counts.verify(s) == []


def test_children_counts_agree_with_each_part_counted_alone(uow):
    """核定情况 counts every city or county below a part in one query per level: the same figures as
    area_counts and change_count give for each of them."""
    with uow() as s:
        province, city, zhuozhou, qingyuan = at_counties(s)
        county = user(s, ZHUOZHOU)
        [first, second] = roster_reading.entry_rows(s, county, zhuozhou)
        roster_list.mark_excluded(s, county, [(first.entry_id, first.version)], "企业已关停，厂房已拆除",
                                  [("关停证明.pdf", pdf_bytes())])
        roster_list.correct(s, county, second.entry_id, second.version, {"double_exceed": True})
        for parent, reader in ((city, user(s, CITY)), (province, user(s, PROVINCE))):
            children = roster.children_of(s, parent)
            together = roster_reading.children_counts(s, reader, parent, children)
            alone = {c.id: (roster_reading.area_counts(s, c), roster_reading.change_count(s, reader, c))
                     for c in children}
            assert together == alone and len(together) == len(children)
        assert roster_reading.children_counts(s, user(s, CITY), city, [zhuozhou, qingyuan])[zhuozhou.id][1] == 2


def test_a_correction_counts_for_its_level_and_those_above_only(uow):
    with uow() as s:
        province, city, zhuozhou, _ = at_counties(s)
        entry = s.scalars(select(RosterEntry).where(RosterEntry.county_code == ZHUOZHOU)).first()
        # The province corrects while it holds the pen (before dispatching to the city): the county's and
        # the city's reviewers do not weigh it, the province's does.
        s.execute(update(RosterEntry).where(RosterEntry.id == entry.id).values(corrected_by_province=True))
        roster_counts.rebuild(s)
        assert [roster_reading.change_count(s, user(s, code), part) for code, part in
                ((ZHUOZHOU, zhuozhou), (CITY, city), (PROVINCE, province))] == [0, 0, 1]


def test_verify_finds_a_tampered_count_and_rebuild_repairs_it(uow):
    with uow() as s:
        at_counties(s)
        s.execute(update(RosterCount).where(RosterCount.county_code == ZHUOZHOU).values(kept=RosterCount.kept - 1))
        [(key, stored, expected)] = roster_counts.verify(s)
        assert key[1] == ZHUOZHOU and (stored["kept"], expected["kept"]) == (1, 2)
        roster_counts.rebuild(s)
        assert roster_counts.verify(s) == []
