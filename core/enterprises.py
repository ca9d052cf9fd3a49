"""The enterprise directory of a user's jurisdiction: filtered and paged in SQL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from core import audit
from core import credit_code as codes
from core.errors import PermissionDenied, ValidationError
from core.enterprise_counts import EnterpriseCount
from core.jurisdiction import Action, area_scope, division_scope, enterprise_scope, require
from core.models import Division, Enterprise, Industry, ManagingTier, Tier, User
from core.reference import normalize_name
from core.text import Limit, clean, search_term

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


def _scope(user: User) -> ColumnElement[bool]:
    """enterprise_scope, for a department as an IN over its divisions: the database then walks the
    enterprises in the order of the index (division_code, name) the directory is sorted by and stops at
    the page, where the same predicate on the joined divisions made SQLite sort a whole city (82 ms at 50x)."""
    if user.tier is Tier.ENTERPRISE:
        return enterprise_scope(user)
    return Enterprise.division_code.in_(select(Division.code).where(division_scope(user)).correlate(None))


def _filtered(stmt: Select, user: User, flt: DirectoryFilter) -> Select:
    stmt = stmt.where(_scope(user))
    if name := search_term(flt.name):
        stmt = stmt.where(Enterprise.name.contains(name, autoescape=True))
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


def _query(user: User, flt: DirectoryFilter) -> Select:
    city = aliased(Division)
    stmt = (select(Enterprise.name, Enterprise.credit_code, city.short_name, Division.short_name,
                   Enterprise.industry_code, Industry.name, Enterprise.managing_tier,
                   Enterprise.double_exceed, Enterprise.double_toxic)
            .join(Division, Division.code == Enterprise.division_code)
            .outerjoin(city, city.code == Division.city_code)
            .outerjoin(Industry, Industry.code == Enterprise.industry_code))
    return _filtered(stmt, user, flt)


def _count(user: User, flt: DirectoryFilter) -> Select:
    # The outer joins of _query add columns, never rows: counting without them is the same number, faster.
    return _filtered(select(func.count(Enterprise.id)).join(Division, Division.code == Enterprise.division_code),
                     user, flt)


def _as_row(r) -> dict:
    return dict(zip(COLUMNS, (r[0], r[1] or "", r[2] or "", r[3], r[4] or "", r[5] or "",
                              r[6].label, YES_NO[r[7]], YES_NO[r[8]]), strict=True))


def search(session: Session, user: User, flt: DirectoryFilter, page: int = 1,
           page_size: int = 50) -> tuple[list[dict], int]:
    """One page of the directory (rows as dicts keyed by COLUMNS) and the total count."""
    stmt = _query(user, flt)
    if flt == DirectoryFilter():  # unfiltered: from enterprise_counts
        total = enterprise_total(session, user)
    else:
        total = session.scalar(_count(user, flt))
    page = max(1, page)
    rows = session.execute(stmt.order_by(Enterprise.division_code, Enterprise.name)
                           .limit(page_size).offset((page - 1) * page_size)).all()
    return [_as_row(r) for r in rows], total


def export(session: Session, user: User, flt: DirectoryFilter) -> list[dict]:
    """Every row the filter selects, for download."""
    stmt = _query(user, flt).order_by(Enterprise.division_code, Enterprise.name)
    return [_as_row(r) for r in session.execute(stmt)]


def county_options(session: Session, user: User) -> list[tuple[str, str]]:
    """(code, name) of the county-level divisions the user may filter by."""
    rows = session.execute(select(Division.code, Division.short_name)
                           .where(division_scope(user), Division.level == Tier.COUNTY)
                           .order_by(Division.code))
    return [(c, n) for c, n in rows]


def industry_division_options(session: Session, user: User) -> list[tuple[str, str]]:
    """(code, name) of the 大类 that occur among the user's enterprises.

    Asked per 大类 (a hundred in GB/T 4754), each one probe per division of the (division, industry) index,
    instead of reading the 大类 of every enterprise of the jurisdiction (255k at 50x, 102 ms). A 大类's
    codes are the range [33, 34): digits only, which every collation orders alike."""
    majors = session.execute(select(Industry.code, Industry.name).where(func.length(Industry.code) == 2)
                             .order_by(Industry.code)).all()
    if not majors:
        return []
    divisions = select(Division.code).where(division_scope(user)).scalar_subquery()

    def occurs(code: str):
        return select(literal(code).label("code")).where(
            select(Enterprise.id).where(Enterprise.division_code.in_(divisions), Enterprise.industry_code >= code,
                                        Enterprise.industry_code < f"{int(code) + 1:02d}").exists())

    present = set(session.scalars(union_all(*(occurs(code) for code, _ in majors))))
    return [(code, name) for code, name in majors if code in present]


def enterprise_total(session: Session, user: User) -> int:
    """The enterprises under this user: a department's added up from enterprise_counts (kept with the
    directory), not counted one by one."""
    if user.tier is Tier.ENTERPRISE:
        return session.scalar(select(func.count()).select_from(Enterprise)
                              .join(Division, Division.code == Enterprise.division_code)
                              .where(enterprise_scope(user))) or 0
    return int(session.scalar(select(func.coalesce(func.sum(EnterpriseCount.enterprises), 0)).where(
        area_scope(user, province=EnterpriseCount.province_code, city=EnterpriseCount.city_code,
                   county=EnterpriseCount.division_code, enterprise=None))))


def jurisdiction_summary(session: Session, user: User) -> dict:
    """Figures for the home page: the divisions and enterprises under this user."""
    enterprises = enterprise_total(session, user)
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
        names.append(division.short_name)
        division = session.get(Division, division.parent_code) if division.parent_code else None
    return " / ".join(reversed(names))


def create_enterprise(session: Session, actor: User, *, name: str, county_code: str, industry_code: str,
                      managing_tier: ManagingTier, credit_code: str = "", address: str = "",
                      double_exceed: bool = False, double_toxic: bool = False) -> Enterprise:
    """The province adds an enterprise to the directory (as the pollution-source platform has it).

    Cities and counties ask the platform's maintainers instead (seed 000 §2.1 注), so that the
    directory keeps one source.
    """
    if actor.tier is not Tier.PROVINCE:
        raise PermissionDenied("只有省级生态环境部门可以在企业名录中新增企业")
    name = clean(name, "企业名称", Limit.NAME, field="name")
    address = clean(address, "地址", Limit.ADDRESS, field="address")
    if not name:
        raise ValidationError("请填写企业名称", field="name")
    county = session.get(Division, county_code or "")
    if county is None or county.level is not Tier.COUNTY:
        raise ValidationError("请选择企业所属区县", field="county")
    require(actor, Action.VIEW, county, "该区县")
    industry = session.get(Industry, industry_code or "")
    if industry is None or industry.level != "class":
        raise ValidationError("请选择 GB/T 4754-2017 的行业小类", field="industry")
    code = codes.normalize(clean(credit_code, "统一社会信用代码", Limit.CREDIT_CODE, field="credit_code")) or None
    if code:
        if problem := codes.problem(code):
            raise ValidationError(problem, field="credit_code")
        other = session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
        if other is not None:
            raise ValidationError(f"统一社会信用代码已被“{other.name}”使用", field="credit_code")
    same = session.scalars(select(Enterprise).where(Enterprise.division_code == county.code))
    if any(normalize_name(e.name) == normalize_name(name) for e in same):
        raise ValidationError(f"{county.short_name}已有同名企业“{name}”", field="name")
    enterprise = Enterprise(name=name, division_code=county.code, industry_code=industry.code,
                            managing_tier=managing_tier, credit_code=code,
                            address=address or None,
                            double_exceed=double_exceed, double_toxic=double_toxic)
    session.add(enterprise)
    session.flush()
    audit.record(session, actor=actor, action="enterprise.create", object_type="enterprise",
                 object_id=enterprise.id, after={"name": name, "county": county.code, "industry": industry.code,
                                                 "credit_code": code, "source": "directory"})
    return enterprise


def industry_class_options(session: Session) -> list[tuple[str, str]]:
    """(code, name) of every GB/T 4754-2017 小类, for pickers."""
    rows = session.execute(select(Industry.code, Industry.name).where(Industry.level == "class")
                           .order_by(Industry.code))
    return [(c, n) for c, n in rows]
