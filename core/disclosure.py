"""信息公开 and the rules shared with the permit records: who may see and record what for an audit project,
field checks, evidence uploads; and the enterprise's publications of its audit information (公开审核信息).

Disclosures are recorded by the enterprise (several may be); departments covering it can see them.
The permit (排污许可证) is core.permits; the departments' list of both is core.disclosure_tracking.
Dates are Hebei's (core.startup_fields.today); rules that depend on today take `on=`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import attachments, audit, files
from core.db import lock
from core.disclosure_models import (
    CHANNEL_LABELS,
    PERMIT_CLASS_LABELS,
    DisclosureChannel,
    DisclosureRecord,
    PermitClass,
)
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.jurisdiction import covers, require_department
from core.models import Division, Tier, User
from core.notice_models import NoticeLetter
from core.project_models import AuditProject
from core.projects import own_project
from core.startup_fields import StepErrors, past_date, today
from core.workflow_models import Attachment


OWNER_PERMIT = "permit_record"
OWNER_DISCLOSURE = "disclosure"
PERMIT_SCAN = "permit_scan"  # 排污许可证扫描件
DISCLOSURE_EVIDENCE = "disclosure_evidence"  # 公开截图或扫描件
EARLIEST = date(2000, 1, 1)  # a mistyped year, not a real permit or publication
NUMBER_LOW, NUMBER_HIGH = 6, 40
LOCATION_LOW, LOCATION_HIGH = 4, 500
REASON_LOW, REASON_HIGH = 4, 500
MAX_FILES = 10  # per save

STALE_PERMIT = "排污许可证信息已被他人修改或确认，请刷新页面后重试（您填写的内容仍保留在页面上）"
STALE_DISCLOSURE = "该公开记录已被修改或删除，请刷新页面后重试"

# Permit status of an audit project, as the tracking list shows it.
MISSING, PENDING, CONFIRMED, NOT_WRITTEN = "missing", "pending", "confirmed", "not_written"
PERMIT_STATUS_LABELS = {MISSING: "未填报", PENDING: "已填报待确认", CONFIRMED: "已确认", NOT_WRITTEN: "未写入"}


# --- who may do what -----------------------------------------------------------------------------

def county_of(session: Session, project: AuditProject) -> Division:
    """The county department that handles the project (the one that issued its letter)."""
    letter = session.get(NoticeLetter, project.letter_id)
    return session.get(Division, letter.county_code)


def visible_project(session: Session, actor: User, project_id: int) -> AuditProject:
    """The project, if the actor is its enterprise or a department whose jurisdiction covers it."""
    if actor.tier is Tier.ENTERPRISE:
        return own_project(session, actor, project_id)
    require_department(actor, "查看排污许可与信息公开")
    project = session.get(AuditProject, project_id)
    if project is None:
        raise RuleViolation("审核项目不存在")
    if not covers(actor.division, county_of(session, project)):
        raise PermissionDenied("该企业不在本部门管辖范围内")
    return project


def is_its_county(session: Session, actor: User, project: AuditProject) -> bool:
    return actor.tier is Tier.COUNTY and actor.division_code == county_of(session, project).code


def recording_project(session: Session, actor: User, project_id: int) -> AuditProject:
    """The project, if the actor may record its permit: the enterprise itself or its county department."""
    project = visible_project(session, actor, project_id)
    if actor.tier is not Tier.ENTERPRISE and not is_its_county(session, actor, project):
        raise PermissionDenied("排污许可证信息由企业或其所在区县生态环境部门填报，本部门只能查看")
    return project


def county_project(session: Session, actor: User, project_id: int, what: str) -> AuditProject:
    """The project, if the actor is its county department (which alone confirms and revokes)."""
    project = visible_project(session, actor, project_id)
    if not is_its_county(session, actor, project):
        raise PermissionDenied(f"{what}由企业所在区县生态环境部门办理")
    return project


def may_record_permit(session: Session, actor: User, project_id: int) -> bool:
    try:
        recording_project(session, actor, project_id)
    except RuleViolation:
        return False
    return True


def may_confirm(session: Session, actor: User, project_id: int) -> bool:
    try:
        county_project(session, actor, project_id, "确认")
    except RuleViolation:
        return False
    return True


# --- field checks --------------------------------------------------------------------------------

Errors = dict[str, str]


def check_day(value, key: str, label: str, errors: Errors, on: date, *, missing: str | None = None) -> date | None:
    """A date not after `on` (and not before 2000); `missing` is the message when none is given."""
    return past_date(value, key, label, errors, on=on, earliest=EARLIEST, missing=missing or f"请填写{label}")


def has_control(text: str) -> bool:
    return any(unicodedata.category(c).startswith("C") for c in text)


def yes_no(value) -> bool | None:
    if isinstance(value, bool):
        return value
    return {"是": True, "否": False}.get(str(value or "").strip())


def as_enum(cls, value):
    if isinstance(value, cls):
        return value
    try:
        return cls(str(value or "").strip())
    except ValueError:
        labels = {label: member for member, label in (PERMIT_CLASS_LABELS if cls is PermitClass
                                                       else CHANNEL_LABELS).items()}
        return labels.get(str(value or "").strip())


def checked_uploads(uploads, label: str) -> list[tuple[str, bytes]]:
    """The uploads, each checked by its content before anything is written; faults name the field."""
    uploads = list(uploads or [])
    if len(uploads) > MAX_FILES:
        raise ValidationError(f"{label}一次最多上传 {MAX_FILES} 个文件", field="evidence")
    for name, data in uploads:
        try:
            files.check_upload(name, data, files.SCAN_KINDS)
        except ValidationError as exc:
            raise ValidationError(f"{label}“{name}”不能上传：{exc.message}", field="evidence") from None
    return uploads


def attach_all(session: Session, actor: User, owner_type: str, owner_id: int, purpose: str,
                uploads: list[tuple[str, bytes]]) -> None:
    for name, data in uploads:
        attachments.attach(session, actor, owner_type, owner_id, purpose, name, data, files.SCAN_KINDS)


# --- disclosures ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class DisclosureForm:
    channel: DisclosureChannel | str | None
    location: str  # a URL, or a description
    published_on: date | str | None


def _is_url(text: str) -> bool:
    if re.search(r"\s", text):
        return False
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and "." in (parts.hostname or "")


def check_disclosure(form: DisclosureForm, on: date | None = None) -> dict:
    """The cleaned disclosure fields; StepErrors naming every faulty field otherwise."""
    on = on or today()
    errors: Errors = {}
    channel = as_enum(DisclosureChannel, form.channel)
    if channel is None:
        errors["channel"] = "请选择公开方式（企业网站、报纸、政府网站或其他）"
    location = str(form.location or "").strip()
    if has_control(location):
        errors["location"] = "公开位置含有不可见的控制字符"
    elif channel is not None and channel.needs_url:
        if not location:
            errors["location"] = f"请填写{channel.label}上公开信息的网址"
        elif not _is_url(location) or len(location) > LOCATION_HIGH:
            errors["location"] = f"{channel.label}的网址应以 http:// 或 https:// 开头（如 https://www.example.com/gs/1.html）"
    elif not location:
        errors["location"] = "请填写公开位置：网址，或报纸名称、日期和版面等说明"
    elif not LOCATION_LOW <= len(location) <= LOCATION_HIGH:
        errors["location"] = f"公开位置应为 {LOCATION_LOW} 至 {LOCATION_HIGH} 个字"
    published_on = check_day(form.published_on, "published_on", "公开日期", errors, on)
    if errors:
        raise StepErrors(errors)
    return {"channel": channel, "location": location, "published_on": published_on}


@dataclass(frozen=True)
class DisclosureItem:
    record: DisclosureRecord
    files: list[Attachment]
    recorded_by: User | None


def disclosures_of(session: Session, actor: User, project_id: int) -> list[DisclosureItem]:
    """The project's disclosures, latest publication first, each with its evidence."""
    visible_project(session, actor, project_id)
    records = list(session.scalars(select(DisclosureRecord).where(DisclosureRecord.project_id == project_id)
                                   .order_by(DisclosureRecord.published_on.desc(), DisclosureRecord.id.desc())))
    evidence = attachments.of(session, OWNER_DISCLOSURE, [r.id for r in records], DISCLOSURE_EVIDENCE)
    return [DisclosureItem(r, [a for a in evidence if a.owner_id == r.id], session.get(User, r.recorded_by_user_id))
            for r in records]


def _describe_disclosure(record: DisclosureRecord) -> dict:
    return {"channel": record.channel.value, "location": record.location,
            "published_on": record.published_on.isoformat(), "project_id": record.project_id}


def add_disclosure(session: Session, actor: User, project_id: int, form: DisclosureForm,
                   uploads: list[tuple[str, bytes]], *, on: date | None = None) -> DisclosureRecord:
    """The enterprise records one publication of its audit information, with at least one evidence file."""
    own_project(session, actor, project_id)
    values = check_disclosure(form, on)
    uploads = checked_uploads(uploads, "公开证明材料")
    if not uploads:
        raise ValidationError("请上传公开证明材料（网页截图或报纸扫描件，PDF、JPG 或 PNG），至少一个文件",
                              field="evidence")
    record = DisclosureRecord(project_id=project_id, recorded_by_user_id=actor.id, **values)
    session.add(record)
    session.flush()
    attach_all(session, actor, OWNER_DISCLOSURE, record.id, DISCLOSURE_EVIDENCE, uploads)
    audit.record(session, actor=actor, action="disclosure.add", object_type=OWNER_DISCLOSURE, object_id=record.id,
                 after={**_describe_disclosure(record), "files": [name for name, _ in uploads]})
    return record


def remove_disclosure(session: Session, actor: User, project_id: int, disclosure_id: int) -> None:
    """The enterprise withdraws a disclosure recorded by mistake (the audit log keeps what it was)."""
    own_project(session, actor, project_id)
    record = session.get(DisclosureRecord, disclosure_id)
    if record is None or record.project_id != project_id:
        raise RuleViolation(STALE_DISCLOSURE)
    lock(session, record, STALE_DISCLOSURE)  # a second removal at the same moment waits, then finds it gone
    for item in attachments.of(session, OWNER_DISCLOSURE, record.id):
        attachments.remove(session, actor, item)
    audit.record(session, actor=actor, action="disclosure.remove", object_type=OWNER_DISCLOSURE,
                 object_id=record.id, before=_describe_disclosure(record))
    session.delete(record)
    session.flush()
