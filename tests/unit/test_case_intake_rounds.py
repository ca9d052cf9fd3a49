"""受理审核 in rounds: 全部通过 in one step (one record per stage), and a round after a return that starts
from the opinions the same level gave before."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core import applications, cases, stage_records
from core.cases import StageVerdict
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.models import AuditLogEntry, ManagingTier
from core.project_models import CaseStatus, CaseStep
from core.review_models import IntakeOpinion
from core.stages import stages_of
from tests.support.projects import fill, submitted_case
from tests.support.roster import CITY, QINGYUAN, user

STAGES = [s.key for s in stages_of("evaluation")]
PROBLEM = "缺少车间水平衡数据，请补充"


def opinions(s, case, round_: int, step: CaseStep) -> dict[str, tuple[bool, str]]:
    rows = s.scalars(select(IntakeOpinion).where(IntakeOpinion.case_id == case.id, IntakeOpinion.round == round_,
                                                 IntakeOpinion.step == step))
    return {o.stage: (o.passed, o.opinion) for o in rows}


def intake_log(s, case) -> list[AuditLogEntry]:
    return list(s.scalars(select(AuditLogEntry).where(AuditLogEntry.object_type == "case",
                                                      AuditLogEntry.object_id == str(case.id),
                                                      AuditLogEntry.action.in_(["case.intake_pass", "case.return"]))
                          .order_by(AuditLogEntry.id)))


def rework(s, enterprise, case, stage_key: str) -> None:
    """The enterprise reworks a remarked stage, marks it complete again and resubmits."""
    fill(s, enterprise, case.project_id, next(x for x in stages_of("evaluation") if x.key == stage_key))
    stage_records.complete_stage(s, enterprise, case.project_id, stage_key)
    applications.resubmit(s, enterprise, case.id, agreed=True)


def test_pass_all_records_a_pass_on_every_stage_with_the_notes_given_and_moves_on(uow):
    with uow() as s:
        case, _ = submitted_case(s)
        step = cases.pass_all(s, user(s, QINGYUAN), case.id, case.version, agreed=True,
                              notes={"assessment": "  水平衡测试数据齐全 ", "unknown_stage": "ignored"})
        assert step is CaseStep.CITY_INTAKE
        assert (case.status, case.step, case.round) == (CaseStatus.IN_REVIEW, CaseStep.CITY_INTAKE, 1)
        given = opinions(s, case, 1, CaseStep.COUNTY_INTAKE)
        assert given == {k: (True, "水平衡测试数据齐全" if k == "assessment" else "") for k in STAGES}
        [entry] = intake_log(s, case)
        assert (entry.action, entry.before, entry.after) == (
            "case.intake_pass", {"step": "county_intake"}, {"step": "city_intake", "round": 1})
        assert entry.statement  # the statement agreed to, as every binding step


def test_pass_all_is_refused_like_intake_and_leaves_nothing(uow):
    with uow() as s:
        case, enterprise = submitted_case(s)
        county = user(s, QINGYUAN)
        with pytest.raises(ValidationError, match="同意"):
            cases.pass_all(s, county, case.id, case.version, agreed=False)
        with pytest.raises(ValidationError, match="最多"):
            cases.pass_all(s, county, case.id, case.version, agreed=True, notes={"assessment": "长" * 2001})
        with pytest.raises(PermissionDenied, match="清苑区"):
            cases.pass_all(s, user(s, CITY), case.id, case.version, agreed=True)  # not its turn yet
        with pytest.raises(PermissionDenied):
            cases.pass_all(s, enterprise, case.id, case.version, agreed=True)
        with pytest.raises(RuleViolation, match="刷新"):
            cases.pass_all(s, county, case.id, case.version - 1, agreed=True)  # a page older than the case
        assert (case.status, case.step) == (CaseStatus.SUBMITTED, CaseStep.COUNTY_INTAKE)
        assert s.scalar(select(func.count()).select_from(IntakeOpinion)) == 0
        assert intake_log(s, case) == []


def test_a_new_round_starts_from_the_opinions_its_level_gave_in_the_round_before(uow):
    with uow() as s:
        case, enterprise = submitted_case(s, ManagingTier.PROVINCE)
        county, city = user(s, QINGYUAN), user(s, CITY)
        assert cases.carried_over(s, case) is None  # a first round starts blank
        first = {k: StageVerdict(True, "资料齐全" if k == "preparation" else "") for k in STAGES}
        first["assessment"] = StageVerdict(False, PROBLEM)
        assert cases.intake(s, county, case.id, case.version, first, agreed=True) is None
        assert cases.carried_over(s, case) is None  # returned, still in round 1

        rework(s, enterprise, case, "assessment")
        assert (case.status, case.step, case.round) == (CaseStatus.SUBMITTED, CaseStep.COUNTY_INTAKE, 2)
        carried = cases.carried_over(s, case)
        assert carried is not None and carried.round == 1
        assert carried.verdicts == first  # results and opinions, every stage
        assert carried.at is not None

        # The reviewer changes only what changed; the log names the stages changed against round 1.
        second = carried.verdicts | {"assessment": StageVerdict(True, "已补充")}
        assert cases.intake(s, county, case.id, case.version, second, agreed=True) is CaseStep.CITY_INTAKE
        assert opinions(s, case, 2, CaseStep.COUNTY_INTAKE) == {k: (v.passed, v.opinion) for k, v in second.items()}
        assert opinions(s, case, 1, CaseStep.COUNTY_INTAKE) == {k: (v.passed, v.opinion) for k, v in first.items()}
        assert intake_log(s, case)[-1].after == {"step": "city_intake", "round": 2, "carried_from_round": 1,
                                                 "changed": ["assessment"]}

        # The city gave nothing in round 1: its first look at the case starts blank.
        assert case.step is CaseStep.CITY_INTAKE and cases.carried_over(s, case) is None
        city_first = {k: StageVerdict(k != "option_selection", "方案可行性分析不完整" if k == "option_selection" else "")
                      for k in STAGES}
        cases.intake(s, city, case.id, case.version, city_first, agreed=True)
        rework(s, enterprise, case, "option_selection")
        assert (case.step, case.round) == (CaseStep.CITY_INTAKE, 3)
        carried = cases.carried_over(s, case)
        assert carried.round == 2 and carried.verdicts == city_first  # the city's own, not the county's
        cases.pass_all(s, city, case.id, case.version, agreed=True)
        assert intake_log(s, case)[-1].after["changed"] == ["option_selection"]
        assert case.step is CaseStep.PROVINCE_INTAKE and cases.carried_over(s, case) is None


def test_nothing_is_carried_over_outside_intake(uow):
    with uow() as s:
        case, _ = submitted_case(s)
        for login in (QINGYUAN, CITY):
            cases.pass_all(s, user(s, login), case.id, case.version, agreed=True)
        case.step, case.round = CaseStep.DOCUMENT_REVIEW, 2  # resumed after a return during 线上文审
        s.flush()
        assert cases.carried_over(s, case) is None


def test_the_project_leader_named_at_acceptance_is_read_for_the_case(uow):
    with uow() as s:
        case, _ = submitted_case(s)  # the support accepts with 张三 / 13812345678
        assert cases.project_leader(s, case) == cases.ProjectLeader("张三", "13812345678")
