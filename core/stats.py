"""统计: how far the enterprises of a jurisdiction have come, per campaign, grouped by city, county or
industry, down to each enterprise. Every figure is one SQL aggregate over the letters (one letter =
one enterprise in one campaign), so that a province of 50,000 enterprises is counted in the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from core.jurisdiction import enterprise_scope, require_department
from core.models import Division, Enterprise, Industry, User
from core.notice_models import AuditNotice, NoticeAssignment, NoticeLetter, NoticeStatus
from core.project_models import AuditProject, Case, CaseKind, CaseStatus

# The stages an enterprise passes, in order (issue 7; seed 001 时间步骤).
STAGES: tuple[tuple[str, str], ...] = (
    ("notified", "已告知"),
    ("accepted", "已接受任务"),
    ("startup", "已提交项目启动"),
    ("evaluation_applied", "已申请评估"),
    ("evaluation_passed", "评估通过"),
    ("acceptance_applied", "已申请验收"),
    ("acceptance_passed", "验收通过"),
)
STAGE_LABELS = dict(STAGES)
GROUPS = {"city": "地市", "county": "区县", "industry": "行业大类"}


@dataclass(frozen=True)
class StatsFilter:
    notice_id: int | None = None  # one campaign
    batch: str | None = None  # 批次, across campaigns
    city_code: str | None = None  # drill-down
    county_code: str | None = None


def _case_flags():
    """Per project: has it applied for / passed evaluation and acceptance (any of its cases)."""
    def flag(kind: CaseKind, passed: bool = False):
        cond = Case.kind == kind
        if passed:
            cond = and_(cond, Case.status == CaseStatus.PASSED)
        return func.max(case((cond, 1), else_=0))

    return (select(Case.project_id.label("project_id"),
                   flag(CaseKind.EVALUATION).label("evaluation_applied"),
                   flag(CaseKind.EVALUATION, True).label("evaluation_passed"),
                   flag(CaseKind.ACCEPTANCE).label("acceptance_applied"),
                   flag(CaseKind.ACCEPTANCE, True).label("acceptance_passed"))
            .group_by(Case.project_id).subquery("case_flags"))


def _stage_columns(flags, county_part):
    one = literal(1)
    return {
        "notified": case((county_part.status == NoticeStatus.DISPATCHED, one), else_=0),
        "accepted": case((NoticeLetter.accepted_at.is_not(None), one), else_=0),
        "startup": case((AuditProject.startup_submitted_at.is_not(None), one), else_=0),
        "evaluation_applied": func.coalesce(flags.c.evaluation_applied, 0),
        "evaluation_passed": func.coalesce(flags.c.evaluation_passed, 0),
        "acceptance_applied": func.coalesce(flags.c.acceptance_applied, 0),
        "acceptance_passed": func.coalesce(flags.c.acceptance_passed, 0),
    }


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


def letter_query(actor: User, flt: StatsFilter, columns: list, *, with_notice: bool = False) -> tuple[Select, dict]:
    """The letters in the actor's jurisdiction that the filter selects, with the stage columns
    (`with_notice`: joined to the campaign, for its columns; a batch filter joins it anyway)."""
    flags = _case_flags()
    county_part = aliased(NoticeAssignment)
    stages = _stage_columns(flags, county_part)
    stmt = (select(*columns, *(c.label(k) for k, c in stages.items()))
            .select_from(NoticeLetter)
            .join(Enterprise, Enterprise.id == NoticeLetter.enterprise_id)
            .join(Division, Division.code == NoticeLetter.county_code)
            .outerjoin(county_part, and_(county_part.notice_id == NoticeLetter.notice_id,
                                         county_part.division_code == NoticeLetter.county_code))
            .outerjoin(AuditProject, AuditProject.letter_id == NoticeLetter.id)
            .outerjoin(flags, flags.c.project_id == AuditProject.id))
    stmt = scoped(stmt, actor, flt, with_notice=with_notice)
    return stmt, stages


def funnel(session: Session, actor: User, flt: StatsFilter = StatsFilter(), by: str | None = None) -> list[dict]:
    """Enterprises per stage, in total (by=None) or per city / county / industry 大类 (rows sorted by key).

    Each row: {"key", "name", "total", <stage>: count, ...}. Names are looked up after grouping, so
    that the 50,000-row aggregate carries only the key.
    """
    require_department(actor, "统计")
    key = {None: literal("all"), "city": func.coalesce(Division.city_code, Division.code), "county": Division.code,
           "industry": func.coalesce(func.substr(Enterprise.industry_code, 1, 2), "")}[by]
    inner, stages = letter_query(actor, flt, [key.label("key")])
    sub = inner.subquery()
    stmt = (select(sub.c.key, func.count().label("total"), *(func.sum(sub.c[k]).label(k) for k in stages))
            .group_by(sub.c.key).order_by(sub.c.key))
    rows = session.execute(stmt).all()
    names = group_names(session, by, [r.key for r in rows])
    return [{"key": r.key, "name": names.get(r.key, r.key), "total": r.total,
             **{k: int(r._mapping[k] or 0) for k in stages}} for r in rows]


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


def enterprise_rows(session: Session, actor: User, flt: StatsFilter = StatsFilter(), limit: int = 500) -> list[dict]:
    """Drill-down to the enterprises: each with its campaign and the furthest stage it reached."""
    require_department(actor, "统计")
    stmt, stages = letter_query(actor, flt, [Enterprise.name.label("enterprise"), Division.short_name.label("county"),
                                         AuditNotice.name.label("campaign"), AuditNotice.batch.label("batch")],
                                  with_notice=True)
    stmt = stmt.order_by(Division.code, Enterprise.name).limit(limit)
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
    ids = (select(NoticeLetter.notice_id).join(Enterprise, Enterprise.id == NoticeLetter.enterprise_id)
           .join(Division, Division.code == NoticeLetter.county_code).where(enterprise_scope(actor)).distinct())
    return list(session.scalars(select(AuditNotice).where(AuditNotice.id.in_(ids)).order_by(AuditNotice.id.desc())))
