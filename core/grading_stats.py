"""How many audits reached the campaign's target level (seed 001, 审核目标), for 工作总结 and 统计分析.

Counted over the letters in the actor's jurisdiction under the statistics filter, from the level and target stored
on each 对标 sheet when it was last saved (core.grading_entry), as letter_progress notes them per letter and
county_totals adds them up per campaign and county: one SQL aggregate over a few hundred rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, literal
from sqlalchemy.orm import Session

from core.jurisdiction import require_department
from core.models import User
from core.progress_totals import GRADED
from core.progress_totals import CountyTotal as T
from core.stats import StatsFilter, totals_query


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
    key = {None: literal("all"), "city": T.city_code, "county": T.county_code}[by]
    stmt = totals_query(actor, flt, [key.label("key"), *(func.coalesce(func.sum(getattr(T, k)), 0).label(k)
                                                       for k in GRADED)], T)
    return {row.key: TargetCounts(*(int(getattr(row, k)) for k in GRADED))
            for row in session.execute(stmt.group_by(key))}


def total(counts: dict[str, TargetCounts]) -> TargetCounts:
    result = TargetCounts()
    for value in counts.values():
        result = result + value
    return result
