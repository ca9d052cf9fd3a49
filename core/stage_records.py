"""业务办理 for the enterprise: recording each audit stage's work (工作过程痕迹) and marking it complete.

What each stage needs comes from core.stages. A stage can be edited while its phase has no
application under review; after a return, only the stages the reviewers remarked on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import attachments, audit
from core.db import lock
from core.errors import RuleViolation, ValidationError
from core.models import User, utcnow
from core.options import options_of
from core.project_models import (
    AuditProject,
    Case,
    CaseRemark,
    CaseStatus,
    StageCompletion,
    StageRecord,
)
from core.projects import latest_case, open_remarks, own_project, require_startup_submitted
from core.stages import UPLOAD_KINDS, Item, ItemKind, Stage, stage
from core.text import clean

OWNER_RECORD = "stage_record"
MAX_TEXT = 5000
LOCKED = (CaseStatus.SUBMITTED, CaseStatus.IN_REVIEW, CaseStatus.PASSED)


__all__ = ["LOCKED", "StageState", "add_files", "check_value", "complete_stage", "completed", "latest_case",
           "open_remarks", "remarks_of", "remove_file", "save_value", "state"]


def _editable(session: Session, actor: User, project_id: int, stage_key: str) -> tuple[AuditProject, Stage]:
    project = own_project(session, actor, project_id)
    # The project is locked while the stage changes: an application submitted at the same moment
    # waits, then sees the change (and the reverse: the change sees the application and is refused).
    lock(session, project)
    require_startup_submitted(project)
    target = stage(stage_key)
    case = latest_case(session, project.id, target.phase)
    if case is not None and case.status in LOCKED:
        raise RuleViolation(f"{target.label}所在阶段的{case.kind.label}申请{case.status.label}，不能再修改")
    if case is not None and case.status is CaseStatus.RETURNED and target.key not in open_remarks(session, case):
        raise RuleViolation(f"退回整改只需修改审核意见涉及的步骤，“{target.label}”无需修改")
    return project, target


def _find(session: Session, project_id: int, stage_key: str, item_key: str) -> StageRecord | None:
    return session.scalar(select(StageRecord).where(StageRecord.project_id == project_id,
                                                    StageRecord.stage == stage_key, StageRecord.item_key == item_key))


def _record(session: Session, project_id: int, stage_key: str, item_key: str) -> StageRecord:
    row = _find(session, project_id, stage_key, item_key)
    if row is None:
        row = StageRecord(project_id=project_id, stage=stage_key, item_key=item_key)
        session.add(row)
        session.flush()
    return row


def _reopen(session: Session, project_id: int, stage_key: str) -> None:
    """A change to a completed stage takes its completion mark away: it must be checked again."""
    mark = session.scalar(select(StageCompletion).where(StageCompletion.project_id == project_id,
                                                        StageCompletion.stage == stage_key))
    if mark is not None:
        session.delete(mark)


def check_value(item: Item, value) -> str | float | None:
    """The cleaned value of a text or figure item; ValidationError (Chinese, field = item key) if bad."""
    if item.kind is ItemKind.TEXT:
        return clean(value, item.label, MAX_TEXT, field=item.key, multiline=True) or None
    if item.kind is ItemKind.FIGURE:
        if value is None or value == "":
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError(f"{item.label}应填写数字", field=item.key) from None
        if math.isnan(number) or math.isinf(number) or number < 0:
            raise ValidationError(f"{item.label}不能为负数", field=item.key)
        if number > item.maximum:
            raise ValidationError(f"{item.label}数值过大（超过 {item.maximum:g} {item.unit}），请核对单位", field=item.key)
        return number
    raise ValidationError(f"{item.label}需要上传文件", field=item.key)


STALE_ITEM = "“{label}”已在其他页面或由他人修改，本次保存未生效"


def save_value(session: Session, actor: User, project_id: int, stage_key: str, item_key: str, value, *,
               seen: int) -> None:
    """Save a text or figure item. `seen` is the item's version as the user saw it (StageState.versions;
    0 before anything was saved): a save made on an older view is refused, not applied over the newer."""
    project, target = _editable(session, actor, project_id, stage_key)
    item = target.item(item_key)
    clean = check_value(item, value)
    existing = _find(session, project.id, stage_key, item_key)
    if (existing.version if existing is not None else 0) != seen:
        raise RuleViolation(STALE_ITEM.format(label=item.label))  # not a Conflict: trying again cannot help
    row = existing or _record(session, project.id, stage_key, item_key)
    before = row.text_value if item.kind is ItemKind.TEXT else row.number_value
    if clean == before:
        return
    if item.kind is ItemKind.TEXT:
        row.text_value = clean
    else:
        row.number_value = clean
    row.updated_by_user_id, row.updated_at = actor.id, utcnow()
    _reopen(session, project.id, stage_key)
    session.flush()
    audit.record(session, actor=actor, action="stage.save", object_type=OWNER_RECORD, object_id=row.id,
                 before={"value": before}, after={"stage": stage_key, "item": item_key, "value": clean})


def add_files(session: Session, actor: User, project_id: int, stage_key: str, item_key: str,
              uploads: list[tuple[str, bytes]]) -> attachments.Batch:
    project, target = _editable(session, actor, project_id, stage_key)
    item = target.item(item_key)
    if item.kind not in UPLOAD_KINDS:
        raise ValidationError(f"{item.label}不需要上传文件", field=item_key)
    if not uploads:
        raise ValidationError(f"请选择要上传的{item.kind.label}", field=item_key)
    row = _record(session, project.id, stage_key, item_key)
    batch = attachments.attach_each(session, actor, OWNER_RECORD, row.id, item.kind.value, uploads,
                                    UPLOAD_KINDS[item.kind])
    row.updated_by_user_id, row.updated_at = actor.id, utcnow()
    _reopen(session, project.id, stage_key)
    session.flush()
    return batch


def remove_file(session: Session, actor: User, project_id: int, attachment_id: int) -> None:
    item = session.get(attachments.Attachment, attachment_id)
    row = session.get(StageRecord, item.owner_id) if item is not None and item.owner_type == OWNER_RECORD else None
    if row is None or row.project_id != project_id:
        raise RuleViolation("文件不存在或不属于本项目")
    project, _ = _editable(session, actor, project_id, row.stage)
    attachments.remove(session, actor, item)
    _reopen(session, project.id, row.stage)
    session.flush()


@dataclass(frozen=True)
class StageState:
    stage: Stage
    filled: dict[str, bool]  # item key -> has a value or a file
    values: dict[str, object]
    files: dict[str, list]
    completed_at: datetime | None
    versions: dict[str, int]  # item key -> its record's version, 0 while nothing is saved (save_value's `seen`)

    @property
    def missing(self) -> list[Item]:
        return [i for i in self.stage.items if i.required and not self.filled[i.key]]


def state(session: Session, project_id: int, stage_key: str) -> StageState:
    target = stage(stage_key)
    rows = {r.item_key: r for r in session.scalars(select(StageRecord).where(
        StageRecord.project_id == project_id, StageRecord.stage == stage_key))}
    stored = attachments.of(session, OWNER_RECORD, [r.id for r in rows.values()])
    files_by_item = {key: [a for a in stored if a.owner_id == row.id] for key, row in rows.items()}
    values, filled = {}, {}
    for item in target.items:
        row = rows.get(item.key)
        value = None if row is None else (row.text_value if item.kind is ItemKind.TEXT else row.number_value)
        values[item.key] = value
        filled[item.key] = bool(files_by_item.get(item.key)) if item.kind in UPLOAD_KINDS else value is not None
    mark = session.scalar(select(StageCompletion).where(StageCompletion.project_id == project_id,
                                                        StageCompletion.stage == stage_key))
    versions = {item.key: rows[item.key].version if item.key in rows else 0 for item in target.items}
    return StageState(target, filled, values, files_by_item, mark.completed_at if mark else None, versions)


def complete_stage(session: Session, actor: User, project_id: int, stage_key: str) -> None:
    """标记完成: refused, naming what is missing, until every required item is there."""
    project, target = _editable(session, actor, project_id, stage_key)
    current = state(session, project.id, stage_key)
    missing = [i.label for i in current.missing]
    if target.min_options:
        if len(options_of(session, project.id)) < target.min_options:
            missing.append(f"方案台账中至少 {target.min_options} 项清洁生产方案")
    if missing:
        raise ValidationError(f"“{target.label}”还缺少：{'、'.join(missing)}", field=stage_key)
    case = latest_case(session, project.id, target.phase)
    remarks = open_remarks(session, case).get(stage_key, [])
    if current.completed_at is not None and not remarks:
        raise RuleViolation(f"“{target.label}”已标记完成")
    if current.completed_at is None:
        session.add(StageCompletion(project_id=project.id, stage=stage_key, completed_by_user_id=actor.id))
    for remark in remarks:
        remark.resolved_at = utcnow()  # reworked: the step goes back to the reviewers
    session.flush()
    audit.record(session, actor=actor, action="stage.complete", object_type="audit_project", object_id=project.id,
                 after={"stage": stage_key})


def completed(session: Session, project_id: int) -> set[str]:
    return set(session.scalars(select(StageCompletion.stage).where(StageCompletion.project_id == project_id)))


def remarks_of(session: Session, case: Case | None) -> list[CaseRemark]:
    """Every remark of a case, resolved or not, in order."""
    if case is None:
        return []
    return list(session.scalars(select(CaseRemark).where(CaseRemark.case_id == case.id).order_by(CaseRemark.id)))
