"""The synthetic province's audits: one project per accepted letter, with its startup data, stage records
and completions, options, evaluation and acceptance cases (bench/synthetic_cases.py), permit and disclosures.

How far a project has come is drawn per campaign: the older campaign is mostly through evaluation and half
through acceptance, the newer one mostly at its first stages. The enterprise tier's account (the showcase,
in 涿州) has a complete record: every stage, options, evaluation passed, acceptance under review, a
confirmed permit and two disclosures.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from bench import synthetic_cases
from core import disclosure, projects, stage_records
from core.audit import STATEMENT
from core.disclosure_models import DisclosureChannel, DisclosureRecord, PermitClass, PermitRecord
from core.project_models import (
    AuditMode,
    AuditProject,
    CaseKind,
    CleanerOption,
    OptionKind,
    OptionStatus,
    StageCompletion,
    StageRecord,
)
from core.stages import UPLOAD_KINDS, ItemKind, stages_of
from core.startup_fields import VALIDATORS

# A complete 项目启动 as an enterprise types it (checked by core.startup_fields once, then adapted per project).
STARTUP = {
    "basic": {"name": "合成企业有限公司", "credit_code": "91130681MA0CY0000A", "legal_representative": "张建国", "city_code": "130600", "county_code": "130681",
              "address": "工业园区 8 号", "industry_division": "17", "industry_group": "171", "industry_code": "1713",
              "ownership_type": "私营有限责任公司", "employees": 120, "working_days": 300, "audit_mode": "self"},
    "products": {"products": [{"name": "主要产品", "output": 12000.5, "unit": "吨"},
                              {"name": "副产品", "output": 300, "unit": "吨"}]},
    "eia": {"approval_number": "冀环评〔2015〕18号", "approval_date": "2015-06-09", "authority": "河北省环境保护厅"},
    "monitoring": {"points": [{"outlet": "DW001 废水总排口", "pollutant": "COD", "standard": "GB 8978-1996 表4 三级",
                               "result": 86.5, "unit": "mg/L", "date": "2026-01-15"},
                              {"outlet": "DA001 废气排口", "pollutant": "颗粒物", "standard": "GB 16297-1996",
                               "result": 8.2, "unit": "mg/m³", "date": "2026-01-15"}]},
    "acceptance": {"status": "accepted", "document_number": "冀环验〔2016〕5号", "date": "2016-03-01",
                   "authority": "河北省环境保护厅"},
}
CONSULTANCY = {"audit_mode": "consultancy", "consultancy_name": "河北清源环保科技有限公司",
               "consultancy_credit_code": "91130600MA0CB1234Y", "consultancy_contact": "李四",
               "consultancy_phone": "0311-87908917"}
STARTED = {"n1": 0.92, "n2": 0.70}  # startup submitted, of the accepted
EVALUATION_READY = {"n1": 0.72, "n2": 0.25}  # all six evaluation stages complete, of those started
OPTION_NAMES = ("冷却水循环利用", "生产废水分质回用", "照明节能改造", "空压机余热回收", "原料仓密闭改造", "清洗工序逆流漂洗")


def build(w) -> None:
    with Session(bind=w.load.connection) as session:
        w.startup_template = {step: VALIDATORS[step](session, data) for step, data in STARTUP.items()}
        w.consultancy_template = VALIDATORS["basic"](session, {**STARTUP["basic"], **CONSULTANCY})
    numbers: dict[str, int] = {}
    for letter in w.accepted_letters:
        _project(w, letter, numbers)
    w.meta["enterprise_projects"] = sum(1 for x in w.accepted_letters if x["enterprise_id"] == w.meta["enterprise_id"])


def _project(w, letter: dict, numbers: dict[str, int]) -> None:
    rnd, load = w.rnd, w.load
    enterprise_id, county = letter["enterprise_id"], letter["county"]
    showcase = enterprise_id == w.meta["enterprise_id"] and letter["notice"] == "n1"
    user = w.enterprise_user[enterprise_id]
    opened = letter["accepted_at"]
    prefix = f"{opened.year}{county}"
    numbers[prefix] = numbers.get(prefix, 0) + 1
    number = f"{prefix}{numbers[prefix]:05d}"
    started = showcase or rnd.random() < STARTED[letter["notice"]]
    startup, mode = _startup(w, enterprise_id, started)
    submitted_at = w.between(opened + timedelta(days=3), opened + timedelta(days=40)) if started else None
    project_id = load.add(AuditProject, letter_id=letter["letter_id"], enterprise_id=enterprise_id,
                          notice_id=letter["notice_id"], project_number=number, startup=startup,
                          startup_submitted_at=submitted_at, audit_mode=mode if started else None, created_at=opened,
                          version=1 + len(startup) + started)
    w.audit("project.open", projects.OWNER_PROJECT, project_id, opened, user,
            after={"project_number": number, "letter_id": letter["letter_id"]})
    for step, data in startup.items():
        w.audit("startup.save", projects.OWNER_PROJECT, project_id, opened + timedelta(days=1), user,
                after={step: data})
    if not started:
        return
    w.audit("startup.submit", projects.OWNER_PROJECT, project_id, submitted_at, user,
            after={"audit_mode": mode.value, "submitted_at": submitted_at.isoformat()}, statement=STATEMENT)
    if showcase:
        w.meta["enterprise_project_id"] = project_id
    project = {"id": project_id, "enterprise_id": enterprise_id, "county": county, "user": user,
               "managing": w.enterprises[enterprise_id]["managing"], "since": submitted_at,
               "industry": w.enterprises[enterprise_id]["industry"], "showcase": showcase}
    ready = showcase or rnd.random() < EVALUATION_READY[letter["notice"]]
    evaluation_done = 6 if ready else rnd.randint(0, 5)
    _stages(w, project, "evaluation", evaluation_done)
    _options(w, project, evaluation_done)
    passed = False
    if evaluation_done == 6 and (showcase or rnd.random() < 0.95):
        passed = synthetic_cases.cases_of(w, project, CaseKind.EVALUATION, letter["notice"])
    if passed:
        acceptance_done = 3 if showcase or rnd.random() < 0.6 else rnd.randint(0, 2)
        _stages(w, project, "acceptance", acceptance_done)
        if acceptance_done == 3 and (showcase or rnd.random() < 0.9):
            synthetic_cases.cases_of(w, project, CaseKind.ACCEPTANCE, letter["notice"])
    _permit(w, project)
    _disclosures(w, project, letter)


def _startup(w, enterprise_id: int, started: bool) -> tuple[dict, AuditMode]:
    """The wizard's saved steps: all five once submitted, else none or the first ones."""
    rnd = w.rnd
    enterprise = w.enterprises[enterprise_id]
    industry = enterprise["industry"]
    consultancy = rnd.random() < 0.6
    basic = dict(w.consultancy_template if consultancy else w.startup_template["basic"])
    basic.update(name=enterprise["name"], county_code=enterprise["county"], city_code=w.city_of(enterprise["county"]),
                 industry_division=industry[:2], industry_group=industry[:3], industry_code=industry,
                 address=f"{w.divisions[enterprise['county']]['name']}工业园区{rnd.randint(1, 99)}号")
    steps = {"basic": basic, **{k: v for k, v in w.startup_template.items() if k != "basic"}}
    if not started:
        keep = rnd.choice((0, 1, 1, 2, 3))
        steps = dict(list(steps.items())[:keep])
    return steps, AuditMode.CONSULTANCY if consultancy else AuditMode.SELF


def _stages(w, project: dict, phase: str, done: int) -> None:
    """The records of the first `done` stages of the phase (complete), and part of the next one."""
    rnd, load = w.rnd, w.load
    at = project["since"] + timedelta(days=5 if phase == "evaluation" else 120)
    for index, stage in enumerate(stages_of(phase)):
        if index > done or (index == done and rnd.random() < 0.3):
            break
        complete = index < done
        items = [i for i in stage.items if (i.required and complete) or rnd.random() < 0.15]
        for item in items:
            at = min(at + timedelta(hours=rnd.uniform(2, 60)), w.now - timedelta(days=1))
            value = {}
            if item.kind is ItemKind.FIGURE:
                value["number_value"] = round(rnd.uniform(10, 5000), 1)
            elif item.kind is ItemKind.TEXT:
                value["text_value"] = f"{item.label}：本企业按审核要求完成了相关工作，详见附件。"
            record_id = load.add(StageRecord, project_id=project["id"], stage=stage.key, item_key=item.key,
                                 text_value=value.get("text_value"), number_value=value.get("number_value"),
                                 updated_at=at, updated_by_user_id=project["user"])
            if item.kind in UPLOAD_KINDS:
                kind = "png" if item.kind is ItemKind.PHOTO else "pdf"
                w.attach(stage_records.OWNER_RECORD, record_id, item.kind.value, f"{item.label}.{kind}",
                         project["user"], at, kind)
            else:
                w.audit("stage.save", stage_records.OWNER_RECORD, record_id, at, project["user"],
                        before={"value": None}, after={"stage": stage.key, "item": item.key, **value})
        if complete:
            load.add(StageCompletion, project_id=project["id"], stage=stage.key, completed_at=at,
                     completed_by_user_id=project["user"])
            w.audit("stage.complete", projects.OWNER_PROJECT, project["id"], at, project["user"],
                    after={"stage": stage.key})
    project["stages_at"] = at


def _options(w, project: dict, evaluation_done: int) -> None:
    rnd = w.rnd
    if evaluation_done < 4:
        return
    for k in range(4 if project["showcase"] else rnd.randint(1, 4)):
        high = k == 3 or rnd.random() < 0.2
        at = project["since"] + timedelta(days=rnd.uniform(20, 60))
        option_id = w.load.add(
            CleanerOption, project_id=project["id"], kind=OptionKind.HIGH_COST if high else OptionKind.LOW_COST,
            name=rnd.choice(OPTION_NAMES), stage="option_generation",
            status=OptionStatus.IMPLEMENTED if rnd.random() < 0.6 else OptionStatus.PLANNED,
            investment=round(rnd.uniform(50, 800) if high else rnd.uniform(0.5, 30), 2),
            economic_benefit=round(rnd.uniform(0, 60), 2), water_saved=round(rnd.uniform(0, 8000), 1),
            cod_reduced=round(rnd.uniform(0, 3), 3), ammonia_reduced=round(rnd.uniform(0, 0.5), 3),
            other_reduced=round(rnd.uniform(0, 1), 3), energy_saved=round(rnd.uniform(0, 80), 1), created_at=at,
            updated_at=at, version=1)
        w.audit("option.save", "cleaner_option", option_id, at, project["user"], after={"name": "…", "kind": "…"})


def _permit(w, project: dict) -> None:
    """排污许可证: most are recorded; of those, half confirmed by the county, some not written, a few revoked."""
    rnd = w.rnd
    if not project["showcase"] and rnd.random() > 0.65:
        return
    county_user = w.dept_user[project["county"]]
    recorder = county_user if rnd.random() < 0.2 else project["user"]
    at = project["since"] + timedelta(days=rnd.uniform(5, 30))
    draw = 0.0 if project["showcase"] else rnd.random()
    not_written = 0.85 <= draw < 0.95
    confirmed = at + timedelta(days=3) if draw < 0.5 else None
    revoked = at + timedelta(days=5) if draw >= 0.95 else None
    record_id = w.load.add(
        PermitRecord, project_id=project["id"], permit_number=f"91130{project['id']:010d}001P",
        management_class=rnd.choice(list(PermitClass)), requirement_written=not not_written,
        written_on=None if not_written else (at - timedelta(days=10)).date(), created_by_user_id=recorder,
        created_at=at,
        recorded_by_user_id=recorder, recorded_at=at, confirmed_by_user_id=county_user if confirmed else None,
        confirmed_at=confirmed, revoked_by_user_id=county_user if revoked else None, revoked_at=revoked,
        revoke_reason="许可证编号与扫描件不一致" if revoked else None, version=1 + bool(confirmed) + 2 * bool(revoked))
    w.attach(disclosure.OWNER_PERMIT, record_id, disclosure.PERMIT_SCAN, "排污许可证.pdf", recorder, at)
    w.audit("permit.record", disclosure.OWNER_PERMIT, record_id, at, recorder, after={"permit_number": "…"})
    if confirmed:
        w.audit("permit.confirm", disclosure.OWNER_PERMIT, record_id, confirmed, county_user, statement=STATEMENT)


def _disclosures(w, project: dict, letter: dict) -> None:
    rnd = w.rnd
    count = 2 if project["showcase"] else rnd.choices((0, 1, 2), (0.3, 0.5, 0.2))[0]
    for k in range(count):
        at = letter["accepted_at"] + timedelta(days=rnd.uniform(3, 40) + 30 * k)
        channel = rnd.choice(list(DisclosureChannel))
        location = f"https://www.example-{project['enterprise_id']}.cn/gongshi/{k + 1}.html" if channel.needs_url \
            else "《河北日报》第 3 版"
        record_id = w.load.add(DisclosureRecord, project_id=project["id"], channel=channel, location=location,
                               published_on=min(at, w.now).date(), recorded_by_user_id=project["user"],
                               recorded_at=min(at, w.now))
        w.attach(disclosure.OWNER_DISCLOSURE, record_id, disclosure.DISCLOSURE_EVIDENCE, "公示截图.png",
                 project["user"], min(at, w.now), "png")
        w.audit("disclosure.add", disclosure.OWNER_DISCLOSURE, record_id, min(at, w.now), project["user"],
                after={"channel": channel.value, "location": location})
