"""The options ledger (无/低费 and 中/高费 清洁生产方案) with investment and benefits; the summaries add these up.

The ledger is drawn up in the evaluation phase (方案产生和筛选, 方案的确定) and implemented in the acceptance
phase (方案的实施). It is locked as the stages are (core.stage_records): while the evaluation is under
review nothing changes; once the evaluation passed, the options and figures the experts evaluated are
fixed and only an option's status (计划实施 / 已实施) may still be recorded, until the acceptance is applied
for; after a return, only if the reviewers remarked on the stages where the ledger is made.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, fields

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.db import flush_or_stale, lock
from core.errors import RuleViolation, ValidationError
from core.models import User
from core.project_models import AuditProject, CaseStatus, CleanerOption, OptionKind, OptionStatus
from core.projects import latest_case, open_remarks, own_project, require_startup_submitted
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


FIELD_LABELS = {"kind": "类型", "name": "方案名称", "stage": "产生阶段", "status": "状态",
                **{key: label for key, (label, _, _) in FIGURES.items()}}


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


class LedgerMode(str, enum.Enum):
    OPEN = "open"  # options may be added, changed and deleted
    STATUS_ONLY = "status_only"  # evaluation passed: only 计划实施 / 已实施 may change
    LOCKED = "locked"


# The stages whose work the ledger is: where options are drawn up, and where they are implemented.
DRAWN_UP_IN = ("option_generation", "option_selection")
IMPLEMENTED_IN = ("implementation",)
REVIEWING = (CaseStatus.SUBMITTED, CaseStatus.IN_REVIEW)


@dataclass(frozen=True)
class LedgerLock:
    mode: LedgerMode
    reason: str = ""  # why it is (partly) locked, as the enterprise reads it


def _phase_lock(session: Session, project_id: int, phase: str, stages: tuple[str, ...]) -> str | None:
    """Why the ledger's part in `phase` is locked now, or None when that phase leaves it open."""
    case = latest_case(session, project_id, phase)
    if case is None or case.status is CaseStatus.FAILED:
        return None
    if case.status in REVIEWING:
        return f"{case.kind.label}申请{case.status.label}，方案台账不能修改"
    if case.status is CaseStatus.RETURNED:
        if set(open_remarks(session, case)) & set(stages):
            return None
        return f"{case.kind.label}申请已退回，但审核意见不涉及方案台账，方案台账无需修改"
    return f"{case.kind.label}已通过，方案台账不能修改"


def ledger_lock(session: Session, project_id: int) -> LedgerLock:
    """What the enterprise may still change in its ledger now (see the module's docstring)."""
    evaluation = _phase_lock(session, project_id, "evaluation", DRAWN_UP_IN)
    if evaluation is None:
        return LedgerLock(LedgerMode.OPEN)
    if latest_case(session, project_id, "evaluation").status is not CaseStatus.PASSED:
        return LedgerLock(LedgerMode.LOCKED, evaluation)
    acceptance = _phase_lock(session, project_id, "acceptance", IMPLEMENTED_IN)
    if acceptance is not None:
        return LedgerLock(LedgerMode.LOCKED, acceptance)
    return LedgerLock(LedgerMode.STATUS_ONLY, "评估已通过：经评估的方案及其投资和效益不能再修改，"
                                             "只能登记方案的实施状态（计划实施 / 已实施）")


def _writable(session: Session, actor: User, project_id: int) -> tuple[AuditProject, LedgerLock]:
    project = own_project(session, actor, project_id)
    lock(session, project)  # an application submitted at the same moment waits, or is waited for
    require_startup_submitted(project)
    return project, ledger_lock(session, project.id)


def options_of(session: Session, project_id: int) -> list[CleanerOption]:
    return list(session.scalars(select(CleanerOption).where(CleanerOption.project_id == project_id)
                                .order_by(CleanerOption.kind, CleanerOption.id)))


def save_option(session: Session, actor: User, project_id: int, form: OptionForm, option_id: int | None = None,
                expected_version: int | None = None) -> CleanerOption:
    """Add an option, or change one (checked against the version the user saw)."""
    project, state = _writable(session, actor, project_id)
    if state.mode is LedgerMode.LOCKED or (state.mode is LedgerMode.STATUS_ONLY and option_id is None):
        raise RuleViolation(state.reason)
    values = _checked(form)
    if option_id is None:
        option = CleanerOption(project_id=project.id, **values)
        session.add(option)
        before = None
    else:
        option = _own_option(session, project, option_id, expected_version)
        before = {f.name: _plain(getattr(option, f.name)) for f in fields(OptionForm)}
        if state.mode is LedgerMode.STATUS_ONLY:
            fixed = [FIELD_LABELS[k] for k, v in values.items() if k != "status" and _plain(v) != before[k]]
            if fixed:
                raise RuleViolation(f"{state.reason}（不能修改：{'、'.join(fixed)}）")
        for key, value in values.items():
            setattr(option, key, value)
    flush_or_stale(session, STALE_MESSAGE)
    audit.record(session, actor=actor, action="option.save", object_type="cleaner_option", object_id=option.id,
                 before=before, after={k: _plain(v) for k, v in values.items()})
    return option


def _own_option(session: Session, project: AuditProject, option_id: int,
                expected_version: int | None) -> CleanerOption:
    option = session.get(CleanerOption, option_id)
    if option is None or option.project_id != project.id:
        raise RuleViolation("方案不存在或不属于本项目")
    if expected_version is not None and option.version != expected_version:
        raise RuleViolation(STALE_MESSAGE)
    return option


def delete_option(session: Session, actor: User, project_id: int, option_id: int,
                  expected_version: int | None = None) -> None:
    project, state = _writable(session, actor, project_id)
    if state.mode is not LedgerMode.OPEN:
        raise RuleViolation(state.reason)
    option = _own_option(session, project, option_id, expected_version)
    audit.record(session, actor=actor, action="option.delete", object_type="cleaner_option", object_id=option.id,
                 before={"name": option.name, "kind": option.kind.value})
    session.delete(option)
    flush_or_stale(session, STALE_MESSAGE)


def totals(options: list[CleanerOption]) -> dict[str, float]:
    """Sums of the ledger's figures (and counts by kind), for the project and the summaries."""
    result = {key: sum(getattr(o, key) for o in options) for key in FIGURES}
    result["low_cost"] = sum(1 for o in options if o.kind is OptionKind.LOW_COST)
    result["high_cost"] = sum(1 for o in options if o.kind is OptionKind.HIGH_COST)
    return result


def _plain(value):
    return getattr(value, "value", value)
