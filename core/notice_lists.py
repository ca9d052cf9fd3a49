"""The enterprises of one department's part of an audit notice, read a page at a time.

A province's part covers every letter of the campaign (tens of thousands at ten times Hebei): the
list, its filters, its counts and its industry table are computed in the database over
letter_progress (one row per letter, with the letter's county, city and 大类 already on it), and
only the page on screen is read. The columns are those of seed 000's 企业名单 screen, with the project
leader and mobile the enterprise gave when it accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session, aliased

from core.models import Division, Enterprise, Industry, ManagingTier, Tier
from core.notice_models import NoticeAssignment, NoticeLetter
from core.paging import keys_for_page
from core.progress import STAGES
from core.progress import LetterProgress as P
from core.progress_totals import CountyTotal as C
from core.progress_totals import ProgressTotal as T
from core.project_models import AuditProject
from core.text import search_term

YES_NO = {True: "是", False: "否"}
# 办理机构 as seed 000's list writes the managing department.
HANDLED_BY = {ManagingTier.PROVINCE: "省级", ManagingTier.CITY: "地市级"}


@dataclass(frozen=True)
class LetterFilter:
    name: str = ""  # part of the enterprise's name
    county_code: str | None = None
    industry_major: str | None = None  # 清审行业 (GB/T 4754 大类)
    managing_tier: ManagingTier | None = None  # 办理机构


def _area(part: NoticeAssignment, table=P) -> ColumnElement[bool]:
    """The letters (or the progress_totals / county_totals groups, `table`) of the department's area within the
    part's campaign."""
    where = [table.notice_id == part.notice_id]
    if part.level is Tier.CITY:
        where.append(table.city_code == part.division_code)
    elif part.level is Tier.COUNTY:
        where.append(table.county_code == part.division_code)
    return and_(*where)


def _conditions(part: NoticeAssignment, flt: LetterFilter) -> list[ColumnElement[bool]]:
    where = [_area(part)]
    if name := search_term(flt.name):
        where.append(Enterprise.name.contains(name, autoescape=True))
    if flt.managing_tier is not None:
        where.append(Enterprise.managing_tier == flt.managing_tier)
    if flt.county_code:
        where.append(P.county_code == flt.county_code)
    if flt.industry_major:
        where.append(P.industry_major == flt.industry_major)
    return where


def _counted_by_groups(flt: LetterFilter) -> bool:
    """Whether the groups know the filter's letters: a name or a 办理机构 needs the letters themselves."""
    return not search_term(flt.name) and flt.managing_tier is None


def _groups(part: NoticeAssignment, flt: LetterFilter, columns: Callable) -> Select:
    """`columns(table)` over the groups that hold the filter's letters: county_totals, or progress_totals
    when a 大类 is chosen."""
    table = T if flt.industry_major else C
    stmt = select(*columns(table)).where(_area(part, table))
    if flt.county_code:
        stmt = stmt.where(table.county_code == flt.county_code)
    if flt.industry_major:
        stmt = stmt.where(T.industry_major == flt.industry_major)
    return stmt


def letter_count(session: Session, part: NoticeAssignment, flt: LetterFilter = LetterFilter()) -> int:
    if _counted_by_groups(flt):  # the groups answer without the letters
        return int(session.scalar(_groups(part, flt, lambda t: [func.coalesce(func.sum(t.total), 0)])) or 0)
    stmt = select(func.count()).select_from(P)
    if search_term(flt.name) or flt.managing_tier is not None:
        stmt = stmt.join(Enterprise, Enterprise.id == P.enterprise_id)
    return session.scalar(stmt.where(*_conditions(part, flt)))


def counts_by_part(session: Session, parts: list[NoticeAssignment]) -> dict[int, int]:
    """本级企业 of several parts (a department's task list) without reading their letters."""
    return {part.id: letter_count(session, part) for part in parts}


def letter_rows(session: Session, part: NoticeAssignment, flt: LetterFilter = LetterFilter(), *, offset: int = 0,
                limit: int | None = 50) -> list[dict]:
    """One page of the list, in county and letter-number order, as the screen and the export show it."""
    county, city, major = aliased(Division), aliased(Division), aliased(Industry)
    stmt = (select(NoticeLetter.letter_number, NoticeLetter.project_leader, NoticeLetter.leader_mobile,
                   AuditProject.project_number, Enterprise.name, Enterprise.double_exceed,
                   Enterprise.double_toxic, Enterprise.managing_tier, major.name.label("industry"),
                   county.short_name.label("county"), city.short_name.label("city"),
                   *(getattr(P, key).label(key) for key, _ in STAGES))
            .select_from(P)
            .join(NoticeLetter, NoticeLetter.id == P.letter_id)
            .join(Enterprise, Enterprise.id == P.enterprise_id)
            .join(county, county.code == P.county_code)
            .outerjoin(city, city.code == P.city_code)
            .outerjoin(major, major.code == P.industry_major)
            .outerjoin(AuditProject, AuditProject.letter_id == P.letter_id)
            .where(*_conditions(part, flt)))
    inner_offset = offset
    if limit is not None and _counted_by_groups(flt):
        # The list is in county order: the page's counties from the groups, and only their letters sorted.
        counts = _groups(part, flt, lambda t: [t.county_code, func.sum(t.total)])
        county = counts.selected_columns[0]
        counties, inner_offset = keys_for_page(session.execute(counts.group_by(county).order_by(county)), offset, limit)
        stmt = stmt.where(P.county_code.in_(counties))
    stmt = stmt.order_by(P.county_code, NoticeLetter.letter_number).offset(inner_offset).limit(limit)
    rows = []
    for number, r in enumerate(session.execute(stmt), start=offset + 1):
        reached = [label for key, label in STAGES if r._mapping[key]]
        rows.append({"序号": number, "清审行业": r.industry or "未分类", "双超": YES_NO[bool(r.double_exceed)],
                     "双有": YES_NO[bool(r.double_toxic)], "项目编号": r.project_number or "—",
                     "告知书编号": r.letter_number, "企业名称": r.name, "办理进度": reached[-1] if reached else "未告知",
                     # named by the enterprise when it accepted, for the departments to reach it
                     "项目负责人": r.project_leader or "", "移动电话": r.leader_mobile or "",
                     "所属地市": r.city or "", "所属区县": r.county, "办理机构": HANDLED_BY[r.managing_tier]})
    return rows


def industry_table(session: Session, part: NoticeAssignment) -> list[tuple[str, str, int]]:
    """(大类 code, name, enterprises) of the part's letters, most enterprises first (seed 000's 企业名单信息)."""
    found = session.execute(select(T.industry_major, func.sum(T.total)).where(_area(part, T), T.total > 0)
                            .group_by(T.industry_major)).all()
    names = dict(session.execute(select(Industry.code, Industry.name)
                                 .where(Industry.code.in_([code for code, _ in found]))).all())
    return sorted(((code, names.get(code, "未分类"), n) for code, n in found), key=lambda r: (-r[2], r[0]))


def counties_of(session: Session, part: NoticeAssignment) -> list[tuple[str, str]]:
    """(code, name) of the counties that have letters in the part's area, for the list's filter."""
    codes = select(C.county_code).where(_area(part, C), C.total > 0).distinct()
    return list(session.execute(select(Division.code, Division.short_name).where(Division.code.in_(codes))
                                .order_by(Division.code)).all())


# --- 任务统计: how far each city (the province's view) or county (a city's) has come ---------------

# Counted per area from progress_totals; 已公布审核信息 beside the funnel's stages.
STAT_COLUMNS: tuple[tuple[str, str], ...] = (*STAGES[:3], ("disclosed", "已公布审核信息"), *STAGES[3:])


@dataclass(frozen=True)
class AreaStatistics:
    code: str
    name: str
    status: str  # the area's own part of the notice: 待派发 / 已派发 ("" when it has none)
    enterprises: int
    stamped: int  # letters whose stamped scan is uploaded
    reached: dict[str, int]  # STAT_COLUMNS key -> enterprises


def task_statistics(session: Session, part: NoticeAssignment) -> list[AreaStatistics]:
    """Per city (province) or county (city) under the part: its part's status, its enterprises, the
    stamped letters uploaded and how many reached each stage; added up from progress_totals (one row per area)."""
    if part.level is Tier.COUNTY:
        return []
    key = C.city_code if part.level is Tier.PROVINCE else C.county_code
    rows = session.execute(
        select(key.label("code"), func.sum(C.total).label("enterprises"), func.sum(C.stamped).label("stamped"),
               *(func.sum(getattr(C, k)).label(k) for k, _ in STAT_COLUMNS))
        .where(_area(part, C)).group_by(key).having(func.sum(C.total) > 0).order_by(key)).all()
    codes = [r.code for r in rows]
    names = dict(session.execute(select(Division.code, Division.short_name).where(Division.code.in_(codes)))
                 .all()) if codes else {}
    statuses = {c.division_code: c.status.label for c in session.scalars(
        select(NoticeAssignment).where(NoticeAssignment.parent_id == part.id))}
    return [AreaStatistics(r.code, names.get(r.code, r.code), statuses.get(r.code, ""), int(r.enterprises),
                           int(r.stamped or 0), {k: int(getattr(r, k) or 0) for k, _ in STAT_COLUMNS}) for r in rows]
