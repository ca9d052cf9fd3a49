"""The options ledger is locked as the stages are (issue 12, finding 12): nothing changes while the
evaluation is under review, the evaluated options and figures are fixed once it passed (only their
implementation status is recorded until the acceptance is applied for), and after a return only if the
reviewers remarked on the stages where the ledger is made."""

from __future__ import annotations

import pytest

from core import applications, full_review, options, stage_records
from core.cases import StageVerdict, intake
from core.errors import RuleViolation
from core.options import LedgerMode, OptionForm
from core.project_models import CaseKind, CleanerOption, OptionKind, OptionStatus
from core.stages import stages_of
from tests.app.conftest import open_as, texts
from tests.support.projects import FORM, an_option, complete_phase, submitted_case
from tests.support.roster import QINGYUAN, pdf_bytes, user
from tests.unit.test_full_review import applicant, at_document_review, to_result


def _form(option: CleanerOption, **changes) -> OptionForm:
    values = {key: getattr(option, key) for key in ("kind", "name", "stage", "status", *options.FIGURES)}
    return OptionForm(**(values | changes))


def _refused(s, enterprise, project_id, option, message):
    with pytest.raises(RuleViolation, match=message):
        options.save_option(s, enterprise, project_id, _form(option, investment=999_999), option.id, option.version)
    with pytest.raises(RuleViolation, match=message):
        options.save_option(s, enterprise, project_id, _form(option, status=OptionStatus.PLANNED), option.id,
                            option.version)
    with pytest.raises(RuleViolation, match=message):
        options.delete_option(s, enterprise, project_id, option.id, option.version)
    with pytest.raises(RuleViolation, match=message):
        an_option(s, enterprise, project_id, name="新增方案")


def _return(s, case, stage_key, login=QINGYUAN):
    verdicts = {st.key: StageVerdict(True) for st in stages_of(case.kind.value)}
    verdicts[stage_key] = StageVerdict(False, "请补充方案的投资测算依据")
    intake(s, user(s, login), case.id, case.version, verdicts, agreed=True)


def test_locked_while_the_evaluation_is_under_review(uow):
    with uow() as s:
        case, enterprise = submitted_case(s)
        [option] = options.options_of(s, case.project_id)
        assert options.ledger_lock(s, case.project_id).mode is LedgerMode.LOCKED
        _refused(s, enterprise, case.project_id, option, "评估申请已提交，方案台账不能修改")


def test_after_a_return_open_only_if_a_ledger_stage_was_remarked(uow):
    with uow() as s:
        case, enterprise = submitted_case(s)
        [option] = options.options_of(s, case.project_id)
        _return(s, case, "assessment")
        _refused(s, enterprise, case.project_id, option, "审核意见不涉及方案台账")
    with uow() as s:
        case, enterprise = submitted_case(s)
        [option] = options.options_of(s, case.project_id)
        _return(s, case, "option_generation")
        assert options.ledger_lock(s, case.project_id).mode is LedgerMode.OPEN
        options.save_option(s, enterprise, case.project_id, _form(option, investment=12.5), option.id, option.version)
        an_option(s, enterprise, case.project_id, name="中水回用", kind=OptionKind.HIGH_COST)


def test_after_the_evaluation_passed_only_the_status_changes(uow):
    with uow() as s:
        case, holder = at_document_review(s)
        to_result(s, case, holder)
        full_review.issue_result(s, holder, case.id, case.version, passed=True, agreed=True,
                                 opinion="经专家组线上文审和现场审核，该企业清洁生产审核评估通过，请按计划实施方案。")
        enterprise, pid = applicant(s, case), case.project_id
        [option] = options.options_of(s, pid)
        assert options.ledger_lock(s, pid).mode is LedgerMode.STATUS_ONLY
        with pytest.raises(RuleViolation, match="不能修改：投资"):  # finding 12: 999,999 万元 after passing
            options.save_option(s, enterprise, pid, _form(option, investment=999_999), option.id, option.version)
        with pytest.raises(RuleViolation, match="不能修改：方案名称"):
            options.save_option(s, enterprise, pid, _form(option, name="改名"), option.id, option.version)
        with pytest.raises(RuleViolation, match="评估已通过"):
            options.delete_option(s, enterprise, pid, option.id, option.version)
        with pytest.raises(RuleViolation, match="评估已通过"):
            an_option(s, enterprise, pid, name="评估后新增")
        options.save_option(s, enterprise, pid, _form(option, status=OptionStatus.PLANNED), option.id, option.version)
        assert s.get(CleanerOption, option.id).status is OptionStatus.PLANNED and option.investment == 3.5

        # The acceptance is applied for: locked; returned on 方案的实施: the status again; passed: locked.
        options.save_option(s, enterprise, pid, _form(option, status=OptionStatus.IMPLEMENTED), option.id,
                            option.version)
        complete_phase(s, enterprise, pid, "acceptance")
        acceptance = applications.submit(s, enterprise, pid, CaseKind.ACCEPTANCE, FORM, agreed=True)
        _refused(s, enterprise, pid, option, "验收申请已提交，方案台账不能修改")
        _return(s, acceptance, "continuous_improvement")
        _refused(s, enterprise, pid, option, "审核意见不涉及方案台账")
        stage_records.add_files(s, enterprise, pid, "continuous_improvement", "next_plan", [("计划.pdf", pdf_bytes())])
        stage_records.complete_stage(s, enterprise, pid, "continuous_improvement")
        applications.resubmit(s, enterprise, acceptance.id, agreed=True)
        _return(s, acceptance, "implementation")
        assert options.ledger_lock(s, pid).mode is LedgerMode.STATUS_ONLY
        with pytest.raises(RuleViolation, match="不能修改：经济效益"):
            options.save_option(s, enterprise, pid, _form(option, economic_benefit=50), option.id, option.version)


def test_the_ledger_screen_shows_the_lock_and_offers_only_what_is_allowed(db):
    from core.db import unit_of_work

    with unit_of_work() as s:
        case, _ = submitted_case(s)
        login = applicant(s, case).login
    at = open_as(login, "pages/options_ledger.py")
    assert "评估申请已提交，方案台账不能修改" in texts(at)
    assert not [b for b in at.button if b.label in ("保存方案", "删除方案")]


def test_after_the_evaluation_passed_the_screen_records_only_the_status(db):
    from core.db import unit_of_work

    with unit_of_work() as s:
        case, holder = at_document_review(s)
        to_result(s, case, holder)
        full_review.issue_result(s, holder, case.id, case.version, passed=True, agreed=True,
                                 opinion="经专家组线上文审和现场审核，该企业清洁生产审核评估通过，请按计划实施方案。")
        login, pid = applicant(s, case).login, case.project_id
    at = open_as(login, "pages/options_ledger.py")
    assert "只能登记方案的实施状态" in texts(at)
    assert all(n.disabled for n in at.number_input) and at.text_input[0].disabled
    assert not [b for b in at.button if b.label == "删除方案"]
    status = [box for box in at.selectbox if box.label == "状态 *"][0]
    status.set_value(OptionStatus.PLANNED)
    [b for b in at.button if b.label == "保存方案"][0].click()
    at.run()
    assert "已保存方案" in texts(at)
    with unit_of_work() as s:
        [option] = options.options_of(s, pid)
        assert (option.status, option.investment) == (OptionStatus.PLANNED, 3.5)
