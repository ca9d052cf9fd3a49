"""时间节点: the milestones of each campaign, and which enterprises are overdue or due soon.

A milestone is met by an enterprise when it reached the matching stage (core.progress.MET_BY); the
campaign's last milestone, the written summary, is the departments' own duty and is shown by date.
Dates are Hebei's (Asia/Shanghai), whatever the server's clock zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from core import progress
from core.models import Division, Enterprise, User
from core.notice_models import MILESTONES, AuditNotice
from core.progress_totals import COUNTED
from core.progress_totals import ProgressTotal as T
from core.stats import StatsFilter, letter_query, totals_query
from core.startup_fields import today

SOON_DAYS = 7
MET_BY = progress.MET_BY
LABELS = dict(MILESTONES)
P = progress.LetterProgress


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


@dataclass(frozen=True)
class DueCount:
    total: int
    overdue: int


def _due_query(actor: User, flt: StatsFilter, columns: list, within: int | None, on: date):
    """The letters whose earliest unmet milestone (kept in letter_progress.next_due) is overdue or due
    within `within` days."""
    stmt, _ = letter_query(actor, flt, columns)
    stmt = stmt.where(P.next_due.is_not(None))
    if within is not None:
        stmt = stmt.where(P.next_due <= on + timedelta(days=within))
    return stmt


def pending(session: Session, actor: User, flt: StatsFilter = StatsFilter(), *, within: int | None = SOON_DAYS,
            on: date | None = None, limit: int | None = None) -> list[Due]:
    """Per enterprise (in the actor's jurisdiction, or the enterprise itself), its earliest milestone not
    yet met, if it is overdue or due within `within` days (None: whatever its date); most urgent first
    (then by county code and name), at most `limit` of them."""
    on = on or today()
    columns = [Enterprise.name.label("enterprise"), Division.short_name.label("county"),
               AuditNotice.name.label("campaign"), P.next_milestone, P.next_due]
    stmt = _due_query(actor, flt, columns, within, on)
    if limit is not None:
        # The limit-th row's (date, county) from letter_progress alone (its next_due index, no joins),
        # so that only the rows up to it are joined to their names and sorted: a province's home page
        # shows 20 of tens of thousands.
        boundary_stmt, _ = letter_query(actor, flt, [P.next_due, P.county_code])
        boundary_stmt = boundary_stmt.where(P.next_due.is_not(None))
        if within is not None:
            boundary_stmt = boundary_stmt.where(P.next_due <= on + timedelta(days=within))
        boundary = session.execute(boundary_stmt.order_by(P.next_due, P.county_code)
                                   .offset(limit - 1).limit(1)).first()
        if boundary is not None:
            stmt = stmt.where(or_(P.next_due < boundary.next_due,
                                  and_(P.next_due == boundary.next_due, P.county_code <= boundary.county_code)))
        stmt = stmt.limit(limit)
    stmt = stmt.order_by(P.next_due, P.county_code, Enterprise.name, P.letter_id)
    return [Due(r.enterprise, r.county, r.campaign, LABELS[r.next_milestone], r.next_due, (r.next_due - on).days)
            for r in session.execute(stmt)]


def pending_count(session: Session, actor: User, flt: StatsFilter = StatsFilter(), *,
                  within: int | None = SOON_DAYS, on: date | None = None) -> DueCount:
    """How many `pending` would list, and how many of them are overdue, counted in the database."""
    on = on or today()
    inner = _due_query(actor, flt, [P.next_due.label("due")], within, on).subquery()
    total, overdue = session.execute(select(func.count(),
                                            func.coalesce(func.sum(case((inner.c.due < on, 1), else_=0)), 0))).one()
    return DueCount(int(total), int(overdue))


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
    stages = COUNTED  # the funnel's stages and the publication flag, as MET_BY names them
    totals = session.execute(totals_query(actor, StatsFilter(notice_id=notice.id), [
        func.coalesce(func.sum(T.total), 0), *(func.coalesce(func.sum(getattr(T, k)), 0) for k in stages)])).one()
    met_by_stage = dict(zip(stages, totals[1:]))
    states = []
    for key, label in MILESTONES:
        due = getattr(notice, key)
        met = int(met_by_stage[MET_BY[key]]) if key in MET_BY else None
        states.append(MilestoneState(key, label, due, (due - on).days, met, int(totals[0])))
    return states
