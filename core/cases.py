"""业务办理 for departments: which department holds a case at each step, what it may do there, and intake.

The route of a case follows its enterprise's 负责评估验收部门 (seed 000 §2.3): every case is first
accepted by the county, then by the city; a 市直管 case then goes through the city's full review, a
省直管 case is accepted once more by the province and goes through the province's full review.
A return sends the case back to the enterprise with remarks on the stages concerned; its step stays,
so that the resubmitted case resumes where it was returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from core import audit
from core.db import lock
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.case_counts import CaseTotal as Counted
from core.jurisdiction import area_scope, covers, enterprise_scope, require_department
from core.models import Division, Enterprise, ManagingTier, Tier, User, utcnow
from core.notice_models import NoticeLetter
from core.project_models import AuditProject, Case, CaseKind, CaseRemark, CaseStatus, CaseStep
from core.review_models import IntakeOpinion
from core.stages import BY_KEY, stages_of
from core.text import clean as clean_text

S = CaseStep
FULL_REVIEW = (S.EXPERT_DRAW, S.DOCUMENT_REVIEW, S.SITE_REVIEW, S.RESULT)

# The steps of each route, in order; DONE follows the result.
ROUTES: dict[ManagingTier, tuple[CaseStep, ...]] = {
    ManagingTier.CITY: (S.COUNTY_INTAKE, S.CITY_INTAKE, *FULL_REVIEW, S.DONE),
    ManagingTier.PROVINCE: (S.COUNTY_INTAKE, S.CITY_INTAKE, S.PROVINCE_INTAKE, *FULL_REVIEW, S.DONE),
}

# What a department may do at which steps (the holder of the step acts; see holder_tier).
ACTIONS: dict[str, tuple[CaseStep, ...]] = {
    "intake": (S.COUNTY_INTAKE, S.CITY_INTAKE, S.PROVINCE_INTAKE),
    "draw": (S.EXPERT_DRAW,),
    "redraw": (S.EXPERT_DRAW, S.DOCUMENT_REVIEW),
    "confirm_panel": (S.EXPERT_DRAW,),
    "record_opinion": (S.DOCUMENT_REVIEW,),
    "finish_document_review": (S.DOCUMENT_REVIEW,),
    "record_site_review": (S.SITE_REVIEW,),
    "finish_site_review": (S.SITE_REVIEW,),
    "return": (S.DOCUMENT_REVIEW, S.SITE_REVIEW),
    "issue_result": (S.RESULT,),
}
ACTION_LABELS = {"intake": "受理审核", "draw": "专家抽取", "redraw": "专家补抽", "confirm_panel": "确认专家组",
                 "record_opinion": "录入专家意见", "finish_document_review": "完成线上文审",
                 "record_site_review": "记录现场审核", "finish_site_review": "完成现场审核",
                 "return": "退回整改", "issue_result": "出具审核结果"}
OPEN = (CaseStatus.SUBMITTED, CaseStatus.IN_REVIEW)
MAX_OPINION = 2000


def holder_tier(managing: ManagingTier, step: CaseStep) -> Tier | None:
    """The department level that acts at a step of a route (None: nobody, the case is done)."""
    if step not in ROUTES[managing] or step is S.DONE:
        return None
    if step is S.COUNTY_INTAKE:
        return Tier.COUNTY
    if step is S.CITY_INTAKE:
        return Tier.CITY
    if step is S.PROVINCE_INTAKE:
        return Tier.PROVINCE
    return Tier.PROVINCE if managing is ManagingTier.PROVINCE else Tier.CITY


def next_step(managing: ManagingTier, step: CaseStep) -> CaseStep:
    route = ROUTES[managing]
    return route[route.index(step) + 1]


def holder_code(tier: Tier, division: Division) -> str:
    """The division code of the department of `tier` over the enterprise's division."""
    if tier is Tier.PROVINCE:
        return division.province_code
    if tier is Tier.CITY:
        return division.city_code or division.code
    return division.code


def enterprise_of(session: Session, case: Case) -> Enterprise:
    return session.get(AuditProject, case.project_id).enterprise


def holder_name(session: Session, case: Case) -> str:
    """The department that holds the case now ("" when it is with nobody)."""
    tier = holder_tier(case.managing_tier, case.step)
    if tier is None or case.status not in OPEN:
        return ""
    division = session.get(Division, holder_code(tier, enterprise_of(session, case).division))
    return division.short_name if division else ""


def visible_case(session: Session, actor: User, case_id: int) -> Case:
    """A case the department may see (its enterprise lies in the department's jurisdiction)."""
    require_department(actor, "业务办理")
    case = session.get(Case, case_id)
    if case is None:
        raise RuleViolation("申请不存在")
    if not covers(actor.division, enterprise_of(session, case).division):
        raise PermissionDenied("该申请不在本部门管辖范围内")
    return case


def may_act(session: Session, actor: User, case: Case, action: str) -> bool:
    try:
        _check_turn(session, actor, case, action)
    except (PermissionDenied, RuleViolation):
        return False
    return True


STALE_CASE = "该申请已被他人办理或更新，请刷新页面后重试"


def require_turn(session: Session, actor: User, case_id: int, action: str, version: int | None = None) -> Case:
    """The case, if `actor` holds it at a step where `action` is done; a clear refusal otherwise.

    The case is locked first (core.db.lock): a second request on the same case waits, then is judged
    on what the first one left, so that nothing is applied twice.
    """
    case = visible_case(session, actor, case_id)
    lock(session, case, STALE_CASE)
    _check_turn(session, actor, case, action)
    if version is not None and case.version != version:
        raise RuleViolation(STALE_CASE)
    return case


def _check_turn(session: Session, actor: User, case: Case, action: str) -> None:
    what = ACTION_LABELS[action]
    if case.status not in OPEN:
        raise RuleViolation(f"该申请当前为“{case.status.label}”，不能{what}")
    if case.step not in ACTIONS[action]:
        raise RuleViolation(f"该申请当前处于“{case.step.label}”环节，不能{what}")
    tier = holder_tier(case.managing_tier, case.step)
    division = enterprise_of(session, case).division
    if tier is None or actor.tier is not tier or actor.division_code != holder_code(tier, division):
        holder = session.get(Division, holder_code(tier, division)) if tier else None
        name = holder.short_name if holder else "上级部门"
        raise PermissionDenied(f"该申请的“{case.step.label}”由{name}办理，本部门不能{what}")


@dataclass(frozen=True)
class StageVerdict:
    passed: bool
    opinion: str = ""


def intake(session: Session, actor: User, case_id: int, version: int, verdicts: dict[str, StageVerdict],
           *, agreed: bool) -> CaseStep | None:
    """受理审核: an opinion on every stage of the phase. Any failed stage returns the case to the
    enterprise with those remarks (result None); all passed moves it on (result: the new step)."""
    case = require_turn(session, actor, case_id, "intake", version)
    stages = [s.key for s in stages_of(case.kind.value)]
    missing = [BY_KEY[k].label for k in stages if k not in verdicts]
    if missing:
        raise ValidationError(f"请对每个步骤给出受理意见，还缺：{'、'.join(missing)}", field="verdicts")
    for key in stages:
        verdict = verdicts[key]
        text = clean_text(verdict.opinion, f"“{BY_KEY[key].label}”的意见", MAX_OPINION, field=key, multiline=True)
        if not verdict.passed and len(text) < 4:
            raise ValidationError(f"“{BY_KEY[key].label}”不通过，请写明具体问题（不少于 4 个字）", field=key)
    if not agreed:
        raise ValidationError("请先阅读并勾选“我同意上述内容”", field="statement")
    step = case.step
    now = utcnow()
    given = {key: StageVerdict(verdicts[key].passed, (verdicts[key].opinion or "").strip()) for key in stages}
    # What this round changed against the opinions it started from, for the log.
    carried = carried_over(session, case)
    changes = {} if carried is None else {
        "carried_from_round": carried.round,
        "changed": sorted(k for k in stages if carried.verdicts.get(k) != given[k])}
    for key, verdict in given.items():
        session.add(IntakeOpinion(case_id=case.id, round=case.round, step=step, stage=key, passed=verdict.passed,
                                  opinion=verdict.opinion, reviewer_user_id=actor.id, at=now))
    failed = {k: v.opinion for k, v in given.items() if not v.passed}
    if failed:
        _return(session, actor, case, failed, now, changes)
        return None
    case.step = next_step(case.managing_tier, step)
    case.status = CaseStatus.IN_REVIEW
    session.flush()
    audit.record(session, actor=actor, action="case.intake_pass", object_type="case", object_id=case.id,
                 before={"step": step.value}, after={"step": case.step.value, "round": case.round, **changes},
                 statement=audit.STATEMENT)
    return case.step


def pass_all(session: Session, actor: User, case_id: int, version: int, *, agreed: bool,
             notes: dict[str, str] | None = None) -> CaseStep | None:
    """全部通过: every stage of the case's phase passed in one step, each with its own record as intake
    writes them; `notes` are optional remarks on some stages, kept with their 通过."""
    case = visible_case(session, actor, case_id)
    notes = notes or {}
    verdicts = {s.key: StageVerdict(True, notes.get(s.key) or "") for s in stages_of(case.kind.value)}
    return intake(session, actor, case_id, version, verdicts, agreed=agreed)


@dataclass(frozen=True)
class CarriedOver:
    """The opinions a new intake round starts from."""

    round: int
    at: datetime
    verdicts: dict[str, StageVerdict]


def carried_over(session: Session, case: Case) -> CarriedOver | None:
    """After a return at an intake level and the enterprise's resubmission, the new round starts from
    the opinions that level gave in the latest earlier round, so that the reviewer changes only what
    changed; None in a first round or at a step that is not an intake."""
    if not case.step.is_intake or case.round <= 1:
        return None
    at_step = (IntakeOpinion.case_id == case.id, IntakeOpinion.step == case.step, IntakeOpinion.round < case.round)
    latest = session.scalar(select(func.max(IntakeOpinion.round)).where(*at_step))
    if latest is None:
        return None
    rows = list(session.scalars(select(IntakeOpinion).where(*at_step, IntakeOpinion.round == latest)))
    return CarriedOver(latest, max(r.at for r in rows), {r.stage: StageVerdict(r.passed, r.opinion) for r in rows})


def return_for_rectification(session: Session, actor: User, case_id: int, version: int,
                             remarks: dict[str, str], *, agreed: bool) -> None:
    """退回整改 during the full review: remarks (from the expert opinions) on the stages to rework."""
    case = require_turn(session, actor, case_id, "return", version)
    stage_keys = {s.key for s in stages_of(case.kind.value)}
    clean = {k: text for k, v in remarks.items()
             if (text := clean_text(v, f"“{BY_KEY[k].label if k in BY_KEY else k}”的整改意见", MAX_OPINION,
                                    field="remarks", multiline=True))}
    if not clean:
        raise ValidationError("请至少对一个步骤写明需要整改的问题", field="remarks")
    unknown = [k for k in clean if k not in stage_keys]
    if unknown:
        raise ValidationError(f"整改意见只能针对本阶段的步骤：{'、'.join(unknown)}", field="remarks")
    if not agreed:
        raise ValidationError("请先阅读并勾选“我同意上述内容”", field="statement")
    _return(session, actor, case, clean, utcnow())


def _return(session: Session, actor: User, case: Case, remarks: dict[str, str], now: datetime,
            extra: dict | None = None) -> None:
    for key, text in remarks.items():
        session.add(CaseRemark(case_id=case.id, stage=key, remark=text, reviewer_user_id=actor.id, round=case.round,
                               step=case.step, at=now))
    before = case.status
    case.status = CaseStatus.RETURNED
    session.flush()
    audit.record(session, actor=actor, action="case.return", object_type="case", object_id=case.id,
                 before={"status": before.value}, after={"step": case.step.value, "round": case.round,
                                                         "stages": sorted(remarks), **(extra or {})},
                 statement=audit.STATEMENT)


def resume(case: Case) -> None:
    """The enterprise resubmitted after a return: the case goes back to the step that returned it."""
    case.round += 1
    case.status = CaseStatus.SUBMITTED if case.step is S.COUNTY_INTAKE else CaseStatus.IN_REVIEW


def advance(session: Session, actor: User, case: Case, action: str) -> None:
    """Move a case held by `actor` to the next step of its route, recorded in the audit log."""
    before = case.step
    case.step = next_step(case.managing_tier, before)
    case.status = CaseStatus.IN_REVIEW
    session.flush()
    audit.record(session, actor=actor, action=f"case.{action}", object_type="case", object_id=case.id,
                 before={"step": before.value}, after={"step": case.step.value, "round": case.round},
                 statement=audit.STATEMENT)


@dataclass(frozen=True)
class ProjectLeader:
    name: str
    mobile: str


def project_leader(session: Session, case: Case) -> ProjectLeader | None:
    """The project leader and the mobile the enterprise named when it accepted its task (notice.accept),
    for the departments handling its case; None if the letter carries none."""
    letter = session.get(NoticeLetter, session.get(AuditProject, case.project_id).letter_id)
    if letter is None or not letter.project_leader:
        return None
    return ProjectLeader(letter.project_leader, letter.leader_mobile or "")


def intake_opinions(session: Session, case: Case) -> list[IntakeOpinion]:
    return list(session.scalars(select(IntakeOpinion).where(IntakeOpinion.case_id == case.id)
                                .order_by(IntakeOpinion.round, IntakeOpinion.id)))


@dataclass(frozen=True)
class CaseRow:
    case_id: int
    project_number: str
    enterprise: str
    county: str
    kind: CaseKind
    managing_tier: ManagingTier
    status: CaseStatus
    step: CaseStep
    holder: str
    submitted_at: datetime
    mine: bool  # waiting for this department


def _held_by(actor: User, table=None) -> ColumnElement[bool]:
    """SQL: the open cases whose current step the actor's department holds (holder_tier and holder_code
    written as a predicate over Case and the enterprise's Division, or over case_counts' rows)."""
    pairs = [(managing, step) for managing, route in ROUTES.items() for step in route
             if holder_tier(managing, step) is actor.tier]
    if not pairs:
        return false()
    if table is None:
        status, managing_tier, step_column = Case.status, Case.managing_tier, Case.step
        code = {Tier.COUNTY: Division.code, Tier.CITY: func.coalesce(Division.city_code, Division.code),
                Tier.PROVINCE: Division.province_code}[actor.tier]
        open_statuses, value = OPEN, (lambda v: v)
    else:  # case_counts stores the enums' values
        status, managing_tier, step_column = table.status, table.managing_tier, table.step
        code = {Tier.COUNTY: table.county_code, Tier.CITY: table.city_code,
                Tier.PROVINCE: table.province_code}[actor.tier]
        open_statuses, value = [s.value for s in OPEN], (lambda v: v.value)
    return and_(status.in_(open_statuses), code == actor.division_code,
                or_(*(and_(managing_tier == value(managing), step_column == value(step)) for managing, step in pairs)))


def _cases_in_scope(actor: User, columns: list, kind: CaseKind | None, status: CaseStatus | None,
                    mine_only: bool):
    stmt = (select(*columns).select_from(Case)
            .join(AuditProject, AuditProject.id == Case.project_id)
            .join(Enterprise, Enterprise.id == AuditProject.enterprise_id)
            .join(Division, Division.code == Enterprise.division_code)
            .where(enterprise_scope(actor)))
    if kind is not None:
        stmt = stmt.where(Case.kind == kind)
    if status is not None:
        stmt = stmt.where(Case.status == status)
    if mine_only:
        stmt = stmt.where(_held_by(actor))
    return stmt


def case_list(session: Session, actor: User, *, kind: CaseKind | None = None, mine_only: bool = False,
              status: CaseStatus | None = None, offset: int = 0, limit: int | None = None) -> list[CaseRow]:
    """The cases of enterprises in the department's jurisdiction, newest first (a page of them when
    `limit` is given); filtered, ordered and paged in the database."""
    require_department(actor, "业务办理")
    stmt = (_cases_in_scope(actor, [Case, AuditProject.project_number, Enterprise.name, Division], kind, status,
                            mine_only)
            .order_by(Case.submitted_at.desc(), Case.id.desc()).offset(offset).limit(limit))
    found = session.execute(stmt).all()
    holders = {}
    for case, _, _, division in found:
        tier = holder_tier(case.managing_tier, case.step) if case.status in OPEN else None
        holders[case.id] = (tier, holder_code(tier, division) if tier else "")
    names = dict(session.execute(select(Division.code, Division.short_name)
                                 .where(Division.code.in_({code for _, code in holders.values() if code}))).all())
    rows = []
    for case, number, enterprise, division in found:
        tier, code = holders[case.id]
        mine = bool(tier) and actor.tier is tier and actor.division_code == code
        rows.append(CaseRow(case.id, number, enterprise, division.short_name, case.kind, case.managing_tier,
                            case.status, case.step, names.get(code, ""), case.submitted_at, mine))
    return rows


@dataclass(frozen=True)
class CaseCount:
    total: int
    mine: int  # of them, waiting for this department


def case_count(session: Session, actor: User, *, kind: CaseKind | None = None, mine_only: bool = False,
               status: CaseStatus | None = None) -> CaseCount:
    """How many cases case_list would list, and how many of them wait for this department: added up from
    case_counts (per county, kind, status and step, kept with every case), not counted case by case."""
    require_department(actor, "业务办理")
    held = _held_by(actor, Counted)
    stmt = select(func.coalesce(func.sum(Counted.cases), 0),
                  func.coalesce(func.sum(sql_case((held, Counted.cases), else_=0)), 0)).where(
        area_scope(actor, province=Counted.province_code, city=Counted.city_code, county=Counted.county_code,
                   enterprise=None))
    if kind is not None:
        stmt = stmt.where(Counted.kind == kind.value)
    if status is not None:
        stmt = stmt.where(Counted.status == status.value)
    if mine_only:
        stmt = stmt.where(held)
    total, mine = session.execute(stmt).one()
    return CaseCount(int(total), int(mine))
