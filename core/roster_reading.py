"""Reading a roster task's list a page at a time: the department's part, its filters, counts and the
final list, computed in the database (a province's list holds tens of thousands of entries at ten
times Hebei, of which a screen shows fifty)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from core import attachments, roster_counts
from core.jurisdiction import enterprise_scope
from core.models import AuditLogEntry, Division, Enterprise, Industry, ManagingTier, Tier, User
from core.roster import get_assignment
from core.roster_counts import RosterCount
from core.roster_list import FACT_LABELS, OWNER_ENTRY, PenMap, area_filter
from core.text import search_term
from core.workflow_models import Attachment, RosterAssignment, RosterEntry

YES_NO = {True: "是", False: "否"}


@dataclass(frozen=True)
class EntryFilter:
    name: str = ""  # part of the enterprise's name
    included: bool | None = None  # 是否列入
    county_code: str | None = None
    changed_only: bool = False  # only 否, 增补 and corrected facts (what a reviewer looks at)


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
    if part.level is Tier.CITY and not flt.county_code:
        # The same entries, said so that a page in list order is read county by county from the (task,
        # county, 序号) index: by city_code alone SQLite sorted every entry of the city for each page.
        where.append(RosterEntry.county_code.in_(select(Division.code).where(_within(part))))
    if name := search_term(flt.name):
        where.append(Enterprise.name.contains(name, autoescape=True))
    if flt.included is not None:
        where.append(RosterEntry.included.is_(flt.included))
    if flt.county_code:
        where.append(RosterEntry.county_code == flt.county_code)
    if flt.changed_only:
        where.append(RosterEntry.included.is_(False) | RosterEntry.added_by_division.is_not(None)
                     | corrected_within(part))
    return where


def _within(part: RosterAssignment) -> ColumnElement[bool]:
    """SQL predicate on Division: the part's division and those below it."""
    if part.level is Tier.PROVINCE:
        return Division.province_code == part.division_code
    if part.level is Tier.CITY:
        return (Division.code == part.division_code) | (Division.city_code == part.division_code)
    return Division.code == part.division_code


def _authors(part: RosterAssignment):
    """Accounts of the part's department and of the departments below it: whose corrections a
    reviewer of the part weighs (the city's own, made before it dispatched, are not the county's)."""
    return select(User.id).join(Division, Division.code == User.division_code).where(_within(part))


def _corrections_query(part: RosterAssignment):
    return select(AuditLogEntry).where(AuditLogEntry.object_type == OWNER_ENTRY,
                                       AuditLogEntry.action == "roster.correct",
                                       AuditLogEntry.actor_user_id.in_(_authors(part)))


def corrected_within(part: RosterAssignment) -> ColumnElement[bool]:
    """SQL predicate on RosterEntry: its facts were corrected (修正) by the part's department or one
    below it (the entry notes which levels corrected it; the audit log holds what they changed)."""
    return or_(*(getattr(RosterEntry, f"corrected_by_{level}").is_(True)
                 for level in roster_counts.WEIGHED[part.level.value]))


def entry_count(session: Session, actor, part: RosterAssignment, flt: EntryFilter = EntryFilter()) -> int:
    get_assignment(session, actor, part.id)
    if not search_term(flt.name) and flt.included is None:
        # Unfiltered, by county or the changes only: added up from the counties' counts (core.roster_counts).
        figure = f"changed_{part.level.value}" if flt.changed_only else "total"
        where = roster_counts.area(part)
        if flt.county_code:
            where = and_(where, RosterCount.county_code == flt.county_code)
        return int(session.scalar(select(func.coalesce(func.sum(getattr(RosterCount, figure)), 0)).where(where)))
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


def _counties_with_entries(part: RosterAssignment):
    """SQL predicate on Division: the counties that hold entries of the part. Asked per division (a few
    hundred in a province, each one probe of the entries' (task, county) index) instead of reading the
    distinct counties off every entry of the part (255k in a province at 50x)."""
    has_entries = select(RosterEntry.id).where(area_filter(part), RosterEntry.county_code == Division.code).exists()
    return _within(part) & has_entries


def counties_of(session: Session, part: RosterAssignment) -> list[tuple[str, str]]:
    """(code, name) of the counties that have entries in the part, for the list's filter."""
    return list(session.execute(select(Division.code, Division.short_name).where(_counties_with_entries(part))
                                .order_by(Division.code)).all())


def holds_any(session: Session, actor, part: RosterAssignment) -> bool:
    """Whether the department holds the pen for any county of its part now."""
    pens = PenMap(session, part.task_id)
    pairs = session.execute(select(Division.code, Division.city_code).where(_counties_with_entries(part))).all()
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


@dataclass(frozen=True)
class AreaCounts:
    total: int
    kept: int
    excluded: int
    added: int


def area_counts(session: Session, assignment: RosterAssignment) -> AreaCounts:
    """The part's entries, 列入, 标注否 and 增补, added up from its counties' counts (core.roster_counts)."""
    total, kept, added = session.execute(
        select(*(func.coalesce(func.sum(getattr(RosterCount, name)), 0) for name in ("total", "kept", "added")))
        .where(roster_counts.area(assignment))).one()
    return AreaCounts(total=int(total), kept=int(kept), excluded=int(total) - int(kept), added=int(added))


def children_counts(session: Session, actor, part: RosterAssignment,
                    children: list[RosterAssignment]) -> dict[int, tuple[AreaCounts, int]]:
    """Each part below `part`: its AreaCounts and its 变更企业 (as area_counts and change_count give them
    one by one), in one query per level below: 核定情况 shows every city or county of the part."""
    get_assignment(session, actor, part.id)
    result: dict[int, tuple[AreaCounts, int]] = {}
    for level in {c.level for c in children}:
        of_level = {c.division_code: c for c in children if c.level is level}
        key = RosterCount.city_code if level is Tier.CITY else RosterCount.county_code
        sums = (func.coalesce(func.sum(getattr(RosterCount, name)), 0)
                for name in ("total", "kept", "added", f"changed_{level.value}"))
        found = {code: figures for code, *figures in session.execute(
            select(key, *sums).where(RosterCount.task_id == part.task_id, key.in_(list(of_level))).group_by(key))}
        for code, child in of_level.items():
            total, kept, added, changed = (int(x) for x in found.get(code, (0, 0, 0, 0)))
            result[child.id] = (AreaCounts(total=total, kept=kept, excluded=total - kept, added=added), changed)
    return result


def evidence_of(session: Session, entry_ids: list[int]) -> dict[int, list]:
    result: dict[int, list] = {}
    for item in attachments.of(session, OWNER_ENTRY, entry_ids, attachments.EVIDENCE):
        result.setdefault(item.owner_id, []).append(item)
    return result


def history(session: Session, entry_id: int) -> list:
    """The recorded changes of one entry, newest first (who, when, before -> after)."""
    return list(session.scalars(select(AuditLogEntry).where(AuditLogEntry.object_type == OWNER_ENTRY,
                                                            AuditLogEntry.object_id == str(entry_id))
                                .order_by(AuditLogEntry.id.desc())))


def addable(session: Session, actor: User, assignment: RosterAssignment, text: str,
            limit: int = 20) -> list[Enterprise]:
    """Directory enterprises in this department's area whose name contains `text`, not yet listed."""
    text = search_term(text)
    if not text:
        return []
    listed = select(RosterEntry.enterprise_id).where(RosterEntry.task_id == assignment.task_id)
    stmt = (select(Enterprise).join(Division, Division.code == Enterprise.division_code)
            .where(enterprise_scope(actor), Enterprise.name.contains(text, autoescape=True),
                   Enterprise.id.not_in(listed), Division.level == Tier.COUNTY))
    if assignment.level is Tier.CITY:
        stmt = stmt.where(Division.city_code == assignment.division_code)
    elif assignment.level is Tier.COUNTY:
        stmt = stmt.where(Division.code == assignment.division_code)
    return list(session.scalars(stmt.order_by(Enterprise.name).limit(limit)))


# --- what a submission changed (the reviewer's view) ------------------------------------------------

@dataclass(frozen=True)
class Correction:
    """One fact as the part's departments corrected it: its value before their first correction and
    after their last."""

    field: str
    label: str
    before: object
    after: object


@dataclass(frozen=True)
class EntryChange:
    row: EntryRow
    corrections: tuple[Correction, ...]
    evidence: tuple[Attachment, ...]  # 佐证材料 of a 否

    @property
    def kinds(self) -> list[str]:
        """标注否 / 增补 / 修正, as the review names them."""
        kinds = ([] if self.row.included else ["标注否"]) + (["增补"] if self.row.added_by_division else []) + (
            ["修正"] if self.corrections else [])
        return kinds or ["修正（已改回原值）"]


def change_count(session: Session, actor, part: RosterAssignment) -> int:
    return entry_count(session, actor, part, EntryFilter(changed_only=True))


def changes(session: Session, actor, part: RosterAssignment, *, offset: int = 0,
            limit: int | None = 50) -> list[EntryChange]:
    """A page of every change the part's departments made to their list: 否 with the reason and the
    evidence, 增补, and corrected facts (双超, 双有, name, …) before -> after."""
    rows = entry_rows(session, actor, part, EntryFilter(changed_only=True), offset=offset, limit=limit)
    ids = [r.entry_id for r in rows]
    if not ids:
        return []
    log = session.scalars(_corrections_query(part).where(AuditLogEntry.object_id.in_([str(i) for i in ids]))
                          .order_by(AuditLogEntry.id)).all()
    first: dict[int, dict] = {}
    last: dict[int, dict] = {}
    for record in log:
        entry_id = int(record.object_id)
        for key, value in (record.after or {}).items():
            first.setdefault(entry_id, {}).setdefault(key, (record.before or {}).get(key))
            last.setdefault(entry_id, {})[key] = value
    evidence: dict[int, list] = {}
    for item in attachments.of(session, OWNER_ENTRY, [r.entry_id for r in rows if not r.included],
                               attachments.EVIDENCE):
        evidence.setdefault(item.owner_id, []).append(item)
    result = []
    for row in rows:
        after = last.get(row.entry_id, {})
        corrections = tuple(Correction(key, FACT_LABELS.get(key, key), first[row.entry_id][key], value)
                            for key, value in after.items() if first[row.entry_id][key] != value)
        result.append(EntryChange(row, corrections, tuple(evidence.get(row.entry_id, ()))))
    return result
