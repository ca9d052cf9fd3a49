"""The synthetic province's cases (业务办理): evaluation and acceptance applications at every step of both
routes (core.cases.ROUTES), with what each step leaves behind: intake opinions, remarks of a return, expert
draws and panels (a decline and its redraw now and then), expert opinions, site reviews with photos,
results with their PDF, and the audit-log rows that 办理记录 reads.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from core import cases, expert_draw, full_review
from core.audit import STATEMENT
from core.project_models import Case, CaseKind, CaseRemark, CaseStatus, CaseStep
from core.review_models import (
    CaseResult,
    Conclusion,
    ExpertDraw,
    ExpertOpinion,
    IntakeOpinion,
    PanelMember,
    PanelStatus,
    SiteReview,
)
from core.stages import stages_of

S = CaseStep
DONE_SHARE = {("evaluation", "n1"): 0.70, ("evaluation", "n2"): 0.20, ("acceptance", "n1"): 0.45,
              ("acceptance", "n2"): 0.30}
RETURNABLE = (S.COUNTY_INTAKE, S.CITY_INTAKE, S.PROVINCE_INTAKE, S.DOCUMENT_REVIEW, S.SITE_REVIEW)
APPLICATION = {"contact": "张三", "phone": "13812345678", "summary": "本轮审核已完成本阶段各步骤的工作，现申请评估验收。"}
EXPERT_OPINION = "审核报告内容基本完整，物料平衡和水平衡测试数据可信，建议补充方案实施计划。"
EXCLUDED_KEPT = 100  # reasons stored per draw (the real draw stores one per left-out expert of the pool)


def cases_of(w, project: dict, kind: CaseKind, campaign: str) -> bool:
    """The project's cases of one kind (a failed one is sometimes followed by a new application); whether
    the latest passed."""
    rnd = w.rnd
    route = cases.ROUTES[project["managing"]]
    if project["showcase"]:
        states = [(S.DONE, CaseStatus.PASSED, 1)] if kind is CaseKind.EVALUATION else \
            [(S.DOCUMENT_REVIEW, CaseStatus.IN_REVIEW, 1)]
    else:
        states = [_state(rnd, route, DONE_SHARE[(kind.value, campaign)], w.unseen_steps.setdefault(route, list(route)))]
        if states[0][1] is CaseStatus.FAILED and rnd.random() < 0.4:
            states.append((S.COUNTY_INTAKE, CaseStatus.SUBMITTED, 1))
    start = project.get("stages_at", project["since"]) + timedelta(days=1)
    for step, status, round_ in states:
        start = _case(w, project, kind, route, step, status, round_, start) + timedelta(days=10)
    return states[-1][1] is CaseStatus.PASSED


def _state(rnd, route, done_share: float, unseen: list[CaseStep]) -> tuple[CaseStep, CaseStatus, int]:
    """Where a case is: drawn, except that the first cases of a route go through its steps in turn (so that
    even a small province has a case at every step)."""
    if unseen:
        step = unseen.pop(0)
        if step is S.DONE:
            return S.DONE, CaseStatus.PASSED, 1
        return step, CaseStatus.SUBMITTED if step is S.COUNTY_INTAKE else CaseStatus.IN_REVIEW, 1
    if rnd.random() < done_share:
        return S.DONE, CaseStatus.PASSED if rnd.random() < 0.88 else CaseStatus.FAILED, 1 + (rnd.random() < 0.1)
    step = rnd.choice(route[:-1])
    round_ = 2 if step is not S.COUNTY_INTAKE and rnd.random() < 0.1 else 1
    if step in RETURNABLE and rnd.random() < 0.12:
        return step, CaseStatus.RETURNED, round_
    return step, CaseStatus.SUBMITTED if step is S.COUNTY_INTAKE and round_ == 1 else CaseStatus.IN_REVIEW, round_


def _holder(w, project: dict, step: CaseStep) -> tuple[str, int]:
    county = project["county"]
    division = SimpleNamespace(code=county, city_code=w.divisions[county]["city_code"], province_code="130000")
    code = cases.holder_code(cases.holder_tier(project["managing"], step), division)
    return code, w.dept_user[code]


def _case(w, project, kind, route, step, status, round_, submitted) -> object:
    """One case and its trail up to `step`; returns the time of its last event."""
    rnd, load = w.rnd, w.load
    submitted = min(submitted, w.now - timedelta(days=30))
    stages = [s.key for s in stages_of(kind.value)]
    case_id = load.new_id(Case)
    clock = _Clock(w, submitted)
    user = project["user"]
    current = route.index(step)
    returned_at = resolved_at = resubmitted = None
    if round_ == 2:  # returned once at the county's intake, reworked and resubmitted
        returned_at, resolved_at, resubmitted = clock.tick(), clock.tick(), clock.tick()
    # the case before anything that points at it (a flush may come between two rows)
    load.add(Case, id=case_id, project_id=project["id"], kind=kind, status=status, application=APPLICATION,
             submitted_at=submitted, resubmitted_at=resubmitted, step=step, managing_tier=project["managing"],
             round=round_, version=2 + current + 2 * (round_ - 1))
    w.audit(f"case.submit_{kind.value}", "case", case_id, submitted, user, after={"kind": kind.value})
    if round_ == 2:
        _, reviewer = _holder(w, project, S.COUNTY_INTAKE)
        bad = rnd.choice(stages)
        _opinions(w, case_id, 1, S.COUNTY_INTAKE, stages, reviewer, returned_at, failed={bad})
        load.add(CaseRemark, case_id=case_id, stage=bad, remark="佐证材料不完整，请补充。", reviewer_user_id=reviewer,
                 round=1, step=S.COUNTY_INTAKE, at=returned_at, resolved_at=resolved_at)
        w.audit("case.return", "case", case_id, returned_at, reviewer, before={"status": "submitted"},
                after={"step": S.COUNTY_INTAKE.value, "round": 1, "stages": [bad]}, statement=STATEMENT)
        w.audit("case.resubmit", "case", case_id, resubmitted, user, after={"round": 2})
    for passed_step in route[:current]:
        _passed(w, project, kind, case_id, round_, passed_step, stages, clock, status)
    _at_current(w, project, case_id, round_, step, status, stages, clock)
    return clock.at


class _Clock:
    """The moments of a case's trail: a few days apart, never later than the build's day."""

    def __init__(self, w, start):
        self.w, self.at = w, start

    def tick(self):
        self.at = min(self.at + timedelta(days=self.w.rnd.uniform(0.5, 4)), self.w.now - timedelta(hours=1))
        return self.at


def _opinions(w, case_id, round_, step, stages, reviewer, at, failed=frozenset()) -> None:
    for key in stages:
        w.load.add(IntakeOpinion, case_id=case_id, round=round_, step=step, stage=key, passed=key not in failed,
                   opinion="材料不完整，请补充。" if key in failed else "", reviewer_user_id=reviewer, at=at)


def _passed(w, project, kind, case_id, round_, step, stages, clock, status) -> None:
    """What a step that the case went through leaves behind."""
    code, reviewer = _holder(w, project, step)
    at = clock.tick()
    if step.is_intake:
        _opinions(w, case_id, round_, step, stages, reviewer, at)
        action = "case.intake_pass"
    elif step is S.EXPERT_DRAW:
        _draw(w, project, case_id, round_, code, reviewer, at)
        action = "case.confirm_panel"
    elif step is S.DOCUMENT_REVIEW:
        _expert_opinions(w, case_id, round_, reviewer, at, w.panels[case_id])
        action = "case.finish_document_review"
    elif step is S.SITE_REVIEW:
        _site_review(w, case_id, round_, reviewer, at)
        action = "case.finish_site_review"
    else:  # the result, issued
        _result(w, kind, case_id, code, reviewer, at, status is CaseStatus.PASSED)
        return
    nxt = cases.next_step(project["managing"], step)
    w.audit(action, "case", case_id, at, reviewer, before={"step": step.value},
            after={"step": nxt.value, "round": round_}, statement=STATEMENT)


def _at_current(w, project, case_id, round_, step, status, stages, clock) -> None:
    """Work already done at the step the case is at (a return's remarks, a draw, some opinions)."""
    rnd = w.rnd
    if step is S.DONE:
        return
    code, reviewer = _holder(w, project, step)
    if status is CaseStatus.RETURNED:
        bad = set(rnd.sample(stages, rnd.randint(1, 2)))
        at = clock.tick()
        if step.is_intake:
            _opinions(w, case_id, round_, step, stages, reviewer, at, failed=bad)
        elif step is S.DOCUMENT_REVIEW:
            _expert_opinions(w, case_id, round_, reviewer, at, w.panels[case_id])
        for key in sorted(bad):
            w.load.add(CaseRemark, case_id=case_id, stage=key, remark="请按专家意见补充完善相关材料。",
                       reviewer_user_id=reviewer, round=round_, step=step, at=at, resolved_at=None)
        w.audit("case.return", "case", case_id, at, reviewer, before={"status": "in_review"},
                after={"step": step.value, "round": round_, "stages": sorted(bad)}, statement=STATEMENT)
    elif step is S.EXPERT_DRAW and rnd.random() < 0.4:
        _draw(w, project, case_id, round_, code, reviewer, clock.tick())
    elif step is S.DOCUMENT_REVIEW:
        _expert_opinions(w, case_id, round_, reviewer, clock.tick(), w.panels[case_id][:rnd.randint(0, 2)])
    elif step is S.SITE_REVIEW and rnd.random() < 0.4:
        _site_review(w, case_id, round_, reviewer, clock.tick())


def _pool(w, department: str, division: str) -> tuple[list[int], list[int]]:
    """(candidates, others) of the department's and the province's active experts for an industry 大类."""
    key = (department, division)
    if key not in w.pools:
        registries = {department, "130000"}
        pool = [e for e in w.experts if e["registry"] in registries and e["active"]]
        w.pools[key] = ([e["id"] for e in pool if division in e["specialties"]],
                        [e["id"] for e in pool if division not in e["specialties"]])
    return w.pools[key]


def _draw(w, project, case_id, round_, department, by, at) -> None:
    rnd, load = w.rnd, w.load
    candidates, others = _pool(w, department, project["industry"][:2])
    if len(candidates) < 4:  # a thin pool at small scales: draw from all of it
        candidates = sorted(candidates + others)
    seed = rnd.randrange(expert_draw.SEED_LIMIT)
    selected = rnd.sample(candidates, min(3, len(candidates)))
    excluded = {str(e): expert_draw.MISMATCH for e in others[:EXCLUDED_KEPT]}
    draw_id = load.add(ExpertDraw, case_id=case_id, round=round_, seed=seed, requested=3, avoid_same_county=True,
                       candidate_ids=candidates, excluded=excluded, selected_ids=selected, replaces_expert_id=None,
                       drawn_by_user_id=by, at=at)
    w.audit("case.expert_draw", "case", case_id, at, by, after={"draw_id": draw_id, "selected_ids": selected})
    panel = list(selected)
    for expert_id in selected:
        spare = next((e for e in candidates if e not in panel and e not in selected), None)
        declined = spare is not None and rnd.random() < 0.05
        load.add(PanelMember, case_id=case_id, expert_id=expert_id, draw_id=draw_id,
                 status=PanelStatus.DECLINED if declined else PanelStatus.ACTIVE,
                 decline_reason="出差无法参加" if declined else None, declined_at=at if declined else None)
        if declined:
            panel.remove(expert_id)
            redraw = load.add(ExpertDraw, case_id=case_id, round=round_, seed=rnd.randrange(expert_draw.SEED_LIMIT),
                              requested=1, avoid_same_county=True, candidate_ids=candidates, excluded=excluded,
                              selected_ids=[spare], replaces_expert_id=expert_id, drawn_by_user_id=by, at=at)
            load.add(PanelMember, case_id=case_id, expert_id=spare, draw_id=redraw, status=PanelStatus.ACTIVE)
            panel.append(spare)
            w.audit("case.expert_redraw", "case", case_id, at, by, after={"draw_id": redraw, "selected_ids": [spare]})
    w.panels[case_id] = panel


def _expert_opinions(w, case_id, round_, by, at, experts) -> None:
    rnd = w.rnd
    for expert_id in experts:
        conclusion = rnd.choices(list(Conclusion), (0.6, 0.35, 0.05))[0]
        w.load.add(ExpertOpinion, case_id=case_id, round=round_, expert_id=expert_id,
                   score=round(rnd.uniform(70, 96), 1), conclusion=conclusion, opinion=EXPERT_OPINION,
                   entered_by_user_id=by, at=at)
        w.audit("case.expert_opinion", "case", case_id, at, by, after={"expert_id": expert_id,
                                                                        "conclusion": conclusion.value})


def _site_review(w, case_id, round_, by, at) -> None:
    review_id = w.load.add(SiteReview, case_id=case_id, round=round_, visit_date=at.date(),
                           attendees="专家组 3 人，企业负责人、咨询机构人员", findings="现场核查方案实施情况与报告一致，台账齐全。",
                           recorded_by_user_id=by, at=at)
    for k in range(1 + (w.rnd.random() < 0.5)):
        w.attach(full_review.OWNER_SITE_REVIEW, review_id, full_review.PHOTO, f"现场照片{k + 1}.png", by, at, "png")
    w.audit("case.site_review", "case", case_id, at, by, after={"visit_date": at.date().isoformat()})


def _result(w, kind, case_id, department, by, at, passed: bool) -> None:
    label = "评估" if kind is CaseKind.EVALUATION else "验收"
    result_id = w.load.add(CaseResult, case_id=case_id, passed=passed,
                           opinion="经专家组审核，同意通过。" if passed else "经专家组审核，不同意通过，请整改后重新申请。",
                           document_number=f"冀环{label}〔{at.year}〕{department}-{case_id:06d}", issued_by_user_id=by,
                           issued_at=at)
    w.attach(full_review.OWNER_RESULT, result_id, full_review.RESULT_PDF, f"{label}意见.pdf", by, at)
    w.audit("case.result", "case", case_id, at, by, before={"step": S.RESULT.value},
            after={"step": S.DONE.value, "passed": passed}, statement=STATEMENT)
