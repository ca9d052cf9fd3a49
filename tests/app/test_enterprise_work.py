"""The enterprise's 工作过程填报, 方案台账 and 评估验收申请 screens."""

from __future__ import annotations

from sqlalchemy import select

from core.db import unit_of_work
from core.models import User, utcnow
from core.project_models import Case, CaseRemark, CaseStatus
from tests.app.conftest import click, open_as, texts
from tests.support.projects import accepted_project
from tests.support.roster import pdf_bytes
from tests.unit.test_stages import an_option, complete_phase


def _setup(started: bool = True) -> tuple[int, str]:
    with unit_of_work() as s:
        project, enterprise = accepted_project(s)
        if started:
            project.startup_submitted_at = utcnow()
        return project.id, enterprise.login


def test_stage_work_waits_for_the_startup(db):
    _, login = _setup(started=False)
    at = open_as(login, "pages/audit_work.py")
    assert "请先完成并提交“项目启动”信息" in texts(at)


def test_recording_a_stage_with_bad_and_good_input(db):
    project_id, login = _setup()
    at = open_as(login, "pages/audit_work.py")
    at.radio(key=f"work_stage_{project_id}").set_value("assessment").run()
    key = f"{project_id}_assessment_fresh_water"
    at.number_input(key=f"work_value_{key}").set_value(-5).run()
    at.button(key=f"work_save_{key}").click().run()
    assert "新鲜水用量不能为负数" in texts(at)
    at.number_input(key=f"work_value_{key}").set_value(36000).run()
    at.button(key=f"work_save_{key}").click().run()
    assert "已保存新鲜水用量" in texts(at)
    upload_key = f"{project_id}_assessment_balance_report"
    at.file_uploader(key=f"work_upload_{upload_key}_0").set_value([("水平衡测试报告.pdf", pdf_bytes(), "application/pdf")])
    at.run()
    at.button(key=f"work_upload_btn_{upload_key}").click().run()
    assert "已上传 1 个文件" in texts(at)
    at = click(at, "标记本阶段完成")
    assert "“审核”还缺少：输入输出物流实测数据表、废弃物产生原因分析" in texts(at)


def test_two_tabs_saving_one_item_the_later_is_told_and_changes_nothing(db):
    """Issue 14: the help promised a stale-write message; the later save used to win silently."""
    project_id, login = _setup()
    key = f"{project_id}_assessment_cause_analysis"
    tabs = []
    for _ in range(2):  # both open the stage before either saves
        tab = open_as(login, "pages/audit_work.py")
        tab.radio(key=f"work_stage_{project_id}").set_value("assessment").run()
        tabs.append(tab)
    first, second = tabs
    first.text_area(key=f"work_text_{key}").input("第一个页签：冷却水损耗为主").run()
    first.button(key=f"work_save_{key}").click().run()
    assert "已保存废弃物产生原因分析" in texts(first)
    second.text_area(key=f"work_text_{key}").input("第二个页签：清洗水损耗为主").run()
    second.button(key=f"work_save_{key}").click().run()
    assert "“废弃物产生原因分析”已在其他页面或由他人修改，本次保存未生效" in texts(second)
    assert "现已保存的内容：第一个页签：冷却水损耗为主" in texts(second)
    with unit_of_work() as s:
        assert stage_state(s, project_id).values["cause_analysis"] == "第一个页签：冷却水损耗为主"
    second.button(key=f"work_save_{key}").click().run()  # told and shown, the user saves over it knowingly
    with unit_of_work() as s:
        assert stage_state(s, project_id).values["cause_analysis"] == "第二个页签：清洗水损耗为主"


def stage_state(s, project_id: int):
    from core import stage_records

    return stage_records.state(s, project_id, "assessment")


def test_the_options_ledger_refuses_a_negative_investment_and_keeps_the_name(db):
    _, login = _setup()
    at = open_as(login, "pages/options_ledger.py")
    at.text_input[0].input("冷凝水回收")
    [n for n in at.number_input if n.label.startswith("投资")][0].set_value(-3)
    [b for b in at.button if b.label == "保存方案"][0].click()
    at.run()
    assert "投资不能为负数" in texts(at)
    assert at.text_input[0].value == "冷凝水回收"
    [n for n in at.number_input if n.label.startswith("投资")][0].set_value(3)
    [b for b in at.button if b.label == "保存方案"][0].click()
    at.run()
    assert "已保存方案“冷凝水回收”" in texts(at)
    assert at.dataframe[0].value["方案名称"].tolist() == ["冷凝水回收"]


def test_the_evaluation_application_and_its_rework(db):
    project_id, login = _setup()
    at = open_as(login, "pages/applications.py")
    assert "“审核准备”未标记完成" in texts(at) and "评估尚未通过" in texts(at)
    with unit_of_work() as s:
        enterprise = s.scalar(select(User).where(User.login == login))
        an_option(s, enterprise, project_id)
        complete_phase(s, enterprise, project_id, "evaluation")
    at = open_as(login, "pages/applications.py")
    inputs = {t.label: t for t in at.text_input}
    inputs["申请联系人 *"].input("张三")
    inputs["联系电话 *"].input("0312-1234567")
    at.text_area[0].input("太短")
    at.checkbox[0].check()
    [b for b in at.button if b.label == "提交评估申请"][0].click()
    at.run()
    assert "不少于 20 个字" in texts(at)
    at.text_area[0].input("本轮审核完成了审核准备、预审核、审核、方案产生和筛选等各阶段工作，实施无低费方案一项。")
    [b for b in at.button if b.label == "提交评估申请"][0].click()
    at.run()
    assert "评估申请已提交" in texts(at)

    with unit_of_work() as s:
        case = s.scalar(select(Case).where(Case.project_id == project_id))
        case.status = CaseStatus.RETURNED
        s.add(CaseRemark(case_id=case.id, stage="assessment", remark="缺少车间水平衡数据"))
    at = open_as(login, "pages/applications.py")
    assert "缺少车间水平衡数据" in texts(at)
    assert [b for b in at.button if b.label == "重新提交"][0].disabled
    with unit_of_work() as s:  # the enterprise reworks the remarked stage
        from core import stage_records

        enterprise = s.scalar(select(User).where(User.login == login))
        stage_records.add_files(s, enterprise, project_id, "assessment", "measurement_data", [("补充.pdf", pdf_bytes())])
        stage_records.complete_stage(s, enterprise, project_id, "assessment")
    at = open_as(login, "pages/applications.py")
    assert "（已整改）" in texts(at)
    at.checkbox[0].check().run()
    at = click(at, "重新提交")
    assert "评估申请已重新提交" in texts(at)
    with unit_of_work() as s:
        assert s.scalar(select(Case).where(Case.project_id == project_id)).status is CaseStatus.SUBMITTED


def test_the_home_page_says_where_the_audit_stands_and_what_was_returned(db):
    with unit_of_work() as s:
        from core.cases import StageVerdict, intake
        from core.stages import stages_of
        from tests.support.projects import submitted_case
        from tests.support.roster import QINGYUAN, user

        case, enterprise = submitted_case(s)
        verdicts = {st.key: StageVerdict(True) for st in stages_of("evaluation")}
        verdicts["preparation"] = StageVerdict(False, "缺少审核小组成立文件 **加粗** [链接](http://x.cn)")
        intake(s, user(s, QINGYUAN), case.id, case.version, verdicts, agreed=True)
        login = enterprise.login
    at = open_as(login, "pages/home.py")
    shown_text = texts(at)
    assert "审核进展" in shown_text and "评估申请在“区县受理审核”环节被退回" in shown_text
    assert "缺少审核小组成立文件" in shown_text
    [bar] = at.get("progress")
    assert bar.proto.text == "工作过程填报：已完成 6 / 9 个阶段" and bar.proto.value == 66
    # The to-dos point at the screens where the enterprise acts, the rework first.
    links = [(link.label, link.proto.page) for link in at.get("page_link")]
    assert links[0] == ("1. 按审核意见修改后重新提交评估申请", "applications")
    assert ("2. 公布本企业的审核信息，并在系统中登记公开方式和证明材料", "disclosure") in links
    assert "企业登录系统填报并公布审核信息" in shown_text  # the next milestone: nothing published yet
