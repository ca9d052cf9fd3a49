"""专家抽取: the department that holds a case at the expert draw picks its review panel at random.

The pool is the province's experts and the drawing department's own; an expert is eligible when one
of his 大类 specialties is the enterprise's and no avoidance rule (回避) applies. Every draw stores its
seed and its sorted candidate ids, so that `replay` recomputes the selection exactly. An expert who
cannot take part is declined and replaced by a redraw of one (补抽); the declined one stays listed.
"""

from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, cases
from core.errors import RuleViolation, ValidationError
from core.models import Division, User, utcnow
from core.project_models import AuditProject, Case
from core.review_models import Expert, ExpertDraw, ExpertOpinion, PanelMember, PanelStatus
from core.text import clean

DEFAULT_PANEL_SIZE = 3
MIN_PANEL_SIZE, MAX_PANEL_SIZE = 1, 15
MIN_REASON, MAX_REASON = 2, 200
SEED_LIMIT = 2**31  # seeds are stored in an INTEGER column

# Why a pool expert is left out; checked in this order, the first that applies is recorded.
ON_PANEL = "已在本案专家组"
MISMATCH = "专业不匹配"
SAME_ORGANISATION = "与企业同单位"
CONSULTANCY_ORGANISATION = "与咨询服务机构同单位"
DECLARED = "申报回避"
SAME_COUNTY = "与企业同属一个区县"

_BRACKETS = str.maketrans({"（": "(", "）": ")"})


@dataclass(frozen=True)
class Eligibility:
    candidates: list[Expert]  # ascending id
    excluded: list[tuple[Expert, str]]  # ascending id, with the reason


def _norm(value: str | None) -> str:
    """A name or code as compared: no whitespace (full-width included), one kind of brackets, upper case."""
    return re.sub(r"\s+", "", (value or "").translate(_BRACKETS)).upper()


def _division_of_industry(code: str | None) -> str:
    if not code:
        raise RuleViolation("企业未填写所属行业，无法按行业抽取专家（请先在项目启动中填写所属行业）")
    if not code[:2].isdigit():
        raise RuleViolation("企业所属行业未细化到行业大类，无法按行业抽取专家（请先在项目启动中填写所属行业）")
    return code[:2]


def eligibility(session: Session, case: Case, department_code: str, *, avoid_same_county: bool) -> Eligibility:
    """Who `department_code` may draw for `case` now, and why each other expert of its pool is left out."""
    enterprise = cases.enterprise_of(session, case)
    industry = _division_of_industry(enterprise.industry_code)
    department = session.get(Division, department_code)
    registries = {department_code, department.province_code if department else department_code}
    basic = (session.get(AuditProject, case.project_id).startup or {}).get("basic", {}) or {}
    enterprise_org = _norm(enterprise.name)
    consultancy_org = _norm(basic.get("consultancy_name"))
    declared = {_norm(v) for v in (enterprise.name, enterprise.credit_code, basic.get("consultancy_name"),
                                   basic.get("consultancy_credit_code"))} - {""}
    on_panel = set(session.scalars(select(PanelMember.expert_id).where(PanelMember.case_id == case.id)))
    pool = session.scalars(select(Expert).where(Expert.active.is_(True), Expert.registry_code.in_(registries))
                           .order_by(Expert.id))
    candidates: list[Expert] = []
    excluded: list[tuple[Expert, str]] = []
    for expert in pool:
        organisation = _norm(expert.organisation)
        # the avoidance rules before the specialty: an expert of the enterprise's own company is named
        # as 回避 even when his specialty does not match either
        if expert.id in on_panel:
            reason = ON_PANEL
        elif organisation and organisation == enterprise_org:
            reason = SAME_ORGANISATION
        elif organisation and organisation == consultancy_org:
            reason = CONSULTANCY_ORGANISATION
        elif declared & {_norm(c) for c in expert.conflicts or []}:
            reason = DECLARED
        elif avoid_same_county and expert.region_code == enterprise.division_code:
            reason = SAME_COUNTY
        elif industry not in (expert.specialties or []):
            reason = MISMATCH
        else:
            candidates.append(expert)
            continue
        excluded.append((expert, reason))
    return Eligibility(candidates, excluded)


def _seed(seed: int | None) -> int:
    if seed is None:
        return secrets.randbelow(SEED_LIMIT)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < SEED_LIMIT:
        raise ValidationError("随机种子须为 0 至 2147483647 之间的整数", field="seed")
    return seed


def _new_draw(session: Session, actor: User, case: Case, found: Eligibility, count: int, seed: int,
              avoid_same_county: bool, replaces: int | None) -> ExpertDraw:
    candidate_ids = sorted(e.id for e in found.candidates)
    record = ExpertDraw(case_id=case.id, round=case.round, seed=seed, requested=count,
                        avoid_same_county=avoid_same_county, candidate_ids=candidate_ids,
                        excluded={str(e.id): reason for e, reason in found.excluded},
                        selected_ids=random.Random(seed).sample(candidate_ids, count),
                        replaces_expert_id=replaces, drawn_by_user_id=actor.id, at=utcnow())
    session.add(record)
    session.flush()
    for expert_id in record.selected_ids:
        session.add(PanelMember(case_id=case.id, expert_id=expert_id, draw_id=record.id, status=PanelStatus.ACTIVE))
    session.flush()
    return record


def _summary(record: ExpertDraw) -> dict:
    return {"draw_id": record.id, "round": record.round, "seed": record.seed, "requested": record.requested,
            "avoid_same_county": record.avoid_same_county, "candidate_ids": record.candidate_ids,
            "selected_ids": record.selected_ids}


def draw(session: Session, actor: User, case_id: int, version: int, *, count: int = DEFAULT_PANEL_SIZE,
         avoid_same_county: bool = False, seed: int | None = None) -> ExpertDraw:
    """The first draw of a case's panel: `count` experts at random from the eligible ones.

    The case is locked (cases.require_turn): a second draw at the same moment waits, then finds this
    panel; the index uq_expert_draws_first refuses a second first draw in any case.
    """
    case = cases.require_turn(session, actor, case_id, "draw", version)
    if isinstance(count, bool) or not isinstance(count, int) or not MIN_PANEL_SIZE <= count <= MAX_PANEL_SIZE:
        raise ValidationError(f"抽取人数须为 {MIN_PANEL_SIZE}–{MAX_PANEL_SIZE} 名", field="count")
    if active_panel(session, case.id):
        raise RuleViolation("已抽取专家组；专家不能参加时请使用“补抽”")
    seed = _seed(seed)
    found = eligibility(session, case, actor.division_code, avoid_same_county=avoid_same_county)
    if len(found.candidates) < count:
        raise RuleViolation(f"符合条件的专家只有 {len(found.candidates)} 名，不足抽取 {count} 名，"
                            "请扩充专家库或调整回避设置")
    record = _new_draw(session, actor, case, found, count, seed, avoid_same_county, None)
    audit.record(session, actor=actor, action="case.expert_draw", object_type="case", object_id=case.id,
                 before={"step": case.step.value}, after=_summary(record))
    return record


def decline_and_redraw(session: Session, actor: User, case_id: int, version: int, expert_id: int, reason: str,
                       *, seed: int | None = None) -> ExpertDraw:
    """An active panel member cannot take part: he is declined and one replacement is drawn (补抽)."""
    case = cases.require_turn(session, actor, case_id, "redraw", version)
    text = clean(reason, "专家不能参加的原因", MAX_REASON, field="reason")
    if not MIN_REASON <= len(text) <= MAX_REASON:
        raise ValidationError(f"请填写专家不能参加的原因（{MIN_REASON}–{MAX_REASON} 个字）", field="reason")
    member = session.scalar(select(PanelMember).where(PanelMember.case_id == case.id,
                                                      PanelMember.expert_id == expert_id))
    if member is None:
        raise RuleViolation("该专家不在本案专家组中")
    if member.status is not PanelStatus.ACTIVE:
        raise RuleViolation("该专家已谢绝，不能重复补抽")
    opinion = session.scalar(select(ExpertOpinion.id).where(ExpertOpinion.case_id == case.id,
                                                            ExpertOpinion.round == case.round,
                                                            ExpertOpinion.expert_id == expert_id))
    if opinion is not None:
        raise RuleViolation("该专家已提交意见，不能补抽")
    first = _first_draw(session, case.id)
    seed = _seed(seed)
    # Every panel member, the declining one included, is left out by the eligibility itself.
    found = eligibility(session, case, actor.division_code, avoid_same_county=first.avoid_same_county)
    if not found.candidates:
        raise RuleViolation("符合条件的专家已无剩余，无法补抽，请扩充专家库或调整回避设置")
    member.status = PanelStatus.DECLINED
    member.decline_reason = text
    member.declined_at = utcnow()
    record = _new_draw(session, actor, case, found, 1, seed, first.avoid_same_county, expert_id)
    audit.record(session, actor=actor, action="case.expert_redraw", object_type="case", object_id=case.id,
                 before={"step": case.step.value, "expert_id": expert_id, "status": PanelStatus.ACTIVE.value},
                 after={**_summary(record), "declined_expert_id": expert_id, "decline_reason": text})
    return record


def _first_draw(session: Session, case_id: int) -> ExpertDraw:
    first = session.scalar(select(ExpertDraw).where(ExpertDraw.case_id == case_id,
                                                    ExpertDraw.replaces_expert_id.is_(None))
                           .order_by(ExpertDraw.id).limit(1))
    if first is None:
        raise RuleViolation("尚未抽取专家")
    return first


def confirm_panel(session: Session, actor: User, case_id: int, version: int) -> None:
    """确认专家组: the panel is complete; the case moves on to 线上文审."""
    case = cases.require_turn(session, actor, case_id, "confirm_panel", version)
    needed = _first_draw(session, case.id).requested
    active = len(active_panel(session, case.id))
    if active < needed:
        raise RuleViolation(f"专家组人数不足：需要 {needed} 名，当前只有 {active} 名，请先补抽")
    cases.advance(session, actor, case, "confirm_panel")


def panel_of(session: Session, case_id: int) -> list[PanelMember]:
    """Every expert drawn for the case, in draw order, declined ones included."""
    return list(session.scalars(select(PanelMember).where(PanelMember.case_id == case_id)
                                .order_by(PanelMember.draw_id, PanelMember.id)))


def active_panel(session: Session, case_id: int) -> list[PanelMember]:
    return [m for m in panel_of(session, case_id) if m.status is PanelStatus.ACTIVE]


def draws_of(session: Session, case_id: int) -> list[ExpertDraw]:
    return list(session.scalars(select(ExpertDraw).where(ExpertDraw.case_id == case_id).order_by(ExpertDraw.id)))


def replay(record: ExpertDraw) -> list[int]:
    """The selection recomputed from the stored seed and candidates; equals `record.selected_ids`."""
    return random.Random(record.seed).sample(list(record.candidate_ids), record.requested)
