"""Cases taken to the department's review, and experts for its pool: the start of the review tests."""

from __future__ import annotations

import itertools

from sqlalchemy import update

from core.cases import StageVerdict, intake
from core.models import ManagingTier
from core.project_models import CaseStep
from core.review_models import Expert
from core.stages import stages_of
from tests.support.projects import submitted_case
from tests.support.roster import CITY, LIANCHI, PROVINCE, QINGYUAN, user

_phones = itertools.count(1)


def at_draw(s, managing: ManagingTier = ManagingTier.CITY):
    """A submitted case taken through intake to 专家抽取; the pool starts empty."""
    s.execute(update(Expert).values(active=False))  # only the experts a test creates take part
    case, _ = submitted_case(s, managing)
    verdicts = {stage.key: StageVerdict(True) for stage in stages_of(case.kind.value)}
    logins = (QINGYUAN, CITY, PROVINCE) if managing is ManagingTier.PROVINCE else (QINGYUAN, CITY)
    for login in logins:
        intake(s, user(s, login), case.id, case.version, verdicts, agreed=True)
    assert case.step is CaseStep.EXPERT_DRAW
    return case


def expert(s, name: str, *, registry: str = PROVINCE, organisation: str | None = None,
           specialties: tuple[str, ...] = ("13",), region: str = LIANCHI, active: bool = True,
           conflicts: tuple[str, ...] = ()) -> Expert:
    row = Expert(registry_code=registry, name=name, organisation=organisation or f"{name}工作单位",
                 title="高级工程师", specialties=list(specialties), region_code=region,
                 phone=f"1380000{next(_phones):04d}", active=active, conflicts=list(conflicts))
    s.add(row)
    s.flush()
    return row


def pool(s, n: int, prefix: str = "专家", **fields) -> list[Expert]:
    return [expert(s, f"{prefix}{i}", **fields) for i in range(1, n + 1)]
