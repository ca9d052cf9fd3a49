"""The indicator-system file (YAML, `format: qjsc-indicator-system/1`): read, checked row by row, turned into a
specification the importer stores. Nothing here touches the database; the caller passes the industry codes
that exist and the (code, version) pairs already stored.

    format: qjsc-indicator-system/1
    system:
      code: electroplating            # a-z, 0-9, _ or -: the system's name across versions
      version: "2015"                 # a new version of a code is a new system; old audits keep theirs
      name: 电镀行业清洁生产评价指标体系（综合电镀）
      industry_codes: ["3360"]        # GB/T 4754-2017 小类 the system applies to
      source: {title: …, issuers: [...], announcement: …, year: 2015, transcribed_from: …}
      notes: …                        # optional
      untranscribed: [ … ]            # optional: what the published text has and this file leaves out, and why
    groups:
      - key: process
        name: 生产工艺及装备指标
        weight: 0.33                  # 一级指标权重 w_i
        source: 表1 第1–4行            # where this part was read
        indicators:
          - key: rinse_water
            name: 单位产品每次清洗取水量
            kind: quantitative        # or qualitative (levels met by the enterprise's declaration)
            unit: L/m²
            direction: lower          # lower (smaller is better) or higher
            weight: 1                 # 二级指标权重 ω_ij; "0.8/n" = 0.8 shared by the applicable ones
            limiting: true            # 限定性指标
            water: true               # 涉水指标 for the campaign's water target
            levels: {I: 8, II: 24, III: 40}   # qualitative: requirement texts, a level may be absent
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import yaml

FORMAT = "qjsc-indicator-system/1"
MAX_BYTES = 1_000_000
SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{1,31}")
SHARED_WEIGHT = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*/\s*n\s*")
INDUSTRY_CODE = re.compile(r"\d{4}")
LEVEL_KEYS = ("I", "II", "III")
EPSILON = 1e-6


class IndicatorFileError(Exception):
    """The file as a whole cannot be read (the message is shown to the user)."""


@dataclass(frozen=True)
class IndicatorSpec:
    key: str
    name: str
    kind: str
    unit: str
    direction: str | None
    weight: float
    shared: bool
    limiting: bool
    water: bool
    benchmarks: dict
    note: str = ""


@dataclass(frozen=True)
class GroupSpec:
    key: str
    name: str
    weight: float
    source: str
    indicators: tuple[IndicatorSpec, ...]


@dataclass(frozen=True)
class SystemSpec:
    code: str
    version: str
    name: str
    industry_codes: tuple[str, ...]
    source: dict
    notes: str
    untranscribed: tuple[str, ...]
    groups: tuple[GroupSpec, ...]


@dataclass
class PreviewRow:
    """One line of the preview: the system, a group (一级指标) or an indicator (二级指标)."""

    position: str  # e.g. "体系", "一级 2", "一级 2 · 二级 3"
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class FilePreview:
    rows: list[PreviewRow]
    spec: SystemSpec | None = None
    file_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.file_error is None and self.spec is not None and all(r.ok for r in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if not r.ok)


COLUMNS = ("位置", "一级指标", "一级权重", "二级指标", "类型", "单位", "方向", "二级权重", "Ⅰ级", "Ⅱ级", "Ⅲ级", "限定性", "涉水")


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _number(value) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _flag(raw: dict, key: str, errors: list[str], label: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        errors.append(f"{label}应为 true 或 false")
        return False
    return value


def read_yaml(data: bytes) -> dict:
    if len(data) > MAX_BYTES:
        raise IndicatorFileError(f"文件过大（超过 {MAX_BYTES // 1000} KB），请检查是否选错了文件")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IndicatorFileError("文件不是 UTF-8 编码的 YAML 文本") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"（第 {mark.line + 1} 行附近）" if mark is not None else ""
        raise IndicatorFileError(f"YAML 格式错误{where}，请检查缩进和冒号") from None
    if not isinstance(document, dict):
        raise IndicatorFileError("文件内容应为一个指标体系（顶层为 format、system、groups）")
    if document.get("format") != FORMAT:
        raise IndicatorFileError(f"文件第一项应为 format: {FORMAT}")
    return document


def _system(raw, known_industries: set[str], existing: set[tuple[str, str]]) -> tuple[dict, list[str]]:
    errors: list[str] = []
    if not isinstance(raw, dict):
        return {}, ["缺少 system（体系名称、版本、适用行业和来源）"]
    code, version, name = _text(raw.get("code")), _text(raw.get("version")), _text(raw.get("name"))
    if not SLUG.fullmatch(code):
        errors.append("code 应为 2–32 位小写字母、数字、下划线或连字符（如 electroplating）")
    if not 1 <= len(version) <= 16:
        errors.append("version 应为 1–16 个字符（如 \"2015\"）")
    if not 2 <= len(name) <= 128:
        errors.append("name（体系名称）应为 2–128 个字")
    if (code, version) in existing:
        errors.append(f"体系 {code} 的版本 {version} 已经导入；修订时请使用新的版本号")
    codes = raw.get("industry_codes")
    clean_codes: list[str] = []
    if not isinstance(codes, list) or not codes:
        errors.append("industry_codes 应列出至少一个 4 位行业小类代码")
    else:
        for item in codes:
            value = _text(item)
            if not INDUSTRY_CODE.fullmatch(value) or value not in known_industries:
                errors.append(f"行业代码“{value}”不是 GB/T 4754-2017 的小类（4 位）")
            elif value not in clean_codes:
                clean_codes.append(value)
    source = raw.get("source")
    clean_source: dict = {}
    if not isinstance(source, dict):
        errors.append("缺少 source（发布文件的名称、发布单位、年份和转录出处）")
    else:
        title, issuers = _text(source.get("title")), source.get("issuers")
        year, origin = source.get("year"), _text(source.get("transcribed_from"))
        if not 2 <= len(title) <= 200:
            errors.append("source.title（发布文件名称）不能为空")
        if not isinstance(issuers, list) or not [i for i in issuers if _text(i)]:
            errors.append("source.issuers（发布单位）应至少列出一个")
        if not isinstance(year, int) or isinstance(year, bool) or not 1990 <= year <= 2100:
            errors.append("source.year（发布年份）应为 1990–2100 之间的整数")
        if len(origin) < 4:
            errors.append("source.transcribed_from 应写明数值从何处转录")
        clean_source = {"title": title, "issuers": [_text(i) for i in issuers or [] if _text(i)],
                        "announcement": _text(source.get("announcement")), "year": year,
                        "transcribed_from": origin}
    untranscribed = raw.get("untranscribed") or []
    if not isinstance(untranscribed, list):
        errors.append("untranscribed 应为列表")
        untranscribed = []
    return ({"code": code, "version": version, "name": name, "industry_codes": tuple(clean_codes),
             "source": clean_source, "notes": _text(raw.get("notes")),
             "untranscribed": tuple(_text(u) for u in untranscribed if _text(u))}, errors)


def _weight(raw, errors: list[str], label: str) -> tuple[float, bool]:
    if isinstance(raw, str) and (match := SHARED_WEIGHT.fullmatch(raw)):
        value, shared = float(match.group(1)), True
    else:
        value, shared = _number(raw), False
    if value is None or not 0 < value <= 1:
        errors.append(f"{label}应为大于 0、不大于 1 的数，或“0.8/n”形式的共享权重")
        return 0.0, False
    return value, shared


def _benchmarks(raw: dict, kind: str, direction: str | None, errors: list[str]) -> dict:
    levels = raw.get("levels")
    if not isinstance(levels, dict):
        errors.append("缺少 levels（Ⅰ、Ⅱ、Ⅲ级基准值）")
        return {}
    unknown = [str(k) for k in levels if str(k) not in LEVEL_KEYS]
    if unknown:
        errors.append(f"levels 只能有 I、II、III，不能有 {'、'.join(unknown)}")
    if kind == "qualitative":
        texts = {k: _text(levels.get(k)) for k in LEVEL_KEYS if _text(levels.get(k))}
        if not texts:
            errors.append("定性指标至少应写明一个级别的要求")
        return texts
    numbers = {k: _number(levels.get(k)) for k in LEVEL_KEYS}
    missing = [k for k, v in numbers.items() if v is None]
    if missing:
        errors.append(f"定量指标应有Ⅰ、Ⅱ、Ⅲ级三个数值基准值，缺少或不是数字：{'、'.join(missing)}"
                      "（原文查不到的指标请不要录入，在 untranscribed 中说明）")
        return {}
    if any(v < 0 for v in numbers.values()):
        errors.append("基准值不能为负数")
    one, two, three = numbers["I"], numbers["II"], numbers["III"]
    if direction == "lower" and not one <= two <= three:
        errors.append("越小越好的指标，基准值应满足 Ⅰ级 ≤ Ⅱ级 ≤ Ⅲ级")
    if direction == "higher" and not one >= two >= three:
        errors.append("越大越好的指标，基准值应满足 Ⅰ级 ≥ Ⅱ级 ≥ Ⅲ级")
    return numbers


def _indicator(raw, keys: set[str], errors: list[str]) -> IndicatorSpec | None:
    if not isinstance(raw, dict):
        errors.append("二级指标应写成键值对（key、name、kind、weight、levels …）")
        return None
    key, name, kind = _text(raw.get("key")), _text(raw.get("name")), _text(raw.get("kind"))
    if not SLUG.fullmatch(key):
        errors.append("key 应为 2–32 位小写字母、数字、下划线或连字符")
    elif key in keys:
        errors.append(f"key“{key}”与前面的指标重复")
    keys.add(key)
    if not 2 <= len(name) <= 128:
        errors.append("name（指标名称）应为 2–128 个字")
    if kind not in ("quantitative", "qualitative"):
        errors.append("kind 应为 quantitative（定量）或 qualitative（定性）")
    unit, direction = _text(raw.get("unit")), raw.get("direction")
    if kind == "quantitative":
        if not unit:
            errors.append("定量指标应写明单位（unit）")
        if direction not in ("lower", "higher"):
            errors.append("定量指标应写明 direction：lower（越小越好）或 higher（越大越好）")
            direction = None
    else:
        direction = None
    weight, shared = _weight(raw.get("weight"), errors, "二级指标权重")
    limiting = _flag(raw, "limiting", errors, "limiting（限定性）")
    water = _flag(raw, "water", errors, "water（涉水）")
    benchmarks = _benchmarks(raw, kind, direction, errors)
    return IndicatorSpec(key, name, kind, unit, direction, weight, shared, limiting, water, benchmarks,
                         _text(raw.get("note")))


def _shown(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return _text(value)


def _indicator_row(position: str, group_name: str, spec: IndicatorSpec | None, raw, errors: list[str]) -> PreviewRow:
    raw = raw if isinstance(raw, dict) else {}
    levels = raw.get("levels") if isinstance(raw.get("levels"), dict) else {}
    values = {"位置": position, "一级指标": group_name, "一级权重": "", "二级指标": _text(raw.get("name")),
              "类型": {"quantitative": "定量", "qualitative": "定性"}.get(_text(raw.get("kind")), _text(raw.get("kind"))),
              "单位": _text(raw.get("unit")),
              "方向": {"lower": "越小越好", "higher": "越大越好"}.get(_text(raw.get("direction")), ""),
              "二级权重": _text(raw.get("weight")),
              **{label: _shown(levels.get(k)) for k, label in zip(LEVEL_KEYS, ("Ⅰ级", "Ⅱ级", "Ⅲ级"), strict=True)},
              "限定性": "是" if raw.get("limiting") is True else "", "涉水": "是" if raw.get("water") is True else ""}
    return PreviewRow(position, values, errors)


def preview(data: bytes, known_industries: set[str], existing: set[tuple[str, str]]) -> FilePreview:
    """Read and check the file; every problem is named on the row it concerns. Never raises for content."""
    try:
        document = read_yaml(data)
    except IndicatorFileError as exc:
        return FilePreview(rows=[], file_error=str(exc))
    system, errors = _system(document.get("system"), known_industries, existing)
    head = PreviewRow("体系", {c: "" for c in COLUMNS} | {"位置": "体系", "一级指标": system.get("name", ""),
                                                       "二级指标": f"版本 {system.get('version', '')}"}, errors)
    rows = [head]
    groups_raw = document.get("groups")
    if not isinstance(groups_raw, list) or not groups_raw:
        head.errors.append("groups 应列出至少一个一级指标")
        return FilePreview(rows=rows)
    groups: list[GroupSpec] = []
    group_keys: set[str] = set()
    indicator_keys: set[str] = set()
    for g, raw in enumerate(groups_raw, start=1):
        position = f"一级 {g}"
        errors = []
        raw = raw if isinstance(raw, dict) else {}
        key, name, source = _text(raw.get("key")), _text(raw.get("name")), _text(raw.get("source"))
        if not SLUG.fullmatch(key):
            errors.append("key 应为 2–32 位小写字母、数字、下划线或连字符")
        elif key in group_keys:
            errors.append(f"key“{key}”与前面的一级指标重复")
        group_keys.add(key)
        if not 2 <= len(name) <= 64:
            errors.append("name（一级指标名称）应为 2–64 个字")
        weight = _number(raw.get("weight"))
        if weight is None or not 0 < weight <= 1:
            errors.append("一级指标权重应为大于 0、不大于 1 的数")
            weight = 0.0
        if len(source) < 2:
            errors.append("source 应写明本部分从原文何处转录（如“表1 第1–4行”）")
        group_row = PreviewRow(position, {c: "" for c in COLUMNS} | {"位置": position, "一级指标": name,
                                                                    "一级权重": _text(raw.get("weight"))}, errors)
        rows.append(group_row)
        specs: list[IndicatorSpec] = []
        items = raw.get("indicators")
        if not isinstance(items, list) or not items:
            errors.append("indicators 应列出至少一个二级指标")
            items = []
        for j, item in enumerate(items, start=1):
            item_errors: list[str] = []
            spec = _indicator(item, indicator_keys, item_errors)
            rows.append(_indicator_row(f"{position} · 二级 {j}", name, spec, item, item_errors))
            if spec is not None:
                specs.append(spec)
        pools = {s.weight for s in specs if s.shared}
        if len(pools) > 1:
            errors.append("同一一级指标下的共享权重（x/n）应相同")
        total = sum(s.weight for s in specs if not s.shared) + (max(pools) if pools else 0.0)
        if total > 1 + EPSILON:
            errors.append(f"二级指标权重合计 {total:g} 超过 1")
        groups.append(GroupSpec(key, name, weight, source, tuple(specs)))
    first_total = sum(g.weight for g in groups)
    if first_total > 1 + EPSILON:
        head.errors.append(f"一级指标权重合计 {first_total:g} 超过 1")
    preview_ = FilePreview(rows=rows)
    if preview_.error_count == 0:
        preview_.spec = SystemSpec(groups=tuple(groups), **system)
    return preview_
