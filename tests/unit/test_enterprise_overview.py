"""The enterprise's home page data: where its audit stands, what was returned and why, what is due."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import disclosure, enterprise_overview
from core.cases import StageVerdict, intake
from core.disclosure import DisclosureForm
from core.errors import PermissionDenied
from core.project_models import CaseKind, CaseStatus
from core.stages import stages_of
from core.startup_fields import today
from tests.support.projects import accepted_project, submitted_case
from tests.support.roster import QINGYUAN, pdf_bytes, user
from tests.unit.test_notice import START


def pages(o) -> list[str]:
    return [t.page for t in o.todo]


def test_an_accepted_task_asks_for_the_startup_and_the_publication_first(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        [o] = enterprise_overview.overview(s, enterprise)
        assert (o.accepted, o.project_number, o.startup_submitted, o.disclosed, o.cases) == (
            True, project.project_number, False, False, ())
        assert pages(o) == [enterprise_overview.STARTUP, enterprise_overview.DISCLOSE]
        assert o.next_milestone == "企业登录系统填报并公布审核信息" and o.next_due == START + timedelta(days=20)
        assert o.days_left == (o.next_due - today()).days  # Hebei's today, not the campaign's first day
        assert not o.finished and o.stages_total == 9
        with pytest.raises(PermissionDenied):
            enterprise_overview.overview(s, user(s, QINGYUAN))


def test_a_returned_application_comes_first_with_its_reasons(uow):
    with uow() as s:
        case, enterprise = submitted_case(s)
        stages = [st.key for st in stages_of("evaluation")]
        verdicts = {k: StageVerdict(True) for k in stages}
        verdicts[stages[2]] = StageVerdict(False, "物料平衡数据缺少单位")
        verdicts[stages[0]] = StageVerdict(False, "缺少审核小组成立文件")
        intake(s, user(s, QINGYUAN), case.id, case.version, verdicts, agreed=True)
        disclosure.add_disclosure(s, enterprise, case.project_id, DisclosureForm(
            channel="报纸", location="《保定日报》第3版", published_on=START), [("版面.pdf", pdf_bytes())], on=START)
        [o] = enterprise_overview.overview(s, enterprise)
        [state] = o.cases
        assert (state.kind, state.status, state.summary) == (
            CaseKind.EVALUATION, CaseStatus.RETURNED, "评估申请在“区县受理审核”环节被退回")
        # In stage order, with the reviewer's words.
        assert state.remarks == (("审核准备", "缺少审核小组成立文件"), ("审核", "物料平衡数据缺少单位"))
        assert o.todo[0].urgent and o.todo[0].page == enterprise_overview.APPLY
        assert pages(o) == [enterprise_overview.APPLY]  # startup submitted, published, evaluation applied
        assert o.stages_done == 6


def test_an_audit_by_a_consultancy_is_asked_for_its_contract_until_uploaded(uow):
    from core import contracts
    from core.models import utcnow
    from core.project_models import AuditMode

    with uow() as s:
        project, enterprise = accepted_project(s)
        project.startup_submitted_at, project.audit_mode = utcnow(), AuditMode.CONSULTANCY
        s.flush()
        [o] = enterprise_overview.overview(s, enterprise)
        assert [t.text for t in o.todo][0] == "上传与咨询服务机构签订的清洁生产审核合同扫描件"
        contracts.upload_contract(s, enterprise, project.id, [("合同.pdf", pdf_bytes())])
        [o] = enterprise_overview.overview(s, enterprise)
        assert "上传与咨询服务机构签订的清洁生产审核合同扫描件" not in [t.text for t in o.todo]
