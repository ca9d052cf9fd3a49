"""清洁生产水平对标: the enterprise enters its indicator values and its production and resource figures before the
audit (预审核) and after implementation (验收); the level is computed (core.grading) on every save and kept on the
sheet. Departments read the same through their jurisdiction.

A sheet can be changed while its phase can (the 预审核 sheet follows the stage 预审核, the 验收 sheet the stage
验收报告: not while an application of that phase is under review or passed; after a return only if that stage was
remarked on). Every save carries the version the user saw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, grading, stage_records
from core.db import flush_or_stale
from core.disclosure import visible_project
from core.errors import RuleViolation
from core.indicator_models import GradingProfile, GradingSheet, IndicatorSystem, IndicatorValue, SheetPhase
from core.indicator_systems import as_grading, system_for_industry
from core.models import User, utcnow
from core.project_models import AuditProject
from core.projects import own_project, require_startup_submitted
from core.stages import BY_KEY
from core.startup_fields import PRODUCT_UNITS, StepErrors, today

STALE = "对标数据已在其他页面或由其他用户修改，请刷新页面后重试（您填写的内容仍保留在页面上）"
# figure -> (label, unit, largest sensible value for one enterprise in one year)
FIGURES = {
    "output": ("主要产品年产量", "", 1e9),
    "fresh_water": ("新鲜水用量", "t/a", 1e9),
    "energy": ("综合能耗", "tce/a", 1e8),
    "wastewater": ("废水产生量", "t/a", 1e9),
    "cod": ("COD 排放量", "t/a", 1e6),
    "ammonia": ("氨氮排放量", "t/a", 1e5),
}
DECLARED = ("I", "II", "III", "none")
DECLARED_LABELS = {"I": "达到Ⅰ级", "II": "达到Ⅱ级", "III": "达到Ⅲ级", "none": "未达到Ⅲ级"}
MAX_POLLUTANTS = 30


@dataclass(frozen=True)
class SheetState:
    phase: SheetPhase
    system: IndicatorSystem | None  # None: no system covers the enterprise's industry
    sheet: GradingSheet | None
    entries: dict  # indicator key -> grading.Entry
    figures: dict
    result: grading.Grading | None
    check: grading.TargetCheck | None
    locked: str | None  # why it cannot be changed now (None: it can)


@dataclass(frozen=True)
class Declaration:
    in_park: bool | None
    wastewater_to_plant: bool | None
    permit_pollutants: tuple[str, ...]
    version: int | None  # the profile's version (None before the first save)

    @property
    def target(self) -> grading.Target:
        return grading.target_for(self.in_park, self.wastewater_to_plant)


def declaration(session: Session, project: AuditProject) -> Declaration:
    profile = _profile(session, project.id)
    return Declaration(project.enterprise.in_industrial_park, profile.wastewater_to_plant if profile else None,
                       tuple(profile.permit_pollutants or []) if profile else (), profile.version if profile else None)


def _profile(session: Session, project_id: int) -> GradingProfile | None:
    return session.scalar(select(GradingProfile).where(GradingProfile.project_id == project_id))


def _sheet(session: Session, project_id: int, phase: SheetPhase) -> GradingSheet | None:
    return session.scalar(select(GradingSheet).where(GradingSheet.project_id == project_id,
                                                     GradingSheet.phase == phase))


def lock_reason(session: Session, project: AuditProject, phase: SheetPhase) -> str | None:
    stage = BY_KEY[phase.stage]
    case = stage_records.latest_case(session, project.id, stage.phase)
    if case is not None and case.status in stage_records.LOCKED:
        return f"{case.kind.label}申请{case.status.label}，{phase.label}对标数据不能再修改"
    remarked = stage_records.open_remarks(session, case) if case is not None else {}
    if case is not None and case.status.value == "returned" and stage.key not in remarked:
        return f"退回整改只需修改审核意见涉及的步骤，{phase.label}对标数据无需修改"
    return None


def entries_of(session: Session, sheet: GradingSheet | None, system: IndicatorSystem) -> dict:
    if sheet is None:
        return {}
    keys = {i.id: i.key for g in system.groups for i in g.indicators}
    return {keys[v.indicator_id]: grading.Entry(v.value, v.declared_level, v.not_applicable)
            for v in session.scalars(select(IndicatorValue).where(IndicatorValue.sheet_id == sheet.id))
            if v.indicator_id in keys}


def state(session: Session, project: AuditProject, phase: SheetPhase) -> SheetState:
    sheet = _sheet(session, project.id, phase)
    system = session.get(IndicatorSystem, sheet.system_id) if sheet else \
        system_for_industry(session, project.enterprise.industry_code)
    if system is None:
        return SheetState(phase, None, None, {}, {}, None, None, lock_reason(session, project, phase))
    entries = entries_of(session, sheet, system)
    result = grading.grade(as_grading(system), entries) if sheet else None
    check = grading.check_target(result, declaration(session, project).target) if result else None
    return SheetState(phase, system, sheet, entries, dict(sheet.figures or {}) if sheet else {}, result, check,
                      lock_reason(session, project, phase))


def view(session: Session, actor: User, project_id: int) -> tuple[AuditProject, dict[SheetPhase, SheetState]]:
    """Both sheets of a project, for its enterprise or a department whose jurisdiction covers it."""
    project = visible_project(session, actor, project_id)
    return project, {phase: state(session, project, phase) for phase in SheetPhase}


# --- the enterprise's saves ------------------------------------------------------------------------

def _figures(data: dict, errors: dict) -> dict:
    clean: dict = {}
    year = data.get("year")
    try:
        year = int(year) if year not in (None, "") else None
    except (TypeError, ValueError):
        year = -1
    if year is None:
        errors["figures.year"] = "请填写统计年度"
    elif not 2000 <= year <= today().year:
        errors["figures.year"] = f"统计年度应为 2000 至 {today().year} 之间的年份"
    clean["year"] = year
    unit = str(data.get("output_unit") or "").strip()
    if unit not in PRODUCT_UNITS:
        errors["figures.output_unit"] = "请选择产量的计量单位"
    clean["output_unit"] = unit
    for key, (label, _, limit) in FIGURES.items():
        raw = data.get(key)
        if raw in (None, ""):
            if key in ("output", "fresh_water"):
                errors[f"figures.{key}"] = f"请填写{label}"
            clean[key] = None
            continue
        try:
            number = float(raw)
        except (TypeError, ValueError):
            errors[f"figures.{key}"] = f"{label}应为数字"
            continue
        if not math.isfinite(number) or number < 0 or number > limit or (key == "output" and number == 0):
            errors[f"figures.{key}"] = f"{label}应{'大于' if key == 'output' else '不小于'} 0 且不超过 {limit:g}，请核对单位"
            continue
        clean[key] = number
    return clean


def _entry(indicator, entry: grading.Entry, errors: dict) -> grading.Entry:
    field = f"ind.{indicator.key}"
    if entry.not_applicable:
        if indicator.limiting:
            errors[field] = f"“{indicator.name}”是限定性指标，不能标为不适用"
        return grading.Entry(not_applicable=True)
    if indicator.kind == grading.QUALITATIVE:
        if entry.declared not in (*DECLARED, None):
            errors[field] = f"请选择“{indicator.name}”达到的级别"
        return grading.Entry(declared=entry.declared)
    value = entry.value
    if value is None:
        return grading.Entry()
    if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        errors[field] = f"“{indicator.name}”应为不小于 0 的数字"
    elif indicator.unit == "%" and value > 100:
        errors[field] = f"“{indicator.name}”是百分数，不能超过 100"
    elif value >= 1e9:
        errors[field] = f"“{indicator.name}”数值过大，请核对单位"
    return grading.Entry(value=float(value))


def _require_seen(row, expected_version: int | None) -> None:
    """The row must be as the user saw it: `expected_version` its version, 0 when the user saw none yet
    (None: not checked, for callers that do not come from a screen)."""
    if expected_version is None:
        return
    if (row.version if row is not None else 0) != expected_version:
        raise RuleViolation(STALE)


def save_sheet(session: Session, actor: User, project_id: int, phase: SheetPhase, figures: dict,
               entries: dict[str, grading.Entry], expected_version: int | None) -> GradingSheet:
    """Check and keep one phase's figures and indicator entries; the level is computed and stored with them.
    StepErrors (every field's message) when the input is refused; nothing is stored then."""
    project = own_project(session, actor, project_id)
    require_startup_submitted(project)
    if reason := lock_reason(session, project, phase):
        raise RuleViolation(reason)
    sheet = _sheet(session, project.id, phase)
    _require_seen(sheet, expected_version)
    system = session.get(IndicatorSystem, sheet.system_id) if sheet else \
        system_for_industry(session, project.enterprise.industry_code)
    if system is None:
        raise RuleViolation("本企业所属行业还没有导入清洁生产评价指标体系，暂不能对标；请联系省级生态环境部门")
    errors: dict = {}
    clean_figures = _figures(figures or {}, errors)
    indicators = [i for g in system.groups for i in g.indicators]
    clean = {i.key: _entry(i, entries.get(i.key, grading.Entry()), errors) for i in indicators}
    if errors:
        raise StepErrors(errors)
    before = None
    if sheet is None:
        sheet = GradingSheet(project_id=project.id, phase=phase, system_id=system.id)
        session.add(sheet)
    else:
        before = {"figures": sheet.figures, "level": sheet.level}
    sheet.figures = clean_figures
    sheet.updated_by_user_id, sheet.updated_at = actor.id, utcnow()  # every save is a new version
    flush_or_stale(session, STALE)
    stored = {v.indicator_id: v
              for v in session.scalars(select(IndicatorValue).where(IndicatorValue.sheet_id == sheet.id))}
    for indicator in indicators:
        entry = clean[indicator.key]
        row = stored.get(indicator.id) or IndicatorValue(sheet_id=sheet.id, indicator_id=indicator.id)
        row.value, row.declared_level, row.not_applicable = entry.value, entry.declared, entry.not_applicable
        session.add(row)
    _regrade(session, project, sheet, system, clean)
    flush_or_stale(session, STALE)
    audit.record(session, actor=actor, action="grading.save", object_type="grading_sheet", object_id=sheet.id,
                 before=before, after={"phase": phase.value, "figures": clean_figures, "level": sheet.level,
                                       "target_met": sheet.target_met,
                                       "entries": {k: [e.value, e.declared, e.not_applicable]
                                                   for k, e in clean.items()}})
    return sheet


def _regrade(session: Session, project: AuditProject, sheet: GradingSheet, system: IndicatorSystem,
             entries: dict) -> None:
    result = grading.grade(as_grading(system), entries)
    check = grading.check_target(result, declaration(session, project).target)
    sheet.level, sheet.target_met = result.level, check.met
    sheet.score_1, sheet.score_2, sheet.score_3 = (result.scores[k] for k in grading.LEVELS)


def save_declaration(session: Session, actor: User, project_id: int, in_park: bool | None,
                     wastewater_to_plant: bool | None, permit_pollutants: list[str],
                     expected_version: int | None) -> Declaration:
    """Whether the enterprise lies in an industrial park and its waste water reaches a central plant (the water
    target depends on both), and the pollutants its discharge permit lists (checked against its monitoring)."""
    project = own_project(session, actor, project_id)
    require_startup_submitted(project)
    if reason := lock_reason(session, project, SheetPhase.AFTER):
        raise RuleViolation(reason.replace(f"{SheetPhase.AFTER.label}对标数据", "园区、废水去向和许可污染物"))
    errors: dict = {}
    if in_park is None:
        errors["in_park"] = "请选择是否位于工业园区"
    if wastewater_to_plant is None:
        errors["wastewater_to_plant"] = "请选择废水是否进入污水集中处理设施"
    names = list(dict.fromkeys(p.strip() for p in permit_pollutants or [] if p and p.strip()))
    if len(names) > MAX_POLLUTANTS or any(len(n) > 32 for n in names):
        errors["permit_pollutants"] = f"污染物最多 {MAX_POLLUTANTS} 项，每项最多 32 个字"
    if errors:
        raise StepErrors(errors)
    profile = _profile(session, project.id)
    _require_seen(profile, expected_version)
    if profile is None:
        profile = GradingProfile(project_id=project.id)
        session.add(profile)
    enterprise = project.enterprise
    before = {"in_park": enterprise.in_industrial_park, "wastewater_to_plant": profile.wastewater_to_plant,
              "permit_pollutants": profile.permit_pollutants}
    enterprise.in_industrial_park = in_park
    profile.wastewater_to_plant, profile.permit_pollutants = wastewater_to_plant, names
    flush_or_stale(session, STALE)
    for phase in SheetPhase:  # the water target may have changed
        if (sheet := _sheet(session, project.id, phase)) is not None:
            system = session.get(IndicatorSystem, sheet.system_id)
            _regrade(session, project, sheet, system, entries_of(session, sheet, system))
    flush_or_stale(session, STALE)
    audit.record(session, actor=actor, action="grading.declare", object_type="audit_project", object_id=project.id,
                 before=before, after={"in_park": in_park, "wastewater_to_plant": wastewater_to_plant,
                                       "permit_pollutants": names})
    return declaration(session, project)
