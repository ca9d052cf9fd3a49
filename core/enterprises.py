"""The enterprise directory of a user's jurisdiction: filtered and paged in SQL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from core.jurisdiction import division_scope, enterprise_scope
from core.models import Division, Enterprise, Industry, ManagingTier, Tier, User

YES_NO = {True: "是", False: "否", None: ""}

COLUMNS = ["企业名称", "统一社会信用代码", "所属地市", "所属区县", "行业代码", "行业名称",
           "负责评估验收", "是否双超", "是否双有"]


@dataclass(frozen=True)
class DirectoryFilter:
    name: str = ""
    county_code: str | None = None
    industry_division: str | None = None  # a 2-digit 大类
    managing_tier: ManagingTier | None = None
    double_exceed: bool | None = None
    double_toxic: bool | None = None


def _query(user: User, flt: DirectoryFilter) -> Select:
    city = aliased(Division)
    stmt = (select(Enterprise.name, Enterprise.credit_code, city.name, Division.name,
                   Enterprise.industry_code, Industry.name, Enterprise.managing_tier,
                   Enterprise.double_exceed, Enterprise.double_toxic)
            .join(Division, Division.code == Enterprise.division_code)
            .outerjoin(city, city.code == Division.city_code)
            .outerjoin(Industry, Industry.code == Enterprise.industry_code)
            .where(enterprise_scope(user)))
    if flt.name.strip():
        stmt = stmt.where(Enterprise.name.contains(flt.name.strip(), autoescape=True))
    if flt.county_code:
        stmt = stmt.where(Enterprise.division_code == flt.county_code)
    if flt.industry_division:
        stmt = stmt.where(Enterprise.industry_code.startswith(flt.industry_division, autoescape=True))
    if flt.managing_tier:
        stmt = stmt.where(Enterprise.managing_tier == flt.managing_tier)
    if flt.double_exceed is not None:
        stmt = stmt.where(Enterprise.double_exceed.is_(flt.double_exceed))
    if flt.double_toxic is not None:
        stmt = stmt.where(Enterprise.double_toxic.is_(flt.double_toxic))
    return stmt


def _as_row(r) -> dict:
    return dict(zip(COLUMNS, (r[0], r[1] or "", r[2] or "", r[3], r[4] or "", r[5] or "",
                              r[6].label, YES_NO[r[7]], YES_NO[r[8]]), strict=True))


def search(session: Session, user: User, flt: DirectoryFilter, page: int = 1,
           page_size: int = 50) -> tuple[list[dict], int]:
    """One page of the directory (rows as dicts keyed by COLUMNS) and the total count."""
    stmt = _query(user, flt)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    page = max(1, page)
    rows = session.execute(stmt.order_by(Division.code, Enterprise.name)
                           .limit(page_size).offset((page - 1) * page_size)).all()
    return [_as_row(r) for r in rows], total


def export(session: Session, user: User, flt: DirectoryFilter) -> list[dict]:
    """Every row the filter selects, for download."""
    stmt = _query(user, flt).order_by(Division.code, Enterprise.name)
    return [_as_row(r) for r in session.execute(stmt)]


def county_options(session: Session, user: User) -> list[tuple[str, str]]:
    """(code, name) of the county-level divisions the user may filter by."""
    rows = session.execute(select(Division.code, Division.name)
                           .where(division_scope(user), Division.level == Tier.COUNTY)
                           .order_by(Division.code))
    return [(c, n) for c, n in rows]


def industry_division_options(session: Session, user: User) -> list[tuple[str, str]]:
    """(code, name) of the 大类 that occur among the user's enterprises."""
    prefix = func.substr(Enterprise.industry_code, 1, 2)
    codes = select(prefix).join(Division, Division.code == Enterprise.division_code) \
        .where(enterprise_scope(user)).distinct()
    rows = session.execute(select(Industry.code, Industry.name)
                           .where(Industry.code.in_(codes)).order_by(Industry.code))
    return [(c, n) for c, n in rows]


def jurisdiction_summary(session: Session, user: User) -> dict:
    """Figures for the home page: the divisions and enterprises under this user."""
    enterprises = session.scalar(select(func.count()).select_from(Enterprise)
                                 .join(Division, Division.code == Enterprise.division_code)
                                 .where(enterprise_scope(user)))
    counties = session.scalar(select(func.count()).select_from(Division)
                              .where(division_scope(user), Division.level == Tier.COUNTY))
    cities = session.scalar(select(func.count()).select_from(Division)
                            .where(division_scope(user), Division.level == Tier.CITY))
    return {"enterprises": enterprises or 0, "counties": counties or 0, "cities": cities or 0}


def division_path(session: Session, code: str) -> str:
    """河北省 / 保定市 / 莲池区, following the stored tree."""
    names = []
    division = session.get(Division, code)
    while division is not None:
        names.append(division.name)
        division = session.get(Division, division.parent_code) if division.parent_code else None
    return " / ".join(reversed(names))
