"""The options ledger (无/低费 and 中/高费 清洁生产方案) with investment and benefits; the summaries add these up."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.db import flush_or_stale
from core.errors import RuleViolation, ValidationError
from core.models import User
from core.project_models import CleanerOption, OptionKind, OptionStatus
from core.projects import own_project, require_startup_submitted
from core.stages import BY_KEY
from core.text import Limit, clean

STALE_MESSAGE = "该方案已被本企业其他用户修改，请刷新页面后重试（您填写的内容仍保留在页面上）"
# figure field -> (label, unit, largest sensible value for one option of one enterprise)
FIGURES = {
    "investment": ("投资", "万元", 1_000_000),
    "economic_benefit": ("经济效益", "万元/年", 1_000_000),
    "water_saved": ("节水", "t/a", 1e8),
    "cod_reduced": ("COD 削减", "t/a", 1e6),
    "ammonia_reduced": ("氨氮削减", "t/a", 1e5),
    "other_reduced": ("其他污染物削减", "t/a", 1e7),
    "energy_saved": ("节能", "tce/a", 1e7),
}


@dataclass(frozen=True)
class OptionForm:
    kind: OptionKind
    name: str
    stage: str
    status: OptionStatus
    investment: float = 0.0
    economic_benefit: float = 0.0
    water_saved: float = 0.0
    cod_reduced: float = 0.0
    ammonia_reduced: float = 0.0
    other_reduced: float = 0.0
    energy_saved: float = 0.0


def _checked(form: OptionForm) -> dict:
    name = clean(form.name, "方案名称", Limit.NAME, field="name")
    if not name:
        raise ValidationError("请填写方案名称", field="name")
    if form.stage not in BY_KEY:
        raise ValidationError("请选择方案产生的审核阶段", field="stage")
    values = {"kind": OptionKind(form.kind), "name": name, "stage": form.stage, "status": OptionStatus(form.status)}
    for key, (label, unit, limit) in FIGURES.items():
        raw = getattr(form, key)
        try:
            number = float(raw if raw not in (None, "") else 0)
        except (TypeError, ValueError):
            raise ValidationError(f"{label}应填写数字", field=key) from None
        if math.isnan(number) or math.isinf(number) or number < 0:
            raise ValidationError(f"{label}不能为负数", field=key)
        if number > limit:
            raise ValidationError(f"{label}数值过大（超过 {limit:g} {unit}），请核对单位", field=key)
        values[key] = number
    return values


def options_of(session: Session, project_id: int) -> list[CleanerOption]:
    return list(session.scalars(select(CleanerOption).where(CleanerOption.project_id == project_id)
                                .order_by(CleanerOption.kind, CleanerOption.id)))


def save_option(session: Session, actor: User, project_id: int, form: OptionForm, option_id: int | None = None,
                expected_version: int | None = None) -> CleanerOption:
    """Add an option, or change one (checked against the version the user saw)."""
    project = own_project(session, actor, project_id)
    require_startup_submitted(project)
    values = _checked(form)
    if option_id is None:
        option = CleanerOption(project_id=project.id, **values)
        session.add(option)
        before = None
    else:
        option = session.get(CleanerOption, option_id)
        if option is None or option.project_id != project.id:
            raise RuleViolation("方案不存在或不属于本项目")
        if expected_version is not None and option.version != expected_version:
            raise RuleViolation(STALE_MESSAGE)
        before = {f.name: _plain(getattr(option, f.name)) for f in fields(OptionForm)}
        for key, value in values.items():
            setattr(option, key, value)
    flush_or_stale(session, STALE_MESSAGE)
    audit.record(session, actor=actor, action="option.save", object_type="cleaner_option", object_id=option.id,
                 before=before, after={k: _plain(v) for k, v in values.items()})
    return option


def delete_option(session: Session, actor: User, project_id: int, option_id: int) -> None:
    project = own_project(session, actor, project_id)
    option = session.get(CleanerOption, option_id)
    if option is None or option.project_id != project.id:
        raise RuleViolation("方案不存在或不属于本项目")
    audit.record(session, actor=actor, action="option.delete", object_type="cleaner_option", object_id=option.id,
                 before={"name": option.name, "kind": option.kind.value})
    session.delete(option)
    session.flush()


def totals(options: list[CleanerOption]) -> dict[str, float]:
    """Sums of the ledger's figures (and counts by kind), for the project and the summaries."""
    result = {key: sum(getattr(o, key) for o in options) for key in FIGURES}
    result["low_cost"] = sum(1 for o in options if o.kind is OptionKind.LOW_COST)
    result["high_cost"] = sum(1 for o in options if o.kind is OptionKind.HIGH_COST)
    return result


def _plain(value):
    return getattr(value, "value", value)
