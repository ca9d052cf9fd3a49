"""The roster loop end to end in core: province -> city -> counties -> city -> province."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core import attachments, roster, roster_list, roster_reading
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.models import AuditLogEntry, Enterprise
from core.workflow_models import RosterEntry, RosterStatus
from tests.conftest import CAMPAIGN_DAY
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


def entry_of(session, task_id, name) -> RosterEntry:
    return session.scalar(select(RosterEntry).join(Enterprise).where(RosterEntry.task_id == task_id,
                                                                    Enterprise.name == name))


def test_the_whole_loop_with_an_exclusion_an_addition_and_a_rework(uow):
    with uow() as s:
        province_part = new_task(s)
        task_id = province_part.task_id
        assert roster_reading.area_counts(s, province_part).total == 3
        cities = roster.dispatch(s, user(s, PROVINCE), province_part.id, province_part.version, agreed=True)
        assert [c.division_code for c in cities] == [CITY]

    with uow() as s:  # the city adds its requirements and dispatches to the two counties concerned
        city = user(s, CITY)
        city_part = part(s, task_id, CITY)
        assert city_part.status is S.PENDING
        roster.save_requirements(s, city, city_part.id, city_part.version, "请于10日内完成核实")
        counties = roster.dispatch(s, city, city_part.id, city_part.version, agreed=True)
        assert sorted(c.division_code for c in counties) == [QINGYUAN, ZHUOZHOU]

    with uow() as s:  # 涿州 marks one enterprise 否 with evidence and adds a missing one
        zhuozhou = user(s, ZHUOZHOU)
        entry = entry_of(s, task_id, "涿州市飞耀金属制品有限公司")
        roster_list.mark_excluded(s, zhuozhou, [(entry.id, entry.version)], "该企业已于2021年关停",
                                  [("关停证明.pdf", pdf_bytes())])
        missing = s.scalar(select(Enterprise).where(Enterprise.name == "涿州市清雅义齿制作有限公司"))
        county_part = part(s, task_id, ZHUOZHOU)
        roster_list.add_enterprise(s, zhuozhou, county_part.id, missing.id)
        roster.submit(s, zhuozhou, county_part.id, county_part.version, agreed=True,
                      final_list_name="涿州最终名单.png", final_list=png_bytes())

    with uow() as s:  # 清苑 submits unchanged; the city returns 涿州, approves 清苑
        qingyuan_part = part(s, task_id, QINGYUAN)
        roster.submit(s, user(s, QINGYUAN), qingyuan_part.id, qingyuan_part.version, agreed=True,
                      final_list_name="清苑.pdf", final_list=pdf_bytes())
        city = user(s, CITY)
        county_part = part(s, task_id, ZHUOZHOU)
        roster.review(s, city, county_part.id, county_part.version, approve=False, comment="佐证材料不清晰，请补充")
        roster.review(s, city, qingyuan_part.id, qingyuan_part.version, approve=True, comment="")
        city_part = part(s, task_id, CITY)
        with pytest.raises(RuleViolation, match="1 个区县"):
            roster.submit(s, city, city_part.id, city_part.version, agreed=True,
                          final_list_name="保定.pdf", final_list=pdf_bytes())

    with uow() as s:  # 涿州 sees the comment, reworks (restores and marks again) and resubmits
        county_part = part(s, task_id, ZHUOZHOU)
        assert county_part.status is S.RETURNED
        assert roster.reviews_of(s, county_part.id)[0].comment == "佐证材料不清晰，请补充"
        zhuozhou = user(s, ZHUOZHOU)
        entry = entry_of(s, task_id, "涿州市飞耀金属制品有限公司")
        roster_list.restore(s, zhuozhou, entry.id, entry.version)
        entry = entry_of(s, task_id, "涿州市飞耀金属制品有限公司")
        roster_list.mark_excluded(s, zhuozhou, [(entry.id, entry.version)], "该企业已于2021年3月关停注销",
                                  [("注销通知.pdf", pdf_bytes(2)), ("现场照片.png", png_bytes())])
        roster.submit(s, zhuozhou, county_part.id, county_part.version, agreed=True,
                      final_list_name="涿州最终名单（第二次）.pdf", final_list=pdf_bytes())

    with uow() as s:  # the city approves and submits; the province approves and fixes the list
        city = user(s, CITY)
        county_part = part(s, task_id, ZHUOZHOU)
        roster.review(s, city, county_part.id, county_part.version, approve=True, comment="同意")
        city_part = part(s, task_id, CITY)
        # 核定情况's last column: the newest review of each county (the return before is older).
        latest = roster.latest_reviews(s, [county_part.id, qingyuan_part.id, city_part.id])
        assert latest[county_part.id].comment == "同意" and latest[qingyuan_part.id].decision.value == "approve"
        assert city_part.id not in latest
        roster.submit(s, city, city_part.id, city_part.version, agreed=True,
                      final_list_name="保定市最终名单.pdf", final_list=pdf_bytes())
        province = user(s, PROVINCE)
        roster.review(s, province, city_part.id, part(s, task_id, CITY).version, approve=True, comment="")
        province_part = part(s, task_id, PROVINCE)
        roster.finalize(s, province, province_part.id, province_part.version, agreed=True)

    with uow() as s:
        kept = [e.enterprise.name for e in roster.final_roster(s, task_id)]
        assert sorted(kept) == sorted(["涿州迅利达创新科技发展有限公司", "保定玖福食品有限公司",
                                       "涿州市清雅义齿制作有限公司"])
        entry = entry_of(s, task_id, "涿州市飞耀金属制品有限公司")
        evidence = roster_reading.evidence_of(s, [entry.id])[entry.id]
        assert [e.original_name for e in evidence] == ["注销通知.pdf", "现场照片.png"]
        assert attachments.content(evidence[0]) == pdf_bytes(2)
        actions = list(s.scalars(select(AuditLogEntry.action).where(AuditLogEntry.action.like("roster.%"))))
        for action in ("roster.create", "roster.import", "roster.dispatch", "roster.exclude", "roster.add",
                       "roster.submit", "roster.return", "roster.restore", "roster.approve", "roster.finalize"):
            assert action in actions
        statements = s.scalars(select(AuditLogEntry.statement).where(AuditLogEntry.action == "roster.submit"))
        assert all("纸质效力" in text for text in statements)


def test_a_department_outside_the_area_cannot_touch_the_list(uow):
    with uow() as s:
        province_part = new_task(s)
        roster.dispatch(s, user(s, PROVINCE), province_part.id, province_part.version, agreed=True)
        city_part = part(s, province_part.task_id, CITY)
        roster.dispatch(s, user(s, CITY), city_part.id, city_part.version, agreed=True)
        entry = entry_of(s, province_part.task_id, "涿州市飞耀金属制品有限公司")
        with pytest.raises(PermissionDenied, match="管辖范围"):
            roster_list.mark_excluded(s, user(s, LIANCHI), [(entry.id, entry.version)], "关停",
                                      [("a.pdf", pdf_bytes())])
        with pytest.raises(PermissionDenied, match="涿州市"):  # the city gave the pen to the county
            roster_list.mark_excluded(s, user(s, CITY), [(entry.id, entry.version)], "关停",
                                      [("a.pdf", pdf_bytes())])
        with pytest.raises(PermissionDenied):
            roster.get_assignment(s, user(s, LIANCHI), part(s, province_part.task_id, ZHUOZHOU).id)


def test_excluding_needs_a_reason_and_evidence_and_checks_the_file(uow):
    with uow() as s:
        province_part = new_task(s)
        province = user(s, PROVINCE)
        entry = entry_of(s, province_part.task_id, "保定玖福食品有限公司")
        target = [(entry.id, entry.version)]
        with pytest.raises(ValidationError, match="情况说明"):
            roster_list.mark_excluded(s, province, target, "  ", [("a.pdf", pdf_bytes())])
        with pytest.raises(ValidationError, match="佐证材料"):
            roster_list.mark_excluded(s, province, target, "已关停", [])
        with pytest.raises(ValidationError, match="不是允许的格式"):
            roster_list.mark_excluded(s, province, target, "已关停", [("virus.pdf", b"MZ\x90\x00" * 100)])


def test_a_stale_version_is_refused_and_changes_nothing(uow):
    with uow() as s:
        province_part = new_task(s)
        province = user(s, PROVINCE)
        entry = entry_of(s, province_part.task_id, "保定玖福食品有限公司")
        seen = entry.version
        roster_list.correct(s, province, entry.id, seen, {"double_exceed": True})
        with pytest.raises(RuleViolation, match="其他用户修改"):
            roster_list.correct(s, province, entry.id, seen, {"double_toxic": True})
        assert entry_of(s, province_part.task_id, "保定玖福食品有限公司").enterprise.double_toxic is False
        with pytest.raises(RuleViolation, match="其他用户修改"):
            roster.update_task(s, province, province_part.id, province_part.version - 1, name="新名称",
                               batch="第二批", requirements="", deadline=province_part.task.deadline)


def test_a_correction_records_before_and_after(uow):
    with uow() as s:
        province_part = new_task(s)
        province = user(s, PROVINCE)
        entry = entry_of(s, province_part.task_id, "保定玖福食品有限公司")
        changed = roster_list.correct(s, province, entry.id, entry.version,
                                      {"double_toxic": True, "address": "保定市清苑区某路1号", "name": "保定玖福食品有限公司"})
        assert changed == {"double_toxic": True, "address": "保定市清苑区某路1号"}
        [logged] = roster_reading.history(s, entry.id)
        assert logged.before == {"double_toxic": False, "address": None}
        assert logged.after == changed and logged.actor_login == PROVINCE
        with pytest.raises(ValidationError, match="校验码|统一社会信用代码"):
            roster_list.correct(s, province, entry.id, entry.version, {"credit_code": "91110108551385082R"})


def test_a_deadline_that_has_passed_is_refused_naming_the_date(uow):
    """core.dates: the date picker no longer bounds the date (it kept its default silently); core says why."""
    with uow() as s:
        province = user(s, PROVINCE)
        with pytest.raises(ValidationError, match=r"截止日期（2026-11-30）早于今天（2026-12-01）"):
            roster.create_task(s, province, name="过期任务", batch="第一批", requirements="",
                               deadline=CAMPAIGN_DAY - timedelta(days=1))
        part = new_task(s)
        with pytest.raises(ValidationError, match="早于今天"):
            roster.update_task(s, province, part.id, part.version, name="新名称", batch="第二批", requirements="",
                               deadline=CAMPAIGN_DAY - timedelta(days=2))
        roster.update_task(s, province, part.id, part.version, name="新名称", batch="第二批", requirements="",
                           deadline=CAMPAIGN_DAY)  # today itself is allowed
