"""统计: how far the enterprises of a jurisdiction have come, per campaign, grouped by city, county or
industry, down to each enterprise. Every figure is one SQL aggregate over progress_totals (letter_progress
added up per campaign, county and 大类, kept current with it by core.progress_totals); the drill-down to
enterprises pages letter_progress (one row per letter = one enterprise in one campaign). A province of
50,000 enterprises is so counted without touching its cases and projects.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, Select, and_, cast, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import find_tables

from core.jurisdiction import area_scope, enterprise_scope, require_department
from core.models import Division, Enterprise, Industry, User
from core.notice_models import AuditNotice, NoticeLetter
from core.progress import STAGE_KEYS, STAGES, LetterProgress
from core.progress_totals import CountyTotal, ProgressTotal
from core.project_models import AuditProject

STAGE_LABELS = dict(STAGES)

GROUPS = {"city": "地市", "county": "区县", "industry": "行业大类"}
P = LetterProgress
T = ProgressTotal


@dataclass(frozen=True)
class StatsFilter:
    notice_id: int | None = None  # one campaign
    batch: str | None = None  # 批次, across campaigns
    city_code: str | None = None  # drill-down
    county_code: str | None = None


def scoped(stmt: Select, actor: User, flt: StatsFilter, *, with_notice: bool = False) -> Select:
    """A query over notice_letters joined to the county Division, limited to the actor's jurisdiction and
    the filter (the campaign table is joined for a batch filter or when `with_notice`)."""
    stmt = stmt.where(enterprise_scope(actor))
    if flt.notice_id is not None:
        stmt = stmt.where(NoticeLetter.notice_id == flt.notice_id)
    if with_notice or flt.batch:
        stmt = stmt.join(AuditNotice, AuditNotice.id == NoticeLetter.notice_id)
    if flt.batch:
        stmt = stmt.where(AuditNotice.batch == flt.batch)
    if flt.city_code:
        stmt = stmt.where(or_(Division.city_code == flt.city_code, Division.code == flt.city_code))
    if flt.county_code:
        stmt = stmt.where(Division.code == flt.county_code)
    return stmt


def progress_scope(actor: User, flt: StatsFilter = StatsFilter(), table=P) -> ColumnElement[bool]:
    """The letter_progress rows (or progress_totals groups, `table`) of the actor's jurisdiction that the
    filter selects (no join needed but for a batch filter, which the callers add)."""
    enterprise = getattr(table, "enterprise_id", None)
    where = [area_scope(actor, province=table.province_code, city=table.city_code, county=table.county_code,
                        enterprise=enterprise)]
    if flt.notice_id is not None:
        where.append(table.notice_id == flt.notice_id)
    if flt.city_code:
        where.append(or_(table.city_code == flt.city_code, table.county_code == flt.city_code))
    if flt.county_code:
        where.append(table.county_code == flt.county_code)
    return and_(*where)


def totals_query(actor: User, flt: StatsFilter, columns: list, table=T) -> Select:
    """`columns` over the progress_totals groups (or county_totals', `table`) of the actor's jurisdiction that
    the filter selects: the same letters as letter_query, a few thousand groups (a few hundred per county)
    instead of tens of thousands of rows."""
    stmt = select(*columns).select_from(table).where(progress_scope(actor, flt, table))
    if flt.batch:
        stmt = stmt.join(AuditNotice, AuditNotice.id == table.notice_id).where(AuditNotice.batch == flt.batch)
    return stmt


# Tables a query over letter_progress may need, in the order they are joined, with their join condition.
_JOINS = ((NoticeLetter, lambda: NoticeLetter.id == P.letter_id, False),
          (Enterprise, lambda: Enterprise.id == P.enterprise_id, False),
          (Division, lambda: Division.code == P.county_code, False),
          (AuditNotice, lambda: AuditNotice.id == P.notice_id, False),
          (AuditProject, lambda: AuditProject.letter_id == P.letter_id, True))


def letter_query(actor: User, flt: StatsFilter, columns: list, *, with_notice: bool = False,
                 joins: tuple = ()) -> tuple[Select, dict]:
    """The letters in the actor's jurisdiction that the filter selects, with the stage columns (0/1), read
    from letter_progress; the tables the columns (or `joins`, or `with_notice`) need are joined."""
    stages = {key: cast(getattr(P, key), Integer) for key in STAGE_KEYS}
    needed = {table for column in columns for table in find_tables(column, check_columns=True)}
    needed |= {model.__table__ for model in joins}
    if with_notice or flt.batch:
        needed.add(AuditNotice.__table__)
    stmt = select(*columns, *(c.label(k) for k, c in stages.items())).select_from(P)
    for model, condition, outer in _JOINS:
        if model.__table__ in needed:
            stmt = stmt.join(model, condition(), isouter=outer)
    stmt = stmt.where(progress_scope(actor, flt))
    if flt.batch:
        stmt = stmt.where(AuditNotice.batch == flt.batch)
    return stmt, stages


def funnel(session: Session, actor: User, flt: StatsFilter = StatsFilter(), by: str | None = None) -> list[dict]:
    """Enterprises per stage, in total (by=None) or per city / county / industry 大类 (rows sorted by key).

    Each row: {"key", "name", "total", <stage>: count, ...}, added up from progress_totals (groups per
    campaign, county and 大类); names are looked up after grouping.
    """
    require_department(actor, "统计")
    table = T if by == "industry" else CountyTotal  # only the industries need the 大类 groups
    key = {None: literal("all"), "city": table.city_code, "county": table.county_code,
           "industry": T.industry_major}[by]
    stmt = totals_query(actor, flt, [key.label("key"), func.sum(table.total).label("total"),
                                     *(func.sum(getattr(table, k)).label(k) for k in STAGE_KEYS)], table)
    rows = session.execute(stmt.group_by(key).order_by(key)).all()
    names = group_names(session, by, [r.key for r in rows])
    return [{"key": r.key, "name": names.get(r.key, r.key), "total": int(r.total or 0),
             **{k: int(r._mapping[k] or 0) for k in STAGE_KEYS}} for r in rows if r.total]


def total_of(rows: list[dict]) -> dict:
    """The total row of funnel rows that partition a selection (areas, industries)."""
    return {"key": "all", "name": "全部", "total": sum(r["total"] for r in rows),
            **{k: sum(r[k] for r in rows) for k, _ in STAGES}}


def group_names(session: Session, by: str | None, keys: list[str]) -> dict[str, str]:
    if by is None:
        return {"all": "全部"}
    if by == "industry":
        found = dict(session.execute(select(Industry.code, Industry.name).where(Industry.code.in_(keys))).all())
        return {k: found.get(k, "未填写行业") for k in keys}
    return dict(session.execute(select(Division.code, Division.short_name).where(Division.code.in_(keys))).all())


def enterprise_count(session: Session, actor: User, flt: StatsFilter = StatsFilter()) -> int:
    """How many letters enterprise_rows would list (one per enterprise per campaign)."""
    require_department(actor, "统计")
    return int(session.scalar(totals_query(actor, flt, [func.coalesce(func.sum(CountyTotal.total), 0)],
                                           CountyTotal)) or 0)


def enterprise_rows(session: Session, actor: User, flt: StatsFilter = StatsFilter(), *, offset: int = 0,
                    limit: int | None = 500) -> list[dict]:
    """Drill-down to the enterprises: each with its campaign and the furthest stage it reached (a page of
    them: `offset`, `limit`; limit None for all, e.g. an export)."""
    require_department(actor, "统计")
    stmt, stages = letter_query(actor, flt, [Enterprise.name.label("enterprise"), Division.short_name.label("county"),
                                         AuditNotice.name.label("campaign"), AuditNotice.batch.label("batch")],
                                  with_notice=True)
    stmt = stmt.order_by(Division.code, Enterprise.name, P.letter_id).offset(offset).limit(limit)
    rows = []
    for r in session.execute(stmt):
        reached = [label for key, label in STAGES if r._mapping[key]]
        rows.append({"企业名称": r.enterprise, "区县": r.county, "清审批次": r.campaign, "批次": r.batch,
                     "当前进度": reached[-1] if reached else "未告知",
                     **{label: "✓" if r._mapping[key] else "" for key, label in STAGES}})
    return rows


def campaigns(session: Session, actor: User) -> list[AuditNotice]:
    """The campaigns (audit notices) that have letters in the actor's jurisdiction, newest first."""
    require_department(actor, "统计")
    ids = (select(CountyTotal.notice_id).where(progress_scope(actor, table=CountyTotal), CountyTotal.total > 0)
           .distinct())
    return list(session.scalars(select(AuditNotice).where(AuditNotice.id.in_(ids)).order_by(AuditNotice.id.desc())))


def counties(session: Session, actor: User, flt: StatsFilter = StatsFilter()) -> list[tuple[str, str]]:
    """(code, name) of the counties that have letters in the selection, e.g. for a county filter."""
    codes = totals_query(actor, flt, [CountyTotal.county_code], CountyTotal).where(CountyTotal.total > 0).distinct()
    return list(session.execute(select(Division.code, Division.short_name).where(Division.code.in_(codes))
                                .order_by(Division.code)).all())
