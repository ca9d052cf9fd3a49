"""名单核定: the roster task's state table and its transitions (seed 000 §2.1, §3.1).

Each department has one RosterAssignment per task. The province drafts the list and dispatches it
to the cities concerned; a city verifies, dispatches to its counties, reviews each county's
submission and submits to the province; the province approves or returns each city and, when every
city is approved, fixes the final roster. Every transition is checked here (tier, department,
current state, required statement, files and comments) and written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from core import attachments, audit, dates, files, jurisdiction
from core.db import flush_or_stale, lock
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.models import Division, Tier, User, utcnow
from core.text import Limit, clean
from core.workflow_models import (
    ReviewDecision,
    RosterAssignment,
    RosterEntry,
    RosterReview,
    RosterStatus,
    RosterTask,
)

S = RosterStatus
OWNER_TASK = "roster_task"
OWNER_ASSIGNMENT = "roster_assignment"
STALE_MESSAGE = "该任务已被本部门其他用户修改，请刷新页面后重试（您填写的内容仍保留在页面上）"


@dataclass(frozen=True)
class Transition:
    action: str
    level: Tier  # the level of the assignment that moves
    sources: frozenset[RosterStatus]
    target: RosterStatus
    by_parent: bool  # taken by the level above (a review) rather than by the department itself


def _t(action: str, level: Tier, sources: set[RosterStatus], target: RosterStatus,
       by_parent: bool = False) -> Transition:
    return Transition(action, level, frozenset(sources), target, by_parent)


# The whole state table. Anything not listed here is refused.
TRANSITIONS: tuple[Transition, ...] = (
    _t("dispatch", Tier.PROVINCE, {S.PENDING}, S.DISPATCHED),
    _t("dispatch", Tier.CITY, {S.PENDING}, S.DISPATCHED),
    _t("submit", Tier.COUNTY, {S.PENDING, S.RETURNED}, S.SUBMITTED),
    _t("submit", Tier.CITY, {S.DISPATCHED, S.RETURNED}, S.SUBMITTED),
    _t("approve", Tier.COUNTY, {S.SUBMITTED}, S.APPROVED, by_parent=True),
    _t("approve", Tier.CITY, {S.SUBMITTED}, S.APPROVED, by_parent=True),
    _t("return", Tier.COUNTY, {S.SUBMITTED}, S.RETURNED, by_parent=True),
    _t("return", Tier.CITY, {S.SUBMITTED}, S.RETURNED, by_parent=True),
    _t("finalize", Tier.PROVINCE, {S.DISPATCHED}, S.APPROVED),
)

ACTION_LABELS = {"dispatch": "下发任务", "submit": "提交任务", "approve": "审核通过", "return": "退回",
                 "finalize": "确定最终名单"}


def transition_for(action: str, level: Tier) -> Transition | None:
    return next((t for t in TRANSITIONS if t.action == action and t.level is level), None)


# --- who may act ---------------------------------------------------------------------------

def require_department(actor: User) -> None:
    jurisdiction.require_department(actor, "名单核定任务")


def can_view(actor: User, assignment: RosterAssignment) -> bool:
    """A department sees its own part of a task and the parts of the departments below it."""
    return actor.tier.is_department and jurisdiction.covers(actor.division, assignment.division)


def get_assignment(session: Session, actor: User, assignment_id: int) -> RosterAssignment:
    require_department(actor)
    assignment = session.get(RosterAssignment, assignment_id)
    if assignment is None:
        raise RuleViolation("任务不存在或已被删除")
    if not can_view(actor, assignment):
        raise PermissionDenied("您无权查看该任务：不在本部门管辖范围内")
    return assignment


def own_assignment(session: Session, actor: User, assignment_id: int,
                   expected_version: int | None = None, *, locked: bool = False) -> RosterAssignment:
    """The actor's own department's part of a task, checked against the version the page showed;
    `locked`: held until the transaction ends (core.db.lock), for a change decided on its state."""
    assignment = get_assignment(session, actor, assignment_id)
    if assignment.division_code != actor.division_code:
        raise PermissionDenied("只能办理本部门的任务")
    if locked:
        lock(session, assignment, STALE_MESSAGE)
    check_version(assignment, expected_version)
    return assignment


def check_version(obj, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise RuleViolation(STALE_MESSAGE)


def check_move(session: Session, actor: User, assignment: RosterAssignment, action: str) -> Transition:
    """The transition `actor` may take on `assignment` now, or the refusal that names why not."""
    transition = transition_for(action, assignment.level)
    label = ACTION_LABELS[action]
    if transition is None:
        raise RuleViolation(f"{assignment.level.label}任务不能“{label}”")
    if transition.by_parent:
        parent = session.get(RosterAssignment, assignment.parent_id)
        if parent is None or parent.division_code != actor.division_code:
            raise PermissionDenied("只有上一级部门可以审核该任务")
        if parent.status is not S.DISPATCHED:
            raise RuleViolation(f"本级任务当前状态为“{parent.status.label}”，不能审核下级任务")
    elif assignment.division_code != actor.division_code:
        raise PermissionDenied("只能办理本部门的任务")
    if assignment.status not in transition.sources:
        allowed = "、".join(s.label for s in RosterStatus if s in transition.sources)
        raise RuleViolation(f"任务当前状态为“{assignment.status.label}”，不能{label}"
                            f"（仅“{allowed}”状态可以）")
    return transition


def _move(session: Session, actor: User, assignment: RosterAssignment, action: str,
          detail: dict | None = None, statement: str | None = None) -> None:
    transition = check_move(session, actor, assignment, action)
    before = assignment.status
    assignment.status = transition.target
    now = utcnow()
    if action == "dispatch":
        assignment.dispatched_at = now
    elif action == "submit":
        assignment.submitted_at = now
    else:
        assignment.decided_at = now
    flush_or_stale(session, STALE_MESSAGE)
    audit.record(session, actor=actor, action=f"roster.{action}", object_type=OWNER_ASSIGNMENT,
                 object_id=assignment.id, before={"status": before.value},
                 after={"status": assignment.status.value, **(detail or {})}, statement=statement)


def require_statement(agreed: bool) -> str:
    if not agreed:
        raise ValidationError("请先阅读并勾选“我同意上述内容”", field="statement")
    return audit.STATEMENT


# --- the province's task -----------------------------------------------------------------------

def _check_task_fields(name: str, batch: str, deadline: date | None) -> tuple[str, str]:
    name = clean(name, "任务名称", Limit.NAME, field="name")
    batch = clean(batch, "批次", Limit.SHORT, field="batch")
    if not name:
        raise ValidationError("请填写任务名称", field="name")
    if not batch:
        raise ValidationError("请填写批次", field="batch")
    if deadline is None:
        raise ValidationError("请选择截止日期", field="deadline")
    return name, batch


def _requirements(text: str | None) -> str:
    return clean(text, "任务要求", Limit.LONG, field="requirements", multiline=True)


def create_task(session: Session, actor: User, *, name: str, batch: str, requirements: str,
                deadline: date | None, today: date | None = None) -> RosterAssignment:
    """A new roster task, drafted by the province; returns the province's assignment."""
    require_department(actor)
    if actor.tier is not Tier.PROVINCE:
        raise PermissionDenied("只有省级生态环境部门可以创建名单核定任务")
    name, batch = _check_task_fields(name, batch, deadline)
    requirements = _requirements(requirements)
    dates.not_past(deadline, "截止日期", "deadline", today=today)
    task = RosterTask(name=name, batch=batch, requirements=requirements,
                      deadline=deadline, province_code=actor.division_code, created_by_user_id=actor.id)
    session.add(task)
    session.flush()
    assignment = RosterAssignment(task_id=task.id, division_code=actor.division_code, level=Tier.PROVINCE)
    session.add(assignment)
    session.flush()
    audit.record(session, actor=actor, action="roster.create", object_type=OWNER_TASK, object_id=task.id,
                 after={"name": name, "batch": batch, "deadline": deadline.isoformat()})
    return assignment


def update_task(session: Session, actor: User, assignment_id: int, expected_version: int, *,
                name: str, batch: str, requirements: str, deadline: date | None) -> None:
    """The province edits its draft; once dispatched, the task is fixed."""
    assignment = own_assignment(session, actor, assignment_id, expected_version, locked=True)
    if assignment.level is not Tier.PROVINCE or assignment.status is not S.PENDING:
        raise RuleViolation("任务已下发，不能再修改任务信息")
    name, batch = _check_task_fields(name, batch, deadline)
    requirements = _requirements(requirements)
    task = assignment.task
    dates.changed_not_past(deadline, task.deadline, "截止日期", "deadline")
    before = {"name": task.name, "batch": task.batch, "requirements": task.requirements,
              "deadline": task.deadline.isoformat()}
    task.name, task.batch, task.requirements, task.deadline = name, batch, requirements, deadline
    after = {"name": name, "batch": batch, "requirements": task.requirements, "deadline": deadline.isoformat()}
    flag_modified(assignment, "requirements")  # the task's edits move the province part's version too
    flush_or_stale(session, STALE_MESSAGE)
    audit.record(session, actor=actor, action="roster.update_task", object_type=OWNER_TASK, object_id=task.id,
                 before=before, after=after)


def save_requirements(session: Session, actor: User, assignment_id: int, expected_version: int,
                      requirements: str) -> None:
    """A city's or county's own requirements (saved on 下一步), while the task is in its hands."""
    assignment = own_assignment(session, actor, assignment_id, expected_version, locked=True)
    if assignment.status not in (S.PENDING, S.RETURNED):
        raise RuleViolation(f"任务当前状态为“{assignment.status.label}”，不能修改本级任务要求")
    text = _requirements(requirements)
    if text != assignment.requirements:
        before = assignment.requirements
        assignment.requirements = text
        flush_or_stale(session, STALE_MESSAGE)
        audit.record(session, actor=actor, action="roster.requirements", object_type=OWNER_ASSIGNMENT,
                     object_id=assignment.id, before={"requirements": before}, after={"requirements": text})


def attach_file(session: Session, actor: User, assignment_id: int, name: str, data: bytes) -> None:
    """A file for the level below: the province's task annex, or a city's or county's own notice."""
    assignment = own_assignment(session, actor, assignment_id, locked=True)
    if assignment.status not in (S.PENDING, S.RETURNED):
        raise RuleViolation(f"任务当前状态为“{assignment.status.label}”，不能再上传任务文件")
    if assignment.level is Tier.PROVINCE:
        attachments.attach(session, actor, OWNER_TASK, assignment.task_id, attachments.TASK_FILE, name, data,
                           files.DOCUMENT_KINDS)
    else:
        attachments.attach(session, actor, OWNER_ASSIGNMENT, assignment.id, attachments.REQUIREMENTS_FILE,
                           name, data, files.DOCUMENT_KINDS)


def remove_file(session: Session, actor: User, assignment_id: int, attachment_id: int) -> None:
    assignment = own_assignment(session, actor, assignment_id, locked=True)
    if assignment.status not in (S.PENDING, S.RETURNED):
        raise RuleViolation(f"任务当前状态为“{assignment.status.label}”，不能删除任务文件")
    owner = (OWNER_TASK, assignment.task_id) if assignment.level is Tier.PROVINCE else \
        (OWNER_ASSIGNMENT, assignment.id)
    found = [a for a in attachments.of(session, *owner) if a.id == attachment_id]
    if not found or found[0].purpose == attachments.FINAL_LIST:
        raise RuleViolation("文件不存在或不属于本部门的任务")
    attachments.remove(session, actor, found[0])


# --- transitions ---------------------------------------------------------------------------

def _entry_count(session: Session, task_id: int, column=None, code: str | None = None) -> int:
    stmt = select(func.count()).select_from(RosterEntry).where(RosterEntry.task_id == task_id)
    if column is not None:
        stmt = stmt.where(column == code)
    return session.scalar(stmt) or 0


def dispatch(session: Session, actor: User, assignment_id: int, expected_version: int, *, agreed: bool,
             extra_counties: tuple[str, ...] = ()) -> list[RosterAssignment]:
    """下发任务: the province to the cities concerned, a city to its counties; returns the new parts.

    A city dispatches to the counties that have enterprises on the list, plus the counties it names
    (so that a county with none can still add the ones that are missing).
    """
    statement = require_statement(agreed)
    assignment = own_assignment(session, actor, assignment_id, expected_version, locked=True)
    task_id = assignment.task_id
    if assignment.level is Tier.PROVINCE:
        if not _entry_count(session, task_id):
            raise RuleViolation("企业名单为空：请先导入企业名单，再下发任务")
        targets = set(session.scalars(select(RosterEntry.city_code).where(RosterEntry.task_id == task_id)))
        child_level = Tier.CITY
    elif assignment.level is Tier.CITY:
        targets = set(session.scalars(select(RosterEntry.county_code).where(
            RosterEntry.task_id == task_id, RosterEntry.city_code == assignment.division_code)))
        for code in extra_counties:
            county = session.get(Division, code)
            if county is None or county.level is not Tier.COUNTY or county.city_code != assignment.division_code:
                raise ValidationError(f"{code} 不是本市的区县", field="counties")
            targets.add(code)
        if not targets:
            raise RuleViolation("本市名单中没有企业，请选择要下发的区县")
        child_level = Tier.COUNTY
    else:
        raise RuleViolation("区县任务不能下发，请核定名单后提交至地市")
    _move(session, actor, assignment, "dispatch", {"to": sorted(targets)}, statement)
    existing = set(session.scalars(select(RosterAssignment.division_code)
                                   .where(RosterAssignment.task_id == task_id)))
    children = [RosterAssignment(task_id=task_id, division_code=code, level=child_level, parent_id=assignment.id)
                for code in sorted(targets - existing)]
    session.add_all(children)
    session.flush()
    return children


def children_of(session: Session, assignment: RosterAssignment) -> list[RosterAssignment]:
    return list(session.scalars(select(RosterAssignment).where(RosterAssignment.parent_id == assignment.id)
                                .order_by(RosterAssignment.division_code)))


def _require_children_approved(session: Session, assignment: RosterAssignment, lower: str, step: str) -> None:
    pending = [c for c in children_of(session, assignment) if c.status is not S.APPROVED]
    if pending:
        names = "、".join(c.division.short_name for c in pending[:5]) + ("等" if len(pending) > 5 else "")
        raise RuleViolation(f"还有 {len(pending)} 个{lower}的任务未审核通过（{names}），不能{step}")


def submit(session: Session, actor: User, assignment_id: int, expected_version: int, *, agreed: bool,
           final_list_name: str | None, final_list: bytes | None) -> None:
    """提交任务 with the stamped final list (PDF/JPG/PNG), to the level above."""
    statement = require_statement(agreed)
    assignment = own_assignment(session, actor, assignment_id, expected_version, locked=True)
    if assignment.level is Tier.CITY:
        _require_children_approved(session, assignment, "区县", "提交至省级")
    if not final_list:
        raise ValidationError("请上传本级最终名单的盖章扫描件（PDF、JPG 或 PNG）", field="final_list")
    _move(session, actor, assignment, "submit", statement=statement)
    attachments.attach(session, actor, OWNER_ASSIGNMENT, assignment.id, attachments.FINAL_LIST,
                       final_list_name or "", final_list)


def review(session: Session, actor: User, assignment_id: int, expected_version: int, *, approve: bool,
           comment: str, statement: str | None = None) -> None:
    """The level above approves a submitted part, or returns it with comments to rework; `statement`:
    the one the reviewer agreed to, when the screen asked for it (kept in the audit log)."""
    require_department(actor)
    assignment = get_assignment(session, actor, assignment_id)
    lock(session, assignment, STALE_MESSAGE)  # a second review at the same moment waits, then is refused
    check_version(assignment, expected_version)
    comment = clean(comment, "审核意见", Limit.COMMENT, field="comment", multiline=True)
    if not approve and not comment:
        raise ValidationError("退回时必须填写审核意见，说明需要整改的内容", field="comment")
    decision = ReviewDecision.APPROVE if approve else ReviewDecision.RETURN
    _move(session, actor, assignment, "approve" if approve else "return", {"comment": comment}, statement)
    session.add(RosterReview(assignment_id=assignment.id, reviewer_user_id=actor.id, decision=decision,
                             comment=comment))
    session.flush()


def finalize(session: Session, actor: User, assignment_id: int, expected_version: int, *, agreed: bool) -> None:
    """The province fixes the final roster once every city is approved."""
    statement = require_statement(agreed)
    assignment = own_assignment(session, actor, assignment_id, expected_version, locked=True)
    if assignment.level is Tier.PROVINCE:
        _require_children_approved(session, assignment, "地市", "确定最终名单")
    kept = session.scalar(select(func.count()).select_from(RosterEntry)
                          .where(RosterEntry.task_id == assignment.task_id, RosterEntry.included.is_(True)))
    _move(session, actor, assignment, "finalize", {"kept": kept}, statement)


def reviews_of(session: Session, assignment_id: int) -> list[RosterReview]:
    return list(session.scalars(select(RosterReview).where(RosterReview.assignment_id == assignment_id)
                                .order_by(RosterReview.at.desc(), RosterReview.id.desc())))


def latest_reviews(session: Session, assignment_ids: list[int]) -> dict[int, RosterReview]:
    """The newest review of each of these parts (a part never reviewed is absent), in one query."""
    latest: dict[int, RosterReview] = {}
    for review in session.scalars(select(RosterReview).where(RosterReview.assignment_id.in_(assignment_ids))
                                  .order_by(RosterReview.at.desc(), RosterReview.id.desc())):
        latest.setdefault(review.assignment_id, review)
    return latest


def is_final(session: Session, task_id: int) -> bool:
    province = session.scalar(select(RosterAssignment).where(RosterAssignment.task_id == task_id,
                                                             RosterAssignment.level == Tier.PROVINCE))
    return province is not None and province.status is S.APPROVED


def final_roster(session: Session, task_id: int) -> list[RosterEntry]:
    """The enterprises kept on an approved task: what the audit notice uses."""
    if not is_final(session, task_id):
        raise RuleViolation("名单核定任务尚未确定最终名单")
    return list(session.scalars(select(RosterEntry).where(RosterEntry.task_id == task_id,
                                                          RosterEntry.included.is_(True))
                                .order_by(RosterEntry.county_code, RosterEntry.id)))


# --- the task list -----------------------------------------------------------------------------

def task_list(session: Session, actor: User, status: RosterStatus | None = None) -> list[RosterAssignment]:
    """The actor's own parts of roster tasks (名单核定任务列表), newest first."""
    require_department(actor)
    stmt = select(RosterAssignment).where(RosterAssignment.division_code == actor.division_code)
    if status is not None:
        stmt = stmt.where(RosterAssignment.status == status)
    return list(session.scalars(stmt.order_by(RosterAssignment.received_at.desc(), RosterAssignment.id.desc())))


def parent_of(session: Session, assignment: RosterAssignment) -> RosterAssignment | None:
    return session.get(RosterAssignment, assignment.parent_id) if assignment.parent_id else None
