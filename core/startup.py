"""项目启动: the enterprise's startup wizard for one audit project (seed 000/001 §4.2).

Six steps as on the seed's screen. Each of the first five is saved on its own (保存 / 下一步), checked by
core.startup_fields, and kept in AuditProject.startup under the step's key exactly as cleaned, so that a
user who leaves and comes back finds everything. 提交 needs every step and the statement; it fixes the
audit mode, writes the enterprise's own facts from 基本信息, and locks the wizard.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, projects
from core.db import flush_or_stale, lock
from core.divisions import PROVINCE_CODE
from core.errors import RuleViolation, ValidationError
from core.models import OWNERSHIP_TYPES, Division, Enterprise, Industry, Tier, User, utcnow
from core.project_models import AuditMode, AuditProject
from core.startup_fields import VALIDATORS, StepErrors

__all__ = ["DATA_STEPS", "LABELS", "STEPS", "StepErrors", "initial_basic", "progress", "reference_choices",
           "save_step", "submit"]

STEPS: tuple[tuple[str, str], ...] = (
    ("basic", "基本信息"),
    ("products", "产品信息"),
    ("eia", "环境影响评价信息"),
    ("monitoring", "监测信息"),
    ("acceptance", "环保工程验收"),
    ("submit", "提交"),
)
LABELS = dict(STEPS)
DATA_STEPS = tuple(key for key, _ in STEPS if key != "submit")
# The enterprise's own facts that 基本信息 restates; written to the enterprise on submission.
ENTERPRISE_FACTS = ("name", "credit_code", "legal_representative", "address", "industry_code", "ownership_type")
LOCKED_MESSAGE = "项目启动信息已提交，不能再修改"
STALE_MESSAGE = "项目启动信息已在其他页面或由其他用户修改，请刷新页面后重试（您填写的内容仍保留在页面上）"


def _editable(session: Session, actor: User, project_id: int, expected_version: int) -> AuditProject:
    project = projects.own_project(session, actor, project_id)
    lock(session, project, STALE_MESSAGE)  # a second save or submission at the same moment waits, then is judged
    if project.startup_submitted_at is not None:
        raise RuleViolation(LOCKED_MESSAGE)
    if project.version != expected_version:
        raise RuleViolation(STALE_MESSAGE)
    return project


def save_step(session: Session, actor: User, project_id: int, step: str, data: dict[str, Any],
              expected_version: int) -> dict[str, Any]:
    """Check and keep one step's input; returns the cleaned data as stored.

    Raises StepErrors (a ValidationError carrying every field's message) when the input is refused;
    nothing is stored then.
    """
    if step not in VALIDATORS:
        raise RuleViolation("没有这一步")
    project = _editable(session, actor, project_id, expected_version)
    cleaned = VALIDATORS[step](session, data or {})
    before = (project.startup or {}).get(step)
    project.startup = {**(project.startup or {}), step: cleaned}  # a new dict, so that the change is seen
    flush_or_stale(session, STALE_MESSAGE)
    audit.record(session, actor=actor, action="startup.save", object_type=projects.OWNER_PROJECT,
                 object_id=project.id, before={step: before} if before is not None else None, after={step: cleaned})
    return cleaned


def progress(project: AuditProject) -> dict[str, bool]:
    """Which steps are done: a data step once saved, 提交 once submitted."""
    saved = project.startup or {}
    done = {key: key in saved for key in DATA_STEPS}
    done["submit"] = project.startup_submitted_at is not None
    return done


def submit(session: Session, actor: User, project_id: int, expected_version: int, agreed: bool) -> None:
    """Fix the startup information: every step saved and still valid, and the statement agreed."""
    project = _editable(session, actor, project_id, expected_version)
    saved = project.startup or {}
    missing = [LABELS[key] for key in DATA_STEPS if key not in saved]
    if missing:
        raise RuleViolation(f"请先填写并保存以下步骤：{'、'.join(missing)}")
    for key in DATA_STEPS:  # stored data was valid when saved; the reference data may have moved since
        try:
            VALIDATORS[key](session, saved[key])
        except ValidationError as exc:
            raise RuleViolation(f"“{LABELS[key]}”中的信息需要修改，请返回该步骤修改后保存：{exc.message}") from exc
    if not agreed:
        raise ValidationError("请先阅读并勾选“我同意上述内容”", field="statement")
    basic = saved["basic"]
    enterprise = project.enterprise
    holder = session.scalar(select(Enterprise).where(Enterprise.credit_code == basic["credit_code"],
                                                     Enterprise.id != enterprise.id))
    if holder is not None:
        # Another enterprise's name is not this enterprise's business: say only that the code is taken.
        raise RuleViolation(f"统一社会信用代码 {basic['credit_code']} 已被其他企业登记，请核对“基本信息”中的代码；"
                            "确属本企业的，请联系所在区县生态环境部门更正")
    before = {key: getattr(enterprise, key) for key in ENTERPRISE_FACTS}
    after = {key: basic[key] for key in ENTERPRISE_FACTS}
    for key, value in after.items():
        setattr(enterprise, key, value)
    project.audit_mode = AuditMode(basic["audit_mode"])
    project.startup_submitted_at = utcnow()
    flush_or_stale(session, STALE_MESSAGE)
    if before != after:
        changed = [k for k in ENTERPRISE_FACTS if before[k] != after[k]]
        audit.record(session, actor=actor, action="enterprise.update_from_startup", object_type="enterprise",
                     object_id=enterprise.id, before={k: before[k] for k in changed},
                     after={k: after[k] for k in changed})
    audit.record(session, actor=actor, action="startup.submit", object_type=projects.OWNER_PROJECT,
                 object_id=project.id, after={"audit_mode": project.audit_mode.value,
                                              "submitted_at": project.startup_submitted_at.isoformat()},
                 statement=audit.STATEMENT)


# --- for the screen -------------------------------------------------------------------------------

def initial_basic(project: AuditProject) -> dict[str, Any]:
    """基本信息 before it was first saved: what the enterprise's record already says."""
    enterprise = project.enterprise
    code = enterprise.industry_code or ""
    division = enterprise.division
    in_province = division.level is Tier.COUNTY and division.province_code == PROVINCE_CODE
    return {
        "name": enterprise.name, "credit_code": enterprise.credit_code or "",
        "legal_representative": enterprise.legal_representative or "",
        "city_code": division.city_code if in_province else None,
        "county_code": division.code if in_province else None, "address": enterprise.address or "",
        "industry_division": code[:2] or None, "industry_group": code[:3] if len(code) >= 3 else None,
        "industry_code": code if len(code) == 4 else None,
        "ownership_type": enterprise.ownership_type if enterprise.ownership_type in OWNERSHIP_TYPES else None,
        "employees": None, "working_days": None, "audit_mode": None, "consultancy_name": "",
        "consultancy_credit_code": "", "consultancy_contact": "", "consultancy_phone": "",
    }


def reference_choices(session: Session) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """The cascading choices: Hebei's cities and their counties; 大类 → 中类 → 小类 of GB/T 4754-2017.

    Both maps are keyed by the parent's code, "" for the top level.
    """
    places: dict[str, list[tuple[str, str]]] = {}
    rows = session.execute(select(Division.code, Division.short_name, Division.level, Division.city_code)
                           .where(Division.province_code == PROVINCE_CODE, Division.level != Tier.PROVINCE)
                           .order_by(Division.code))
    for code, name, level, city in rows:
        places.setdefault("" if level is Tier.CITY else city, []).append((code, name))
    industries: dict[str, list[tuple[str, str]]] = {}
    rows = session.execute(select(Industry.code, Industry.name, Industry.level, Industry.parent_code)
                           .where(Industry.level.in_(("division", "group", "class"))).order_by(Industry.code))
    for code, name, level, parent in rows:
        industries.setdefault("" if level == "division" else parent, []).append((code, name))
    return {"places": places, "industries": industries}
