"""The departments' 业务办理 and 业务办理详情 screens: the list, intake, expert draw, 线上文审 and the result,
each checked on the page and in the database (and, where it matters, on the enterprise's 评估验收申请)."""

from __future__ import annotations

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from core import auth, expert_draw, full_review
from core.cases import enterprise_of
from core.db import unit_of_work
from core.full_review import OpinionForm, SiteForm
from core.models import ManagingTier, User
from core.project_models import Case, CaseRemark, CaseStatus, CaseStep
from core.review_models import (
    CaseResult,
    Conclusion,
    ExpertDraw,
    ExpertOpinion,
    IntakeOpinion,
    PanelMember,
    PanelStatus,
)
from core.stages import stages_of
from core.startup_fields import today
from tests.app.conftest import click, new_app, open_as, texts
from tests.support.projects import submitted_case
from tests.support.review import at_draw, pool
from tests.support.roster import CITY, LIANCHI, PROVINCE, QINGYUAN, png_bytes, user

SHIJIAZHUANG = "130100"
EVALUATION_STAGES = [s.key for s in stages_of("evaluation")]


def open_case(login: str, case_id: int) -> AppTest:
    """业务办理详情 of `case_id` in a fresh session signed in as `login` (as the list's 详情 button leaves it)."""
    with unit_of_work() as s:
        token = auth.open_session(s, s.scalar(select(User).where(User.login == login)))
    at = new_app()
    at.session_state["session_token"] = token
    at.session_state["case_id"] = case_id
    at.run()
    at.switch_page("pages/case.py").run()
    assert not at.exception, at.exception
    return at


def case_row(case_id: int) -> tuple[CaseStatus, CaseStep, int]:
    with unit_of_work() as s:
        case = s.get(Case, case_id)
        return case.status, case.step, case.round


def count(model, case_id: int) -> int:
    with unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(model).where(model.case_id == case_id))


def errors(at) -> str:
    return "\n".join(e.value for e in at.error)


def successes(at) -> str:
    return "\n".join(e.value for e in at.success)


def labelled(elements, label: str, i: int = 0):
    """The `i`-th of the widgets labelled `label` (form widgets have no key)."""
    matches = [e for e in elements if e.label == label]
    assert len(matches) > i, f"no {i}-th widget {label!r}; have {[e.label for e in elements]}"
    return matches[i]


def table(at, column: str):
    """The first dataframe on the page that has `column`."""
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert frames, f"no table with {column!r}"
    return frames[0]


# -- 1. the list ---------------------------------------------------------------------------------

def test_the_list_shows_the_case_to_the_departments_over_it_and_marks_whose_turn_it_is(db):
    with unit_of_work() as s:
        case, _ = submitted_case(s)
        case_id = case.id
        for login in (QINGYUAN, CITY, LIANCHI):
            user(s, login)
    assert case_row(case_id) == (CaseStatus.SUBMITTED, CaseStep.COUNTY_INTAKE, 1)

    county = open_as(QINGYUAN, "pages/cases.py")
    shown = texts(county)
    assert "共 **1** 项申请，其中待本部门办理 **1** 项" in shown
    assert "**保定玖福食品有限公司** · 评估申请" in shown
    assert "区县受理审核 · 清苑区" in shown and ":red-badge[待本部门办理]" in shown
    assert county.toggle(key="cases_mine").value is True

    city = open_as(CITY, "pages/cases.py")
    assert "待本部门办理的申请为空。" in texts(city)
    assert "保定玖福食品有限公司" not in texts(city)
    assert not [b for b in city.button if b.key == f"case_open_{case_id}"]
    city.toggle(key="cases_mine").set_value(False).run()
    shown = texts(city)
    assert "共 **1** 项申请，其中待本部门办理 **0** 项" in shown
    assert "**保定玖福食品有限公司** · 评估申请" in shown and "区县受理审核 · 清苑区" in shown
    assert "待本部门办理]" not in shown
    assert city.button(key=f"case_open_{case_id}").label == "详情"

    lianchi = open_as(LIANCHI, "pages/cases.py")
    assert "待本部门办理的申请为空。" in texts(lianchi)
    lianchi.toggle(key="cases_mine").set_value(False).run()
    assert "没有符合条件的申请。" in texts(lianchi)
    assert "保定玖福食品有限公司" not in texts(lianchi)
    assert not [b for b in lianchi.button if b.key.startswith("case_open_")]

    # 详情 opens the detail page at the step the case is at, with the county's intake form.
    county.button(key=f"case_open_{case_id}").click().run()
    assert not county.exception, county.exception
    shown = texts(county)
    assert "评估申请 · 保定玖福食品有限公司" in shown
    assert "当前环节：**区县受理审核**（清苑区办理）" in shown
    assert county.radio(key=f"case_step_{case_id}").value == "受理审核"
    assert county.button(key=f"intake_submit_{case_id}").label == "受理通过"
    # The city may look at it too, but it is not its turn: no intake form.
    city.button(key=f"case_open_{case_id}").click().run()
    assert "当前环节：**区县受理审核**（清苑区办理）" in texts(city)
    assert not [b for b in city.button if b.key == f"intake_submit_{case_id}"]
    assert not [r for r in city.radio if r.key and r.key.endswith("_verdict")]
    assert case_row(case_id) == (CaseStatus.SUBMITTED, CaseStep.COUNTY_INTAKE, 1)


# -- 2. intake -----------------------------------------------------------------------------------

def test_county_intake_refuses_incomplete_input_keeps_it_and_returns_with_a_remark(db):
    with unit_of_work() as s:
        case, enterprise = submitted_case(s)
        case_id, enterprise_login = case.id, enterprise.login
        user(s, QINGYUAN)
    at = open_case(QINGYUAN, case_id)
    key = f"intake_{case_id}_1_county_intake"

    def verdict(stage: str):
        return at.radio(key=f"{key}_{stage}_verdict")

    for stage in EVALUATION_STAGES[:3]:
        verdict(stage).set_value("通过")
    at.run()
    assert "已给出意见 **3/6** 个步骤" in texts(at)
    at = click(at, "受理通过")
    assert "请对每个步骤给出受理意见，还缺：方案产生和筛选、评估报告、方案的确定" in errors(at)
    assert count(IntakeOpinion, case_id) == 0 and case_row(case_id)[0] is CaseStatus.SUBMITTED

    for stage in EVALUATION_STAGES[3:5]:
        verdict(stage).set_value("通过")
    verdict("option_selection").set_value("不通过")
    at.text_area(key=f"{key}_assessment_text").input("水平衡测试数据齐全")
    at.run()
    assert "已给出意见 **6/6** 个步骤，其中不通过 **1** 个" in texts(at)
    assert at.button(key=f"intake_submit_{case_id}").label == "退回企业整改"
    at = click(at, "退回企业整改")
    assert "“方案的确定”不通过，请写明具体问题（不少于 4 个字）" in errors(at)
    assert [verdict(s).value for s in EVALUATION_STAGES] == ["通过"] * 5 + ["不通过"]
    assert at.text_area(key=f"{key}_assessment_text").value == "水平衡测试数据齐全"
    assert count(IntakeOpinion, case_id) == 0 and count(CaseRemark, case_id) == 0

    at.text_area(key=f"{key}_option_selection_text").input("未附中/高费方案的可行性分析，请补充")
    at = click(at, "退回企业整改")
    assert "请先阅读并勾选“我同意上述内容”" in errors(at)
    assert verdict("option_selection").value == "不通过"
    assert count(IntakeOpinion, case_id) == 0 and case_row(case_id)[0] is CaseStatus.SUBMITTED

    at.checkbox(key=f"intake_agree_{case_id}_1").check().run()
    at = click(at, "退回企业整改")
    assert not at.exception, at.exception
    assert "已退回企业整改。" in successes(at)
    assert not errors(at)
    assert "已退回企业整改，重新提交后回到“区县受理审核”" in texts(at)
    assert not [b for b in at.button if b.key == f"intake_submit_{case_id}"]  # nothing more to do here
    record = table(at, "结论")
    assert list(record["结论"]) == ["通过"] * 5 + ["不通过"]
    assert list(record["步骤"])[-1] == "方案的确定"

    assert case_row(case_id) == (CaseStatus.RETURNED, CaseStep.COUNTY_INTAKE, 1)
    with unit_of_work() as s:
        [remark] = s.scalars(select(CaseRemark).where(CaseRemark.case_id == case_id)).all()
        assert (remark.stage, remark.remark, remark.step, remark.round) == (
            "option_selection", "未附中/高费方案的可行性分析，请补充", CaseStep.COUNTY_INTAKE, 1)
        opinions = s.scalars(select(IntakeOpinion).where(IntakeOpinion.case_id == case_id)).all()
        assert {o.stage: o.passed for o in opinions} == {k: k != "option_selection" for k in EVALUATION_STAGES}

    applicant = open_as(enterprise_login, "pages/applications.py")
    shown = texts(applicant)
    assert "申请在“区县受理审核”环节被退回" in shown
    assert "**方案的确定**：未附中/高费方案的可行性分析，请补充" in shown
    assert labelled(applicant.button, "重新提交").disabled


# -- 3. the expert draw --------------------------------------------------------------------------

def test_city_draws_only_with_enough_experts_and_redraws_for_a_decline(db):
    with unit_of_work() as s:
        case = at_draw(s)
        first_two = [e.name for e in pool(s, 2)]
        case_id = case.id
    at = open_case(CITY, case_id)
    assert at.radio(key=f"case_step_{case_id}").value == "专家抽取"
    assert "符合条件的专家 **2** 名" in texts(at)
    assert "尚未抽取专家。" in texts(at)
    assert at.number_input(key=f"draw_count_{case_id}").value == 3

    at.button(key=f"draw_go_{case_id}").click().run()
    assert "符合条件的专家只有 2 名，不足抽取 3 名" in errors(at)
    assert count(ExpertDraw, case_id) == 0 and count(PanelMember, case_id) == 0

    with unit_of_work() as s:
        more = [e.name for e in pool(s, 2, prefix="补充专家")]
    at.run()
    assert "符合条件的专家 **4** 名" in texts(at)
    at.button(key=f"draw_go_{case_id}").click().run()
    assert not at.exception, at.exception
    assert "已随机抽取 3 名专家。" in successes(at)
    panel = table(at, "姓名")
    assert len(panel) == 3 and set(panel["姓名"]) <= set(first_two + more)
    assert list(panel["状态"]) == ["参加"] * 3
    draws = table(at, "复核")
    assert list(draws["类型"]) == ["抽取"] and list(draws["复核"]) == ["一致"]
    assert list(draws["抽取人数"]) == [3] and list(draws["候选人数"]) == [4]
    assert not [b for b in at.button if b.key == f"draw_go_{case_id}"]  # no second draw
    with unit_of_work() as s:
        [record] = s.scalars(select(ExpertDraw).where(ExpertDraw.case_id == case_id)).all()
        members = s.scalars(select(PanelMember).where(PanelMember.case_id == case_id)).all()
        assert sorted(m.expert_id for m in members) == sorted(record.selected_ids)
        assert expert_draw.replay(record) == record.selected_ids
        drawn = {m.expert_id: m.expert.name for m in members}
    assert set(panel["姓名"]) == set(drawn.values())

    who = at.selectbox(key=f"redraw_who_{case_id}")
    declined_id = who.value
    at.button(key=f"redraw_go_{case_id}").click().run()
    assert "请填写专家不能参加的原因（2–200 个字）" in errors(at)
    assert count(ExpertDraw, case_id) == 1
    at.text_input(key=f"redraw_reason_{case_id}").input("时间冲突")
    at.button(key=f"redraw_go_{case_id}").click().run()
    assert not at.exception, at.exception
    assert f"已登记“{drawn[declined_id]}”谢绝参加，并补抽 1 名专家。" in successes(at)
    panel = table(at, "姓名")
    assert len(panel) == 4
    assert sorted(panel["状态"]) == sorted(["参加"] * 3 + ["已谢绝"])
    declined = panel[panel["状态"] == "已谢绝"]
    assert list(declined["姓名"]) == [drawn[declined_id]] and list(declined["谢绝原因"]) == ["时间冲突"]
    draws = table(at, "复核")
    assert list(draws["类型"]) == ["抽取", "补抽"] and list(draws["复核"]) == ["一致", "一致"]
    with unit_of_work() as s:
        members = {m.expert_id: m for m in s.scalars(select(PanelMember).where(PanelMember.case_id == case_id))}
        assert len(members) == 4
        assert members[declined_id].status is PanelStatus.DECLINED
        assert members[declined_id].decline_reason == "时间冲突"
        assert sum(m.status is PanelStatus.ACTIVE for m in members.values()) == 3
        assert [d.replaces_expert_id for d in s.scalars(select(ExpertDraw).where(ExpertDraw.case_id == case_id)
                                                      .order_by(ExpertDraw.id))] == [None, declined_id]
    assert case_row(case_id)[1] is CaseStep.EXPERT_DRAW


def test_the_draw_step_explains_why_it_cannot_draw_for_an_enterprise_without_an_industry(db):
    with unit_of_work() as s:
        case = at_draw(s)
        pool(s, 3)
        enterprise_of(s, case).industry_code = None
        case_id = case.id
    at = open_case(CITY, case_id)  # asserts the page ran without an exception
    assert "企业未填写所属行业，无法按行业抽取专家" in errors(at)
    assert "评估申请 · 保定玖福食品有限公司" in texts(at)
    assert count(ExpertDraw, case_id) == 0


# -- 4. departments outside the route ------------------------------------------------------------

def test_departments_off_the_route_cannot_draw_and_another_city_cannot_see_the_case(db):
    with unit_of_work() as s:
        case = at_draw(s, ManagingTier.CITY)
        pool(s, 4)  # province registry: the province would have candidates, were it its turn
        user(s, PROVINCE)
        user(s, SHIJIAZHUANG)
        case_id = case.id

    province = open_case(PROVINCE, case_id)
    shown = texts(province)
    assert "评估申请 · 保定玖福食品有限公司" in shown
    assert "当前环节：**专家抽取**（保定市办理）" in shown
    assert province.radio(key=f"case_step_{case_id}").value == "专家抽取"
    assert "尚未抽取专家。" in shown
    assert not [b for b in province.button if b.label == "随机抽取" or b.key == f"draw_go_{case_id}"]
    assert not [n for n in province.number_input if n.key == f"draw_count_{case_id}"]
    province.radio(key=f"case_step_{case_id}").set_value("申请信息").run()
    shown = texts(province)
    assert "**保定玖福食品有限公司** · 评估申请 · 市直管" in shown
    assert "申请联系人：张三 · 联系电话：13812345678" in shown
    province.radio(key=f"case_step_{case_id}").set_value("受理审核").run()
    assert not [b for b in province.button if b.key == f"intake_submit_{case_id}"]
    assert list(table(province, "结论")["结论"]) == ["通过"] * 12  # county and city intake, read only

    other = open_case(SHIJIAZHUANG, case_id)
    assert "该申请不在本部门管辖范围内" in errors(other)
    assert "保定玖福食品有限公司" not in texts(other)
    assert not [r for r in other.radio if r.key == f"case_step_{case_id}"]
    assert not other.button
    assert count(ExpertDraw, case_id) == 0
    assert case_row(case_id) == (CaseStatus.IN_REVIEW, CaseStep.EXPERT_DRAW, 1)


# -- 5. 线上文审 ---------------------------------------------------------------------------------

GOOD_OPINION = "审核报告内容完整，方案可行，同意通过。"


def at_document_review(s) -> Case:
    case = at_draw(s)
    pool(s, 4)
    city = user(s, CITY)
    expert_draw.draw(s, city, case.id, case.version, seed=7)
    expert_draw.confirm_panel(s, city, case.id, case.version)
    assert case.step is CaseStep.DOCUMENT_REVIEW
    return case


def test_document_review_checks_each_opinion_and_moves_on_when_all_are_in(db):
    with unit_of_work() as s:
        case = at_document_review(s)
        case_id = case.id
        panel = [(m.expert_id, m.expert.name) for m in expert_draw.active_panel(s, case_id)]
    at = open_case(CITY, case_id)
    assert at.radio(key=f"case_step_{case_id}").value == "线上文审"
    assert "暂无专家意见。" in texts(at)

    def fill(i: int, score: float) -> None:
        labelled(at.number_input, "评分（0–100）", i).set_value(score)
        labelled(at.radio, "专家结论", i).set_value("同意通过")
        labelled(at.text_area, "专家意见", i).input(GOOD_OPINION)
        labelled(at.button, "保存专家意见", i).click()
        at.run()

    fill(0, 120)
    assert "评分应为 0–100 之间的数字" in errors(at)
    assert labelled(at.text_area, "专家意见").value == GOOD_OPINION
    assert count(ExpertOpinion, case_id) == 0

    at.checkbox(key=f"docreview_agree_{case_id}_1").check().run()
    at.button(key=f"docreview_done_{case_id}").click().run()
    assert "还有专家意见未录入：" + "、".join(name for _, name in panel) in errors(at)
    assert case_row(case_id)[1] is CaseStep.DOCUMENT_REVIEW

    for i, (_, name) in enumerate(panel):
        fill(i, 85 + i)
        assert not at.exception, at.exception
        assert f"已保存{name}的意见" in successes(at), errors(at)
    assert [e.label.split(" · ")[0] for e in at.expander if "已录入" in e.label] == [n for _, n in panel]
    assert list(table(at, "评分")["评分"]) == [85.0, 86.0, 87.0]

    assert at.checkbox(key=f"docreview_agree_{case_id}_1").value  # still ticked from the refused attempt
    at.button(key=f"docreview_done_{case_id}").click().run()
    assert not at.exception, at.exception
    assert "线上文审已完成，进入现场审核。" in successes(at), errors(at)
    assert "当前环节：**现场审核**（保定市办理）" in texts(at)
    assert case_row(case_id) == (CaseStatus.IN_REVIEW, CaseStep.SITE_REVIEW, 1)
    with unit_of_work() as s:
        given = {o.expert_id: (o.score, o.conclusion, o.opinion)
                 for o in s.scalars(select(ExpertOpinion).where(ExpertOpinion.case_id == case_id))}
    assert given == {e: (85.0 + i, Conclusion.PASS, GOOD_OPINION) for i, (e, _) in enumerate(panel)}


# -- 6. the result -------------------------------------------------------------------------------

RESULT_OPINION = "经专家组线上文审和现场审核，该企业清洁生产审核评估通过，请按计划实施中/高费方案。"


def test_the_result_is_checked_issued_and_downloadable_by_department_and_enterprise(db):
    with unit_of_work() as s:
        case = at_document_review(s)
        city = user(s, CITY)
        for member in expert_draw.active_panel(s, case.id):
            full_review.record_opinion(s, city, case.id, member.expert_id,
                                       OpinionForm(88.0, Conclusion.PASS, GOOD_OPINION))
        full_review.finish_document_review(s, city, case.id, case.version, agreed=True)
        full_review.save_site_review(s, city, case.id, SiteForm(today(), "张教授、李工、企业环保负责人",
                                                                "现场核实了冷却水循环利用方案的实施情况，与申报一致。"))
        full_review.add_site_photos(s, city, case.id, [("现场.png", png_bytes())])
        full_review.finish_site_review(s, city, case.id, case.version, agreed=True)
        assert case.step is CaseStep.RESULT
        case_id = case.id
        enterprise_login = s.scalar(select(User.login).where(User.enterprise_id == enterprise_of(s, case).id))
    at = open_case(CITY, case_id)
    assert at.radio(key=f"case_step_{case_id}").value == "审核结果"
    assert "审核结果尚未出具。" in texts(at)
    assert not at.download_button

    labelled(at.radio, "审核结论 *").set_value("通过")
    labelled(at.text_area, "综合审核意见 *").input("同意通过。")
    at = click(at, "出具评估意见")
    assert "请填写综合审核意见（不少于 20 个字）" in errors(at)
    assert labelled(at.text_area, "综合审核意见 *").value == "同意通过。"
    assert labelled(at.radio, "审核结论 *").value == "通过"
    assert count(CaseResult, case_id) == 0

    labelled(at.text_area, "综合审核意见 *").input(RESULT_OPINION)
    at = click(at, "出具评估意见")
    assert "请先阅读并勾选“我同意上述内容”" in errors(at)
    assert count(CaseResult, case_id) == 0 and case_row(case_id)[1] is CaseStep.RESULT

    next(c for c in at.checkbox if c.label.startswith("我同意上述内容")).check()
    at = click(at, "出具评估意见")
    assert not at.exception, at.exception
    assert "评估意见已出具，企业可在“评估验收申请”中下载。" in successes(at), errors(at)
    number = f"冀清审评〔{today():%Y}〕{CITY}-00001"
    assert f"审核结论：:green-badge[通过] · 文号 {number}" in texts(at)
    assert RESULT_OPINION in texts(at)
    assert [d.label for d in at.download_button] == ["下载评估意见（PDF）"]
    assert not [b for b in at.button if b.label == "出具评估意见"]  # issued once
    assert case_row(case_id) == (CaseStatus.PASSED, CaseStep.DONE, 1)
    with unit_of_work() as s:
        [result] = s.scalars(select(CaseResult).where(CaseResult.case_id == case_id)).all()
        assert (result.passed, result.opinion, result.document_number) == (True, RESULT_OPINION, number)
        name, pdf = full_review.result_pdf(s, s.scalar(select(User).where(User.login == enterprise_login)), case_id)
    assert pdf.startswith(b"%PDF") and "评估意见" in name

    applicant = open_as(enterprise_login, "pages/applications.py")
    assert f"文号 {number}" in texts(applicant) and RESULT_OPINION in texts(applicant)
    assert [d.label for d in applicant.download_button] == ["下载评估意见（PDF）"]
    [opinions] = [e for e in applicant.expander if e.label.startswith("专家审核意见")]
    assert opinions.label == "专家审核意见（3 条）" and "第 1 轮 · 专家 1" in texts(applicant)
