"""时间节点: the milestones of each campaign, and which enterprises are overdue or due soon.

A milestone is met by an enterprise when it reached the matching stage (core.progress.MET_BY); the
campaign's last milestone, the written summary, is the departments' own duty and is shown by date.
Dates are Hebei's (Asia/Shanghai), whatever the server's clock zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select, tuple_
from sqlalchemy.orm import Session

from core import progress
from core.models import Division, Enterprise, Tier, User
from core.notice_models import MILESTONES, AuditNotice
from core.progress_totals import COUNTED, DueTotal
from core.progress_totals import CountyTotal as T
from core.stats import StatsFilter, letter_query, progress_scope, totals_query
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


def _due_groups(actor: User, flt: StatsFilter, columns: list, within: int | None, on: date):
    """The due_totals groups (letters per campaign, county and due date) of the department's area that
    the filter selects, due within `within` days or overdue."""
    stmt = select(*columns).select_from(DueTotal).where(progress_scope(actor, flt, DueTotal), DueTotal.letters > 0)
    if flt.batch:
        stmt = stmt.join(AuditNotice, AuditNotice.id == DueTotal.notice_id).where(AuditNotice.batch == flt.batch)
    if within is not None:
        stmt = stmt.where(DueTotal.next_due <= on + timedelta(days=within))
    return stmt


def _by_groups(actor: User) -> bool:
    """Departments read due_totals; an enterprise's few letters are read directly (the groups do not
    know whose letters they count)."""
    return actor.tier is not Tier.ENTERPRISE


def _most_urgent_keys(session: Session, actor: User, flt: StatsFilter, within: int | None, on: date,
                      limit: int) -> list[tuple[str, date]]:
    """The (county, due date) pairs that hold the `limit` most urgent letters (ordered by date, then
    county): read from the groups, so that only the letters of these pairs are joined and sorted."""
    stmt = _due_groups(actor, flt, [DueTotal.next_due, DueTotal.county_code, func.sum(DueTotal.letters)], within, on)
    keys, counted = [], 0
    for next_due, county_code, letters in session.execute(
            stmt.group_by(DueTotal.next_due, DueTotal.county_code).order_by(DueTotal.next_due, DueTotal.county_code)):
        keys.append((county_code, next_due))
        counted += letters
        if counted >= limit:
            break
    return keys


def pending(session: Session, actor: User, flt: StatsFilter = StatsFilter(), *, within: int | None = SOON_DAYS,
            on: date | None = None, limit: int | None = None) -> list[Due]:
    """Per enterprise (in the actor's jurisdiction, or the enterprise itself), its earliest milestone not
    yet met, if it is overdue or due within `within` days (None: whatever its date); most urgent first
    (then by county code and name), at most `limit` of them."""
    on = on or today()
    columns = [Enterprise.name.label("enterprise"), Division.short_name.label("county"),
               AuditNotice.name.label("campaign"), P.next_milestone, P.next_due]
    stmt = _due_query(actor, flt, columns, within, on)
    if limit is not None and _by_groups(actor):
        keys = _most_urgent_keys(session, actor, flt, within, on, limit)
        if not keys:
            return []
        stmt = stmt.where(tuple_(P.county_code, P.next_due).in_(keys)).limit(limit)
    elif limit is not None:
        stmt = stmt.limit(limit)
    stmt = stmt.order_by(P.next_due, P.county_code, Enterprise.name, P.letter_id)
    return [Due(r.enterprise, r.county, r.campaign, LABELS[r.next_milestone], r.next_due, (r.next_due - on).days)
            for r in session.execute(stmt)]


def pending_count(session: Session, actor: User, flt: StatsFilter = StatsFilter(), *,
                  within: int | None = SOON_DAYS, on: date | None = None) -> DueCount:
    """How many `pending` would list, and how many of them are overdue, counted in the database."""
    on = on or today()
    if _by_groups(actor):
        stmt = _due_groups(actor, flt, [
            func.coalesce(func.sum(DueTotal.letters), 0),
            func.coalesce(func.sum(case((DueTotal.next_due < on, DueTotal.letters), else_=0)), 0)], within, on)
        total, overdue = session.execute(stmt).one()
        return DueCount(int(total), int(overdue))
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
        func.coalesce(func.sum(T.total), 0), *(func.coalesce(func.sum(getattr(T, k)), 0) for k in stages)], T)).one()
    met_by_stage = dict(zip(stages, totals[1:]))
    states = []
    for key, label in MILESTONES:
        due = getattr(notice, key)
        met = int(met_by_stage[MET_BY[key]]) if key in MET_BY else None
        states.append(MilestoneState(key, label, due, (due - on).days, met, int(totals[0])))
    return states
