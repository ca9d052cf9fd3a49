"""Reading a roster task's list a page at a time: the department's part, its filters, counts and the
final list, computed in the database (a province's list holds tens of thousands of entries at ten
times Hebei, of which a screen shows fifty)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from core.models import Division, Enterprise, Industry, ManagingTier
from core.roster import get_assignment
from core.roster_list import OWNER_ENTRY, PenMap, area_filter
from core.text import search_term
from core.workflow_models import Attachment, RosterAssignment, RosterEntry

YES_NO = {True: "是", False: "否"}


@dataclass(frozen=True)
class EntryFilter:
    name: str = ""  # part of the enterprise's name
    included: bool | None = None  # 是否列入
    county_code: str | None = None
    changed_only: bool = False  # only 否 and 增补 (what a reviewer looks at)


@dataclass(frozen=True)
class EntryRow:
    entry_id: int
    version: int
    list_number: int | None
    enterprise_id: int
    name: str
    credit_code: str | None
    address: str | None
    legal_representative: str | None
    county_code: str
    county: str
    industry_code: str | None
    industry: str
    managing_tier: ManagingTier
    double_exceed: bool
    double_toxic: bool
    included: bool
    exclusion_reason: str | None
    added_by_division: str | None
    evidence: int  # 佐证材料 files
    editable: bool  # this department holds the pen for it now

    @property
    def label(self) -> str:
        return f"{self.name}{'' if self.included else '（否）'} · {self.county}"


def _conditions(part: RosterAssignment, flt: EntryFilter) -> list[ColumnElement[bool]]:
    where = [area_filter(part)]
    if name := search_term(flt.name):
        where.append(Enterprise.name.contains(name, autoescape=True))
    if flt.included is not None:
        where.append(RosterEntry.included.is_(flt.included))
    if flt.county_code:
        where.append(RosterEntry.county_code == flt.county_code)
    if flt.changed_only:
        where.append(RosterEntry.included.is_(False) | RosterEntry.added_by_division.is_not(None))
    return where


def entry_count(session: Session, actor, part: RosterAssignment, flt: EntryFilter = EntryFilter()) -> int:
    get_assignment(session, actor, part.id)
    stmt = select(func.count()).select_from(RosterEntry)
    if search_term(flt.name):
        stmt = stmt.join(Enterprise, Enterprise.id == RosterEntry.enterprise_id)
    return session.scalar(stmt.where(*_conditions(part, flt)))


def entry_rows(session: Session, actor, part: RosterAssignment, flt: EntryFilter = EntryFilter(), *,
               offset: int = 0, limit: int | None = 50) -> list[EntryRow]:
    """A page of the department's part in list order (county, then the province's 序号, additions last)."""
    get_assignment(session, actor, part.id)
    stmt = (select(RosterEntry, Enterprise.name, Enterprise.credit_code, Enterprise.address,
                   Enterprise.legal_representative, Enterprise.industry_code, Enterprise.managing_tier,
                   Enterprise.double_exceed, Enterprise.double_toxic, Division.short_name, Industry.name)
            .join(Enterprise, Enterprise.id == RosterEntry.enterprise_id)
            .join(Division, Division.code == Enterprise.division_code)
            .outerjoin(Industry, Industry.code == Enterprise.industry_code)
            .where(*_conditions(part, flt))
            .order_by(RosterEntry.county_code, RosterEntry.list_number.is_(None), RosterEntry.list_number,
                      RosterEntry.id)
            .offset(offset).limit(limit))
    found = session.execute(stmt).all()
    ids = [r[0].id for r in found]
    evidence = dict(session.execute(
        select(Attachment.owner_id, func.count()).where(Attachment.owner_type == OWNER_ENTRY,
                                                        Attachment.owner_id.in_(ids))
        .group_by(Attachment.owner_id)).all()) if ids else {}
    pens = PenMap(session, part.task_id)
    rows = []
    for entry, name, code, address, legal, industry_code, managing, exceed, toxic, county, industry in found:
        holder = pens.holder(entry.county_code, entry.city_code)
        rows.append(EntryRow(entry.id, entry.version, entry.list_number, entry.enterprise_id, name, code, address,
                             legal, entry.county_code, county, industry_code, industry or "", managing, exceed, toxic,
                             entry.included, entry.exclusion_reason, entry.added_by_division,
                             evidence.get(entry.id, 0), holder is not None
                             and holder.division_code == actor.division_code))
    return rows


def counties_of(session: Session, part: RosterAssignment) -> list[tuple[str, str]]:
    """(code, name) of the counties that have entries in the part, for the list's filter."""
    codes = select(RosterEntry.county_code).where(area_filter(part)).distinct()
    return list(session.execute(select(Division.code, Division.short_name).where(Division.code.in_(codes))
                                .order_by(Division.code)).all())


def holds_any(session: Session, actor, part: RosterAssignment) -> bool:
    """Whether the department holds the pen for any county of its part now."""
    pens = PenMap(session, part.task_id)
    pairs = session.execute(select(RosterEntry.county_code, RosterEntry.city_code).where(area_filter(part))
                            .distinct()).all()
    return any((h := pens.holder(county, city)) is not None and h.division_code == actor.division_code
               for county, city in pairs)


def entries_by_area(session: Session, part: RosterAssignment, by_city: bool) -> dict[str, int]:
    """Entries per city (by_city) or per county of the part, e.g. to show where a dispatch goes."""
    column = RosterEntry.city_code if by_city else RosterEntry.county_code
    return dict(session.execute(select(column, func.count()).where(area_filter(part)).group_by(column)).all())


def final_list(session: Session, actor, part: RosterAssignment, *, offset: int = 0,
               limit: int | None = None) -> list[dict]:
    """The kept entries (是否列入 = 是) of the part, as the final list's table and Excel show them."""
    rows = entry_rows(session, actor, part, EntryFilter(included=True), offset=offset, limit=limit)
    return [{"序号": i, "企业名称": r.name, "所属区县": r.county, "行业代码": r.industry_code or "",
             "行业名称": r.industry, "负责评估验收部门": r.managing_tier.label,
             "是否双超": YES_NO[r.double_exceed], "是否双有": YES_NO[r.double_toxic],
             "来源": "增补" if r.added_by_division else "省级名单"}
            for i, r in enumerate(rows, start=offset + 1)]
