"""专家库: the experts that review enterprises' audits, kept by the province and the cities.

Each expert belongs to the registry (专家库) of the department that registered it. The province and
the cities maintain their own registry; the province sees every registry of the province, a city the
province's and its own, a county the province's and its city's (read-only). Enterprises see none.
Importing a spreadsheet of experts is core.expert_import.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, String, cast, func, select
from sqlalchemy.orm import Session, object_session

from core import audit
from core import credit_code as codes
from core.db import flush_or_stale, lock
from core.demo import department_name
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.jurisdiction import division_scope, require_operational
from core.models import Division, Industry, Tier, User
from core.reference import normalize_name
from core.review_models import Expert
from core.text import Limit, clean, search_term

STALE_MESSAGE = "该专家信息已被他人修改，请刷新后重试"
MAINTAINED_BY = "专家库由省级或地市生态环境部门维护"
MAINTAINERS = (Tier.PROVINCE, Tier.CITY)

NAME_LIMITS = (2, 32)
ORGANISATION_LIMITS = (2, 128)
MAX_TITLE = 32
MAX_CONFLICT = 128
MAX_CONFLICTS = 50

MOBILE = re.compile(r"1[3-9][0-9]{9}")
LANDLINE = re.compile(r"0[1-9][0-9]{1,2}-?[1-9][0-9]{6,7}")

# The list separators of a cell (and of a line of the form's text area); spaces are checked apart.
SEPARATORS = "、,，;；\n\r\t"
SPLIT = re.compile(rf"[{SEPARATORS}\s\u3000]+")
LIST_SPLIT = re.compile(rf"[{SEPARATORS}]+")

ACTIVE_LABELS = {True: "在库", False: "停用"}
ACTIVE_WORDS = {"": True, "在库": True, "启用": True, "停用": False}

COLUMNS = ["姓名", "工作单位", "职称", "专业领域", "所在地区", "联系电话", "状态", "所属专家库", "回避单位"]


@dataclass
class ExpertForm:
    name: str
    organisation: str
    title: str = ""
    specialties: list[str] = field(default_factory=list)  # 2-digit 大类 codes
    region_code: str = ""
    phone: str = ""
    active: bool = True
    conflicts: list[str] = field(default_factory=list)


# --- who may see and maintain which registry -----------------------------------------------------

def require_viewer(actor: User) -> None:
    """PermissionDenied unless an operational department account (every department reads the pool)."""
    require_operational(actor)
    if not actor.tier.is_department:
        raise PermissionDenied("专家库仅供生态环境部门查看")


def require_maintainer(actor: User) -> None:
    """PermissionDenied unless the province's or a city's department (they keep their own registry)."""
    require_operational(actor)
    if actor.tier is Tier.COUNTY:
        raise PermissionDenied(f"{MAINTAINED_BY}，区县生态环境部门只能查看")
    if actor.tier not in MAINTAINERS:
        raise PermissionDenied(MAINTAINED_BY)


def can_maintain(actor: User) -> bool:
    try:
        require_maintainer(actor)
    except PermissionDenied:
        return False
    return True


@functools.cache
def _reference_cities(province_code: str) -> tuple[str, ...]:
    from core.reference import division_rows

    return tuple(r["code"] for r in division_rows()
                 if r["level"] is Tier.CITY and r["province_code"] == province_code)


def visible_registries(actor: User, session: Session | None = None) -> list[str]:
    """Division codes of the registries `actor` sees: its province's, and its city's (or, for the
    province, every city's of the province)."""
    require_viewer(actor)
    division = actor.division
    province = division.province_code
    if actor.tier is Tier.PROVINCE:
        session = session or object_session(actor)
        if session is not None:
            cities = session.scalars(select(Division.code).where(Division.province_code == province,
                                                                 Division.level == Tier.CITY))
        else:  # a detached account: the divisions are the reference data as loaded
            cities = _reference_cities(province)
        return [province, *sorted(cities)]
    city = division.code if actor.tier is Tier.CITY else division.city_code
    return [province] + ([city] if city and city != province else [])


def _registry_scope(actor: User) -> ColumnElement[bool]:
    if actor.tier is Tier.PROVINCE:
        return Expert.registry_code.in_(select(Division.code).where(
            Division.province_code == actor.division.province_code))
    return Expert.registry_code.in_(visible_registries(actor))


def registry_name(division: Division) -> str:
    """The department a registry belongs to: 河北省生态环境厅, 保定市生态环境局."""
    return department_name(division, None)


# --- reading ------------------------------------------------------------------------------------

def _pool_query(actor: User, search: str, specialty: str | None, active: bool | None):
    require_viewer(actor)
    stmt = select(Expert).where(_registry_scope(actor))
    text = search_term(search)
    if text:
        stmt = stmt.where(Expert.name.contains(text, autoescape=True)
                          | Expert.organisation.contains(text, autoescape=True))
    if active is not None:
        stmt = stmt.where(Expert.active.is_(active))
    if specialty:
        # specialties is a JSON list of 大类 codes, stored as its text on both engines (["13", "26"]): the
        # quoted code matches one element, never part of another
        stmt = stmt.where(cast(Expert.specialties, String).contains(f'"{specialty}"', autoescape=True))
    return stmt


def pool(session: Session, actor: User, *, search: str = "", specialty: str | None = None,
         active: bool | None = None, offset: int = 0, limit: int | None = None) -> list[Expert]:
    """The experts `actor` sees, filtered: name or organisation containing `search`, a 大类, the status;
    a page of them (`offset`, `limit`), or all (limit None, e.g. an export)."""
    stmt = _pool_query(actor, search, specialty, active)
    return list(session.scalars(stmt.order_by(Expert.registry_code, Expert.name, Expert.id)
                                .offset(offset).limit(limit)))


def pool_count(session: Session, actor: User, *, search: str = "", specialty: str | None = None,
               active: bool | None = None) -> int:
    stmt = _pool_query(actor, search, specialty, active)
    return session.scalar(select(func.count()).select_from(stmt.subquery()))


def own_experts(session: Session, actor: User, *, search: str = "", limit: int | None = None) -> list[Expert]:
    """The experts of the actor's own registry (those it may edit), whose name or organisation contains
    `search`; at most `limit` of them."""
    require_maintainer(actor)
    stmt = select(Expert).where(Expert.registry_code == actor.division_code)
    if text := search_term(search):
        stmt = stmt.where(Expert.name.contains(text, autoescape=True)
                          | Expert.organisation.contains(text, autoescape=True))
    return list(session.scalars(stmt.order_by(Expert.name, Expert.id).limit(limit)))


def specialty_options(session: Session) -> list[tuple[str, str]]:
    """(code, name) of every GB/T 4754-2017 大类."""
    rows = session.execute(select(Industry.code, Industry.name).where(Industry.level == "division")
                           .order_by(Industry.code))
    return [(c, n) for c, n in rows]


def region_options(session: Session, actor: User) -> list[tuple[str, str]]:
    """(code, label) of the cities and counties of the actor's jurisdiction, for the region picker."""
    cities = dict(session.execute(select(Division.code, Division.short_name).where(Division.level == Tier.CITY)).all())
    rows = session.scalars(select(Division).where(division_scope(actor),
                                                  Division.level.in_((Tier.CITY, Tier.COUNTY)))
                           .order_by(Division.code))
    return [(d.code, region_label(d, cities)) for d in rows]


def region_label(division: Division, city_names: dict[str, str]) -> str:
    if division.level is Tier.COUNTY and division.city_code in city_names:
        return f"{city_names[division.city_code]}{division.short_name}"
    return division.short_name


def table_rows(session: Session, experts: list[Expert]) -> list[dict]:
    """The experts as the list and its export show them (dicts keyed by COLUMNS)."""
    industries = dict(specialty_options(session))
    wanted = {e.region_code for e in experts} | {e.registry_code for e in experts}
    divisions = {d.code: d for d in session.scalars(select(Division).where(Division.code.in_(wanted)))} \
        if wanted else {}
    city_names = dict(session.execute(select(Division.code, Division.short_name)
                                      .where(Division.level == Tier.CITY)).all())
    rows = []
    for e in experts:
        region = divisions.get(e.region_code)
        registry = divisions.get(e.registry_code)
        rows.append(dict(zip(COLUMNS, (
            e.name, e.organisation, e.title or "",
            "、".join(f"{c} {industries.get(c, '')}".strip() for c in e.specialties or []),
            region_label(region, city_names) if region else e.region_code,
            e.phone, ACTIVE_LABELS[bool(e.active)],
            registry_name(registry) if registry else e.registry_code,
            "、".join(e.conflicts or [])), strict=True)))
    return rows


# --- checking a form ----------------------------------------------------------------------------

class Reference:
    """The 大类 and the divisions of one province, read once for a form or a whole import."""

    def __init__(self, session: Session, province_code: str):
        self.industries = dict(specialty_options(session))
        self.industry_by_name = {normalize_name(n): c for c, n in self.industries.items()}
        self.divisions = {d.code: d for d in session.scalars(select(Division))}
        self.province_code = province_code
        self.city_names = {c: d.name for c, d in self.divisions.items() if d.level is Tier.CITY}


def _length(value: str, label: str, key: str, low: int, high: int) -> str:
    text = clean(value if isinstance(value, str) else "", label, high, field=key)
    if not low <= len(text) <= high:
        raise ValidationError(f"{label}应为 {low}–{high} 个字（当前 {len(text)} 个字）", field=key)
    return text


def _name(value: str) -> str:
    return _length(value, "姓名", "name", *NAME_LIMITS)


def _organisation(value: str) -> str:
    return _length(value, "工作单位", "organisation", *ORGANISATION_LIMITS)


def _title(value: str) -> str:
    return clean(value if isinstance(value, str) else "", "职称", MAX_TITLE, field="title")


def _specialties(ref: Reference, values: list[str]) -> list[str]:
    result: list[str] = []
    for value in values or []:
        code = str(value or "").strip()
        if not code:
            continue
        if code not in ref.industries:
            raise ValidationError(f"专业领域“{code}”不是 GB/T 4754-2017 的行业大类代码", field="specialties")
        if code not in result:
            result.append(code)
    if not result:
        raise ValidationError("请至少选择一个专业领域（行业大类）", field="specialties")
    return sorted(result)


def _region(ref: Reference, value: str) -> str:
    code = (value or "").strip() if isinstance(value, str) else ""
    if not code:
        raise ValidationError("请选择所在地区", field="region_code")
    division = ref.divisions.get(code)
    if division is None:
        raise ValidationError(f"所在地区“{code}”不是有效的行政区划代码", field="region_code")
    if division.province_code != ref.province_code:
        raise ValidationError(f"所在地区“{division.short_name}”不在本省范围内", field="region_code")
    if division.level not in (Tier.CITY, Tier.COUNTY):
        raise ValidationError("所在地区请选择到地市或区县", field="region_code")
    return code


def normalize_phone(value: str) -> str:
    """Spaces dropped; a mobile number also loses the dashes people type into it (138-0000-0000)."""
    text = re.sub(r"[\s\u3000]+", "", value or "").replace("－", "-").replace("—", "-")
    digits = text.replace("-", "")
    return digits if digits.startswith("1") else text


def _phone(value: str) -> str:
    phone = normalize_phone(clean(value, "联系电话", Limit.PHONE, field="phone")) if isinstance(value, str) else ""
    if not phone:
        raise ValidationError("请填写联系电话", field="phone")
    if not (MOBILE.fullmatch(phone) or LANDLINE.fullmatch(phone)):
        raise ValidationError(f"联系电话“{phone}”格式不正确：应为 11 位手机号码，或带区号的固定电话"
                              "（如 0312-1234567）", field="phone")
    return phone


def _active(value: bool) -> bool:
    if not isinstance(value, bool):
        raise ValidationError("状态应为“在库”或“停用”", field="active")
    return value


_CODE_LIKE = re.compile(r"[0-9A-Za-z]{18}")


def _conflicts(values: list[str]) -> list[str]:
    result: list[str] = []
    for value in values or []:
        text = re.sub(r"\s+", " ", clean(value, "回避单位", MAX_CONFLICT, field="conflicts", multiline=True))
        if not text:
            continue
        if len(text) > MAX_CONFLICT:
            raise ValidationError(f"回避单位每项最多 {MAX_CONFLICT} 个字（“{text[:20]}…”）", field="conflicts")
        if _CODE_LIKE.fullmatch(text):  # a credit code, not a name
            text = codes.normalize(text)
            if problem := codes.problem(text):
                raise ValidationError(f"回避单位“{text}”：{problem}", field="conflicts")
        if text not in result:
            result.append(text)
    if len(result) > MAX_CONFLICTS:
        raise ValidationError(f"回避单位最多 {MAX_CONFLICTS} 项（当前 {len(result)} 项）", field="conflicts")
    return result


FIELDS = ("name", "organisation", "title", "specialties", "region_code", "phone", "active", "conflicts")


def validate(ref: Reference, form: ExpertForm, skip: tuple[str, ...] = ()) -> tuple[dict, list[ValidationError]]:
    """The form's values, normalized, and every field problem (in the form's order)."""
    checks = {"name": lambda: _name(form.name), "organisation": lambda: _organisation(form.organisation),
              "title": lambda: _title(form.title), "specialties": lambda: _specialties(ref, form.specialties),
              "region_code": lambda: _region(ref, form.region_code), "phone": lambda: _phone(form.phone),
              "active": lambda: _active(form.active), "conflicts": lambda: _conflicts(form.conflicts)}
    values, problems = {}, []
    for key in FIELDS:
        if key in skip:
            continue
        try:
            values[key] = checks[key]()
        except ValidationError as exc:
            problems.append(exc)
    return values, problems


def _checked(session: Session, actor: User, form: ExpertForm) -> dict:
    values, problems = validate(Reference(session, actor.division.province_code), form)
    if problems:
        raise problems[0]
    return values


def find_duplicate(session: Session, registry: str, name: str, phone: str, exclude_id: int | None = None) -> Expert | None:
    stmt = select(Expert).where(Expert.registry_code == registry, Expert.name == name, Expert.phone == phone)
    if exclude_id is not None:
        stmt = stmt.where(Expert.id != exclude_id)
    return session.scalar(stmt)


DUPLICATE = "本专家库已有姓名为“{name}”、联系电话为 {phone} 的专家，请勿重复登记"


def _refuse_duplicate(session: Session, registry: str, values: dict, exclude_id: int | None = None) -> None:
    if find_duplicate(session, registry, values["name"], values["phone"], exclude_id) is not None:
        raise ValidationError(DUPLICATE.format(**values), field="name")


def snapshot(expert: Expert) -> dict:
    """What the audit log keeps of an expert."""
    return {"registry_code": expert.registry_code, **{k: _plain(getattr(expert, k)) for k in FIELDS}}


def _plain(value):
    return list(value) if isinstance(value, list) else value


# --- writing ------------------------------------------------------------------------------------

def add_expert(session: Session, actor: User, form: ExpertForm) -> Expert:
    """Register an expert in the actor's own registry."""
    require_maintainer(actor)
    values = _checked(session, actor, form)
    _refuse_duplicate(session, actor.division_code, values)
    expert = Expert(registry_code=actor.division_code, **values)
    session.add(expert)
    flush_or_stale(session, DUPLICATE.format(**values))  # the same expert registered at the same moment
    audit.record(session, actor=actor, action="expert.create", object_type="expert", object_id=expert.id,
                 after=snapshot(expert))
    return expert


def _own(session: Session, actor: User, expert_id: int, version: int) -> Expert:
    require_maintainer(actor)
    expert = session.get(Expert, expert_id)
    if expert is None:
        raise RuleViolation("该专家不存在")
    if expert.registry_code != actor.division_code:
        registry = session.get(Division, expert.registry_code)
        owner = registry_name(registry) if registry else expert.registry_code
        raise PermissionDenied(f"只能维护本部门专家库中的专家（该专家属于{owner}专家库）")
    lock(session, expert, STALE_MESSAGE)
    if expert.version != version:
        raise RuleViolation(STALE_MESSAGE)
    return expert


def update_expert(session: Session, actor: User, expert_id: int, version: int, form: ExpertForm) -> Expert:
    """Change an expert of the actor's registry, as of the `version` the user saw."""
    expert = _own(session, actor, expert_id, version)
    values = _checked(session, actor, form)
    _refuse_duplicate(session, expert.registry_code, values, exclude_id=expert.id)
    before = snapshot(expert)
    if {k: before[k] for k in FIELDS} == values:
        return expert  # nothing changed: no new version, nothing to log
    for key, value in values.items():
        setattr(expert, key, value)
    flush_or_stale(session, STALE_MESSAGE)
    audit.record(session, actor=actor, action="expert.update", object_type="expert", object_id=expert.id,
                 before=before, after=snapshot(expert))
    return expert


def set_active(session: Session, actor: User, expert_id: int, version: int, active: bool) -> Expert:
    """停用 / 启用: an inactive expert stays listed but is no longer drawn."""
    expert = _own(session, actor, expert_id, version)
    active = _active(active)
    if expert.active is active:
        raise RuleViolation(f"该专家已是“{ACTIVE_LABELS[active]}”状态")
    before = {"active": expert.active}
    expert.active = active
    flush_or_stale(session, STALE_MESSAGE)
    audit.record(session, actor=actor, action="expert.activate" if active else "expert.deactivate",
                 object_type="expert", object_id=expert.id, before=before, after={"active": active})
    return expert
