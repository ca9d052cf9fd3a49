"""Which pages the page benchmark opens, as which tier, and what each needs in session state to show the
object or step meant (detail pages read their id as ui.widgets.chosen_id does; wizards their step key).

The ids come from the synthetic province's notes (bench/synthetic.py) and from a few queries for cases
in a given state (`targets`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

TIERS = ("province", "city", "county", "enterprise")
DEPARTMENTS = ("province", "city", "county")
CODES = {"province": "130000", "city": "130600", "county": "130681"}
HOME_LIMIT_MS, PAGE_LIMIT_MS = 100, 150  # issue 13, at 10x on SQLite

ROSTER_LIST_STEP = {"province": "企业名单", "city": "企业清单", "county": "企业清单"}
NOTICE_STEPS = {"province": ["任务信息", "企业名单", "下发任务", "任务统计"],
                "city": ["省级任务", "市级任务", "企业名单", "下发任务", "任务统计"],
                "county": ["上级任务", "县级任务", "企业名单", "企业告知书", "下发任务"]}
CASE_STEPS = ("申请信息", "受理审核", "专家抽取", "线上文审", "现场审核", "审核结果", "办理记录")


@dataclass(frozen=True)
class PageSpec:
    name: str
    path: str
    tiers: tuple[str, ...]
    # session state to set before the first run, from the targets and the tier
    state: Callable[[dict, str], dict] = field(default=lambda t, tier: {})
    extra: bool = False  # not in issue 13's list (measured all the same)

    @property
    def limit_ms(self) -> int:
        return HOME_LIMIT_MS if self.path == "pages/home.py" else PAGE_LIMIT_MS


def _roster(task: str, step: Callable[[str], str]):
    def state(t: dict, tier: str) -> dict:
        part = t["roster"][task]["parts"][CODES[tier]]
        return {"roster_assignment_id": part, f"roster_step_{part}": step(tier)}
    return state


def _notice(step: str):
    def state(t: dict, tier: str) -> dict:
        part = t["notice"]["n2"]["parts"][CODES[tier]]
        return {"notice_part_id": part, f"notice_step_{part}": step}
    return state


def _case(step: str | None):
    """A step of the finished 省直管 case of 涿州 (seen by all three tiers), or (None) the case each tier holds."""
    def state(t: dict, tier: str) -> dict:
        case_id, at = t["case_done"] if step else t["case_held"][tier]
        chosen = {"case_id": case_id}
        if step:  # the page opens a case at its current step unless told the case has not moved
            chosen |= {f"case_step_{case_id}": step, f"case_step_{case_id}_at": at}
        return chosen
    return state


def page_specs() -> list[PageSpec]:
    d = DEPARTMENTS
    specs = [
        PageSpec("首页", "pages/home.py", TIERS),
        PageSpec("站内消息", "pages/inbox.py", TIERS),
        PageSpec("名单核定任务", "pages/roster_tasks.py", d, extra=True),
        PageSpec("名单核定详情·企业名单", "pages/roster_task.py", d, _roster("t3", ROSTER_LIST_STEP.get)),
        PageSpec("名单核定详情·最终名单", "pages/roster_task.py", ("province",), _roster("t1", lambda tier: "最终名单")),
        PageSpec("名单核定详情·核定情况", "pages/roster_task.py", ("province", "city"),
                 _roster("t3", {"province": "地市核定情况", "city": "区县核定情况"}.get), extra=True),
        PageSpec("名单核定详情·上级任务", "pages/roster_task.py", ("county",), _roster("t3", lambda tier: "上级任务"),
                 extra=True),
        PageSpec("清审任务管理", "pages/notice_tasks.py", d),
    ]
    for step in sorted({s for steps in NOTICE_STEPS.values() for s in steps}, key=_notice_order):
        tiers = tuple(tier for tier in d if step in NOTICE_STEPS[tier])
        specs.append(PageSpec(f"清审任务详情·{step}", "pages/notice_task.py", tiers, _notice(step)))
    specs += [
        PageSpec("业务办理", "pages/cases.py", d),
        PageSpec("业务办理·全部", "pages/cases.py", d, lambda t, tier: {"cases_mine": False}),
        PageSpec("业务办理详情·待办", "pages/case.py", d, _case(None)),
        *(PageSpec(f"业务办理详情·{step}", "pages/case.py", d, _case(step)) for step in CASE_STEPS),
        PageSpec("专家库", "pages/expert_pool.py", d),
        PageSpec("统计分析", "pages/dashboard.py", d),
        PageSpec("工作总结", "pages/work_summary.py", d),
        PageSpec("许可与公开跟踪", "pages/disclosure_tracking.py", d),
        PageSpec("企业名录", "pages/enterprise_directory.py", d),
        PageSpec("账户管理", "pages/account_admin.py", d, extra=True),
        PageSpec("接受清审任务", "pages/enterprise_tasks.py", ("enterprise",)),
        PageSpec("项目启动", "pages/project_startup.py", ("enterprise",)),
        PageSpec("工作过程填报", "pages/audit_work.py", ("enterprise",)),
        PageSpec("方案台账", "pages/options_ledger.py", ("enterprise",)),
        PageSpec("评估验收申请", "pages/applications.py", ("enterprise",)),
        PageSpec("排污许可与信息公开", "pages/disclosure.py", ("enterprise",)),
    ]
    return specs


def _notice_order(step: str) -> int:
    order = ["任务信息", "省级任务", "上级任务", "市级任务", "县级任务", "企业名单", "企业告知书", "下发任务", "任务统计"]
    return order.index(step)


def targets(meta: dict) -> dict:
    """The ids the specs open: the build's notes, and cases in the states the case pages need."""
    from sqlalchemy import select

    from core.db import unit_of_work
    from core.models import Division, Enterprise, ManagingTier
    from core.project_models import AuditProject, Case, CaseStatus, CaseStep

    def first_case(*conditions):
        stmt = (select(Case.id, Case.step).join(AuditProject, AuditProject.id == Case.project_id)
                .join(Enterprise, Enterprise.id == AuditProject.enterprise_id)
                .join(Division, Division.code == Enterprise.division_code))
        # the conditions are tried from all to none, so that a small province still yields a case
        for n in range(len(conditions), -1, -1):
            found = session.execute(stmt.where(*conditions[:n]).order_by(Case.id).limit(1)).first()
            if found:
                return [found.id, found.step]
        return [None, None]

    with unit_of_work() as session:
        in_zhuozhou, in_baoding = Enterprise.division_code == "130681", Division.city_code == "130600"
        done = first_case(in_zhuozhou, Case.step == CaseStep.DONE, Case.status == CaseStatus.PASSED,
                          Case.managing_tier == ManagingTier.PROVINCE, Case.round == 1)
        held = {
            "county": first_case(in_zhuozhou, Case.step == CaseStep.COUNTY_INTAKE,
                                 Case.status == CaseStatus.SUBMITTED),
            "city": first_case(in_baoding, Case.step == CaseStep.EXPERT_DRAW, Case.status == CaseStatus.IN_REVIEW,
                               Case.managing_tier == ManagingTier.CITY),
            "province": first_case(Case.step == CaseStep.EXPERT_DRAW, Case.status == CaseStatus.IN_REVIEW,
                                   Case.managing_tier == ManagingTier.PROVINCE),
        }
    return {**meta, "case_done": done, "case_held": held}
