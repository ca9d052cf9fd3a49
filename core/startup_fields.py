"""Field rules of the 项目启动 wizard: each step's input checked and cleaned, every fault named by field.

A step's validator reads the values a screen sends (strings, numbers, dates) and returns the cleaned,
JSON-ready data to store; it collects a Chinese message per field key instead of stopping at the first
fault, so that a screen can show each message under its input. Row fields are keyed
"<list>.<index>.<field>", the index being the row's position in the list that was sent.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from core import credit_code as codes
from core.divisions import PROVINCE_CODE
from core.errors import ValidationError
from core.models import OWNERSHIP_TYPES, Division, Industry, Tier
from core.project_models import AuditMode
from core.text import normalized
from core.text import problem as text_problem

PRODUCT_UNITS = ("吨", "万吨", "件", "万件", "台", "套", "平方米", "立方米", "千瓦时", "其他")
RESULT_UNITS = ("mg/L", "mg/m³", "μg/m³", "kg/h", "dB(A)", "无量纲", "其他")
ACCEPTED, NOT_ACCEPTED = "accepted", "not_accepted"
ACCEPTANCE_STATES = {ACCEPTED: "已通过环保工程验收", NOT_ACCEPTED: "尚未验收"}
MAX_ROWS = 50
ABSURD = 1e9  # no single product or measurement of one enterprise reaches this
EARLIEST = date(1979, 1, 1)  # before China's EIA system existed: a mistyped year
MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")

Errors = dict[str, str]


class StepErrors(ValidationError):
    """Every fault of one step's input: `errors` maps a field key to its Chinese message."""

    def __init__(self, errors: Errors):
        self.errors = dict(errors)
        messages = list(self.errors.values())
        summary = "；".join(messages[:3]) + (f"（另有 {len(messages) - 3} 处）" if len(messages) > 3 else "")
        super().__init__(f"请修改标出的内容：{summary}", field=next(iter(self.errors)))


BEIJING = ZoneInfo("Asia/Shanghai")


def today() -> date:
    """Today in Hebei, whatever the server's clock zone."""
    return datetime.now(BEIJING).date()


# --- single values ------------------------------------------------------------------------------

def text(data: dict, key: str, label: str, errors: Errors, *, low: int = 1, high: int = 64,
         required: bool = True, multiline: bool = False) -> str:
    value = normalized(data.get(key), multiline=multiline)
    if not value:
        if required:
            errors[key] = f"请填写{label}"
        return ""
    if message := text_problem(value, label, high, multiline=multiline):
        errors[key] = message
    elif len(value) < low:
        errors[key] = f"{label}至少 {low} 个字"
    return value


def _number(value: Any) -> float | None:
    """The number a user gave, or None when there is none; raises ValueError for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(value)  # noqa: TRY004 - callers turn any ValueError into the field's message
    number = float(str(value).strip().replace(",", "").replace("，", "")) if isinstance(value, str) else float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def integer(data: dict, key: str, label: str, errors: Errors, low: int, high: int, unit: str = "") -> int | None:
    rule = f"{label}应为 {low} 至 {high} 之间的整数" + (f"（{unit}）" if unit else "")
    try:
        number = _number(data.get(key))
    except ValueError:
        errors[key] = rule
        return None
    if number is None:
        errors[key] = f"请填写{label}"
        return None
    if number != int(number) or not low <= number <= high:
        errors[key] = rule
        return None
    return int(number)


def figure(data: dict, key: str, label: str, errors: Errors, *, zero_allowed: bool) -> float | None:
    rule = f"{label}应{'不小于' if zero_allowed else '大于'} 0 且小于 10 亿"
    try:
        number = _number(data.get(key))
    except ValueError:
        errors[key] = f"{label}应为数字"
        return None
    if number is None:
        errors[key] = f"请填写{label}"
        return None
    if number < 0 or (number == 0 and not zero_allowed) or number >= ABSURD:
        errors[key] = rule
        return None
    return number


def choice(data: dict, key: str, label: str, errors: Errors, allowed) -> str:
    value = data.get(key)
    value = "" if value is None else str(value).strip()
    if value not in allowed:
        errors[key] = f"请选择{label}"
        return ""
    return value


def past_date(value, key: str, label: str, errors: Errors, *, on: date | None = None, earliest: date = EARLIEST,
              missing: str | None = None) -> date | None:
    """A date given as a date, datetime or YYYY-MM-DD, not after `on` (Hebei's today) and not before
    `earliest` (a mistyped year); otherwise None with the reason in errors[key]."""
    on = on or today()
    if value in (None, ""):
        errors[key] = missing or f"请选择{label}"
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError:
            errors[key] = f"{label}应为有效日期（如 2021-08-01）"
            return None
    if value > on:
        errors[key] = f"{label}不能晚于今天（{on.isoformat()}）"
    elif value < earliest:
        errors[key] = f"{label}不能早于 {earliest.year} 年，请核对"
    else:
        return value
    return None


def day(data: dict, key: str, label: str, errors: Errors) -> str | None:
    """A past or present date, stored as YYYY-MM-DD."""
    value = past_date(data.get(key), key, label, errors)
    return value.isoformat() if value else None


def phone(data: dict, key: str, label: str, errors: Errors) -> str:
    value = re.sub(r"\s", "", str(data.get(key) or ""))
    if not value:
        errors[key] = f"请填写{label}"
    elif not (MOBILE.fullmatch(value) or LANDLINE.fullmatch(value)):
        errors[key] = f"{label}应为手机号码（如 13812345678）或固定电话（如 0311-87908917）"
    return value


# --- the steps -----------------------------------------------------------------------------------

def _industry(session: Session, data: dict, errors: Errors) -> dict:
    chosen = {k: str(data.get(k) or "").strip() for k in ("industry_division", "industry_group", "industry_code")}
    for key, label in (("industry_division", "行业大类"), ("industry_group", "行业中类"),
                       ("industry_code", "行业小类")):
        if not chosen[key]:
            errors[key] = f"请选择{label}"
            return chosen
    item = session.get(Industry, chosen["industry_code"])
    group = session.get(Industry, item.parent_code) if item is not None and item.parent_code else None
    if item is None or item.level != "class" or group is None or group.level != "group":
        errors["industry_code"] = "请选择国民经济行业分类（GB/T 4754-2017）中的一个小类（4 位代码）"
    elif group.code != chosen["industry_group"] or group.parent_code != chosen["industry_division"]:
        errors["industry_code"] = f"小类 {item.code} {item.name} 不属于所选的行业中类或大类，请重新选择"
    return chosen


def _division(session: Session, data: dict, errors: Errors) -> dict:
    city, county = (str(data.get(k) or "").strip() for k in ("city_code", "county_code"))
    if not city:
        errors["city_code"] = "请选择所在地市"
    elif not county:
        errors["county_code"] = "请选择所在区县"
    else:
        found = session.get(Division, county)
        if found is None or found.level is not Tier.COUNTY or found.province_code != PROVINCE_CODE:
            errors["county_code"] = "请选择河北省内的一个区县"
        elif found.city_code != city:
            errors["county_code"] = f"{found.name}不属于所选地市，请重新选择"
    return {"city_code": city, "county_code": county}


def _credit_code(data: dict, key: str, label: str, errors: Errors) -> str:
    code = codes.normalize(str(data.get(key) or ""))
    if not code:
        errors[key] = f"请填写{label}"
    elif problem := codes.problem(code):
        errors[key] = problem
    return code


def basic(session: Session, data: dict) -> dict:
    errors: Errors = {}
    out: dict[str, Any] = {
        "name": text(data, "name", "企业名称", errors, low=2, high=128),
        "legal_representative": text(data, "legal_representative", "法定代表人", errors, low=2, high=32),
        "credit_code": _credit_code(data, "credit_code", "企业的统一社会信用代码", errors),
    }
    out.update(_division(session, data, errors))
    out["address"] = text(data, "address", "地址", errors, low=4, high=256)
    out.update(_industry(session, data, errors))
    out["ownership_type"] = choice(data, "ownership_type", "企业性质", errors, OWNERSHIP_TYPES)
    out["employees"] = integer(data, "employees", "从业人数", errors, 1, 1_000_000, "人")
    out["working_days"] = integer(data, "working_days", "年工作日", errors, 1, 366, "天")
    out["audit_mode"] = choice(data, "audit_mode", "审核方式", errors, [m.value for m in AuditMode])
    consultancy = {"consultancy_name": "", "consultancy_credit_code": "", "consultancy_contact": "",
                   "consultancy_phone": ""}
    if out["audit_mode"] == AuditMode.CONSULTANCY.value:
        consultancy["consultancy_name"] = text(data, "consultancy_name", "咨询服务机构名称", errors, low=4, high=128)
        consultancy["consultancy_credit_code"] = _credit_code(data, "consultancy_credit_code", "咨询服务机构的统一社会信用代码",
                                                              errors)
        consultancy["consultancy_contact"] = text(data, "consultancy_contact", "咨询服务机构联系人", errors,
                                                  low=2, high=32)
        consultancy["consultancy_phone"] = phone(data, "consultancy_phone", "咨询服务机构联系电话", errors)
    out.update(consultancy)
    return _done(out, errors)


def _rows(data: dict, key: str, label: str, fields: tuple[str, ...], errors: Errors) -> list[tuple[int, dict]]:
    """The rows sent under `key` with their positions, leaving out rows left wholly blank."""
    rows = data.get(key) or []
    if not isinstance(rows, list):
        rows = []
    kept = [(i, r) for i, r in enumerate(rows)
            if isinstance(r, dict) and any(str(r.get(f) if r.get(f) is not None else "").strip() for f in fields)]
    if not kept:
        errors[key] = f"请至少填写一条{label}"
    elif len(kept) > MAX_ROWS:
        errors[key] = f"{label}最多 {MAX_ROWS} 条"
    return kept


def products(session: Session, data: dict) -> dict:  # every step takes the session
    errors: Errors = {}
    cleaned, names = [], set()
    for i, row in _rows(data, "products", "产品信息", ("name", "output"), errors):
        at = f"products.{i}."
        sub: Errors = {}
        item = {"name": text(row, "name", "产品名称", sub, high=64),
                "output": figure(row, "output", "年产量", sub, zero_allowed=False),
                "unit": choice(row, "unit", "计量单位", sub, PRODUCT_UNITS)}
        if item["name"] and item["name"] in names:
            sub["name"] = f"产品“{item['name']}”重复填写"
        names.add(item["name"])
        errors.update({at + k: m for k, m in sub.items()})
        cleaned.append(item)
    return _done({"products": cleaned}, errors)


def eia(session: Session, data: dict) -> dict:
    errors: Errors = {}
    out = {"approval_number": text(data, "approval_number", "环评批复文号", errors, low=2, high=64),
           "approval_date": day(data, "approval_date", "环评批复日期", errors),
           "authority": text(data, "authority", "审批部门", errors, low=2, high=64)}
    return _done(out, errors)


MONITORING_FIELDS = ("outlet", "pollutant", "standard", "result", "unit", "date")


def monitoring(session: Session, data: dict) -> dict:
    errors: Errors = {}
    cleaned = []
    for i, row in _rows(data, "points", "监测信息", ("outlet", "pollutant", "standard", "result"), errors):
        sub: Errors = {}
        cleaned.append({"outlet": text(row, "outlet", "排放口名称", sub, high=64),
                        "pollutant": text(row, "pollutant", "污染物", sub, high=32),
                        "standard": text(row, "standard", "执行标准", sub, low=2, high=128),
                        "result": figure(row, "result", "最近一次监测结果", sub, zero_allowed=True),
                        "unit": choice(row, "unit", "监测结果单位", sub, RESULT_UNITS),
                        "date": day(row, "date", "监测日期", sub)})
        errors.update({f"points.{i}.{k}": m for k, m in sub.items()})
    return _done({"points": cleaned}, errors)


def acceptance(session: Session, data: dict) -> dict:
    errors: Errors = {}
    out: dict[str, Any] = {"status": choice(data, "status", "环保工程验收情况", errors, ACCEPTANCE_STATES),
                           "document_number": "", "date": None, "authority": "", "reason": ""}
    if out["status"] == ACCEPTED:
        out["document_number"] = text(data, "document_number", "验收文号", errors, low=2, high=64)
        out["date"] = day(data, "date", "验收日期", errors)
        out["authority"] = text(data, "authority", "验收部门", errors, low=2, high=64)
    elif out["status"] == NOT_ACCEPTED:
        out["reason"] = text(data, "reason", "尚未验收的原因", errors, low=4, high=500, multiline=True)
    return _done(out, errors)


def _done(out: dict, errors: Errors) -> dict:
    if errors:
        raise StepErrors(errors)
    return out


VALIDATORS = {"basic": basic, "products": products, "eia": eia, "monitoring": monitoring, "acceptance": acceptance}
