"""许可与公开跟踪: the departments' list of their enterprises' permit records and disclosures per campaign;
an enterprise is overdue when nothing is published after the notice's register_due."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from core.disclosure_models import (
    DisclosureRecord,
    PermitClass,
    PermitRecord,
)
from core.disclosure import (
    CONFIRMED,
    MISSING,
    NOT_WRITTEN,
    PENDING,
    PERMIT_STATUS_LABELS,
)
from core.errors import ValidationError
from core.jurisdiction import require_department
from core.models import Division, Enterprise, Tier, User
from core.notice_models import AuditNotice, NoticeLetter
from core.progress import LetterProgress
from core.project_models import AuditProject
from core.startup_fields import today
from core.paging import keys_for_page
from core.progress_totals import CountyTotal as T  # the list has no 大类 filter
from core.stats import StatsFilter, letter_query, totals_query


# --- the departments' tracking list --------------------------------------------------------------

@dataclass(frozen=True)
class TrackingRow:
    letter_id: int
    project_id: int | None  # None until the enterprise accepted its task
    project_number: str | None
    enterprise: str
    county: str
    campaign: str
    status: str  # permit status key
    permit_number: str | None
    management_class: PermitClass | None
    written_on: date | None
    recorded_by_tier: Tier | None
    disclosures: int
    latest_disclosure: date | None
    register_due: date
    days_overdue: int  # > 0: nothing published and register_due passed that many days ago

    @property
    def status_label(self) -> str:
        return PERMIT_STATUS_LABELS[self.status]

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0

    @property
    def recorded_by_label(self) -> str:
        if self.recorded_by_tier is None:
            return ""
        return "企业" if self.recorded_by_tier is Tier.ENTERPRISE else "区县部门"


@dataclass(frozen=True)
class TrackingCounts:
    total: int
    confirmed: int
    pending: int
    missing_or_not_written: int
    overdue: int


def _selection(actor: User, flt: StatsFilter, columns: Callable, status: str | None, overdue_only: bool, on: date,
               county_code: str | None = None):
    """The letters in scope, filtered in SQL; `columns(state, overdue)` names what to select, given the permit
    status and the overdue flag as SQL expressions. Whether anything was published is letter_progress's
    `disclosed` (kept with every disclosure): the list no longer adds up every disclosure of the province."""
    require_department(actor, "许可与公开跟踪")
    if status is not None and status not in PERMIT_STATUS_LABELS:
        raise ValidationError("请选择排污许可证状态", field="status")
    state = case((PermitRecord.id.is_(None), MISSING), (PermitRecord.requirement_written.is_(False), NOT_WRITTEN),
                 (PermitRecord.confirmed_at.is_not(None), CONFIRMED), else_=PENDING)
    overdue = and_(LetterProgress.disclosed.is_(False), AuditNotice.register_due < on)
    stmt, _ = letter_query(actor, flt, columns(state, overdue), with_notice=True, joins=(AuditProject,))
    stmt = stmt.outerjoin(PermitRecord, PermitRecord.project_id == AuditProject.id)
    if status is not None:
        stmt = stmt.where(state == status)
    if overdue_only:
        stmt = stmt.where(overdue)
    if county_code:
        stmt = stmt.where(LetterProgress.county_code == county_code)
    return stmt


def _published(session: Session, project_ids: list[int]) -> dict[int, tuple[int, date]]:
    """(how many disclosures, the latest date) of these projects: read for the rows on screen only."""
    if not project_ids:
        return {}
    rows = session.execute(select(DisclosureRecord.project_id, func.count(), func.max(DisclosureRecord.published_on))
                           .where(DisclosureRecord.project_id.in_(project_ids))
                           .group_by(DisclosureRecord.project_id))
    return {project_id: (count, latest) for project_id, count, latest in rows}


def tracking(session: Session, actor: User, flt: StatsFilter = StatsFilter(), *, status: str | None = None,
             overdue_only: bool = False, on: date | None = None, county_code: str | None = None, offset: int = 0,
             limit: int | None = None) -> list[TrackingRow]:
    """The jurisdiction's enterprises (one row per enterprise per campaign) with their permit status and
    disclosures; `status` keeps one permit status, `overdue_only` those with nothing published after
    the campaign's register_due (as of `on`, default today in Hebei); a page of them when `limit` is given."""
    on = on or today()
    recorder = aliased(User)

    def columns(state, overdue):  # noqa: ARG001
        return [NoticeLetter.id.label("letter_id"), AuditProject.id.label("project_id"),
                AuditProject.project_number, Enterprise.name.label("enterprise"), Division.short_name.label("county"),
                AuditNotice.name.label("campaign"), AuditNotice.register_due, state.label("state"),
                PermitRecord.permit_number, PermitRecord.management_class, PermitRecord.written_on,
                recorder.tier.label("recorder_tier")]

    stmt = _selection(actor, flt, columns, status, overdue_only, on, county_code)
    if limit is not None and status is None:
        # The page's counties from the groups (the list is in county order): only their letters are sorted.
        counties, offset = _page_counties(session, actor, flt, overdue_only, on, county_code, offset, limit)
        stmt = stmt.where(LetterProgress.county_code.in_(counties))
    stmt = (stmt.outerjoin(recorder, recorder.id == PermitRecord.recorded_by_user_id)
            .order_by(Division.code, Enterprise.name, NoticeLetter.id).offset(offset).limit(limit))
    found = session.execute(stmt).all()
    published = _published(session, [r.project_id for r in found if r.project_id is not None])
    rows = []
    for r in found:
        count, latest = published.get(r.project_id, (0, None))
        late = max(0, (on - r.register_due).days) if not count else 0
        rows.append(TrackingRow(r.letter_id, r.project_id, r.project_number, r.enterprise, r.county, r.campaign,
                                r.state, r.permit_number, r.management_class, r.written_on, r.recorder_tier, count,
                                latest, r.register_due, late))
    return rows


def _groups(actor: User, flt: StatsFilter, columns: list, county_code: str | None):
    stmt = totals_query(actor, flt, columns, T)
    return stmt.where(T.county_code == county_code) if county_code else stmt


def _overdue_notices(on: date):
    """The campaigns whose register_due has passed: their letters with nothing published are overdue."""
    return select(AuditNotice.id).where(AuditNotice.register_due < on)


def _page_counties(session: Session, actor: User, flt: StatsFilter, overdue_only: bool, on: date,
                   county_code: str | None, offset: int, limit: int) -> tuple[list[str], int]:
    """The counties that hold rows offset .. offset + limit of the list (in county order), and the offset
    of that page within their rows; counted per county from county_totals."""
    letters = T.total - T.disclosed if overdue_only else T.total
    stmt = _groups(actor, flt, [T.county_code, func.sum(letters)], county_code)
    if overdue_only:
        stmt = stmt.where(T.notice_id.in_(_overdue_notices(on)))
    return keys_for_page(session.execute(stmt.group_by(T.county_code).order_by(T.county_code)), offset, limit)


def tracking_counts(session: Session, actor: User, flt: StatsFilter = StatsFilter(), *, status: str | None = None,
                    overdue_only: bool = False, on: date | None = None,
                    county_code: str | None = None) -> TrackingCounts:
    """The figures above the list (the same selection as `tracking`), counted in the database: from the
    groups of county_totals unless one permit status or the overdue letters are asked for."""
    on = on or today()
    if status is None and not overdue_only:
        require_department(actor, "许可与公开跟踪")
        total, confirmed, pending = session.execute(_groups(actor, flt, [
            func.coalesce(func.sum(getattr(T, name)), 0) for name in ("total", "permit_confirmed", "permit_pending")],
            county_code)).one()
        overdue = session.scalar(_groups(actor, flt, [func.coalesce(func.sum(T.total - T.disclosed), 0)], county_code)
                                 .where(T.notice_id.in_(_overdue_notices(on))))
        return TrackingCounts(int(total), int(confirmed), int(pending), int(total) - int(confirmed) - int(pending),
                              int(overdue))

    def columns(state, overdue):
        return [state.label("state"), case((overdue, 1), else_=0).label("late")]

    stmt = _selection(actor, flt, columns, status, overdue_only, on, county_code)
    inner = stmt.subquery()
    row = session.execute(select(
        func.count(), *(func.coalesce(func.sum(case((inner.c.state == key, 1), else_=0)), 0)
                        for key in (CONFIRMED, PENDING)),
        func.coalesce(func.sum(case((inner.c.state.in_((MISSING, NOT_WRITTEN)), 1), else_=0)), 0),
        func.coalesce(func.sum(inner.c.late), 0))).one()
    return TrackingCounts(*(int(x) for x in row))
