"""数据核查: figures an enterprise entered that contradict each other, shown to the reviewers at intake.

What is compared is what the portal collects: the products of 项目启动 (产品信息) and its monitoring records
(监测信息), the stage records' fresh water before (审核 · 新鲜水用量) and after (验收报告 · 实施后新鲜水用量), the 对标
sheets' production, water, energy and pollutant figures of 预审核 and 验收, the options ledger's claimed savings,
and the pollutants the enterprise says its discharge permit lists. `check` is a pure function: every finding names
the figures it compared, with their values and units, so that the reviewer can look them up.

`factor` (the reviewer chooses it, default 2) is how far two figures that should agree may differ: a ratio above
factor or below 1/factor is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.indicator_models import GradingProfile, GradingSheet
from core.options import options_of
from core.project_models import AuditProject, OptionStatus, StageRecord

DEFAULT_FACTOR = 2.0
WARNING, INFO = "warning", "info"
# sheet figure -> (label, unit, the option field that claims to reduce it)
RESOURCES = {"fresh_water": ("新鲜水用量", "t/a", "water_saved"), "energy": ("综合能耗", "tce/a", "energy_saved"),
             "wastewater": ("废水产生量", "t/a", None), "cod": ("COD 排放量", "t/a", "cod_reduced"),
             "ammonia": ("氨氮排放量", "t/a", "ammonia_reduced")}
OPTION_LABELS = {"water_saved": "节水", "energy_saved": "节能", "cod_reduced": "COD 削减", "ammonia_reduced": "氨氮削减"}
PHASE_NAMES = {"before": "预审核", "after": "验收"}
# pollutant names written differently in permits and monitoring reports, mapped to one name
ALIASES = {"COD": "化学需氧量", "CODCR": "化学需氧量", "NH3N": "氨氮", "NH3-N": "氨氮", "氨氮（NH3-N）": "氨氮",
           "BOD5": "五日生化需氧量", "BOD": "五日生化需氧量", "SS": "悬浮物", "TP": "总磷", "TN": "总氮",
           "PH": "pH值", "PH值": "pH值", "CR6+": "六价铬", "TCR": "总铬"}


@dataclass(frozen=True)
class Figure:
    label: str  # where the figure was entered, e.g. "预审核对标 · 新鲜水用量"
    value: float | str
    unit: str = ""

    def text(self) -> str:
        value = fmt(self.value) if isinstance(self.value, float | int) else str(self.value)
        return f"{self.label}：{value}{(' ' + self.unit) if self.unit else ''}"


@dataclass(frozen=True)
class Finding:
    code: str
    title: str
    message: str
    figures: tuple[Figure, ...]
    severity: str = WARNING


@dataclass(frozen=True)
class Option:
    name: str
    implemented: bool
    savings: dict  # option field -> claimed amount per year


@dataclass(frozen=True)
class AuditFigures:
    products: tuple = ()  # (name, output, unit) from 项目启动
    monitored: tuple = ()  # pollutant names of 监测信息
    stage_water_before: float | None = None  # 审核 · 新鲜水用量 (t/a)
    stage_water_after: float | None = None  # 验收报告 · 实施后新鲜水用量 (t/a)
    sheets: dict = field(default_factory=dict)  # "before" / "after" -> the sheet's figures
    options: tuple[Option, ...] = ()
    permit_pollutants: tuple = ()


def fmt(value: float) -> str:
    """A figure as people write it: thousands separated, no exponent, no trailing zeros."""
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def _ratio_off(a: float, b: float, factor: float) -> bool:
    """Do two positive figures differ by more than `factor` either way?"""
    if a <= 0 or b <= 0:
        return (a <= 0) != (b <= 0)
    return b / a > factor or a / b > factor


def _times(a: float, b: float) -> str:
    if a <= 0 or b <= 0:
        return "其中一个为 0"
    return f"相差 {max(a, b) / min(a, b):.2f} 倍"


def _intensity(figures: AuditFigures, factor: float) -> list[Finding]:
    before, after = figures.sheets.get("before") or {}, figures.sheets.get("after") or {}
    if not before.get("output") or not after.get("output"):
        return []
    if before.get("output_unit") != after.get("output_unit"):
        return [Finding("output_unit", "产量计量单位前后不一致", "预审核与验收的产量单位不同，单位产品消耗无法比较，请核实。",
                        (Figure("预审核对标 · 产量单位", before.get("output_unit") or ""),
                         Figure("验收对标 · 产量单位", after.get("output_unit") or "")))]
    unit = before.get("output_unit") or ""
    found = []
    for key, (label, res_unit, _) in RESOURCES.items():
        a, b = before.get(key), after.get(key)
        if a is None or b is None:
            continue
        per_a, per_b = a / before["output"], b / after["output"]
        if _ratio_off(per_a, per_b, factor):
            found.append(Finding(
                f"intensity_{key}", f"单位产品{label}前后变化超过 {factor:g} 倍",
                f"单位产品{label}由 {per_a:.4g} 变为 {per_b:.4g} {res_unit.split('/')[0]}/{unit}（{_times(per_a, per_b)}），"
                "请核实产量和消耗数据是否口径一致。",
                (Figure(f"预审核对标 · {label}", a, res_unit), Figure("预审核对标 · 产量", before["output"], unit),
                 Figure(f"验收对标 · {label}", b, res_unit), Figure("验收对标 · 产量", after["output"], unit))))
    return found


def _two_entries(figures: AuditFigures, factor: float) -> list[Finding]:
    found = []
    pairs = (("before", figures.stage_water_before, "工作过程 · 审核 · 新鲜水用量"),
             ("after", figures.stage_water_after, "工作过程 · 验收报告 · 实施后新鲜水用量"))
    for phase, stage_value, stage_label in pairs:
        sheet_value = (figures.sheets.get(phase) or {}).get("fresh_water")
        if stage_value is None or sheet_value is None or not _ratio_off(stage_value, sheet_value, factor):
            continue
        found.append(Finding(f"water_{phase}", f"{PHASE_NAMES[phase]}新鲜水用量两处填报不一致",
                             f"同一阶段的新鲜水用量在两处填报，{_times(stage_value, sheet_value)}。",
                             (Figure(stage_label, stage_value, "t/a"),
                              Figure(f"{PHASE_NAMES[phase]}对标 · 新鲜水用量", sheet_value, "t/a"))))
    before = figures.sheets.get("before") or {}
    unit, output = before.get("output_unit"), before.get("output")
    same_unit = [p for p in figures.products if p[2] == unit and p[1]]
    if output and same_unit:
        total = sum(p[1] for p in same_unit)
        if _ratio_off(total, output, factor):
            names = "、".join(p[0] for p in same_unit)
            found.append(Finding("output_startup", "产量与项目启动填报的产品产量不一致",
                                 f"预审核对标的产量与项目启动“产品信息”中以{unit}计的产品（{names}）年产量合计{_times(total, output)}。",
                                 (Figure("项目启动 · 产品年产量合计", total, unit),
                                  Figure("预审核对标 · 产量", output, unit))))
    after = figures.sheets.get("after") or {}
    if before.get("year") and after.get("year") and after["year"] < before["year"]:
        found.append(Finding("year_order", "验收数据的年度早于预审核数据", "验收（实施后）的统计年度应不早于预审核的统计年度。",
                             (Figure("预审核对标 · 统计年度", before["year"]), Figure("验收对标 · 统计年度", after["year"]))))
    return found


def _baseline(figures: AuditFigures, key: str) -> tuple[float | None, str]:
    before = figures.sheets.get("before") or {}
    if before.get(key) is not None:
        return before[key], f"预审核对标 · {RESOURCES[key][0]}"
    if key == "fresh_water" and figures.stage_water_before is not None:
        return figures.stage_water_before, "工作过程 · 审核 · 新鲜水用量"
    return None, ""


def _savings(figures: AuditFigures, factor: float) -> list[Finding]:
    found = []
    for key, (label, unit, field_) in RESOURCES.items():
        if field_ is None:
            continue
        base, base_label = _baseline(figures, key)
        claimed = [(o, o.savings.get(field_) or 0.0) for o in figures.options if (o.savings.get(field_) or 0) > 0]
        if base is not None:
            for option, amount in claimed:
                if amount > base:
                    found.append(Finding(f"option_{field_}", f"方案{OPTION_LABELS[field_]}量超过审核前{label}",
                                         f"方案“{option.name}”申报的{OPTION_LABELS[field_]}量大于审核前的{label}。",
                                         (Figure(f"方案台账 · {option.name} · {OPTION_LABELS[field_]}", amount, unit),
                                          Figure(base_label, base, unit))))
            total = sum(a for _, a in claimed)
            if len(claimed) > 1 and total > base:
                found.append(Finding(f"options_{field_}", f"全部方案{OPTION_LABELS[field_]}合计超过审核前{label}",
                                     f"{len(claimed)} 项方案申报的{OPTION_LABELS[field_]}量合计大于审核前的{label}。",
                                     (Figure(f"方案台账 · {OPTION_LABELS[field_]}合计", total, unit),
                                      Figure(base_label, base, unit))))
        after = (figures.sheets.get("after") or {}).get(key)
        done = sum(a for o, a in claimed if o.implemented)
        if base is not None and after is not None and done > 0 and (base - after) < done / factor:
            found.append(Finding(f"realised_{field_}", f"已实施方案的{OPTION_LABELS[field_]}未体现在验收数据中",
                                 f"已实施方案申报{OPTION_LABELS[field_]} {fmt(done)} {unit}，而验收时{label}只比审核前减少 "
                                 f"{fmt(base - after)} {unit}（不到申报量的 1/{factor:g}）。",
                                 (Figure(f"方案台账 · 已实施方案{OPTION_LABELS[field_]}合计", done, unit),
                                  Figure(base_label, base, unit), Figure(f"验收对标 · {label}", after, unit))))
    return found


def normalise_pollutant(name: str) -> str:
    key = re.sub(r"[\s_·]", "", name or "").upper().replace("（", "(").replace("）", ")")
    key = re.sub(r"\(.*\)$", "", key) or key
    return ALIASES.get(key, ALIASES.get(key.replace("-", ""), key))


def _monitoring(figures: AuditFigures) -> list[Finding]:
    if not figures.permit_pollutants:
        return [Finding("permit_pollutants", "未填报排污许可证载明的污染物", "企业尚未填报排污许可证载明的污染物，无法核对监测数据是否齐全。",
                        (Figure("项目启动 · 监测信息 · 污染物", "、".join(figures.monitored) or "（无）"),), INFO)]
    monitored = {normalise_pollutant(p) for p in figures.monitored}
    missing = [p for p in figures.permit_pollutants if normalise_pollutant(p) not in monitored]
    return [Finding(f"monitoring_{i}", f"缺少“{name}”的监测数据", f"排污许可证载明的污染物“{name}”在监测信息中没有监测记录。",
                    (Figure("排污许可证载明的污染物", name),
                     Figure("项目启动 · 监测信息 · 已监测污染物", "、".join(figures.monitored) or "（无）")))
            for i, name in enumerate(missing)]


def check(figures: AuditFigures, factor: float = DEFAULT_FACTOR) -> list[Finding]:
    """Every contradiction found, warnings first."""
    if not factor or factor <= 1:
        raise ValueError("factor must be greater than 1")
    found = _intensity(figures, factor) + _two_entries(figures, factor) + _savings(figures, factor) + \
        _monitoring(figures)
    return sorted(found, key=lambda f: f.severity != WARNING)


def gather(session: Session, project: AuditProject) -> AuditFigures:
    """What the project's enterprise entered, as `check` compares it."""
    startup = project.startup or {}
    products = tuple((p.get("name", ""), p.get("output"), p.get("unit", ""))
                     for p in (startup.get("products") or {}).get("products", []))
    monitored = tuple(dict.fromkeys(p.get("pollutant", "") for p in (startup.get("monitoring") or {}).get("points", [])
                                    if p.get("pollutant")))
    records = {(r.stage, r.item_key): r.number_value for r in session.scalars(
        select(StageRecord).where(StageRecord.project_id == project.id,
                                  StageRecord.item_key.in_(("fresh_water", "fresh_water_after"))))}
    sheets = {s.phase.value: dict(s.figures or {}) for s in session.scalars(
        select(GradingSheet).where(GradingSheet.project_id == project.id))}
    options = tuple(Option(o.name, o.status is OptionStatus.IMPLEMENTED,
                           {k: getattr(o, k) for k in OPTION_LABELS}) for o in options_of(session, project.id))
    profile = session.scalar(select(GradingProfile).where(GradingProfile.project_id == project.id))
    return AuditFigures(products, monitored, records.get(("assessment", "fresh_water")),
                        records.get(("acceptance_report", "fresh_water_after")), sheets, options,
                        tuple(profile.permit_pollutants or []) if profile else ())

