"""评估 / 验收申请: the enterprise's applications, checked for completeness, and their rework after a return."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.cases import resume
from core.db import lock
from core.errors import RuleViolation, ValidationError
from core.models import User, utcnow
from core.options import options_of
from core.project_models import Case, CaseKind, CaseStatus, CaseStep
from core.projects import own_project, require_startup_submitted
from core.stage_records import completed, latest_case, open_remarks
from core.stages import BY_KEY, stages_of
from core.text import Limit, clean

PHONE = re.compile(r"(1[3-9]\d{9})|(0\d{2,3}-?\d{7,8})")


def _checked_form(form: dict) -> dict:
    contact = clean(form.get("contact"), "申请联系人", Limit.PERSON, field="contact")
    phone = re.sub(r"\s", "", clean(form.get("phone"), "联系电话", Limit.PHONE, field="phone"))
    summary = clean(form.get("summary"), "审核工作概述", Limit.LONG, field="summary", multiline=True)
    if not 2 <= len(contact) <= 32:
        raise ValidationError("请填写申请联系人（2–32 个字）", field="contact")
    if not PHONE.fullmatch(phone):
        raise ValidationError("联系电话应为手机号码或固定电话（如 0312-1234567）", field="phone")
    if len(summary) < 20:
        raise ValidationError("请填写审核工作概述（不少于 20 个字）", field="summary")
    if len(summary) > 5000:
        raise ValidationError("审核工作概述最多 5000 个字", field="summary")
    return {"contact": contact, "phone": phone, "summary": summary}


def missing_for(session: Session, project_id: int, kind: CaseKind) -> list[str]:
    """What still stands between the project and this application (empty when it may be submitted)."""
    done = completed(session, project_id)
    missing = [f"“{s.label}”未标记完成" for s in stages_of(kind.value) if s.key not in done]
    if kind is CaseKind.EVALUATION and not options_of(session, project_id):
        missing.append("方案台账中没有清洁生产方案")
    if kind is CaseKind.ACCEPTANCE:
        evaluation = latest_case(session, project_id, "evaluation")
        if evaluation is None or evaluation.status is not CaseStatus.PASSED:
            missing.insert(0, "评估尚未通过（验收申请在评估通过后开放）")
    return missing


def submit(session: Session, actor: User, project_id: int, kind: CaseKind, form: dict, *, agreed: bool) -> Case:
    """Submit an evaluation or acceptance application, once every stage of its phase is complete."""
    project = own_project(session, actor, project_id)
    # A second submission at the same moment waits here, then finds this one's case (PostgreSQL);
    # the partial unique index uq_cases_open_kind refuses a double even if this were forgotten.
    lock(session, project)
    require_startup_submitted(project)
    if not agreed:
        raise ValidationError("请先阅读并勾选“我同意上述内容”", field="statement")
    current = latest_case(session, project.id, kind.value)
    if current is not None and current.status is not CaseStatus.FAILED:
        if current.status is CaseStatus.RETURNED:
            raise RuleViolation(f"{kind.label}申请已被退回，请按审核意见修改后重新提交")
        raise RuleViolation(f"{kind.label}申请{current.status.label}，不能重复提交")
    missing = missing_for(session, project.id, kind)
    if missing:
        raise RuleViolation(f"还不能提交{kind.label}申请：{'；'.join(missing)}")
    case = Case(project_id=project.id, kind=kind, status=CaseStatus.SUBMITTED, application=_checked_form(form),
                step=CaseStep.COUNTY_INTAKE, managing_tier=project.enterprise.managing_tier, round=1)
    session.add(case)
    session.flush()
    audit.record(session, actor=actor, action=f"case.submit_{kind.value}", object_type="case", object_id=case.id,
                 after={"project": project.project_number}, statement=audit.STATEMENT)
    return case


def resubmit(session: Session, actor: User, case_id: int, *, agreed: bool) -> None:
    """After a return: resubmit once every remarked stage has been reworked and marked complete again."""
    case = session.get(Case, case_id)
    if case is None:
        raise RuleViolation("申请不存在")
    project = own_project(session, actor, case.project_id)
    if not agreed:
        raise ValidationError("请先阅读并勾选“我同意上述内容”", field="statement")
    lock(session, project)  # stage edits wait (they lock the project too), then see the case resumed
    lock(session, case)
    if case.status is not CaseStatus.RETURNED:
        raise RuleViolation(f"申请当前状态为“{case.status.label}”，无需重新提交")
    pending = open_remarks(session, case)
    if pending:
        names = "、".join(BY_KEY[k].label for k in pending)
        raise RuleViolation(f"还有审核意见未整改：{names}（修改后请重新标记完成）")
    resume(case)
    case.resubmitted_at = utcnow()
    session.flush()  # the case's version moves on: a resubmission based on the returned case is refused
    audit.record(session, actor=actor, action="case.resubmit", object_type="case", object_id=case.id,
                 after={"status": case.status.value, "step": case.step.value, "round": case.round},
                 statement=audit.STATEMENT)


def cases_of(session: Session, project_id: int) -> list[Case]:
    return list(session.scalars(select(Case).where(Case.project_id == project_id).order_by(Case.id)))
