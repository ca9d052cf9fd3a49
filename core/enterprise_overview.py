"""The enterprise's home page: where each of its audits stands, what was returned and why, what is due.

One row per letter (one campaign), read through the enterprise's own letters only; the next milestone
comes from letter_progress, kept current with every event (core.progress).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import attachments, contracts
from core.jurisdiction import require_enterprise
from core.models import User
from core.notice_models import MILESTONES, AuditNotice, NoticeLetter
from core.progress import LetterProgress
from core.project_models import AuditMode, AuditProject, Case, CaseKind, CaseRemark, CaseStatus
from core.projects import OWNER_PROJECT
from core.stage_records import completed
from core.stages import BY_KEY, stages_of
from core.startup_fields import today

MILESTONE_LABELS = dict(MILESTONES)
# The enterprise's screens a to-do points at (paths of pages/, where the user acts).
ACCEPT, STARTUP, DISCLOSE, WORK, APPLY = ("pages/enterprise_tasks.py", "pages/project_startup.py",
                                          "pages/disclosure.py", "pages/audit_work.py", "pages/applications.py")


@dataclass(frozen=True)
class ToDo:
    text: str
    page: str
    urgent: bool = False  # returned or failed: rework comes before anything else


@dataclass(frozen=True)
class CaseState:
    kind: CaseKind
    status: CaseStatus
    step_label: str
    round: int
    # The open remarks of a returned case: (stage label, remark), in stage order.
    remarks: tuple[tuple[str, str], ...] = ()

    @property
    def summary(self) -> str:
        if self.status in (CaseStatus.SUBMITTED, CaseStatus.IN_REVIEW):
            return f"{self.kind.label}申请审核中（{self.step_label}）"
        if self.status is CaseStatus.RETURNED:
            return f"{self.kind.label}申请在“{self.step_label}”环节被退回"
        return f"{self.kind.label}{self.status.label}"


@dataclass(frozen=True)
class AuditOverview:
    letter_id: int
    campaign: str
    letter_number: str
    accepted: bool
    project_number: str | None
    startup_submitted: bool
    disclosed: bool
    stages_done: int
    stages_total: int
    cases: tuple[CaseState, ...]
    next_milestone: str | None  # label
    next_due: date | None
    days_left: int | None
    todo: tuple[ToDo, ...] = field(default=())

    @property
    def finished(self) -> bool:
        return any(c.kind is CaseKind.ACCEPTANCE and c.status is CaseStatus.PASSED for c in self.cases)


def _case_state(session: Session, case: Case) -> CaseState:
    remarks: tuple[tuple[str, str], ...] = ()
    if case.status is CaseStatus.RETURNED:
        rows = session.scalars(select(CaseRemark).where(CaseRemark.case_id == case.id, CaseRemark.round == case.round,
                                                        CaseRemark.resolved_at.is_(None)).order_by(CaseRemark.id))
        order = {s.key: i for i, s in enumerate(stages_of(case.kind.value))}
        remarks = tuple((BY_KEY[r.stage].label, r.remark) for r in sorted(rows, key=lambda r: order.get(r.stage, 99)))
    return CaseState(case.kind, case.status, case.step.label, case.round, remarks)


def _todo(o: dict, cases: dict[CaseKind, CaseState]) -> list[ToDo]:
    """The next things the enterprise has to do, most pressing first."""
    if not o["accepted"]:
        return [ToDo("接受清审任务：填写项目负责人和可接收短信的移动电话", ACCEPT)]
    todo: list[ToDo] = []
    for kind in (CaseKind.ACCEPTANCE, CaseKind.EVALUATION):
        state = cases.get(kind)
        if state and state.status is CaseStatus.RETURNED:
            todo.append(ToDo(f"按审核意见修改后重新提交{kind.label}申请", APPLY, urgent=True))
        elif state and state.status is CaseStatus.FAILED:
            todo.append(ToDo(f"{kind.label}未通过：按专家意见整改后重新提交{kind.label}申请", APPLY, urgent=True))
    if not o["startup_submitted"]:
        todo.append(ToDo("完成并提交项目启动信息（基本信息、产品、环评、监测、环保验收）", STARTUP))
    if o["contract_missing"]:
        todo.append(ToDo("上传与咨询服务机构签订的清洁生产审核合同扫描件", STARTUP))
    if not o["disclosed"]:
        todo.append(ToDo("公布本企业的审核信息，并在系统中登记公开方式和证明材料", DISCLOSE))
    evaluation, acceptance = cases.get(CaseKind.EVALUATION), cases.get(CaseKind.ACCEPTANCE)
    if o["startup_submitted"] and evaluation is None:
        todo.append(ToDo("填报评估阶段（前六个阶段）的工作过程并标记完成，然后提出评估申请", WORK))
    elif evaluation and evaluation.status is CaseStatus.PASSED and acceptance is None:
        todo.append(ToDo("实施方案，填报验收阶段的工作过程并标记完成，然后提出验收申请", WORK))
    return todo


def overview(session: Session, actor: User, *, on: date | None = None) -> list[AuditOverview]:
    """Every audit of the signed-in enterprise (its letters of dispatched tasks), newest campaign first."""
    require_enterprise(actor, "查看本企业的审核进展")
    on = on or today()
    rows = session.execute(
        select(NoticeLetter.id, NoticeLetter.letter_number, NoticeLetter.accepted_at, AuditNotice.name,
               AuditProject.id.label("project_id"), AuditProject.project_number, AuditProject.startup_submitted_at,
               AuditProject.audit_mode,
               LetterProgress.disclosed, LetterProgress.next_milestone, LetterProgress.next_due)
        .join(AuditNotice, AuditNotice.id == NoticeLetter.notice_id)
        .join(LetterProgress, LetterProgress.letter_id == NoticeLetter.id)
        .outerjoin(AuditProject, AuditProject.letter_id == NoticeLetter.id)
        .where(NoticeLetter.enterprise_id == actor.enterprise_id, LetterProgress.notified.is_(True))
        .order_by(NoticeLetter.id.desc())).all()
    result = []
    for r in rows:
        cases: dict[CaseKind, CaseState] = {}
        done = 0
        if r.project_id is not None:
            for case in session.scalars(select(Case).where(Case.project_id == r.project_id).order_by(Case.id)):
                cases[case.kind] = _case_state(session, case)  # the latest of each kind wins
            done = len(completed(session, r.project_id))
        contract_missing = r.audit_mode is AuditMode.CONSULTANCY and not attachments.of(
            session, OWNER_PROJECT, r.project_id, contracts.CONTRACT)
        facts = {"accepted": r.accepted_at is not None, "startup_submitted": r.startup_submitted_at is not None,
                 "disclosed": bool(r.disclosed), "contract_missing": contract_missing}
        result.append(AuditOverview(
            letter_id=r.id, campaign=r.name, letter_number=r.letter_number, accepted=facts["accepted"],
            project_number=r.project_number, startup_submitted=facts["startup_submitted"],
            disclosed=facts["disclosed"], stages_done=done, stages_total=len(BY_KEY),
            cases=tuple(cases[k] for k in CaseKind if k in cases),
            next_milestone=MILESTONE_LABELS.get(r.next_milestone) if r.next_milestone else None,
            next_due=r.next_due, days_left=(r.next_due - on).days if r.next_due else None,
            todo=tuple(_todo(facts, cases))))
    return result
