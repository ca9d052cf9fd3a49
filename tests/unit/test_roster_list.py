"""Verifying the list of a roster task: who holds the pen, 增补, 撤销, 恢复, 修正, and the import."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core import attachments, roster, roster_list, roster_reading
from core.demo import CONFIRMED_INDUSTRIES, ROSTER_CSV
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.models import AuditLogEntry, Enterprise
from core.roster_import import confirm_proposal, preview
from core.roster_list import ImportResult, PenMap
from core.workflow_models import Attachment, RosterEntry, RosterStatus
from tests.support.roster import (
    CITY,
    LIANCHI,
    PROVINCE,
    QINGYUAN,
    ZHUOZHOU,
    new_task,
    part,
    pdf_bytes,
    png_bytes,
    user,
)

S = RosterStatus
FEIYAO, XUNLIDA, JIUFU = "涿州市飞耀金属制品有限公司", "涿州迅利达创新科技发展有限公司", "保定玖福食品有限公司"
QINGYA = "涿州市清雅义齿制作有限公司"  # in 涿州, in the directory, not on the small list
ZHONGFA = "保定中法供水有限公司"  # in 莲池区
OTHER_CITY, OTHER_CITY_COUNTY = "130100", "130102"
CREDIT_CODE = "91110108551385082Q"
IMPORT_HEADER = "序号,企业名称,所属城市,所属区县,行业大类名称,行业名称,负责评估验收部门,统一社会信用代码,是否双超,是否双有\n"


def build(uow, to_counties: bool = True) -> int:
    """The small task dispatched to 保定市 (and by it to 涿州市 and 清苑区); returns the task id."""
    with uow() as s:
        province_part = new_task(s)
        roster.dispatch(s, user(s, PROVINCE), province_part.id, province_part.version, agreed=True)
        if to_counties:
            city_part = part(s, province_part.task_id, CITY)
            roster.dispatch(s, user(s, CITY), city_part.id, city_part.version, agreed=True)
        return province_part.task_id


def draft(uow) -> int:
    with uow() as s:
        return new_task(s).task_id


def entry_of(s, task_id: int, name: str) -> RosterEntry | None:
    return s.scalar(select(RosterEntry).join(Enterprise).where(RosterEntry.task_id == task_id,
                                                               Enterprise.name == name))


def enterprise(s, name: str) -> Enterprise:
    return s.scalar(select(Enterprise).where(Enterprise.name == name))


def state(uow, task_id: int):
    """What a refused list change must leave alone: the entries and their enterprises, and the counts."""
    with uow() as s:
        entries = {e.id: (e.enterprise_id, e.included, e.exclusion_reason, e.version, e.enterprise.name,
                          e.enterprise.credit_code, e.enterprise.industry_code, e.enterprise.address)
                   for e in s.scalars(select(RosterEntry).where(RosterEntry.task_id == task_id))}
        counts = [s.scalar(select(func.count()).select_from(m)) for m in (AuditLogEntry, Attachment, Enterprise)]
        return entries, counts


def refused(uow, task_id: int, attempt, kind: type[RuleViolation], *fragments: str) -> RuleViolation:
    before = state(uow, task_id)
    with pytest.raises(kind) as info, uow() as s:
        attempt(s)
    for fragment in fragments:
        assert fragment in str(info.value)
    assert state(uow, task_id) == before
    return info.value


def logged(s, action: str) -> int:
    return s.scalar(select(func.count()).select_from(AuditLogEntry).where(AuditLogEntry.action == action))


# --- who holds the pen -----------------------------------------------------------------------

NO_PART = "no part"
HOLDER_CASES = [
    # (province, city, county 涿州 or NO_PART, expected holder)
    *[(S.PENDING, city, county, PROVINCE) for city, county in
      ((NO_PART, NO_PART), (S.PENDING, NO_PART), (S.DISPATCHED, S.PENDING), (S.SUBMITTED, S.SUBMITTED))],
    *[(S.DISPATCHED, city, county, CITY) for city in (S.PENDING, S.RETURNED)
      for county in (NO_PART, S.PENDING, S.SUBMITTED, S.APPROVED)],
    (S.DISPATCHED, S.DISPATCHED, S.PENDING, ZHUOZHOU),
    (S.DISPATCHED, S.DISPATCHED, S.RETURNED, ZHUOZHOU),
    (S.DISPATCHED, S.DISPATCHED, S.SUBMITTED, None),
    (S.DISPATCHED, S.DISPATCHED, S.APPROVED, CITY),
    (S.DISPATCHED, S.DISPATCHED, NO_PART, CITY),
    *[(province, city, county, None) for province in (S.DISPATCHED, S.APPROVED) for city in (S.SUBMITTED, S.APPROVED)
      for county in (NO_PART, S.APPROVED)],
    (S.DISPATCHED, NO_PART, NO_PART, None),
]


@pytest.mark.parametrize(("province", "city", "county", "expected"), HOLDER_CASES,
                         ids=lambda v: {PROVINCE: "province", CITY: "city", ZHUOZHOU: "county", None: "nobody",
                                        NO_PART: "no-part"}.get(v, getattr(v, "value", v)))
def test_the_pen_holder(uow, province, city, county, expected):
    task_id = build(uow)
    with uow() as s:
        for code, status in ((PROVINCE, province), (CITY, city), (ZHUOZHOU, county)):
            if status is not NO_PART:
                part(s, task_id, code).status = status
    # A county (or city) without a part of its own: 莲池区 has none; neither has 石家庄市 nor its 长安区.
    county_code = LIANCHI if county is NO_PART else ZHUOZHOU
    city_code = OTHER_CITY if city is NO_PART else CITY
    county_code = OTHER_CITY_COUNTY if city is NO_PART else county_code
    with uow() as s:
        holder = PenMap(s, task_id).holder(county_code, city_code)
        assert (holder.division_code if holder else None) == expected
        someone = user(s, expected or ZHUOZHOU)
        if expected is None:
            with pytest.raises(RuleViolation, match="已提交上级审核或已确定"):
                PenMap(s, task_id).require(someone, county_code, city_code)
        else:
            assert PenMap(s, task_id).require(someone, county_code, city_code).division_code == expected
            other = next(c for c in (PROVINCE, CITY, ZHUOZHOU) if c != expected)
            with pytest.raises(PermissionDenied, match="当前由"):
                PenMap(s, task_id).require(user(s, other), county_code, city_code)


# --- 增补 and 撤销 -----------------------------------------------------------------------------

def test_a_county_adds_a_missing_enterprise_of_its_own(uow):
    task_id = build(uow)
    with uow() as s:
        added = roster_list.add_enterprise(s, user(s, ZHUOZHOU), part(s, task_id, ZHUOZHOU).id,
                                           enterprise(s, QINGYA).id)
    with uow() as s:
        entry = entry_of(s, task_id, QINGYA)
        assert entry.id == added.id and entry.included
        assert (entry.added_by_division, entry.county_code, entry.city_code) == (ZHUOZHOU, ZHUOZHOU, CITY)
        assert logged(s, "roster.add") == 1


def _exclude_feiyao(uow, task_id):
    with uow() as s:
        entry = entry_of(s, task_id, FEIYAO)
        roster_list.mark_excluded(s, user(s, ZHUOZHOU), [(entry.id, entry.version)], "已关停",
                                  [("关停证明.pdf", pdf_bytes())])


@pytest.mark.parametrize(("actor", "name", "setup", "kind", "fragments"), [
    (ZHUOZHOU, XUNLIDA, None, RuleViolation, ("已在本任务名单中",)),
    (ZHUOZHOU, FEIYAO, _exclude_feiyao, RuleViolation, ("已在本任务名单中", "当前标注为“否”", "恢复")),
    (ZHUOZHOU, ZHONGFA, None, PermissionDenied, ("管辖范围",)),
    (ZHUOZHOU, None, None, RuleViolation, ("企业名录中没有该企业", "河北省污染源环境管理数据平台")),
    (CITY, QINGYA, None, PermissionDenied, ("涿州市",)),  # the county holds the pen for 涿州
], ids=["already-listed", "listed-but-excluded", "outside-the-area", "nonexistent", "pen-elsewhere"])
def test_adding_is_refused(uow, actor, name, setup, kind, fragments):
    task_id = build(uow)
    if setup:
        setup(uow, task_id)
    error = refused(uow, task_id, lambda s: roster_list.add_enterprise(
        s, user(s, actor), part(s, task_id, actor).id, enterprise(s, name).id if name else 10**6), kind, *fragments)
    if name == XUNLIDA:
        assert "标注为“否”" not in str(error)


def test_the_holder_can_withdraw_what_was_added_and_no_one_else_can(uow):
    task_id = build(uow)
    with uow() as s:
        roster_list.add_enterprise(s, user(s, ZHUOZHOU), part(s, task_id, ZHUOZHOU).id, enterprise(s, QINGYA).id)
    with uow() as s:
        entry_id, version = entry_of(s, task_id, QINGYA).id, entry_of(s, task_id, QINGYA).version
    for intruder, kind in ((CITY, PermissionDenied), (QINGYUAN, PermissionDenied)):
        refused(uow, task_id, lambda s, who=intruder: roster_list.withdraw(s, user(s, who), entry_id, version), kind)
    with uow() as s:
        roster_list.withdraw(s, user(s, ZHUOZHOU), entry_id, version)
    with uow() as s:
        assert entry_of(s, task_id, QINGYA) is None and s.get(RosterEntry, entry_id) is None
        assert logged(s, "roster.withdraw") == 1
        assert enterprise(s, QINGYA) is not None  # the directory keeps it


@pytest.mark.parametrize(("holder", "city_status"), [(ZHUOZHOU, S.DISPATCHED), (CITY, S.PENDING), (CITY, S.RETURNED)])
def test_a_province_list_entry_cannot_be_withdrawn_below_the_province(uow, holder, city_status):
    task_id = build(uow)
    with uow() as s:
        part(s, task_id, CITY).status = city_status
    with uow() as s:
        entry = entry_of(s, task_id, FEIYAO)
        assert PenMap(s, task_id).holder(ZHUOZHOU, CITY).division_code == holder
        entry_id, version = entry.id, entry.version
    refused(uow, task_id, lambda s: roster_list.withdraw(s, user(s, holder), entry_id, version), RuleViolation,
            "省级名单中的企业不能撤销", "标注“否”")


def test_the_province_removes_rows_while_drafting_but_not_after_dispatch(uow):
    task_id = draft(uow)
    with uow() as s:
        entry = entry_of(s, task_id, JIUFU)
        roster_list.withdraw(s, user(s, PROVINCE), entry.id, entry.version)
    with uow() as s:
        assert entry_of(s, task_id, JIUFU) is None
        assert roster_reading.area_counts(s, part(s, task_id, PROVINCE)).total == 2
        province_part = part(s, task_id, PROVINCE)
        roster.dispatch(s, user(s, PROVINCE), province_part.id, province_part.version, agreed=True)
    with uow() as s:
        entry_id, version = entry_of(s, task_id, XUNLIDA).id, entry_of(s, task_id, XUNLIDA).version
    refused(uow, task_id, lambda s: roster_list.withdraw(s, user(s, PROVINCE), entry_id, version),
            PermissionDenied, "保定市")


# --- 恢复 and 修正 -----------------------------------------------------------------------------

def test_restore_puts_the_enterprise_back_and_detaches_its_evidence(uow):
    task_id = build(uow)
    with uow() as s:
        entry = entry_of(s, task_id, FEIYAO)
        roster_list.mark_excluded(s, user(s, ZHUOZHOU), [(entry.id, entry.version)], "已关停",
                                  [("关停证明.pdf", pdf_bytes()), ("现场照片.png", png_bytes())])
    with uow() as s:
        entry = entry_of(s, task_id, FEIYAO)
        assert not entry.included and len(roster_reading.evidence_of(s, [entry.id])[entry.id]) == 2
        roster_list.restore(s, user(s, ZHUOZHOU), entry.id, entry.version)
    with uow() as s:
        entry = entry_of(s, task_id, FEIYAO)
        assert entry.included and entry.exclusion_reason is None
        assert roster_reading.evidence_of(s, [entry.id]) == {}
        assert attachments.of(s, roster_list.OWNER_ENTRY, entry.id) == []
        assert logged(s, "attachment.remove") == 2 and logged(s, "roster.restore") == 1
        entry_id, version = entry.id, entry.version
    refused(uow, task_id, lambda s: roster_list.restore(s, user(s, ZHUOZHOU), entry_id, version), RuleViolation,
            "已在名单中")



def test_set_flags_changes_only_the_entries_that_differ(uow):
    task_id = draft(uow)
    with uow() as s:
        entry = entry_of(s, task_id, JIUFU)
        roster_list.correct(s, user(s, PROVINCE), entry.id, entry.version, {"double_exceed": True})
    with uow() as s:
        entries = {n: entry_of(s, task_id, n) for n in (FEIYAO, XUNLIDA, JIUFU)}
        versions = {n: e.version for n, e in entries.items()}
        corrections = logged(s, "roster.correct")
        targets = [(e.id, e.version) for e in entries.values()]
        with pytest.raises(ValidationError, match="请选择要修正的项目"):
            roster_list.set_flags(s, user(s, PROVINCE), targets)
        with pytest.raises(ValidationError, match="请先选择企业"):
            roster_list.set_flags(s, user(s, PROVINCE), [], double_exceed=True)
        assert roster_list.set_flags(s, user(s, PROVINCE), targets, double_exceed=True) == 2
    with uow() as s:
        after = {n: entry_of(s, task_id, n) for n in (FEIYAO, XUNLIDA, JIUFU)}
        assert all(e.enterprise.double_exceed for e in after.values())
        assert not any(e.enterprise.double_toxic for e in after.values())
        assert {n: e.version - versions[n] for n, e in after.items()} == {FEIYAO: 1, XUNLIDA: 1, JIUFU: 0}
        assert logged(s, "roster.correct") == corrections + 2
        assert {a.object_id for a in s.scalars(select(AuditLogEntry).where(AuditLogEntry.action == "roster.correct")
                                               .order_by(AuditLogEntry.id.desc()).limit(2))} == \
            {str(after[FEIYAO].id), str(after[XUNLIDA].id)}


@pytest.mark.parametrize(("changes", "fragment"), [
    ({"managing_tier": "province"}, "不能修改该项"),
    ({"division_code": LIANCHI}, "不能修改该项"),
    ({"credit_code": CREDIT_CODE}, f"已被“{FEIYAO}”使用"),
    ({"credit_code": "91110108551385082R"}, "校验"),
    ({"industry_code": "9999"}, "四位小类代码"),
    ({"industry_code": "33"}, "四位小类代码"),  # a 大类, not a 小类
    ({"name": ""}, "企业名称不能为空"),
    ({"name": "   "}, "企业名称不能为空"),
    ({"address": "涿州市某路1号", "industry_code": "9999"}, "四位小类代码"),  # nothing saved, not even the address
], ids=["unknown-field", "unknown-field-division", "duplicate-credit-code", "bad-credit-code", "unknown-industry",
        "industry-not-a-class", "empty-name", "blank-name", "valid-with-invalid"])
def test_correct_refuses_bad_changes(uow, changes, fragment):
    task_id = draft(uow)
    with uow() as s:  # another enterprise already holds the credit code
        other = entry_of(s, task_id, FEIYAO)
        roster_list.correct(s, user(s, PROVINCE), other.id, other.version, {"credit_code": CREDIT_CODE})
    with uow() as s:
        entry_id, version = entry_of(s, task_id, XUNLIDA).id, entry_of(s, task_id, XUNLIDA).version
    error = refused(uow, task_id, lambda s: roster_list.correct(s, user(s, PROVINCE), entry_id, version, changes),
                    ValidationError, fragment)
    assert error.field in changes


# --- the province's import -------------------------------------------------------------------

def empty_task(uow) -> tuple[int, int]:
    with uow() as s:
        province_part = roster.create_task(s, user(s, PROVINCE), name="2021年第二批名单核定", batch="第二批",
                                           requirements="", deadline=date.today() + timedelta(days=30))
        return province_part.task_id, province_part.id


def import_(s, assignment_id: int, rows) -> ImportResult:
    province_part = s.get(roster.RosterAssignment, assignment_id)
    return roster_list.import_rows(s, user(s, PROVINCE), assignment_id, province_part.version, rows)


def test_an_unresolved_preview_is_refused_and_saves_nothing(uow):
    body = (
        "1,涿州市飞耀金属制品有限公司,保定市,涿州市,金属制品业,金属结构制造,河北省生态环境厅,,否,否\n"
        "2,新公司甲,保定市,不存在县,金属制品业,金属结构制造,保定市生态环境局,,否,否\n"
        "3,新公司乙,保定市,涿州市,金属制品业,金属结构制造,保定市生态环境局,91110108551385082R,否,否\n"
        "4,新公司丙,保定市,涿州市,金属制品业,不存在的行业哈哈哈哈哈哈,保定市生态环境局,,否,否\n"
        "5,涿州市飞耀金属制品有限公司,保定市,涿州市,金属制品业,金属结构制造,河北省生态环境厅,,否,否\n"
    )
    task_id, assignment_id = empty_task(uow)
    with uow() as s:
        checked = preview(s, "名单.csv", (IMPORT_HEADER + body).encode("utf-8"))
    assert [r.line for r in checked.rows if not r.ok] == [3, 4, 5, 6]
    refused(uow, task_id, lambda s: import_(s, assignment_id, checked.rows), ValidationError,
            "还有 4 行存在问题", "第 3、4、5、6 行")
    with uow() as s:
        assert s.scalar(select(func.count()).select_from(RosterEntry)) == 0
        assert logged(s, "roster.import") == 0 and logged(s, "enterprise.create") == 0
        assert import_(s, assignment_id, [r for r in checked.rows if r.ok]) == ImportResult(1, 0, 0)


def seed_rows(s):
    checked = preview(s, "名单.csv", ROSTER_CSV.read_bytes())
    unresolved = [r for r in checked.rows if not r.ok]
    assert len(unresolved) == 2
    for row in unresolved:
        confirm_proposal(row, "industry", CONFIRMED_INDUSTRIES[(row.values["行业大类名称"], row.values["行业名称"])])
    assert checked.ok
    return checked.rows


def test_the_seed_list_matches_the_77_demo_enterprises_and_a_second_import_adds_none(uow):
    task_id, assignment_id = empty_task(uow)
    with uow() as s:
        directory = {e.id: e.name for e in s.scalars(select(Enterprise))}
        assert len(directory) == 77
        assert import_(s, assignment_id, seed_rows(s)) == ImportResult(added=77, created_enterprises=0,
                                                                        already_listed=0)
    with uow() as s:
        entries = list(s.scalars(select(RosterEntry).where(RosterEntry.task_id == task_id)))
        assert {e.enterprise_id for e in entries} == set(directory)
        assert sorted(e.list_number for e in entries) == list(range(1, 78))
        assert all(e.included and e.added_by_division is None and e.city_code == CITY for e in entries)
        assert s.scalar(select(func.count()).select_from(Enterprise)) == 77
        assert logged(s, "enterprise.create") == 0 and logged(s, "enterprise.update") == 0
        assert import_(s, assignment_id, seed_rows(s)) == ImportResult(added=0, created_enterprises=0,
                                                                        already_listed=77)
    with uow() as s:
        assert s.scalar(select(func.count()).select_from(RosterEntry).where(RosterEntry.task_id == task_id)) == 77
        assert s.scalar(select(func.count()).select_from(Enterprise)) == 77
        assert logged(s, "roster.import") == 2


# --- 增补 search -----------------------------------------------------------------------------

@pytest.mark.parametrize(("actor", "area", "text"), [
    (ZHUOZHOU, ZHUOZHOU, "涿州"), (ZHUOZHOU, ZHUOZHOU, "公司"), (ZHUOZHOU, ZHUOZHOU, "保定"), (CITY, CITY, "公司"),
    (CITY, CITY, "涿州"), (ZHUOZHOU, ZHUOZHOU, ZHONGFA), (ZHUOZHOU, ZHUOZHOU, "%"), (ZHUOZHOU, ZHUOZHOU, "  "),
    (QINGYUAN, QINGYUAN, "食品"), (CITY, ZHUOZHOU, "公司"),  # the city looking at a county's part
])
def test_addable_finds_only_unlisted_enterprises_of_the_parts_own_area(uow, actor, area, text):
    task_id = build(uow)
    with uow() as s:
        listed = set(s.scalars(select(RosterEntry.enterprise_id).where(RosterEntry.task_id == task_id)))
        own = (lambda e: e.division_code == area) if area != CITY else (lambda e: e.division.city_code == CITY)
        expected = sorted(e.name for e in s.scalars(select(Enterprise))
                          if text.strip() and text in e.name and own(e) and e.id not in listed)
        found = roster_reading.addable(s, user(s, actor), part(s, task_id, area), text, limit=1000)
        assert sorted(e.name for e in found) == expected
        assert not {e.id for e in found} & listed
    if actor == ZHUOZHOU and text == "涿州":
        assert QINGYA in expected and FEIYAO not in expected and XUNLIDA not in expected
        with uow() as s:  # once added, it is no longer offered
            roster_list.add_enterprise(s, user(s, ZHUOZHOU), part(s, task_id, ZHUOZHOU).id, enterprise(s, QINGYA).id)
            names = [e.name for e in roster_reading.addable(s, user(s, ZHUOZHOU), part(s, task_id, ZHUOZHOU), text)]
            assert QINGYA not in names and len(names) == len(expected) - 1
