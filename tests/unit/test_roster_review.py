"""The reviewer's view of a submission (every change, corrections before -> after) and the short paths:
a county submitting an unchanged list in one step, a city approving several counties at once, a returned
否 revised without typing its reason and sending its files again."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core import attachments, roster, roster_list, roster_reading, roster_review
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.models import AuditLogEntry, Enterprise
from core.workflow_models import RosterAssignment, RosterEntry, RosterReview, RosterStatus
from tests.support.roster import CITY, PROVINCE, QINGYUAN, ZHUOZHOU, new_task, part, pdf_bytes, png_bytes, user
from tests.unit.test_roster_list import build, logged, refused

S = RosterStatus
FEIYAO, XUNLIDA, QINGYA = "涿州市飞耀金属制品有限公司", "涿州迅利达创新科技发展有限公司", "涿州市清雅义齿制作有限公司"


def entry_of(s, task_id: int, name: str) -> RosterEntry:
    return s.scalar(select(RosterEntry).join(Enterprise).where(RosterEntry.task_id == task_id,
                                                               Enterprise.name == name))


def to_city(uow) -> int:
    """The small task dispatched to 保定市, which still holds it; returns the task id."""
    with uow() as s:
        province_part = new_task(s)
        roster.dispatch(s, user(s, PROVINCE), province_part.id, province_part.version, agreed=True)
        return province_part.task_id


def to_counties(uow, task_id: int) -> None:
    with uow() as s:
        city = part(s, task_id, CITY)
        roster.dispatch(s, user(s, CITY), city.id, city.version, agreed=True)


def submit(uow, task_id: int, county: str) -> None:
    with uow() as s:
        own = part(s, task_id, county)
        roster.submit(s, user(s, county), own.id, own.version, agreed=True, final_list_name="最终名单.pdf",
                      final_list=pdf_bytes())


# --- what the reviewer sees ------------------------------------------------------------------------

def test_the_review_lists_no_additions_and_corrections_before_and_after(uow):
    task_id = to_city(uow)
    with uow() as s:  # the city's own correction, before it dispatched: not the county's change
        xunlida = entry_of(s, task_id, XUNLIDA)
        roster_list.correct(s, user(s, CITY), xunlida.id, xunlida.version, {"legal_representative": "张三"})
    to_counties(uow, task_id)
    with uow() as s:
        county = user(s, ZHUOZHOU)
        feiyao = entry_of(s, task_id, FEIYAO)
        roster_list.mark_excluded(s, county, [(feiyao.id, feiyao.version)], "已关停", [("关停证明.pdf", pdf_bytes())])
        xunlida = entry_of(s, task_id, XUNLIDA)
        roster_list.set_flags(s, county, [(xunlida.id, xunlida.version)], double_exceed=True)
        roster_list.correct(s, county, xunlida.id, xunlida.version, {"address": "涿州市东城坊镇"})
        roster_list.correct(s, county, xunlida.id, xunlida.version, {"address": "涿州市松林店镇"})
        qingya = s.scalar(select(Enterprise).where(Enterprise.name == QINGYA))
        roster_list.add_enterprise(s, county, part(s, task_id, ZHUOZHOU).id, qingya.id)
    submit(uow, task_id, ZHUOZHOU)
    with uow() as s:
        child = part(s, task_id, ZHUOZHOU)
        city = user(s, CITY)
        assert roster_reading.change_count(s, city, child) == 3
        found = {c.row.name: c for c in roster_reading.changes(s, city, child)}
    assert set(found) == {FEIYAO, XUNLIDA, QINGYA}
    assert found[FEIYAO].kinds == ["标注否"] and found[FEIYAO].row.exclusion_reason == "已关停"
    assert [a.original_name for a in found[FEIYAO].evidence] == ["关停证明.pdf"]
    assert found[QINGYA].kinds == ["增补"] and found[QINGYA].corrections == ()
    assert found[XUNLIDA].kinds == ["修正"]
    # first value before the county's corrections -> value after its last one; the city's own is not there
    assert {(c.label, c.before, c.after) for c in found[XUNLIDA].corrections} == {
        ("是否双超", False, True), ("地址", None, "涿州市松林店镇")}


def test_a_correction_made_and_undone_is_still_shown_to_the_reviewer(uow):
    task_id = to_city(uow)
    to_counties(uow, task_id)
    with uow() as s:
        county = user(s, ZHUOZHOU)
        xunlida = entry_of(s, task_id, XUNLIDA)
        roster_list.set_flags(s, county, [(xunlida.id, xunlida.version)], double_toxic=True)
        roster_list.set_flags(s, county, [(xunlida.id, xunlida.version)], double_toxic=False)
    with uow() as s:
        [change] = roster_reading.changes(s, user(s, CITY), part(s, task_id, ZHUOZHOU))
    assert change.row.name == XUNLIDA and change.corrections == () and change.kinds == ["修正（已改回原值）"]


def test_an_unchanged_part_has_nothing_to_review(uow):
    task_id = to_city(uow)
    to_counties(uow, task_id)
    with uow() as s:
        child = part(s, task_id, ZHUOZHOU)
        assert roster_reading.change_count(s, user(s, CITY), child) == 0
        assert roster_reading.changes(s, user(s, CITY), child) == []


# --- 名单无变化，直接提交 -----------------------------------------------------------------------------

def test_a_county_submits_an_unchanged_list_in_one_step(uow):
    task_id = to_city(uow)
    to_counties(uow, task_id)
    with uow() as s:
        own = part(s, task_id, ZHUOZHOU)
        roster_review.submit_unchanged(s, user(s, ZHUOZHOU), own.id, own.version, agreed=True,
                                       final_list_name="涿州最终名单.pdf", final_list=pdf_bytes())
    with uow() as s:
        own = part(s, task_id, ZHUOZHOU)
        assert own.status is S.SUBMITTED and own.submitted_at is not None
        [scan] = attachments.of(s, roster.OWNER_ASSIGNMENT, own.id, attachments.FINAL_LIST)
        assert scan.original_name == "涿州最终名单.pdf"
        record = s.scalar(select(AuditLogEntry).where(AuditLogEntry.action == "roster.submit"))
        assert record.actor_login == ZHUOZHOU and record.statement


def _unchanged_refused(uow, task_id: int, login: str, kind, fragment: str, **changes) -> None:
    with uow() as s:
        own = part(s, task_id, login)
        arguments = {"agreed": True, "final_list_name": "最终名单.pdf", "final_list": pdf_bytes(),
                     "version": own.version, "assignment_id": own.id, **changes}
        before = [(a.id, a.status, a.version) for a in s.scalars(select(RosterAssignment))]
    with pytest.raises(kind, match=fragment), uow() as s:
        roster_review.submit_unchanged(s, user(s, login), arguments.pop("assignment_id"), arguments.pop("version"),
                                       **arguments)
    with uow() as s:
        assert [(a.id, a.status, a.version) for a in s.scalars(select(RosterAssignment))] == before
        assert not attachments.of(s, roster.OWNER_ASSIGNMENT, own.id, attachments.FINAL_LIST)


def test_the_unchanged_path_keeps_every_rule_of_a_submission(uow):
    task_id = to_city(uow)
    to_counties(uow, task_id)
    _unchanged_refused(uow, task_id, ZHUOZHOU, ValidationError, "盖章扫描件", final_list=None)
    _unchanged_refused(uow, task_id, ZHUOZHOU, ValidationError, "我同意上述内容", agreed=False)
    _unchanged_refused(uow, task_id, ZHUOZHOU, RuleViolation, "其他用户", version=0)
    _unchanged_refused(uow, task_id, ZHUOZHOU, ValidationError, "文件内容不是允许的格式",
                       final_list=b"MZ" + b"\0" * 64)
    with uow() as s:
        other = part(s, task_id, ZHUOZHOU)
    with pytest.raises(PermissionDenied), uow() as s:  # another county's task
        roster_review.submit_unchanged(s, user(s, QINGYUAN), other.id, other.version, agreed=True,
                                       final_list_name="最终名单.pdf", final_list=pdf_bytes())


def test_a_city_cannot_take_the_countys_short_path(uow):
    task_id = to_city(uow)
    to_counties(uow, task_id)
    _unchanged_refused(uow, task_id, CITY, RuleViolation, "只有区县")


def test_a_changed_list_is_not_submitted_as_unchanged(uow):
    task_id = to_city(uow)
    to_counties(uow, task_id)
    with uow() as s:
        feiyao = entry_of(s, task_id, FEIYAO)
        roster_list.mark_excluded(s, user(s, ZHUOZHOU), [(feiyao.id, feiyao.version)], "已关停",
                                  [("关停证明.pdf", pdf_bytes())])
    _unchanged_refused(uow, task_id, ZHUOZHOU, RuleViolation, "已有 1 家企业")


# --- approving several at once ----------------------------------------------------------------------

def _both_submitted(uow) -> int:
    task_id = to_city(uow)
    to_counties(uow, task_id)
    submit(uow, task_id, ZHUOZHOU)
    submit(uow, task_id, QINGYUAN)
    return task_id


def _targets(s, task_id: int, *codes: str) -> list[tuple[int, int]]:
    return [(part(s, task_id, c).id, part(s, task_id, c).version) for c in codes]


def test_a_city_approves_several_counties_at_once_each_recorded(uow):
    task_id = _both_submitted(uow)
    with uow() as s:
        result = roster_review.approve_many(s, user(s, CITY), part(s, task_id, CITY).id,
                                            _targets(s, task_id, ZHUOZHOU, QINGYUAN), agreed=True)
    assert sorted(result.approved) == ["涿州市", "清苑区"] and result.refused == ()
    assert "已审核通过 2 个单位" in result.summary()
    with uow() as s:
        assert {part(s, task_id, c).status for c in (ZHUOZHOU, QINGYUAN)} == {S.APPROVED}
        records = s.scalars(select(AuditLogEntry).where(AuditLogEntry.action == "roster.approve")).all()
        assert len(records) == 2 and all(r.actor_login == CITY and r.statement for r in records)
        assert s.scalar(select(func.count()).select_from(RosterReview)) == 2


def test_a_bulk_approval_names_each_part_it_refuses_and_approves_the_others(uow):
    task_id = to_city(uow)
    to_counties(uow, task_id)
    submit(uow, task_id, ZHUOZHOU)  # 清苑区 has not submitted
    with uow() as s:
        result = roster_review.approve_many(s, user(s, CITY), part(s, task_id, CITY).id,
                                            _targets(s, task_id, ZHUOZHOU, QINGYUAN), agreed=True)
    assert result.approved == ("涿州市",)
    [refusal] = result.refused
    assert refusal.startswith("清苑区：") and "待确认" in refusal
    with uow() as s:
        assert part(s, task_id, ZHUOZHOU).status is S.APPROVED
        assert part(s, task_id, QINGYUAN).status is S.PENDING


def test_a_part_changed_since_the_page_showed_it_is_refused_by_name(uow):
    task_id = _both_submitted(uow)
    with uow() as s:
        targets = dict(_targets(s, task_id, ZHUOZHOU, QINGYUAN))
        qingyuan = part(s, task_id, QINGYUAN)
        roster.review(s, user(s, CITY), qingyuan.id, qingyuan.version, approve=False, comment="请补充材料")
    with uow() as s:
        result = roster_review.approve_many(s, user(s, CITY), part(s, task_id, CITY).id, list(targets.items()),
                                            agreed=True)
    assert result.approved == ("涿州市",) and "清苑区：" in result.refused[0] and "其他用户" in result.refused[0]
    with uow() as s:
        assert part(s, task_id, QINGYUAN).status is S.RETURNED


def test_a_bulk_approval_that_approves_nothing_changes_nothing(uow):
    task_id = to_city(uow)
    to_counties(uow, task_id)
    with pytest.raises(RuleViolation, match="没有审核通过任何单位") as refused, uow() as s:
        roster_review.approve_many(s, user(s, CITY), part(s, task_id, CITY).id,
                                   _targets(s, task_id, ZHUOZHOU, QINGYUAN), agreed=True)
    assert "涿州市：任务当前状态为“待确认”" in str(refused.value) and "清苑区：" in str(refused.value)
    with uow() as s:
        assert s.scalar(select(func.count()).select_from(RosterReview)) == 0


def test_a_bulk_approval_needs_the_statement_a_selection_and_the_parent(uow):
    task_id = _both_submitted(uow)
    with uow() as s:
        city_id, targets = part(s, task_id, CITY).id, _targets(s, task_id, ZHUOZHOU, QINGYUAN)
        province_id, county_id = part(s, task_id, PROVINCE).id, part(s, task_id, ZHUOZHOU).id
    with pytest.raises(ValidationError, match="我同意上述内容"), uow() as s:
        roster_review.approve_many(s, user(s, CITY), city_id, targets, agreed=False)
    with pytest.raises(ValidationError, match="请先选择"), uow() as s:
        roster_review.approve_many(s, user(s, CITY), city_id, [], agreed=True)
    with pytest.raises(PermissionDenied, match="无权"), uow() as s:  # a county for its city
        roster_review.approve_many(s, user(s, ZHUOZHOU), city_id, targets, agreed=True)
    with pytest.raises(RuleViolation, match="不是本级下发的任务"), uow() as s:  # the province skips the city
        roster_review.approve_many(s, user(s, PROVINCE), province_id, targets, agreed=True)
    with uow() as s:
        assert part(s, task_id, ZHUOZHOU).status is S.SUBMITTED and s.get(RosterAssignment, county_id)
        assert s.scalar(select(func.count()).select_from(RosterReview)) == 0


# --- a returned 否 revised -----------------------------------------------------------------------------

def _excluded_after_a_return(uow) -> tuple[int, int]:
    """涿州 marked 飞耀 否 with two files, submitted, and the city returned it; (task id, entry id)."""
    task_id = build(uow)
    with uow() as s:
        entry = entry_of(s, task_id, FEIYAO)
        roster_list.mark_excluded(s, user(s, ZHUOZHOU), [(entry.id, entry.version)], "已关停",
                                  [("关停证明.pdf", pdf_bytes()), ("现场照片.png", png_bytes())])
        county = part(s, task_id, ZHUOZHOU)
        roster.submit(s, user(s, ZHUOZHOU), county.id, county.version, agreed=True,
                      final_list_name="最终名单.pdf", final_list=pdf_bytes())
        roster.review(s, user(s, CITY), county.id, county.version, approve=False, comment="请补充注销证明")
        return task_id, entry.id


def test_a_returned_no_keeps_its_reason_and_files_and_takes_a_new_file(uow):
    task_id, entry_id = _excluded_after_a_return(uow)
    with uow() as s:
        entry = s.get(RosterEntry, entry_id)
        assert not entry.included and entry.exclusion_reason == "已关停"  # the return changed nothing
        kept = [a.id for a in roster_reading.evidence_of(s, [entry_id])[entry_id]]
        roster_list.revise_exclusion(s, user(s, ZHUOZHOU), entry_id, entry.version, "已关停", kept,
                                     [("注销证明.pdf", pdf_bytes(2))])
    with uow() as s:
        entry = s.get(RosterEntry, entry_id)
        assert not entry.included and entry.exclusion_reason == "已关停"
        names = [a.original_name for a in roster_reading.evidence_of(s, [entry_id])[entry_id]]
        assert names == ["关停证明.pdf", "现场照片.png", "注销证明.pdf"]
        [record] = s.scalars(select(AuditLogEntry).where(AuditLogEntry.action == "roster.revise_exclusion")).all()
        assert record.after["added"] == ["注销证明.pdf"] and record.after["removed"] == []


def test_revising_a_no_changes_the_reason_and_drops_only_the_files_not_kept(uow):
    task_id, entry_id = _excluded_after_a_return(uow)
    with uow() as s:
        entry = s.get(RosterEntry, entry_id)
        proof, photo = roster_reading.evidence_of(s, [entry_id])[entry_id]
        roster_list.revise_exclusion(s, user(s, ZHUOZHOU), entry_id, entry.version, "已于2021年3月关停并注销",
                                     [proof.id], [])
    with uow() as s:
        entry = s.get(RosterEntry, entry_id)
        assert entry.exclusion_reason == "已于2021年3月关停并注销"
        assert [a.original_name for a in roster_reading.evidence_of(s, [entry_id])[entry_id]] == ["关停证明.pdf"]
        assert logged(s, "attachment.remove") == 1


@pytest.mark.parametrize(("reason", "keep", "files", "message"), [
    ("", "all", [], "请填写情况说明"),
    ("已关停", "none", [], "请至少保留或上传一份佐证材料"),
    ("已关停", "all", [], "没有变化"),
])
def test_revising_a_no_still_needs_a_reason_and_evidence(uow, reason, keep, files, message):
    task_id, entry_id = _excluded_after_a_return(uow)
    with uow() as s:
        version = s.get(RosterEntry, entry_id).version
        ids = [a.id for a in roster_reading.evidence_of(s, [entry_id])[entry_id]] if keep == "all" else []
    refused(uow, task_id, lambda s: roster_list.revise_exclusion(s, user(s, ZHUOZHOU), entry_id, version, reason,
                                                                 ids, files), ValidationError, message)


def test_only_the_pen_holder_revises_a_no_and_only_a_no(uow):
    task_id, entry_id = _excluded_after_a_return(uow)
    with uow() as s:
        version = s.get(RosterEntry, entry_id).version
        kept = entry_of(s, task_id, XUNLIDA)
        kept_id, kept_version = kept.id, kept.version
    proof = [("证明.pdf", pdf_bytes())]
    refused(uow, task_id, lambda s: roster_list.revise_exclusion(s, user(s, CITY), entry_id, version, "已关停", [],
                                                                 proof), PermissionDenied, "涿州市")
    refused(uow, task_id, lambda s: roster_list.revise_exclusion(s, user(s, QINGYUAN), entry_id, version, "已关停",
                                                                 [], proof), PermissionDenied, "管辖范围")
    refused(uow, task_id, lambda s: roster_list.revise_exclusion(s, user(s, ZHUOZHOU), kept_id, kept_version,
                                                                 "已关停", [], proof), RuleViolation, "未标注为“否”")
    refused(uow, task_id, lambda s: roster_list.revise_exclusion(s, user(s, ZHUOZHOU), entry_id, version - 1,
                                                                 "已关停", [], proof), RuleViolation, "其他用户")
