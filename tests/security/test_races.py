"""Nothing applied twice (issue 12): every transition of an audit project and its cases, raced by 20
threads through the real core functions, each in its own unit of work, on the suite's engine.

Exactly one thread applies the request; every other one is refused with a RuleViolation (a Chinese
message), never a database error. The roster, notice and letter transitions are in test_races_notice.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core import applications, case_counts, expert_draw, full_review, options, stage_records
from core.cases import StageVerdict, intake, return_for_rectification
from core.project_models import (
    Case,
    CaseKind,
    CaseRemark,
    CaseStatus,
    CaseStep,
    CleanerOption,
    OptionKind,
)
from core.review_models import CaseResult, ExpertDraw, IntakeOpinion, PanelStatus
from core.stages import stages_of
from core.workflow_models import Attachment
from tests.security.races import MODES, actor, audit_count, one_applied, race
from tests.support.projects import (
    FORM,
    an_option,
    complete_phase,
    fill,
    started,
    submitted_case,
)
from tests.support.review import at_draw, pool
from tests.support.roster import CITY, QINGYUAN, pdf_bytes, png_bytes, user
from tests.unit.test_full_review import (
    GOOD_SITE,
    all_opinions,
    at_document_review,
    to_result,
)

EVALUATION_STAGES = [s.key for s in stages_of("evaluation")]
PASS_ALL = {key: StageVerdict(True) for key in EVALUATION_STAGES}


@pytest.fixture(params=MODES)
def mode(request, db):
    return request.param


def test_submit(uow, mode):
    with uow() as s:
        project, enterprise = started(s)
        an_option(s, enterprise, project.id)
        complete_phase(s, enterprise, project.id, "evaluation")
        pid, eid = project.id, enterprise.id
    one_applied(race(lambda s, i: applications.submit(s, actor(s, eid), pid, CaseKind.EVALUATION, FORM,
                                                      agreed=True).id, mode=mode))
    with uow() as s:
        assert s.scalar(select(func.count()).select_from(Case).where(Case.project_id == pid)) == 1
        assert audit_count(s, "case.submit_evaluation") == 1
        assert case_counts.verify(s) == []  # counted once, by the one that applied


def test_resubmit(uow, mode):
    with uow() as s:
        case, enterprise = submitted_case(s)
        intake(s, user(s, QINGYUAN), case.id, case.version,
               PASS_ALL | {"assessment": StageVerdict(False, "水平衡测试报告缺少车间数据")}, agreed=True)
        stage_records.add_files(s, enterprise, case.project_id, "assessment", "balance_report",
                                [("水平衡测试报告（补充）.pdf", pdf_bytes(2))])
        stage_records.complete_stage(s, enterprise, case.project_id, "assessment")
        cid, eid = case.id, enterprise.id
    one_applied(race(lambda s, i: applications.resubmit(s, actor(s, eid), cid, agreed=True), mode=mode))
    with uow() as s:
        case = s.get(Case, cid)
        assert (case.status, case.round) == (CaseStatus.SUBMITTED, 2)
        assert audit_count(s, "case.resubmit", cid) == 1


def test_intake(uow, mode):
    with uow() as s:
        case, _ = submitted_case(s)
        cid, version, county = case.id, case.version, user(s, QINGYUAN).id
    one_applied(race(lambda s, i: intake(s, actor(s, county), cid, version, PASS_ALL, agreed=True), mode=mode))
    with uow() as s:
        assert s.get(Case, cid).step is CaseStep.CITY_INTAKE
        opinions = s.scalar(select(func.count()).select_from(IntakeOpinion).where(IntakeOpinion.case_id == cid))
        assert opinions == len(EVALUATION_STAGES)
        assert audit_count(s, "case.intake_pass", cid) == 1
        assert case_counts.verify(s) == []


def test_return_during_the_document_review(uow, mode):
    with uow() as s:
        case, holder = at_document_review(s)
        cid, version, hid = case.id, case.version, holder.id
    one_applied(race(lambda s, i: return_for_rectification(s, actor(s, hid), cid, version,
                                                           {"assessment": f"请补充车间水平衡数据（{i}）"}, agreed=True),
                     mode=mode))
    with uow() as s:
        assert s.get(Case, cid).status is CaseStatus.RETURNED
        assert s.scalar(select(func.count()).select_from(CaseRemark).where(CaseRemark.case_id == cid)) == 1
        assert audit_count(s, "case.return", cid) == 1


def _drawn(s):
    case = at_draw(s)
    pool(s, 12)
    return case


def test_draw(uow, mode):
    with uow() as s:
        case = _drawn(s)
        cid, version, city = case.id, case.version, user(s, CITY).id
    one_applied(race(lambda s, i: expert_draw.draw(s, actor(s, city), cid, version, count=3).id, mode=mode))
    with uow() as s:
        assert s.scalar(select(func.count()).select_from(ExpertDraw).where(ExpertDraw.case_id == cid)) == 1
        assert len(expert_draw.active_panel(s, cid)) == 3
        assert audit_count(s, "case.expert_draw", cid) == 1


def test_redraw(uow, mode):
    with uow() as s:
        case = _drawn(s)
        first = expert_draw.draw(s, user(s, CITY), case.id, case.version, count=3, seed=5)
        cid, version, city, gone = case.id, case.version, user(s, CITY).id, first.selected_ids[0]
    one_applied(race(lambda s, i: expert_draw.decline_and_redraw(s, actor(s, city), cid, version, gone,
                                                                 "出差无法参加").id, mode=mode))
    with uow() as s:
        panel = expert_draw.panel_of(s, cid)
        assert [m.status for m in panel if m.expert_id == gone] == [PanelStatus.DECLINED]
        assert len(panel) == 4 and len(expert_draw.active_panel(s, cid)) == 3
        assert s.scalar(select(func.count()).select_from(ExpertDraw).where(ExpertDraw.case_id == cid)) == 2
        assert audit_count(s, "case.expert_redraw", cid) == 1


def test_confirm_panel(uow, mode):
    with uow() as s:
        case = _drawn(s)
        expert_draw.draw(s, user(s, CITY), case.id, case.version, count=3, seed=5)
        cid, version, city = case.id, case.version, user(s, CITY).id
    one_applied(race(lambda s, i: expert_draw.confirm_panel(s, actor(s, city), cid, version), mode=mode))
    with uow() as s:
        assert s.get(Case, cid).step is CaseStep.DOCUMENT_REVIEW
        assert audit_count(s, "case.confirm_panel", cid) == 1


def test_finish_document_review(uow, mode):
    with uow() as s:
        case, holder = at_document_review(s)
        all_opinions(s, case, holder)
        cid, version, hid = case.id, case.version, holder.id
    one_applied(race(lambda s, i: full_review.finish_document_review(s, actor(s, hid), cid, version, agreed=True),
                     mode=mode))
    with uow() as s:
        assert s.get(Case, cid).step is CaseStep.SITE_REVIEW
        assert audit_count(s, "case.finish_document_review", cid) == 1


def test_finish_site_review(uow, mode):
    with uow() as s:
        case, holder = at_document_review(s)
        all_opinions(s, case, holder)
        full_review.finish_document_review(s, holder, case.id, case.version, agreed=True)
        full_review.save_site_review(s, holder, case.id, GOOD_SITE)
        full_review.add_site_photos(s, holder, case.id, [("现场.png", png_bytes())])
        cid, version, hid = case.id, case.version, holder.id
    one_applied(race(lambda s, i: full_review.finish_site_review(s, actor(s, hid), cid, version, agreed=True),
                     mode=mode))
    with uow() as s:
        assert s.get(Case, cid).step is CaseStep.RESULT
        assert audit_count(s, "case.finish_site_review", cid) == 1


def test_issue_result(uow, mode):
    with uow() as s:
        case, holder = at_document_review(s)
        to_result(s, case, holder)
        cid, version, hid = case.id, case.version, holder.id
    opinion = "经专家组线上文审和现场审核，该企业清洁生产审核评估通过，请按计划实施中/高费方案。"
    number = one_applied(race(lambda s, i: full_review.issue_result(s, actor(s, hid), cid, version, passed=True,
                                                                    opinion=opinion, agreed=True).document_number,
                              mode=mode))
    with uow() as s:
        [result] = s.scalars(select(CaseResult).where(CaseResult.case_id == cid)).all()
        assert result.document_number == number and number.endswith("-00001")
        assert len(s.scalars(select(Attachment).where(Attachment.owner_type == full_review.OWNER_RESULT)).all()) == 1
        assert s.get(Case, cid).status is CaseStatus.PASSED
        assert audit_count(s, "case.result", cid) == 1
        assert case_counts.verify(s) == []


def test_option_save(uow, mode):
    with uow() as s:
        project, enterprise = started(s)
        option = an_option(s, enterprise, project.id)
        pid, eid, oid, version = project.id, enterprise.id, option.id, option.version

    def save(s, i):
        form = options.OptionForm(kind=OptionKind.LOW_COST, name=f"冷却水循环利用（第 {i} 稿）", stage="option_generation",
                                  status=option.status, investment=3.5 + i)
        return options.save_option(s, actor(s, eid), pid, form, oid, version).name

    name = one_applied(race(save, mode=mode))
    with uow() as s:
        saved = s.get(CleanerOption, oid)
        assert (saved.name, saved.version) == (name, version + 1)
        assert audit_count(s, "option.save", oid) == 2  # the setup's, and the one that applied


def test_complete_stage(uow, mode):
    with uow() as s:
        project, enterprise = started(s)
        stage = stages_of("evaluation")[0]
        fill(s, enterprise, project.id, stage)
        pid, eid = project.id, enterprise.id
    one_applied(race(lambda s, i: stage_records.complete_stage(s, actor(s, eid), pid, stage.key), mode=mode))
    with uow() as s:
        assert stage.key in stage_records.completed(s, pid)
        assert audit_count(s, "stage.complete", pid) == 1


def test_an_option_added_while_the_evaluation_is_submitted_is_refused_or_seen(uow, mode):
    """Write skew between two different requests: the ledger change and the application lock the project,
    so either the option is in the application's ledger or it is refused because the ledger is locked."""
    with uow() as s:
        project, enterprise = started(s)
        an_option(s, enterprise, project.id)
        complete_phase(s, enterprise, project.id, "evaluation")
        pid, eid = project.id, enterprise.id

    def either(s, i):
        if i % 2:
            return applications.submit(s, actor(s, eid), pid, CaseKind.EVALUATION, FORM, agreed=True).id
        form = options.OptionForm(kind=OptionKind.HIGH_COST, name=f"中水回用{i}", stage="option_generation",
                                  status=options.OptionStatus.PLANNED, investment=100)
        return options.save_option(s, actor(s, eid), pid, form).id

    outcomes = race(either, mode=mode)
    assert not [o for o in outcomes if o.kind == "error"], outcomes
    with uow() as s:
        submitted = s.scalars(select(Case).where(Case.project_id == pid)).all()
        # Writing units queue, so one submission applies; deferred ones on SQLite may all be refused.
        assert len(submitted) == 1 if mode == "write" else len(submitted) <= 1
        for case in submitted:
            added_after = s.scalar(select(func.count()).select_from(CleanerOption).where(
                CleanerOption.project_id == pid, CleanerOption.created_at > case.submitted_at))
            assert added_after == 0
