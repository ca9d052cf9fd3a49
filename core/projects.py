"""An enterprise's audit project: opened when it accepts its task, read by the enterprise's screens."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, counters
from core.errors import PermissionDenied, RuleViolation
from core.jurisdiction import require_enterprise
from core.models import User, utcnow
from core.notice_models import AuditNotice, NoticeLetter
from core.project_models import AuditProject, Case, CaseKind, CaseRemark

OWNER_PROJECT = "audit_project"


def open_project(session: Session, actor: User, letter: NoticeLetter) -> AuditProject:
    """The audit of the letter's enterprise in the letter's campaign, numbered year + county + sequence."""
    number = counters.numbered(session, "project", AuditProject.project_number, f"{utcnow():%Y}{letter.county_code}")
    project = AuditProject(letter_id=letter.id, enterprise_id=letter.enterprise_id, notice_id=letter.notice_id,
                           project_number=number, startup={})
    session.add(project)
    session.flush()
    audit.record(session, actor=actor, action="project.open", object_type=OWNER_PROJECT, object_id=project.id,
                 after={"project_number": number, "letter_id": letter.id})
    return project


def projects_of(session: Session, actor: User) -> list[AuditProject]:
    """The enterprise's own audit projects, newest first."""
    require_enterprise(actor, "办理本企业的清洁生产审核")
    return list(session.scalars(select(AuditProject).where(AuditProject.enterprise_id == actor.enterprise_id)
                                .order_by(AuditProject.id.desc())))


def own_project(session: Session, actor: User, project_id: int) -> AuditProject:
    """The enterprise's own project; anything else is refused."""
    project = next((p for p in projects_of(session, actor) if p.id == project_id), None)
    if project is None:
        raise PermissionDenied("该审核项目不属于本企业")
    return project


def require_startup_submitted(project: AuditProject) -> None:
    if project.startup_submitted_at is None:
        raise RuleViolation("请先完成并提交“项目启动”信息，再填报各阶段工作")


def campaign_name(session: Session, project: AuditProject) -> str:
    return session.get(AuditNotice, project.notice_id).name


def latest_case(session: Session, project_id: int, phase: str) -> Case | None:
    """The project's newest evaluation or acceptance case (`phase` is the kind's value)."""
    return session.scalar(select(Case).where(Case.project_id == project_id, Case.kind == CaseKind(phase))
                          .order_by(Case.id.desc()).limit(1))


def open_remarks(session: Session, case: Case | None) -> dict[str, list[CaseRemark]]:
    """Unresolved remarks of a case, by stage."""
    if case is None:
        return {}
    result: dict[str, list[CaseRemark]] = {}
    for remark in session.scalars(select(CaseRemark).where(CaseRemark.case_id == case.id,
                                                           CaseRemark.resolved_at.is_(None))):
        result.setdefault(remark.stage, []).append(remark)
    return result
