"""清洁生产审核合同: an enterprise audited by a consultancy uploads the signed contract (seed 001 asks
for it, 上报清洁生产审核合同原件到市生态环境局, by a date); its departments see it beside the permit.

The paper original still goes to the city; the scan lets the county and the city check it without
waiting for the post. A self-run audit has no contract.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core import attachments, audit, files
from core.db import lock
from core.disclosure import visible_project
from core.errors import RuleViolation
from core.models import User
from core.project_models import AuditMode
from core.projects import OWNER_PROJECT, own_project
from core.workflow_models import Attachment

CONTRACT = "audit_contract"
MAX_FILES = 10  # per upload: a contract and its annexes


def contract_files(session: Session, actor: User, project_id: int) -> list[Attachment]:
    """The contract's files, for the enterprise itself or a department covering it."""
    visible_project(session, actor, project_id)
    return attachments.of(session, OWNER_PROJECT, project_id, CONTRACT)


def needs_contract(session: Session, actor: User, project_id: int) -> bool:
    project = visible_project(session, actor, project_id)
    return project.audit_mode is AuditMode.CONSULTANCY


def upload_contract(session: Session, actor: User, project_id: int,
                    uploads: list[tuple[str, bytes]]) -> attachments.Batch:
    """Attach the contract's scans; each refused file is named, the others kept."""
    project = own_project(session, actor, project_id)
    lock(session, project)  # a startup submit changing the audit mode waits, and is seen here
    if project.startup_submitted_at is None:
        raise RuleViolation("请先提交“项目启动”信息（其中的审核方式），再上传审核合同")
    if project.audit_mode is not AuditMode.CONSULTANCY:
        raise RuleViolation("本企业自行开展清洁生产审核，无需上传咨询服务合同")
    uploads = list(uploads or [])
    if not uploads:
        raise RuleViolation("请选择要上传的合同扫描件")
    if len(uploads) > MAX_FILES:
        raise RuleViolation(f"一次最多上传 {MAX_FILES} 个文件")
    batch = attachments.attach_each(session, actor, OWNER_PROJECT, project.id, CONTRACT, uploads, files.SCAN_KINDS)
    audit.record(session, actor=actor, action="contract.upload", object_type=OWNER_PROJECT, object_id=project.id,
                 after={"files": batch.added})
    return batch


def remove_contract_file(session: Session, actor: User, project_id: int, attachment_id: int) -> None:
    project = own_project(session, actor, project_id)
    lock(session, project)
    row = session.get(Attachment, attachment_id)
    if row is None or (row.owner_type, row.owner_id, row.purpose) != (OWNER_PROJECT, project.id, CONTRACT):
        raise RuleViolation("该文件已被删除或不属于本项目的审核合同，请刷新页面")
    attachments.remove(session, actor, row)
