"""清洁生产审核合同: uploaded by an enterprise audited by a consultancy, seen by its departments only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import contracts
from core.audit import AuditLogEntry
from core.errors import PermissionDenied, RuleViolation
from core.models import User, utcnow
from core.project_models import AuditMode
from tests.support.projects import accepted_project
from tests.support.roster import CITY, QINGYUAN, ZHUOZHOU, pdf_bytes, png_bytes, user


def test_only_an_audit_by_a_consultancy_takes_a_contract_after_its_startup(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        with pytest.raises(RuleViolation, match="请先提交“项目启动”信息"):
            contracts.upload_contract(s, enterprise, project.id, [("合同.pdf", pdf_bytes())])
        project.startup_submitted_at, project.audit_mode = utcnow(), AuditMode.SELF
        s.flush()
        assert not contracts.needs_contract(s, enterprise, project.id)
        with pytest.raises(RuleViolation, match="自行开展清洁生产审核，无需上传"):
            contracts.upload_contract(s, enterprise, project.id, [("合同.pdf", pdf_bytes())])
        assert contracts.contract_files(s, enterprise, project.id) == []


def test_the_contract_is_kept_file_by_file_and_seen_by_its_departments(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        project.startup_submitted_at, project.audit_mode = utcnow(), AuditMode.CONSULTANCY
        s.flush()
        batch = contracts.upload_contract(s, enterprise, project.id, [
            ("审核合同.pdf", pdf_bytes(3)), ("合同附件.exe", b"MZ\x90\x00"), ("签字页.png", png_bytes())])
        assert batch.added == 2 and len(batch.refused) == 1 and "合同附件.exe" in batch.refused[0]
        for viewer in (enterprise, user(s, QINGYUAN), user(s, CITY)):
            assert [f.original_name for f in contracts.contract_files(s, viewer, project.id)] == [
                "审核合同.pdf", "签字页.png"]
        with pytest.raises(PermissionDenied):
            contracts.contract_files(s, user(s, ZHUOZHOU), project.id)
        other = s.scalar(select(User).where(User.enterprise_id.is_not(None), User.id != enterprise.id))
        for outsider in (other, user(s, QINGYUAN)):
            with pytest.raises(PermissionDenied):
                contracts.upload_contract(s, outsider, project.id, [("合同.pdf", pdf_bytes())])
        first = contracts.contract_files(s, enterprise, project.id)[0]
        with pytest.raises(PermissionDenied):
            contracts.remove_contract_file(s, user(s, QINGYUAN), project.id, first.id)
        contracts.remove_contract_file(s, enterprise, project.id, first.id)
        with pytest.raises(RuleViolation, match="已被删除"):
            contracts.remove_contract_file(s, enterprise, project.id, first.id)
        assert [f.original_name for f in contracts.contract_files(s, enterprise, project.id)] == ["签字页.png"]
        logged = s.scalars(select(AuditLogEntry.action).where(AuditLogEntry.action.like("contract.%"))).all()
        assert logged == ["contract.upload"]
