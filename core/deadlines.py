"""时间节点: the milestones of each campaign, and which enterprises are overdue or due soon.

A milestone is met by an enterprise when it reached the matching stage (core.stats.STAGES); the
campaign's last milestone, the written summary, is the departments' own duty and is shown by date.
Dates are Hebei's (Asia/Shanghai), whatever the server's clock zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from core.models import Division, Enterprise, User
from core.notice_models import MILESTONES, AuditNotice
from core.stats import StatsFilter, letter_query
from core.startup_fields import today

SOON_DAYS = 7
# The stage that meets each milestone for one enterprise.
MET_BY = {"letters_due": "notified", "register_due": "accepted", "plan_due": "evaluation_applied",
          "evaluation_due": "evaluation_passed", "acceptance_apply_due": "acceptance_applied",
          "acceptance_due": "acceptance_passed"}
LABELS = dict(MILESTONES)


@dataclass(frozen=True)
class Due:
    enterprise: str
    county: str
    campaign: str
    milestone: str  # label
    due: date
    days_left: int  # negative: overdue by that many days

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def status(self) -> str:
        if self.days_left < 0:
            return f"逾期 {-self.days_left} 天"
        return "今天到期" if self.days_left == 0 else f"剩余 {self.days_left} 天"


def pending(session: Session, actor: User, flt: StatsFilter = StatsFilter(), *, within: int | None = SOON_DAYS,
            on: date | None = None) -> list[Due]:
    """Per enterprise (in the actor's jurisdiction, or the enterprise itself), its earliest milestone not
    yet met, if it is overdue or due within `within` days (None: whatever its date); most urgent first."""
    on = on or today()
    columns = [Enterprise.name.label("enterprise"), Division.short_name.label("county"),
               AuditNotice.name.label("campaign"), *(getattr(AuditNotice, key).label(key) for key in MET_BY)]
    stmt, _ = letter_query(actor, flt, columns, with_notice=True)
    result = []
    for row in session.execute(stmt):
        values = row._mapping
        for key, stage in MET_BY.items():
            if values[stage]:
                continue
            days = (values[key] - on).days
            if within is None or days <= within:
                result.append(Due(values["enterprise"], values["county"], values["campaign"], LABELS[key],
                                  values[key], days))
            break
    return sorted(result, key=lambda d: (d.days_left, d.county, d.enterprise))


@dataclass(frozen=True)
class MilestoneState:
    key: str
    label: str
    due: date
    days_left: int
    met: int | None  # enterprises that met it (None for the departments' own summary)
    total: int


def milestones(session: Session, actor: User, notice: AuditNotice, *, on: date | None = None) -> list[MilestoneState]:
    """Every milestone of one campaign with how many of the jurisdiction's enterprises have met it."""
    on = on or today()
    stmt, _ = letter_query(actor, StatsFilter(notice_id=notice.id), [Enterprise.id])
    rows = [r._mapping for r in session.execute(stmt)]
    states = []
    for key, label in MILESTONES:
        due = getattr(notice, key)
        met = sum(1 for r in rows if r[MET_BY[key]]) if key in MET_BY else None
        states.append(MilestoneState(key, label, due, (due - on).days, met, len(rows)))
    return states
