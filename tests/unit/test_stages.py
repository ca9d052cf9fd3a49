"""Stage records, the options ledger and the applications, driven by the declarative stage table."""

from __future__ import annotations

import pytest

from core import applications, options, stage_records
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.models import utcnow
from core.project_models import Case, CaseKind, CaseRemark, CaseStatus, OptionKind, OptionStatus
from core.stages import STAGES
from tests.support.projects import FORM, accepted_project, an_option, complete_phase, fill, save_item, started
from tests.support.roster import pdf_bytes, png_bytes, user

REQUIRED = [(s.key, i.key) for s in STAGES for i in s.items if i.required]


@pytest.mark.parametrize(("stage_key", "item_key"), REQUIRED)
def test_every_required_item_is_required(uow, stage_key, item_key):
    with uow() as s:
        project, enterprise = started(s)
        an_option(s, enterprise, project.id)
        stage = next(x for x in STAGES if x.key == stage_key)
        fill(s, enterprise, project.id, stage, skip=item_key)
        with pytest.raises(ValidationError, match=stage.item(item_key).label):
            stage_records.complete_stage(s, enterprise, project.id, stage_key)
        fill_one = next(i for i in stage.items if i.key == item_key)
        fill(s, enterprise, project.id, type(stage)(stage.key, stage.label, stage.phase, (fill_one,)))
        stage_records.complete_stage(s, enterprise, project.id, stage_key)
        assert stage_key in stage_records.completed(s, project.id)


def test_stage_records_wait_for_the_startup_and_belong_to_the_enterprise(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        with pytest.raises(RuleViolation, match="项目启动"):
            save_item(s, enterprise, project.id, "pre_audit", "audit_focus", "废水")
        project.startup_submitted_at = utcnow()
        with pytest.raises(PermissionDenied):
            save_item(s, user(s, "130608"), project.id, "pre_audit", "audit_focus", "废水")


@pytest.mark.parametrize(("value", "message"), [(-1, "负数"), (1e12, "数值过大"), ("很多", "数字"),
                                                (float("nan"), "负数")])
def test_bad_figures_are_refused_and_the_earlier_value_kept(uow, value, message):
    with uow() as s:
        project, enterprise = started(s)
        save_item(s, enterprise, project.id, "assessment", "fresh_water", 3000)
        with pytest.raises(ValidationError, match=message):
            save_item(s, enterprise, project.id, "assessment", "fresh_water", value)
        assert stage_records.state(s, project.id, "assessment").values["fresh_water"] == 3000


def test_a_photo_item_takes_only_images(uow):
    with uow() as s:
        project, enterprise = started(s)
        with pytest.raises(ValidationError, match="不是允许的格式"):
            stage_records.add_files(s, enterprise, project.id, "preparation", "training_photos",
                                    [("照片.pdf", pdf_bytes())])


def test_editing_a_completed_stage_takes_its_mark_away(uow):
    with uow() as s:
        project, enterprise = started(s)
        stage = STAGES[1]
        fill(s, enterprise, project.id, stage)
        stage_records.complete_stage(s, enterprise, project.id, stage.key)
        save_item(s, enterprise, project.id, stage.key, "targets", "近期：节水 10%")
        assert stage.key not in stage_records.completed(s, project.id)


@pytest.mark.parametrize(("changes", "field"), [({"name": " "}, "name"), ({"investment": -2}, "investment"),
                                                ({"water_saved": 5e9}, "water_saved"), ({"stage": "lunch"}, "stage")])
def test_bad_options_are_refused(uow, changes, field):
    with uow() as s:
        project, enterprise = started(s)
        with pytest.raises(ValidationError) as refused:
            an_option(s, enterprise, project.id, **changes)
        assert refused.value.field == field


def test_options_add_up(uow):
    with uow() as s:
        project, enterprise = started(s)
        an_option(s, enterprise, project.id)
        an_option(s, enterprise, project.id, kind=OptionKind.HIGH_COST, name="中水回用", investment=120,
                  water_saved=30000, status=OptionStatus.PLANNED)
        sums = options.totals(options.options_of(s, project.id))
        assert sums["investment"] == 123.5 and sums["water_saved"] == 31200
        assert (sums["low_cost"], sums["high_cost"]) == (1, 1)


def test_the_evaluation_application_then_a_return_then_acceptance(uow):
    with uow() as s:
        project, enterprise = started(s)
        with pytest.raises(RuleViolation, match="未标记完成"):
            applications.submit(s, enterprise, project.id, CaseKind.EVALUATION, FORM, agreed=True)
        an_option(s, enterprise, project.id)
        complete_phase(s, enterprise, project.id, "evaluation")
        with pytest.raises(ValidationError, match="概述"):
            applications.submit(s, enterprise, project.id, CaseKind.EVALUATION, FORM | {"summary": "短"}, agreed=True)
        case = applications.submit(s, enterprise, project.id, CaseKind.EVALUATION, FORM, agreed=True)
        with pytest.raises(RuleViolation, match="不能再修改"):
            save_item(s, enterprise, project.id, "pre_audit", "targets", "改一下")
        with pytest.raises(RuleViolation, match="评估尚未通过"):
            applications.submit(s, enterprise, project.id, CaseKind.ACCEPTANCE, FORM, agreed=True)

        # A reviewer returns it with a remark on one stage (issue 6 builds the reviewers' side).
        case.status = CaseStatus.RETURNED
        s.add(CaseRemark(case_id=case.id, stage="assessment", remark="水平衡测试报告缺少车间数据"))
        s.flush()
        with pytest.raises(RuleViolation, match="无需修改"):
            save_item(s, enterprise, project.id, "pre_audit", "targets", "改一下")
        stage_records.add_files(s, enterprise, project.id, "assessment", "balance_report",
                                [("水平衡测试报告（补充）.pdf", pdf_bytes(2))])
        with pytest.raises(RuleViolation, match="审核意见未整改：审核"):
            applications.resubmit(s, enterprise, case.id, agreed=True)
        stage_records.complete_stage(s, enterprise, project.id, "assessment")
        applications.resubmit(s, enterprise, case.id, agreed=True)
        assert s.get(Case, case.id).status is CaseStatus.SUBMITTED

        case.status = CaseStatus.PASSED
        s.flush()
        complete_phase(s, enterprise, project.id, "acceptance")
        acceptance = applications.submit(s, enterprise, project.id, CaseKind.ACCEPTANCE, FORM, agreed=True)
        assert acceptance.kind is CaseKind.ACCEPTANCE and acceptance.status is CaseStatus.SUBMITTED


def test_a_refused_file_among_several_is_named_and_the_good_ones_are_kept(uow):
    """Issue 14: one bad file in the multi-file uploader used to take every good file down with it."""
    with uow() as s:
        project, enterprise = started(s)
        batch = stage_records.add_files(s, enterprise, project.id, "preparation", "training_photos",
                                        [("培训1.png", png_bytes()), ("病毒.png", b"MZ\x90\x00" * 50),
                                         ("培训2.png", png_bytes())])
        assert batch.added == 2 and len(batch.refused) == 1
        assert batch.refusal().startswith("未上传 1 个文件：“病毒.png”：")
        state = stage_records.state(s, project.id, "preparation")
        assert sorted(f.original_name for f in state.files["training_photos"]) == ["培训1.png", "培训2.png"]
        with pytest.raises(ValidationError, match="文件未上传：“病毒.png”：.*；“空.png”：文件是空的"):
            stage_records.add_files(s, enterprise, project.id, "preparation", "training_photos",
                                    [("病毒.png", b"MZ\x90\x00" * 50), ("空.png", b"")])


def test_a_save_made_on_an_older_view_of_the_item_is_refused(uow):
    """Issue 14: two tabs of one enterprise saving the same item; the later, made on what it saw before the
    other's save, used to win silently."""
    with uow() as s:
        project, enterprise = started(s)
        seen = stage_records.state(s, project.id, "pre_audit").versions["targets"]
        assert seen == 0  # nothing saved yet
        stage_records.save_value(s, enterprise, project.id, "pre_audit", "targets", "第一页签", seen=seen)
        with pytest.raises(RuleViolation, match="已在其他页面或由他人修改"):
            stage_records.save_value(s, enterprise, project.id, "pre_audit", "targets", "第二页签", seen=seen)
        now = stage_records.state(s, project.id, "pre_audit")
        assert now.values["targets"] == "第一页签" and now.versions["targets"] > seen
        stage_records.save_value(s, enterprise, project.id, "pre_audit", "targets", "看过后再改", seen=now.versions["targets"])
        assert stage_records.state(s, project.id, "pre_audit").values["targets"] == "看过后再改"
