"""排污许可证: the audit requirement written into the enterprise's discharge permit, per audit project
(seed 001). Recorded by the enterprise or by its county department (who recorded it is kept), with a scan
of the permit page as evidence; the county confirms it (with the statement). A confirmed record can no
longer be changed; the county may revoke the confirmation, giving a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import attachments, audit
from core.db import flush_or_stale, lock
from core.disclosure_models import (
    PermitClass,
    PermitRecord,
)
from core.disclosure import (
    CONFIRMED,
    Errors,
    MISSING,
    NOT_WRITTEN,
    NUMBER_HIGH,
    NUMBER_LOW,
    OWNER_PERMIT,
    PENDING,
    PERMIT_SCAN,
    PERMIT_STATUS_LABELS,
    REASON_HIGH,
    REASON_LOW,
    STALE_PERMIT,
    as_enum,
    attach_all,
    check_day,
    checked_uploads,
    county_project,
    has_control,
    recording_project,
    visible_project,
    yes_no,
)
from core.errors import RuleViolation, ValidationError
from core.models import Tier, User, utcnow
from core.project_models import AuditProject
from core.startup_fields import StepErrors, today
from core.text import clean
from core.workflow_models import Attachment



# --- the permit ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PermitForm:
    permit_number: str
    management_class: PermitClass | str | None
    requirement_written: bool | str | None  # 是 / 否
    written_on: date | str | None = None


def check_permit(form: PermitForm, on: date | None = None) -> dict:
    """The cleaned permit fields; StepErrors naming every faulty field otherwise."""
    on = on or today()
    errors: Errors = {}
    number = str(form.permit_number or "").strip()
    if not number:
        errors["permit_number"] = "请填写排污许可证编号"
    elif has_control(number):
        errors["permit_number"] = "排污许可证编号含有不可见的控制字符"
    elif not NUMBER_LOW <= len(number) <= NUMBER_HIGH:
        errors["permit_number"] = f"排污许可证编号应为 {NUMBER_LOW} 至 {NUMBER_HIGH} 个字符（现为 {len(number)} 个）"
    management = as_enum(PermitClass, form.management_class)
    if management is None:
        errors["management_class"] = "请选择排污许可管理类别（重点管理、简化管理或登记管理）"
    written = yes_no(form.requirement_written)
    written_on = None
    if written is None:
        errors["requirement_written"] = "请选择是否已将清洁生产审核要求写入排污许可证（是 / 否）"
    elif written:
        written_on = check_day(form.written_on, "written_on", "写入日期", errors, on,
                          missing="已写入审核要求时，请填写写入日期")
    if errors:
        raise StepErrors(errors)
    return {"permit_number": number, "management_class": management, "requirement_written": written,
            "written_on": written_on}


@dataclass(frozen=True)
class PermitState:
    record: PermitRecord | None
    files: list[Attachment]
    status: str
    created_by: User | None
    recorded_by: User | None
    confirmed_by: User | None
    revoked_by: User | None

    @property
    def status_label(self) -> str:
        return PERMIT_STATUS_LABELS[self.status]

    @property
    def version(self) -> int | None:
        return self.record.version if self.record else None


def permit_status(record: PermitRecord | None) -> str:
    if record is None:
        return MISSING
    if not record.requirement_written:
        return NOT_WRITTEN
    return CONFIRMED if record.confirmed_at else PENDING


def permit_record_of(session: Session, project_id: int) -> PermitRecord | None:
    return session.scalar(select(PermitRecord).where(PermitRecord.project_id == project_id))


def permit_of(session: Session, actor: User, project_id: int) -> PermitState:
    """The project's permit record with its evidence and who recorded, confirmed or revoked it."""
    visible_project(session, actor, project_id)
    record = permit_record_of(session, project_id)
    if record is None:
        return PermitState(None, [], MISSING, None, None, None, None)

    def who(user_id: int | None) -> User | None:
        return session.get(User, user_id) if user_id else None

    return PermitState(record, attachments.of(session, OWNER_PERMIT, record.id, PERMIT_SCAN), permit_status(record),
                       who(record.created_by_user_id), who(record.recorded_by_user_id),
                       who(record.confirmed_by_user_id), who(record.revoked_by_user_id))


def _describe_permit(record: PermitRecord) -> dict:
    return {"permit_number": record.permit_number, "management_class": record.management_class.value,
            "requirement_written": record.requirement_written,
            "written_on": record.written_on.isoformat() if record.written_on else None,
            "confirmed": record.confirmed_at is not None}


def _locked_record(session: Session, project: AuditProject) -> PermitRecord | None:
    """The project's permit record as last committed, held until the transaction ends.

    The project is locked first: a record created at the same moment by the enterprise and its county
    (permit_records.project_id is unique) is then found rather than created twice.
    """
    lock(session, project)
    record = permit_record_of(session, project.id)
    if record is not None:
        lock(session, record, STALE_PERMIT)
    return record


def _editable(session: Session, actor: User, project: AuditProject,
              expected_version: int | None) -> PermitRecord | None:
    record = _locked_record(session, project)
    if record is None:
        if expected_version is not None:
            raise RuleViolation(STALE_PERMIT)
        return None
    if expected_version is None or record.version != expected_version:
        raise RuleViolation(STALE_PERMIT)
    if record.confirmed_at is not None:
        if actor.tier is Tier.ENTERPRISE:
            raise RuleViolation("排污许可证信息已由区县生态环境部门确认，企业不能再修改；"
                                "如需更正，请联系区县部门撤销确认")
        raise RuleViolation("排污许可证信息已确认，请先撤销确认再修改")
    return record


def save_permit(session: Session, actor: User, project_id: int, form: PermitForm,
                uploads: list[tuple[str, bytes]] = (), expected_version: int | None = None, *,
                on: date | None = None) -> PermitRecord:
    """Record or change the project's permit, adding evidence scans (at least one in all).

    `expected_version` is the version the user saw (None when there was no record yet); a save based
    on an older view, or on a confirmed record, is refused. Nothing is saved when anything is refused.
    """
    project = recording_project(session, actor, project_id)
    record = _editable(session, actor, project, expected_version)
    values = check_permit(form, on)
    uploads = checked_uploads(uploads, "排污许可证扫描件")
    existing = attachments.of(session, OWNER_PERMIT, record.id, PERMIT_SCAN) if record else []
    if not existing and not uploads:
        raise ValidationError("请上传排污许可证扫描件（载明清洁生产审核要求的页面，PDF、JPG 或 PNG）", field="evidence")
    before = _describe_permit(record) if record else None
    now = utcnow()
    if record is None:
        record = PermitRecord(project_id=project_id, created_by_user_id=actor.id, created_at=now, **values,
                              recorded_by_user_id=actor.id, recorded_at=now)
        session.add(record)
    else:
        for key, value in values.items():
            setattr(record, key, value)
        record.recorded_by_user_id, record.recorded_at = actor.id, now
    flush_or_stale(session, STALE_PERMIT)
    attach_all(session, actor, OWNER_PERMIT, record.id, PERMIT_SCAN, uploads)
    audit.record(session, actor=actor, action="permit.record", object_type=OWNER_PERMIT, object_id=record.id,
                 before=before, after={**_describe_permit(record), "project_id": project_id,
                                       "files_added": [name for name, _ in uploads]})
    return record


def remove_permit_file(session: Session, actor: User, project_id: int, attachment_id: int,
                       expected_version: int) -> None:
    """Take a scan off an unconfirmed permit record; the last one stays until another is uploaded."""
    project = recording_project(session, actor, project_id)
    record = _editable(session, actor, project, expected_version)
    if record is None:
        raise RuleViolation("尚未填报排污许可证信息")
    scans = attachments.of(session, OWNER_PERMIT, record.id, PERMIT_SCAN)
    item = next((a for a in scans if a.id == attachment_id), None)
    if item is None:
        raise RuleViolation("该文件不存在或已被删除，请刷新页面")
    if len(scans) == 1:
        raise RuleViolation("排污许可证扫描件至少保留一份：请先上传新的扫描件，再删除这一份")
    attachments.remove(session, actor, item)
    record.recorded_by_user_id, record.recorded_at = actor.id, utcnow()  # the county confirms what it saw
    flush_or_stale(session, STALE_PERMIT)


def confirm_permit(session: Session, actor: User, project_id: int, expected_version: int, *,
                   agreed: bool) -> PermitRecord:
    """The county confirms the permit record exactly as it saw it (version), with the statement."""
    project = county_project(session, actor, project_id, "排污许可证信息的确认")
    record = _locked_record(session, project)
    if record is None:
        raise RuleViolation("尚未填报排污许可证信息，不能确认")
    if record.confirmed_at is not None:
        raise RuleViolation("排污许可证信息已经确认")
    if record.version != expected_version:
        raise RuleViolation(STALE_PERMIT)
    if not record.requirement_written:
        raise RuleViolation("排污许可证尚未写入清洁生产审核要求，不能确认；写入后请更新填报信息")
    if not attachments.of(session, OWNER_PERMIT, record.id, PERMIT_SCAN):
        raise RuleViolation("没有排污许可证扫描件，不能确认")
    if not agreed:
        raise ValidationError("请先阅读并勾选“我同意上述内容”", field="statement")
    record.confirmed_by_user_id, record.confirmed_at = actor.id, utcnow()
    flush_or_stale(session, STALE_PERMIT)
    audit.record(session, actor=actor, action="permit.confirm", object_type=OWNER_PERMIT, object_id=record.id,
                 after=_describe_permit(record), statement=audit.STATEMENT)
    return record


def revoke_confirmation(session: Session, actor: User, project_id: int, expected_version: int,
                        reason: str) -> PermitRecord:
    """The county withdraws its confirmation, saying why; the record can then be changed again."""
    project = county_project(session, actor, project_id, "撤销确认")
    record = _locked_record(session, project)
    if record is None or record.confirmed_at is None:
        raise RuleViolation("排污许可证信息尚未确认，无需撤销")
    if record.version != expected_version:
        raise RuleViolation(STALE_PERMIT)
    reason = clean(reason, "撤销确认的原因", REASON_HIGH, field="reason", multiline=True)
    if not reason:
        raise ValidationError("请填写撤销确认的原因", field="reason")
    if not REASON_LOW <= len(reason) <= REASON_HIGH:
        raise ValidationError(f"撤销确认的原因应为 {REASON_LOW} 至 {REASON_HIGH} 个字", field="reason")
    before = _describe_permit(record)
    record.confirmed_by_user_id, record.confirmed_at = None, None
    record.revoked_by_user_id, record.revoked_at, record.revoke_reason = actor.id, utcnow(), reason
    flush_or_stale(session, STALE_PERMIT)
    audit.record(session, actor=actor, action="permit.revoke", object_type=OWNER_PERMIT, object_id=record.id,
                 before=before, after={**_describe_permit(record), "reason": reason})
    return record
