"""How many audits reached the campaign's target level (seed 001, 审核目标), for 工作总结 and 统计分析.

Counted over the letters in the actor's jurisdiction under the statistics filter (core.stats.scoped), from the
level and target stored on each 对标 sheet when it was last saved (core.grading_entry): one SQL aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session, aliased

from core.indicator_models import GradingSheet, SheetPhase
from core.jurisdiction import require_department
from core.models import Division, Enterprise, User
from core.notice_models import NoticeLetter
from core.project_models import AuditProject
from core.stats import StatsFilter, scoped


@dataclass(frozen=True)
class TargetCounts:
    graded_before: int = 0  # audits with a 预审核 对标 sheet
    met_before: int = 0  # ... whose level met the target before the audit
    graded_after: int = 0  # audits with a 验收 对标 sheet
    met_after: int = 0  # ... whose level met the target after implementation

    def __add__(self, other: TargetCounts) -> TargetCounts:
        return TargetCounts(*(a + b for a, b in zip(self.__dict__.values(), other.__dict__.values(), strict=True)))


def target_counts(session: Session, actor: User, flt: StatsFilter = StatsFilter(),  # noqa: B008 (frozen)
                  by: str | None = None) -> dict[str, TargetCounts]:
    """{group key: counts}; by = None ("all"), "city" or "county", as core.summary groups."""
    require_department(actor, "统计")
    key = {None: literal("all"), "city": func.coalesce(Division.city_code, Division.code),
           "county": Division.code}[by]
    before, after = aliased(GradingSheet), aliased(GradingSheet)

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    stmt = (select(key.label("key"), count(before.id.is_not(None)).label("graded_before"),
                   count(before.target_met.is_(True)).label("met_before"),
                   count(after.id.is_not(None)).label("graded_after"),
                   count(after.target_met.is_(True)).label("met_after"))
            .select_from(NoticeLetter)
            .join(Enterprise, Enterprise.id == NoticeLetter.enterprise_id)
            .join(Division, Division.code == NoticeLetter.county_code)
            .join(AuditProject, AuditProject.letter_id == NoticeLetter.id)
            .outerjoin(before, and_(before.project_id == AuditProject.id, before.phase == SheetPhase.BEFORE))
            .outerjoin(after, and_(after.project_id == AuditProject.id, after.phase == SheetPhase.AFTER)))
    stmt = scoped(stmt, actor, flt).group_by(key)
    return {row.key: TargetCounts(int(row.graded_before), int(row.met_before), int(row.graded_after),
                                  int(row.met_after)) for row in session.execute(stmt)}


def total(counts: dict[str, TargetCounts]) -> TargetCounts:
    result = TargetCounts()
    for value in counts.values():
        result = result + value
    return result
