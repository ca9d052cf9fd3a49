"""全流程审核 after the draw: expert opinions, site review, return and resumption, result and its PDF."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from core import applications, expert_draw, full_review, stage_records
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.full_review import OpinionForm, SiteForm
from core.cases import enterprise_of
from core.models import ManagingTier, User
from core.project_models import CaseKind, CaseStatus, CaseStep
from core.review_models import CaseResult, Conclusion
from core.startup_fields import today
from core.stages import stages_of
from tests.support.projects import FORM, complete_phase, fill
from tests.support.review import at_draw, pool
from tests.support.roster import CITY, PROVINCE, QINGYUAN, pdf_bytes, png_bytes, user

TODAY = today()
GOOD_SITE = SiteForm(TODAY, "张教授、李工、企业环保负责人", "现场核实了冷却水循环利用方案的实施情况，与申报一致。")


def at_document_review(s, managing=ManagingTier.CITY):
    case = at_draw(s, managing)
    pool(s, 4)
    holder = user(s, CITY if managing is ManagingTier.CITY else PROVINCE)
    expert_draw.draw(s, holder, case.id, case.version, seed=7)
    expert_draw.confirm_panel(s, holder, case.id, case.version)
    assert case.step is CaseStep.DOCUMENT_REVIEW
    return case, holder


def all_opinions(s, case, holder, score=88.0):
    for member in expert_draw.active_panel(s, case.id):
        full_review.record_opinion(s, holder, case.id, member.expert_id,
                                   OpinionForm(score, Conclusion.PASS, "审核报告内容完整，方案可行，同意通过。"))


def to_result(s, case, holder):
    all_opinions(s, case, holder)
    full_review.finish_document_review(s, holder, case.id, case.version, agreed=True)
    full_review.save_site_review(s, holder, case.id, GOOD_SITE)
    full_review.add_site_photos(s, holder, case.id, [("现场.png", png_bytes())])
    full_review.finish_site_review(s, holder, case.id, case.version, agreed=True)
    assert case.step is CaseStep.RESULT


def applicant(s, case) -> User:
    """The enterprise's own account (the demo has other enterprises' accounts too)."""
    return s.scalar(select(User).where(User.enterprise_id == enterprise_of(s, case).id))


def pdf_text(data: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace(" ", "").replace("\n", "")


def test_full_cycle_for_a_city_managed_case_issues_a_pdf_the_enterprise_downloads(uow):
    with uow() as s:
        case, city = at_document_review(s)
        to_result(s, case, city)
        result = full_review.issue_result(s, city, case.id, case.version, passed=True, agreed=True,
                                          opinion="经专家组线上文审和现场审核，该企业清洁生产审核评估通过，请按计划实施中/高费方案。")
        assert (case.status, case.step) == (CaseStatus.PASSED, CaseStep.DONE)
        assert result.document_number == f"冀清审评〔{TODAY:%Y}〕{CITY}-00001"
        enterprise = applicant(s, case)
        name, pdf = full_review.result_pdf(s, enterprise, case.id)
        text = pdf_text(pdf)
        assert name.endswith(".pdf") and "评估意见" in name
        for expected in ("清洁生产审核评估意见", "保定玖福食品有限公司", result.document_number, "专家平均评分：88.0分",
                         "经审核，该企业清洁生产审核评估：通过", "现场核实了冷却水循环利用方案"):
            assert expected in text
        assert full_review.result_pdf(s, user(s, QINGYUAN), case.id)[1] == pdf  # the county over it may read it
        with pytest.raises(PermissionDenied):
            full_review.result_pdf(s, user(s, "130100"), case.id)
        # Acceptance opens now, and its application is accepted by the same route.
        assert applications.missing_for(s, case.project_id, CaseKind.ACCEPTANCE) == [
            f"“{st.label}”未标记完成" for st in stages_of("acceptance")]


def test_opinions_are_checked_and_every_panel_expert_must_give_one(uow):
    with uow() as s:
        case, city = at_document_review(s)
        [first, *rest] = expert_draw.active_panel(s, case.id)
        for form, message in [(OpinionForm(101, Conclusion.PASS, "意见内容足够长了吧，同意"), "0–100"),
                              (OpinionForm(None, Conclusion.PASS, "意见内容足够长了吧，同意"), "0–100"),
                              (OpinionForm(80, None, "意见内容足够长了吧，同意"), "结论"),
                              (OpinionForm(80, Conclusion.PASS, "太短"), "专家意见")]:
            with pytest.raises(ValidationError, match=message):
                full_review.record_opinion(s, city, case.id, first.expert_id, form)
        outsider = pool(s, 1, "组外专家")[0]
        with pytest.raises(RuleViolation, match="不在本案专家组"):
            full_review.record_opinion(s, city, case.id, outsider.id, OpinionForm(80, Conclusion.PASS, "意见内容足够长了吧，同意"))
        full_review.record_opinion(s, city, case.id, first.expert_id, OpinionForm(80, Conclusion.REVISE, "意见内容足够长了吧，同意"))
        with pytest.raises(RuleViolation, match="未录入") as refused:
            full_review.finish_document_review(s, city, case.id, case.version, agreed=True)
        assert all(m.expert.name in refused.value.message for m in rest)
        with pytest.raises(PermissionDenied):
            full_review.record_opinion(s, user(s, QINGYUAN), case.id, first.expert_id,
                                       OpinionForm(80, Conclusion.PASS, "意见内容足够长了吧，同意"))
        all_opinions(s, case, city)
        assert len(full_review.opinions_of(s, case.id, 1)) == 3  # corrected, not duplicated
        full_review.finish_document_review(s, city, case.id, case.version, agreed=True)
        assert case.step is CaseStep.SITE_REVIEW


def test_site_review_needs_a_record_and_a_photo(uow):
    with uow() as s:
        case, city = at_document_review(s)
        all_opinions(s, case, city)
        full_review.finish_document_review(s, city, case.id, case.version, agreed=True)
        with pytest.raises(RuleViolation, match="先保存"):
            full_review.add_site_photos(s, city, case.id, [("a.png", png_bytes())])
        for form, message in [(SiteForm(None, "张三", "发现的问题足够多足够长"), "日期"),
                              (SiteForm(TODAY + timedelta(days=1), "张三", "发现的问题足够多足够长"), "晚于今天"),
                              (SiteForm(date(2000, 1, 1), "张三", "发现的问题足够多足够长"), "早于"),
                              (SiteForm(TODAY, "", "发现的问题足够多足够长"), "参加人员"),
                              (SiteForm(TODAY, "张三", "短"), "问题及结论")]:
            with pytest.raises(ValidationError, match=message):
                full_review.save_site_review(s, city, case.id, form)
        full_review.save_site_review(s, city, case.id, GOOD_SITE)
        with pytest.raises(RuleViolation, match="照片"):
            full_review.finish_site_review(s, city, case.id, case.version, agreed=True)
        with pytest.raises(RuleViolation):
            full_review.add_site_photos(s, city, case.id, [("报告.pdf", pdf_bytes())])  # photos only
        full_review.add_site_photos(s, city, case.id, [("现场.png", png_bytes())])
        with pytest.raises(ValidationError, match="同意"):
            full_review.finish_site_review(s, city, case.id, case.version, agreed=False)
        full_review.finish_site_review(s, city, case.id, case.version, agreed=True)
        assert case.step is CaseStep.RESULT


def test_return_at_site_review_resumes_there_with_a_new_round_of_records(uow):
    with uow() as s:
        case, city = at_document_review(s)
        all_opinions(s, case, city)
        full_review.finish_document_review(s, city, case.id, case.version, agreed=True)
        full_review.save_site_review(s, city, case.id, GOOD_SITE)
        from core.cases import return_for_rectification

        return_for_rectification(s, city, case.id, case.version, {"option_selection": "中/高费方案可行性分析不足"},
                                 agreed=True)
        assert (case.status, case.step) == (CaseStatus.RETURNED, CaseStep.SITE_REVIEW)
        with pytest.raises(RuleViolation, match="已退回"):
            full_review.save_site_review(s, city, case.id, GOOD_SITE)
        project_id = case.project_id
        enterprise = applicant(s, case)
        stage = next(x for x in stages_of("evaluation") if x.key == "option_selection")
        fill(s, enterprise, project_id, stage)
        stage_records.complete_stage(s, enterprise, project_id, "option_selection")
        applications.resubmit(s, enterprise, case.id, agreed=True)
        assert (case.status, case.step, case.round) == (CaseStatus.IN_REVIEW, CaseStep.SITE_REVIEW, 2)
        assert full_review.site_review_of(s, case) is None  # round 2 has its own site review
        full_review.save_site_review(s, city, case.id, GOOD_SITE)
        full_review.add_site_photos(s, city, case.id, [("复查.png", png_bytes())])
        full_review.finish_site_review(s, city, case.id, case.version, agreed=True)
        assert case.step is CaseStep.RESULT


def test_a_failed_result_closes_the_case_and_the_enterprise_may_apply_again(uow):
    with uow() as s:
        case, province = at_document_review(s, ManagingTier.PROVINCE)
        with pytest.raises(PermissionDenied):
            all_opinions(s, case, user(s, CITY))  # 省直管: the city does not review
        to_result(s, case, province)
        with pytest.raises(ValidationError, match="结论"):
            full_review.issue_result(s, province, case.id, case.version, passed=None, opinion="意见" * 20, agreed=True)
        with pytest.raises(ValidationError, match="不少于 20"):
            full_review.issue_result(s, province, case.id, case.version, passed=False, opinion="不通过", agreed=True)
        assert s.scalar(select(func.count()).select_from(CaseResult)) == 0
        result = full_review.issue_result(s, province, case.id, case.version, passed=False, agreed=True,
                                          opinion="方案产生和筛选不充分，水平衡测试数据不完整，评估不通过，请重新开展审核。")
        assert result.document_number.startswith(f"冀清审评〔{TODAY:%Y}〕{PROVINCE}-")
        assert (case.status, case.step) == (CaseStatus.FAILED, CaseStep.DONE)
        _, pdf = full_review.result_pdf(s, province, case.id)
        assert "评估：不通过" in pdf_text(pdf)
        with pytest.raises(RuleViolation, match="未通过"):
            full_review.issue_result(s, province, case.id, case.version, passed=True, opinion="意见" * 20, agreed=True)
        enterprise = applicant(s, case)
        stage = next(x for x in stages_of("evaluation") if x.key == "assessment")
        fill(s, enterprise, case.project_id, stage)  # reworked after the failure: editable again
        stage_records.complete_stage(s, enterprise, case.project_id, "assessment")
        again = applications.submit(s, enterprise, case.project_id, CaseKind.EVALUATION, FORM, agreed=True)
        assert (again.step, again.round, again.managing_tier) == (CaseStep.COUNTY_INTAKE, 1, ManagingTier.PROVINCE)


def test_the_acceptance_case_takes_the_same_route_with_its_own_three_stages(uow):
    with uow() as s:
        case, city = at_document_review(s)
        to_result(s, case, city)
        full_review.issue_result(s, city, case.id, case.version, passed=True, agreed=True,
                                 opinion="经专家组线上文审和现场审核，该企业清洁生产审核评估通过，请按计划实施。")
        enterprise = applicant(s, case)
        complete_phase(s, enterprise, case.project_id, "acceptance")
        acceptance = applications.submit(s, enterprise, case.project_id, CaseKind.ACCEPTANCE, FORM, agreed=True)
        from core.cases import StageVerdict, intake

        evaluation_verdicts = {st.key: StageVerdict(True) for st in stages_of("evaluation")}
        with pytest.raises(ValidationError, match="方案的实施"):
            intake(s, user(s, QINGYUAN), acceptance.id, acceptance.version, evaluation_verdicts, agreed=True)
        verdicts = {st.key: StageVerdict(True) for st in stages_of("acceptance")}
        intake(s, user(s, QINGYUAN), acceptance.id, acceptance.version, verdicts, agreed=True)
        intake(s, user(s, CITY), acceptance.id, acceptance.version, verdicts, agreed=True)
        assert acceptance.step is CaseStep.EXPERT_DRAW
        expert_draw.draw(s, city, acceptance.id, acceptance.version, seed=3)
        expert_draw.confirm_panel(s, city, acceptance.id, acceptance.version)
        to_result(s, acceptance, city)
        result = full_review.issue_result(s, city, acceptance.id, acceptance.version, passed=True, agreed=True,
                                          opinion="方案已按计划实施，持续清洁生产机制健全，验收通过。请做好信息公开。")
        assert result.document_number == f"冀清审验〔{TODAY:%Y}〕{CITY}-00001"
        name, pdf = full_review.result_pdf(s, enterprise, acceptance.id)
        assert "验收意见" in name and "经审核，该企业清洁生产审核验收：通过" in pdf_text(pdf)


def test_the_enterprise_receives_the_opinions_of_a_finished_document_review_only(uow):
    with uow() as s:
        case, city = at_document_review(s)
        enterprise = applicant(s, case)
        all_opinions(s, case, city)
        assert full_review.released_opinions(s, enterprise, case.id) == []  # still being entered
        with pytest.raises(PermissionDenied):
            full_review.released_opinions(s, city, case.id)
        full_review.finish_document_review(s, city, case.id, case.version, agreed=True)
        released = full_review.released_opinions(s, enterprise, case.id)
        assert len(released) == 3 and {o.round for o in released} == {1}
