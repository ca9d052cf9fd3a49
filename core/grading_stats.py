"""How many audits reached the campaign's target level (seed 001, 审核目标), for 工作总结 and 统计分析.

Counted over the letters in the actor's jurisdiction under the statistics filter (core.stats.letter_query), from the
level and target stored on each 对标 sheet when it was last saved (core.grading_entry): one SQL aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session, aliased

from core.indicator_models import GradingSheet, SheetPhase
from core.jurisdiction import require_department
from core.models import User
from core.progress import LetterProgress as P
from core.project_models import AuditProject
from core.stats import StatsFilter, letter_query


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
    key = {None: literal("all"), "city": P.city_code, "county": P.county_code}[by]
    before, after = aliased(GradingSheet), aliased(GradingSheet)

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    letters, _ = letter_query(actor, flt, [key.label("key"), AuditProject.id.label("project_id")],
                              joins=(AuditProject,))
    letters = letters.where(AuditProject.id.is_not(None)).subquery("letters")
    stmt = (select(letters.c.key, count(before.id.is_not(None)).label("graded_before"),
                   count(before.target_met.is_(True)).label("met_before"),
                   count(after.id.is_not(None)).label("graded_after"),
                   count(after.target_met.is_(True)).label("met_after"))
            .select_from(letters)
            .outerjoin(before, and_(before.project_id == letters.c.project_id, before.phase == SheetPhase.BEFORE))
            .outerjoin(after, and_(after.project_id == letters.c.project_id, after.phase == SheetPhase.AFTER))
            .group_by(letters.c.key))
    return {row.key: TargetCounts(int(row.graded_before), int(row.met_before), int(row.graded_after),
                                  int(row.met_after)) for row in session.execute(stmt)}


def total(counts: dict[str, TargetCounts]) -> TargetCounts:
    result = TargetCounts()
    for value in counts.values():
        result = result + value
    return result
