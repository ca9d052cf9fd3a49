"""业务办理详情 · 受理审核 in rounds: 全部通过 with its confirmation, a new round after a return that opens
with the earlier opinions marked as carried over, and the project leader in 申请信息."""

from __future__ import annotations

from sqlalchemy import select

from core import applications, cases, stage_records
from core.cases import StageVerdict
from core.db import unit_of_work
from core.models import AuditLogEntry
from core.project_models import CaseStatus, CaseStep
from core.review_models import IntakeOpinion
from core.stages import stages_of
from tests.app.conftest import texts
from tests.app.test_case_review import EVALUATION_STAGES, case_row, count, errors, open_case, successes
from tests.support.projects import fill, submitted_case
from tests.support.roster import CITY, QINGYUAN, user

PROBLEM = "缺少车间级水平衡测试数据，请补充"
NOTE = "审核准备资料齐全"


def intake_key(case_id: int, round_: int = 1, step: str = "county_intake") -> str:
    return f"intake_{case_id}_{round_}_{step}"


def opinions(case_id: int, round_: int) -> dict[str, tuple[bool, str]]:
    with unit_of_work() as s:
        rows = s.scalars(select(IntakeOpinion).where(IntakeOpinion.case_id == case_id, IntakeOpinion.round == round_))
        return {o.stage: (o.passed, o.opinion) for o in rows}


def test_pass_all_asks_first_and_then_passes_every_stage_keeping_the_notes(db):
    with unit_of_work() as s:
        case, _ = submitted_case(s)
        case_id = case.id
        user(s, QINGYUAN)
    at = open_case(QINGYUAN, case_id)
    key = intake_key(case_id)
    at.radio(key=f"{key}_preparation_verdict").set_value("通过")
    at.text_area(key=f"{key}_preparation_text").input(NOTE)
    at.text_area(key=f"{key}_pre_audit_text").input("只写了说明，未选结论")
    at.radio(key=f"{key}_assessment_verdict").set_value("不通过")
    at.text_area(key=f"{key}_assessment_text").input(PROBLEM)
    at.run()
    assert at.button(key=f"intake_all_{case_id}").label == "全部通过（6 个步骤）"
    assert not [b for b in at.button if b.key == f"intake_all_yes_{case_id}"]  # nothing is asked yet

    at.button(key=f"intake_all_{case_id}").click().run()
    shown = texts(at)
    assert "确认全部 **6** 个步骤受理通过，并提交“地市受理审核”？" in shown
    assert "以下步骤当前选择“不通过”，确认后将改为通过：审核" in shown
    at.button(key=f"intake_all_no_{case_id}").click().run()
    assert "确认全部" not in texts(at)
    assert not [b for b in at.button if b.key == f"intake_all_yes_{case_id}"]
    assert count(IntakeOpinion, case_id) == 0

    at.button(key=f"intake_all_{case_id}").click().run()
    at.button(key=f"intake_all_yes_{case_id}").click().run()
    assert "请先阅读并勾选“我同意上述内容”" in errors(at)
    assert count(IntakeOpinion, case_id) == 0 and case_row(case_id) == (CaseStatus.SUBMITTED, CaseStep.COUNTY_INTAKE, 1)
    assert at.text_area(key=f"{key}_preparation_text").value == NOTE  # nothing typed is lost
    assert at.radio(key=f"{key}_assessment_verdict").value == "不通过"

    at.checkbox(key=f"intake_agree_{case_id}_1").check().run()
    at.button(key=f"intake_all_yes_{case_id}").click().run()  # the question is still open
    assert not at.exception, at.exception
    assert "全部 6 个步骤受理通过，已提交“地市受理审核”。" in successes(at)
    assert "当前环节：**地市受理审核**（保定市办理）" in texts(at)
    assert not [b for b in at.button if b.key in (f"intake_all_{case_id}", f"intake_submit_{case_id}")]
    assert case_row(case_id) == (CaseStatus.IN_REVIEW, CaseStep.CITY_INTAKE, 1)
    notes = {"preparation": NOTE, "pre_audit": "只写了说明，未选结论"}  # a 不通过 problem is not kept as a note
    assert opinions(case_id, 1) == {k: (True, notes.get(k, "")) for k in EVALUATION_STAGES}


def test_a_resubmitted_case_opens_its_new_round_with_the_earlier_opinions_marked_as_carried_over(db):
    with unit_of_work() as s:
        case, enterprise = submitted_case(s)
        first = {k: StageVerdict(True, NOTE if k == "preparation" else "") for k in EVALUATION_STAGES}
        first["assessment"] = StageVerdict(False, PROBLEM)
        cases.intake(s, user(s, QINGYUAN), case.id, case.version, first, agreed=True)
        fill(s, enterprise, case.project_id, next(x for x in stages_of("evaluation") if x.key == "assessment"))
        stage_records.complete_stage(s, enterprise, case.project_id, "assessment")
        applications.resubmit(s, enterprise, case.id, agreed=True)
        case_id = case.id
        user(s, CITY)
    assert case_row(case_id) == (CaseStatus.SUBMITTED, CaseStep.COUNTY_INTAKE, 2)

    at = open_case(QINGYUAN, case_id)
    key = intake_key(case_id, 2)
    shown = texts(at)
    assert "本轮受理意见已沿用第 1 轮" in shown and "请核对企业的整改情况，只修改有变化的步骤。" in shown
    assert [at.radio(key=f"{key}_{k}_verdict").value for k in EVALUATION_STAGES] == ["通过", "通过", "不通过",
                                                                                      "通过", "通过", "通过"]
    assert at.text_area(key=f"{key}_assessment_text").value == PROBLEM
    assert at.text_area(key=f"{key}_preparation_text").value == NOTE
    labels = [e.label for e in at.expander if e.label[:2] in {f"{i}." for i in range(1, 7)}]
    assert labels == [f"{i}. {s.label} · 沿用第 1 轮：{'不通过' if s.key == 'assessment' else '通过'}"
                      for i, s in enumerate(stages_of("evaluation"), start=1)]
    assert "已给出意见 **6/6** 个步骤，其中不通过 **1** 个" in shown
    assert at.button(key=f"intake_submit_{case_id}").label == "退回企业整改"

    # The reviewer changes only the reworked stage.
    at.radio(key=f"{key}_assessment_verdict").set_value("通过")
    at.text_area(key=f"{key}_assessment_text").input("已补充车间级计量数据")
    at.checkbox(key=f"intake_agree_{case_id}_2").check()
    at.run()
    assert at.button(key=f"intake_submit_{case_id}").label == "受理通过"
    at.button(key=f"intake_submit_{case_id}").click().run()
    assert not at.exception, at.exception
    assert "受理通过，已提交下一环节。" in successes(at), errors(at)
    assert case_row(case_id) == (CaseStatus.IN_REVIEW, CaseStep.CITY_INTAKE, 2)
    expected = {k: (v.passed, v.opinion) for k, v in first.items()} | {"assessment": (True, "已补充车间级计量数据")}
    assert opinions(case_id, 2) == expected
    assert opinions(case_id, 1)["assessment"] == (False, PROBLEM)  # round 1 stays as it was
    with unit_of_work() as s:
        entry = s.scalars(select(AuditLogEntry).where(AuditLogEntry.action == "case.intake_pass")
                          .order_by(AuditLogEntry.id.desc())).first()
        assert entry.after == {"step": "city_intake", "round": 2, "carried_from_round": 1, "changed": ["assessment"]}

    # The city looks at the case for the first time: nothing to carry over, nothing chosen for it.
    city = open_case(CITY, case_id)
    assert "沿用" not in texts(city)
    assert [city.radio(key=f"{intake_key(case_id, 2, 'city_intake')}_{k}_verdict").value
            for k in EVALUATION_STAGES] == [None] * 6


def test_the_application_shows_the_project_leader_named_when_the_task_was_accepted(db):
    with unit_of_work() as s:
        case, _ = submitted_case(s)
        case_id = case.id
        user(s, CITY)
    at = open_case(CITY, case_id)  # the county holds the case; the city reads it all the same
    at.radio(key=f"case_step_{case_id}").set_value("申请信息").run()
    assert not at.exception, at.exception
    assert "项目负责人：张三 · 移动电话：13812345678（接受清审任务时填报）" in texts(at)
