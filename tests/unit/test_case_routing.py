"""Who holds a case at each step of its route (省直管 / 市直管), intake, returns and resumption."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from core import applications, case_counts, case_history, cases, stage_records
from core.cases import StageVerdict
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.models import AuditLogEntry, ManagingTier, Tier
from core.project_models import CaseRemark, CaseStatus, CaseStep
from core.review_models import IntakeOpinion
from core.stages import stages_of
from tests.support.projects import fill, submitted_case
from tests.support.roster import CITY, LIANCHI, PROVINCE, QINGYUAN, user

M, S = ManagingTier, CaseStep
OTHER_CITY = "130100"  # 石家庄: never holds a Baoding case
DEPARTMENTS = {Tier.COUNTY: QINGYUAN, Tier.CITY: CITY, Tier.PROVINCE: PROVINCE}

# Written out by hand from seed 000 §2.3 / §3.3: who acts at each step of each route (None: nobody).
EXPECTED_HOLDER = {
    (M.CITY, S.COUNTY_INTAKE): Tier.COUNTY, (M.CITY, S.CITY_INTAKE): Tier.CITY, (M.CITY, S.PROVINCE_INTAKE): None,
    (M.CITY, S.EXPERT_DRAW): Tier.CITY, (M.CITY, S.DOCUMENT_REVIEW): Tier.CITY, (M.CITY, S.SITE_REVIEW): Tier.CITY,
    (M.CITY, S.RESULT): Tier.CITY, (M.CITY, S.DONE): None,
    (M.PROVINCE, S.COUNTY_INTAKE): Tier.COUNTY, (M.PROVINCE, S.CITY_INTAKE): Tier.CITY,
    (M.PROVINCE, S.PROVINCE_INTAKE): Tier.PROVINCE, (M.PROVINCE, S.EXPERT_DRAW): Tier.PROVINCE,
    (M.PROVINCE, S.DOCUMENT_REVIEW): Tier.PROVINCE, (M.PROVINCE, S.SITE_REVIEW): Tier.PROVINCE,
    (M.PROVINCE, S.RESULT): Tier.PROVINCE, (M.PROVINCE, S.DONE): None,
}
ACTION_AT = {S.COUNTY_INTAKE: "intake", S.CITY_INTAKE: "intake", S.PROVINCE_INTAKE: "intake", S.EXPERT_DRAW: "draw",
             S.DOCUMENT_REVIEW: "record_opinion", S.SITE_REVIEW: "record_site_review", S.RESULT: "issue_result",
             S.DONE: "issue_result"}


def all_pass(kind: str = "evaluation") -> dict[str, StageVerdict]:
    return {s.key: StageVerdict(True, "") for s in stages_of(kind)}


def pass_intake(s, case, login: str):
    return cases.intake(s, user(s, login), case.id, case.version, all_pass(), agreed=True)


@pytest.mark.parametrize("managing", list(M))
@pytest.mark.parametrize("step", list(S))
@pytest.mark.parametrize("reviewer", [Tier.COUNTY, Tier.CITY, Tier.PROVINCE, "other city", "other county"])
def test_routing_table(uow, managing, step, reviewer):
    """Every managing tier × step × reviewing department: only the holder of the step may act."""
    with uow() as s:
        case, _ = submitted_case(s, managing)
        case.step = step
        if step is S.DONE:
            case.status = CaseStatus.PASSED
        elif step is not S.COUNTY_INTAKE:
            case.status = CaseStatus.IN_REVIEW
        s.flush()
        login = {"other city": OTHER_CITY, "other county": LIANCHI}.get(reviewer) or DEPARTMENTS[reviewer]
        expected = EXPECTED_HOLDER[(managing, step)]
        assert cases.holder_tier(managing, step) is expected
        may = cases.may_act(s, user(s, login), case, ACTION_AT[step])
        assert may is (expected is not None and reviewer is expected)
        # The department's to-do list, filtered in SQL, agrees with the rule written in Python.
        department = user(s, login)
        waiting = [r.case_id for r in cases.case_list(s, department, mine_only=True)]
        assert waiting == ([case.id] if may else [])
        assert cases.case_count(s, department).mine == int(may)


@pytest.mark.parametrize(("managing", "chain", "then"), [
    (M.CITY, [QINGYUAN, CITY], S.EXPERT_DRAW),
    (M.PROVINCE, [QINGYUAN, CITY, PROVINCE], S.EXPERT_DRAW),
])
def test_intake_walks_the_route_and_refuses_everyone_else(uow, managing, chain, then):
    with uow() as s:
        case, enterprise = submitted_case(s, managing)
        for i, login in enumerate(chain):
            for other in {QINGYUAN, CITY, PROVINCE, LIANCHI, OTHER_CITY} - {login}:
                before = (case.step, case.status, case.version)
                with pytest.raises((PermissionDenied, RuleViolation)):
                    pass_intake(s, case, other)
                assert (case.step, case.status, case.version) == before
            with pytest.raises(PermissionDenied):
                cases.intake(s, enterprise, case.id, case.version, all_pass(), agreed=True)
            step = pass_intake(s, case, login)
            assert case.status is CaseStatus.IN_REVIEW
            assert step is (then if i == len(chain) - 1 else chain_step(i + 1))
        assert case.step is then
        assert s.scalar(select(func.count()).select_from(IntakeOpinion)) == len(chain) * 6
        assert case_counts.verify(s) == []  # every step moved the case's count (core.case_counts)


def chain_step(i: int) -> CaseStep:
    return [S.COUNTY_INTAKE, S.CITY_INTAKE, S.PROVINCE_INTAKE][i]


def test_a_failed_stage_returns_the_case_and_resubmission_resumes_at_that_level(uow):
    with uow() as s:
        case, enterprise = submitted_case(s, M.PROVINCE)
        pass_intake(s, case, QINGYUAN)
        verdicts = all_pass() | {"assessment": StageVerdict(False, "缺少车间水平衡数据")}
        assert cases.intake(s, user(s, CITY), case.id, case.version, verdicts, agreed=True) is None
        assert (case.status, case.step) == (CaseStatus.RETURNED, S.CITY_INTAKE)
        [remark] = s.scalars(select(CaseRemark).where(CaseRemark.case_id == case.id)).all()
        assert (remark.stage, remark.step, remark.round) == ("assessment", S.CITY_INTAKE, 1)
        with pytest.raises(RuleViolation, match="已退回"):
            pass_intake(s, case, CITY)
        with pytest.raises(RuleViolation, match="审核"):
            applications.resubmit(s, enterprise, case.id, agreed=True)
        stage = next(x for x in stages_of("evaluation") if x.key == "assessment")
        fill(s, enterprise, case.project_id, stage)
        stage_records.complete_stage(s, enterprise, case.project_id, "assessment")
        applications.resubmit(s, enterprise, case.id, agreed=True)
        assert (case.status, case.step, case.round) == (CaseStatus.IN_REVIEW, S.CITY_INTAKE, 2)
        with pytest.raises(PermissionDenied):
            pass_intake(s, case, QINGYUAN)  # the county's intake of round 1 stands
        assert pass_intake(s, case, CITY) is S.PROVINCE_INTAKE
        history = [e.what for e in case_history.history(s, case)]
        assert history == ["企业提交评估申请", "受理通过", "退回企业整改", "企业整改后重新提交", "受理通过"]
        assert case_counts.verify(s) == []


def test_a_tampered_case_count_is_found_and_rebuilt(uow):
    from core.case_counts import CaseTotal

    with uow() as s:
        submitted_case(s, M.CITY)
        s.execute(update(CaseTotal).values(cases=CaseTotal.cases + 1))
        [(key, stored, expected)] = case_counts.verify(s)
        assert (key[1:], stored["cases"], expected["cases"]) == (("evaluation", "submitted", "city", "county_intake"), 2, 1)
        case_counts.rebuild(s)
        assert case_counts.verify(s) == []


@pytest.mark.parametrize(("verdicts", "message"), [
    ({}, "还缺"),
    ({"assessment": StageVerdict(False, "")}, "写明具体问题"),
    ({"assessment": StageVerdict(False, "差" * 2001)}, "最多"),
])
def test_intake_input_is_checked_and_nothing_is_kept_when_refused(uow, verdicts, message):
    with uow() as s:
        case, _ = submitted_case(s)
        given = (all_pass() | verdicts) if verdicts else {}
        with pytest.raises(ValidationError, match=message):
            cases.intake(s, user(s, QINGYUAN), case.id, case.version, given, agreed=True)
        with pytest.raises(ValidationError, match="同意"):
            cases.intake(s, user(s, QINGYUAN), case.id, case.version, all_pass(), agreed=False)
        assert (case.status, case.step) == (CaseStatus.SUBMITTED, S.COUNTY_INTAKE)
        assert s.scalar(select(func.count()).select_from(IntakeOpinion)) == 0
        assert s.scalar(select(func.count()).select_from(AuditLogEntry)
                        .where(AuditLogEntry.action.like("case.intake%"))) == 0


def test_stale_version_and_listing_by_jurisdiction(uow):
    with uow() as s:
        case, _ = submitted_case(s)
        seen = case.version
        pass_intake(s, case, QINGYUAN)
        with pytest.raises(RuleViolation, match="刷新"):
            cases.intake(s, user(s, CITY), case.id, seen, all_pass(), agreed=True)
        rows = cases.case_list(s, user(s, CITY), mine_only=True)
        assert [(r.case_id, r.step, r.holder, r.mine) for r in rows] == [(case.id, S.CITY_INTAKE, "保定市", True)]
        assert cases.case_list(s, user(s, QINGYUAN), mine_only=True) == []
        assert [r.case_id for r in cases.case_list(s, user(s, QINGYUAN))] == [case.id]
        assert cases.case_list(s, user(s, LIANCHI)) == []
        assert cases.case_list(s, user(s, OTHER_CITY)) == []
        with pytest.raises(PermissionDenied, match="管辖范围"):
            cases.visible_case(s, user(s, OTHER_CITY), case.id)


def test_return_during_full_review_needs_a_remark_on_a_stage_of_the_phase(uow):
    with uow() as s:
        case, enterprise = submitted_case(s)
        pass_intake(s, case, QINGYUAN)
        pass_intake(s, case, CITY)
        with pytest.raises(RuleViolation, match="专家抽取"):
            cases.return_for_rectification(s, user(s, CITY), case.id, case.version, {"assessment": "补充数据"},
                                           agreed=True)
        case.step = S.DOCUMENT_REVIEW
        s.flush()
        city = user(s, CITY)
        with pytest.raises(ValidationError, match="至少"):
            cases.return_for_rectification(s, city, case.id, case.version, {"assessment": "  "}, agreed=True)
        with pytest.raises(ValidationError, match="本阶段"):
            cases.return_for_rectification(s, city, case.id, case.version, {"implementation": "补充"}, agreed=True)
        cases.return_for_rectification(s, city, case.id, case.version, {"assessment": "按专家意见补充水平衡"},
                                       agreed=True)
        assert (case.status, case.step) == (CaseStatus.RETURNED, S.DOCUMENT_REVIEW)
        stage = next(x for x in stages_of("evaluation") if x.key == "assessment")
        fill(s, enterprise, case.project_id, stage)
        stage_records.complete_stage(s, enterprise, case.project_id, "assessment")
        applications.resubmit(s, enterprise, case.id, agreed=True)
        assert (case.status, case.step, case.round) == (CaseStatus.IN_REVIEW, S.DOCUMENT_REVIEW, 2)
