"""项目启动 in core: each step's rules, saving and restoring, the lock after submission, who may do it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core import audit, startup
from core.credit_code import check_character
from core.errors import PermissionDenied, RuleViolation, ValidationError
from core.models import AuditLogEntry, Enterprise
from core.project_models import AuditMode, AuditProject
from core.startup import StepErrors
from core.startup_fields import today
from tests.support.projects import accepted_project
from tests.support.roster import QINGYUAN, user

CREDIT = "91130600MA0CB1234" + check_character("91130600MA0CB1234")
YESTERDAY = today() - timedelta(days=1)
OWN_CREDIT = "91130608MA07X1234" + check_character("91130608MA07X1234")
BASIC = {"name": "保定玖福食品股份有限公司", "credit_code": OWN_CREDIT, "legal_representative": "庄福才", "city_code": "130600",
         "county_code": QINGYUAN, "address": "保定市清苑区东闾乡工业园 8 号", "industry_division": "17",
         "industry_group": "171", "industry_code": "1713", "ownership_type": "私营有限责任公司", "employees": 35,
         "working_days": 300, "audit_mode": "self"}
CONSULTANCY = {"audit_mode": "consultancy", "consultancy_name": "河北清源环保科技有限公司",
               "consultancy_credit_code": CREDIT.lower(), "consultancy_contact": "李四",
               "consultancy_phone": "0311-87908917"}
PRODUCTS = {"products": [{"name": "分割鸡肉", "output": "12000.5", "unit": "吨"},
                         {"name": "", "output": None, "unit": None},  # a row added and left blank
                         {"name": "熟食制品", "output": 300, "unit": "万件"}]}
EIA = {"approval_number": "保环评〔2015〕18号", "approval_date": date(2015, 6, 9), "authority": "保定市环境保护局"}
MONITORING = {"points": [{"outlet": "DW001 废水总排口", "pollutant": "COD", "standard": "GB 13457-92 表3 三级",
                          "result": 86.5, "unit": "mg/L", "date": YESTERDAY.isoformat()},
                         {"outlet": "DW001 废水总排口", "pollutant": "氨氮", "standard": "GB 13457-92",
                          "result": 0, "unit": "mg/L", "date": YESTERDAY}]}
ACCEPTANCE = {"status": "accepted", "document_number": "保环验〔2016〕5号", "date": "2016-03-01",
              "authority": "保定市环境保护局"}
VALID = {"basic": BASIC, "products": PRODUCTS, "eia": EIA, "monitoring": MONITORING, "acceptance": ACCEPTANCE}


def save(s, project, enterprise, step, data):
    return startup.save_step(s, enterprise, project.id, step, data, project.version)


def refused(s, project, enterprise, step, data) -> dict[str, str]:
    before = dict(project.startup)
    with pytest.raises(StepErrors) as caught:
        save(s, project, enterprise, step, data)
    assert project.startup == before  # nothing stored
    assert isinstance(caught.value, ValidationError) and caught.value.field in caught.value.errors
    return caught.value.errors


def test_steps_are_saved_cleaned_and_restored(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        for step, data in VALID.items():
            save(s, project, enterprise, step, data)
        pid = project.id
    with uow() as s:
        project = s.get(AuditProject, pid)
        assert project.startup["basic"]["employees"] == 35 and project.startup["basic"]["consultancy_name"] == ""
        assert project.startup["products"] == {"products": [{"name": "分割鸡肉", "output": 12000.5, "unit": "吨"},
                                                            {"name": "熟食制品", "output": 300.0, "unit": "万件"}]}
        assert project.startup["eia"]["approval_date"] == "2015-06-09"
        assert [p["date"] for p in project.startup["monitoring"]["points"]] == [YESTERDAY.isoformat()] * 2
        assert project.startup["acceptance"]["reason"] == ""
        assert startup.progress(project) == {**{k: True for k in startup.DATA_STEPS}, "submit": False}
        assert project.startup_submitted_at is None
        logs = s.scalars(select(AuditLogEntry).where(AuditLogEntry.action == "startup.save")).all()
        assert len(logs) == 5 and logs[0].after == {"basic": project.startup["basic"]}
        # Saving again keeps the other steps and logs what was there before.
        save(s, project, enterprise, "eia", {**EIA, "authority": "保定市生态环境局"})
        assert project.startup["basic"]["employees"] == 35
        last = s.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id.desc())).first()
        assert last.before["eia"]["authority"] == "保定市环境保护局"
    with uow() as s:
        assert s.get(AuditProject, pid).startup["eia"]["authority"] == "保定市生态环境局"


@pytest.mark.parametrize(("step", "changes", "field", "words"), [
    ("basic", {"employees": -3}, "employees", "从业人数应为 1 至 1000000 之间的整数"),
    ("basic", {"employees": 0}, "employees", "之间的整数"),
    ("basic", {"employees": 1_000_001}, "employees", "之间的整数"),
    ("basic", {"employees": 35.5}, "employees", "之间的整数"),
    ("basic", {"employees": "三十五"}, "employees", "之间的整数"),
    ("basic", {"employees": None}, "employees", "请填写从业人数"),
    ("basic", {"working_days": 0}, "working_days", "年工作日应为 1 至 366"),
    ("basic", {"working_days": 400}, "working_days", "年工作日应为 1 至 366"),
    ("basic", {"name": " "}, "name", "请填写企业名称"),
    ("basic", {"legal_representative": ""}, "legal_representative", "请填写法定代表人"),
    ("basic", {"address": ""}, "address", "请填写地址"),
    ("basic", {"ownership_type": "乡镇企业"}, "ownership_type", "请选择企业性质"),
    ("basic", {"audit_mode": None}, "audit_mode", "请选择审核方式"),
    ("basic", {"county_code": None}, "county_code", "请选择所在区县"),
    ("basic", {"county_code": "130102"}, "county_code", "不属于所选地市"),
    ("basic", {"city_code": "110100", "county_code": "110101"}, "county_code", "河北省内"),
    ("basic", {"industry_code": None}, "industry_code", "请选择行业小类"),
    ("basic", {"industry_group": "172"}, "industry_code", "不属于所选的行业中类或大类"),
    ("basic", {"industry_division": "13", "industry_group": "135", "industry_code": "135"}, "industry_code",
     "4 位代码"),
    ("products", {"products": [{"name": "鸡肉", "output": -5, "unit": "吨"}]}, "products.0.output",
     "年产量应大于 0 且小于 10 亿"),
    ("products", {"products": [{"name": "鸡肉", "output": 0, "unit": "吨"}]}, "products.0.output", "大于 0"),
    ("products", {"products": [{"name": "鸡肉", "output": 1e9, "unit": "吨"}]}, "products.0.output", "小于 10 亿"),
    ("products", {"products": [{"name": "鸡肉", "output": "很多", "unit": "吨"}]}, "products.0.output", "应为数字"),
    ("products", {"products": [{"name": "鸡", "output": 1, "unit": "吨"}, {"name": "鸭", "output": 2, "unit": "斤"}]},
     "products.1.unit", "请选择计量单位"),
    ("products", {"products": [{"name": "鸡", "output": 1, "unit": "吨"}, {"name": "鸡", "output": 2, "unit": "吨"}]},
     "products.1.name", "重复"),
    ("products", {"products": [{"name": "", "output": 1, "unit": "吨"}]}, "products.0.name", "请填写产品名称"),
    ("products", {"products": []}, "products", "请至少填写一条产品信息"),
    ("products", {"products": [{"name": " ", "output": "", "unit": "吨"}]}, "products", "至少填写一条"),
    ("eia", {"approval_date": today() + timedelta(days=1)}, "approval_date", "不能晚于今天"),
    ("eia", {"approval_date": "1970-01-01"}, "approval_date", "不能早于 1979 年"),
    ("eia", {"approval_date": None}, "approval_date", "请选择环评批复日期"),
    ("eia", {"approval_number": ""}, "approval_number", "请填写环评批复文号"),
    ("eia", {"authority": ""}, "authority", "请填写审批部门"),
    ("monitoring", {"points": [{**MONITORING["points"][0], "result": -0.1}]}, "points.0.result",
     "不小于 0 且小于 10 亿"),
    ("monitoring", {"points": [{**MONITORING["points"][0], "result": 2e12}]}, "points.0.result", "小于 10 亿"),
    ("monitoring", {"points": [{**MONITORING["points"][0], "unit": ""}]}, "points.0.unit", "请选择监测结果单位"),
    ("monitoring", {"points": [{**MONITORING["points"][0], "date": "2999-01-01"}]}, "points.0.date", "不能晚于今天"),
    ("monitoring", {"points": [{**MONITORING["points"][0], "standard": ""}]}, "points.0.standard", "请填写执行标准"),
    ("monitoring", {"points": []}, "points", "请至少填写一条监测信息"),
    ("acceptance", {"status": None}, "status", "请选择环保工程验收情况"),
    ("acceptance", {"date": (today() + timedelta(days=3)).isoformat()}, "date", "验收日期不能晚于今天"),
    ("acceptance", {"document_number": ""}, "document_number", "请填写验收文号"),
    ("acceptance", {"status": "not_accepted"}, "reason", "请填写尚未验收的原因"),
])
def test_each_bad_input_is_refused_with_its_field(uow, step, changes, field, words):
    with uow() as s:
        project, enterprise = accepted_project(s)
        version = project.version
        errors = refused(s, project, enterprise, step, {**VALID[step], **changes})
        assert field in errors and words in errors[field], errors
        assert project.version == version


def test_every_fault_of_a_step_is_reported_at_once(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        errors = refused(s, project, enterprise, "basic", {**BASIC, "employees": -1, "working_days": 999, "name": ""})
        assert set(errors) == {"employees", "working_days", "name"}
        with pytest.raises(StepErrors) as caught:
            save(s, project, enterprise, "basic", {**BASIC, "employees": -1, "working_days": 999, "name": ""})
        assert caught.value.message.startswith("请修改标出的内容：") and "请填写企业名称" in caught.value.message


def test_not_yet_accepted_needs_only_a_reason_and_clears_the_rest(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        cleaned = save(s, project, enterprise, "acceptance", {**ACCEPTANCE, "status": "not_accepted",
                                                               "reason": "项目仍在试生产阶段"})
        assert cleaned == {"status": "not_accepted", "document_number": "", "date": None, "authority": "",
                           "reason": "项目仍在试生产阶段"}


def test_a_consultancy_needs_its_name_credit_code_contact_and_phone(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        errors = refused(s, project, enterprise, "basic", {**BASIC, "audit_mode": "consultancy"})
        assert set(errors) == {"consultancy_name", "consultancy_credit_code", "consultancy_contact",
                               "consultancy_phone"}
        errors = refused(s, project, enterprise, "basic", {**BASIC, **CONSULTANCY,
                                                            "consultancy_credit_code": CREDIT[:17] + "0",
                                                            "consultancy_phone": "12345"})
        assert "校验位不正确" in errors["consultancy_credit_code"]
        assert "手机号码" in errors["consultancy_phone"] and set(errors) == {"consultancy_credit_code",
                                                                              "consultancy_phone"}
        for number in ("13812345678", "031187908917", "0311-8790891", "0311-87908917-123"):
            cleaned = save(s, project, enterprise, "basic", {**BASIC, **CONSULTANCY, "consultancy_phone": number})
            assert cleaned["consultancy_phone"] == number
        assert cleaned["consultancy_credit_code"] == CREDIT  # upper-cased
        # Doing it oneself drops the consultancy that was typed.
        cleaned = save(s, project, enterprise, "basic", {**BASIC, **CONSULTANCY, "audit_mode": "self"})
        assert cleaned["consultancy_name"] == "" and cleaned["consultancy_credit_code"] == ""


def test_a_stale_version_is_refused(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        seen = project.version
        save(s, project, enterprise, "basic", BASIC)
        with pytest.raises(RuleViolation, match="其他用户修改"):
            startup.save_step(s, enterprise, project.id, "eia", EIA, seen)
        with pytest.raises(RuleViolation, match="其他用户修改"):
            startup.submit(s, enterprise, project.id, seen, agreed=True)
        assert "eia" not in project.startup


def test_submit_needs_every_step_and_the_statement_then_locks(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        save(s, project, enterprise, "basic", {**BASIC, **CONSULTANCY})
        save(s, project, enterprise, "products", PRODUCTS)
        with pytest.raises(RuleViolation, match="环境影响评价信息、监测信息、环保工程验收"):
            startup.submit(s, enterprise, project.id, project.version, agreed=True)
        for step in ("eia", "monitoring", "acceptance"):
            save(s, project, enterprise, step, VALID[step])
        with pytest.raises(ValidationError, match="我同意上述内容"):
            startup.submit(s, enterprise, project.id, project.version, agreed=False)
        assert project.startup_submitted_at is None
        company = s.get(Enterprise, project.enterprise_id)
        old_name, old_industry = company.name, company.industry_code
        # A code another enterprise holds is refused without naming that enterprise; nothing is submitted.
        other = s.scalar(select(Enterprise).where(Enterprise.id != company.id))
        other.credit_code = OWN_CREDIT
        s.flush()
        with pytest.raises(RuleViolation, match=f"统一社会信用代码 {OWN_CREDIT} 已被其他企业登记") as refused:
            startup.submit(s, enterprise, project.id, project.version, agreed=True)
        assert other.name not in str(refused.value) and project.startup_submitted_at is None
        other.credit_code = None
        s.flush()
        startup.submit(s, enterprise, project.id, project.version, agreed=True)
        assert project.startup_submitted_at is not None and project.audit_mode is AuditMode.CONSULTANCY
        assert startup.progress(project)["submit"]
        assert (company.name, company.industry_code, company.legal_representative, company.ownership_type,
                company.credit_code) == ("保定玖福食品股份有限公司", "1713", "庄福才", "私营有限责任公司", OWN_CREDIT)
        change = s.scalar(select(AuditLogEntry).where(AuditLogEntry.action == "enterprise.update_from_startup"))
        assert change.before["name"] == old_name and change.after["name"] == company.name
        assert change.before["industry_code"] == old_industry and change.after["industry_code"] == "1713"
        done = s.scalar(select(AuditLogEntry).where(AuditLogEntry.action == "startup.submit"))
        assert done.statement == audit.STATEMENT and done.after["audit_mode"] == "consultancy"
        with pytest.raises(RuleViolation, match="项目启动信息已提交，不能再修改"):
            save(s, project, enterprise, "eia", EIA)
        with pytest.raises(RuleViolation, match="项目启动信息已提交，不能再修改"):
            startup.submit(s, enterprise, project.id, project.version, agreed=True)


def test_only_the_projects_own_enterprise_may_fill_it_in(uow):
    with uow() as s:
        project, enterprise = accepted_project(s)
        save(s, project, enterprise, "basic", BASIC)
        for other in (user(s, "QY1306060001"), user(s, QINGYUAN)):
            with pytest.raises(PermissionDenied):
                startup.save_step(s, other, project.id, "basic", BASIC, project.version)
            with pytest.raises(PermissionDenied):
                startup.submit(s, other, project.id, project.version, agreed=True)
        assert project.startup_submitted_at is None


def test_the_first_basic_form_starts_from_the_enterprise_record(uow):
    with uow() as s:
        project, _ = accepted_project(s)
        first = startup.initial_basic(project)
        assert first["name"] == "保定玖福食品有限公司"
        assert (first["city_code"], first["county_code"]) == ("130600", QINGYUAN)
        assert (first["industry_division"], first["industry_group"], first["industry_code"]) == ("13", "135", "1352")
        choices = startup.reference_choices(s)
        assert ("130608", "清苑区") in choices["places"]["130600"]
        assert ("139900", "雄安新区") in choices["places"][""]
        assert ("130629", "容城县") in choices["places"]["139900"]
        assert ("1713", "棉印染精加工") in choices["industries"]["171"]
        assert ("17", "纺织业") in choices["industries"][""]
