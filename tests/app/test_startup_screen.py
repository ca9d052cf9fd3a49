"""项目启动 screen: per-field errors that keep what was typed, restore after leaving, submit, then read-only."""

from __future__ import annotations

from datetime import date, timedelta

from streamlit.testing.v1 import AppTest

from core import auth
from core.credit_code import check_character
from core.db import unit_of_work
from core.project_models import AuditMode, AuditProject
from core.startup_fields import today
from tests.app.conftest import activate, click, new_app, sign_in_as, texts
from tests.conftest import demo_password
from tests.support.projects import accepted_project
from tests.unit.test_startup import OWN_CREDIT

PAGE = "pages/project_startup.py"
CREDIT = "91130600MA0CB1234" + check_character("91130600MA0CB1234")


def _enterprise() -> tuple[AppTest, int, str]:
    with unit_of_work() as s:
        project, enterprise = accepted_project(s)
        token = auth.open_session(s, enterprise)
        pid = project.id
    return _open(token), pid, token


def _open(token: str) -> AppTest:
    """A browser session of the enterprise (a fresh one each call) on the 项目启动 page."""
    at = new_app()
    at.session_state["session_token"] = token
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _step(at: AppTest, pid: int, label: str) -> AppTest:
    at.radio(key=f"startup_step_{pid}").set_value(label).run()
    assert not at.exception, at.exception
    return at


def _fill(at: AppTest, key: str, value) -> None:
    for kind in ("text_input", "number_input", "selectbox", "date_input", "radio", "text_area"):
        widgets = [w for w in getattr(at, kind) if w.key == key]
        if widgets:
            if kind in ("text_input", "text_area"):
                widgets[0].input(value)
            else:
                widgets[0].set_value(value)
            at.run()
            assert not at.exception, at.exception
            return
    raise AssertionError(f"no input {key!r}")


def _value(at: AppTest, key: str):
    for kind in ("text_input", "number_input", "selectbox", "date_input", "radio", "text_area"):
        for widget in getattr(at, kind):
            if widget.key == key:
                return widget.value
    raise AssertionError(f"no input {key!r}")


def _basic_restored(at: AppTest, k) -> None:
    assert _value(at, k("name")) == "保定玖福食品股份有限公司"
    assert _value(at, k("legal_representative")) == "庄福才"
    assert (_value(at, k("industry_division")), _value(at, k("industry_group")),
            _value(at, k("industry_code"))) == ("17", "171", "1713")
    assert (_value(at, k("employees")), _value(at, k("working_days"))) == (35, 300)
    assert _value(at, k("audit_mode")) == "consultancy"
    assert _value(at, k("consultancy_credit_code")) == CREDIT


def _products_restored(at: AppTest, pid: int) -> None:
    _step(at, pid, "产品信息")
    names = [t.value for t in at.text_input if t.key.startswith(f"su_{pid}_products_") and t.key.endswith("_name")]
    outputs = [n.value for n in at.number_input if n.key.startswith(f"su_{pid}_products_")]
    assert names == ["分割鸡肉", "熟食制品"] and outputs == [12000.5, 300.0]


def test_the_startup_wizard_keeps_input_restores_it_and_locks_on_submit(db):
    at, pid, token = _enterprise()
    assert "项目编号" in texts(at)

    def k(field, step="basic"):
        return f"su_{pid}_{step}_{field}"

    # 基本信息 starts from the enterprise's record; one figure is wrong.
    assert _value(at, k("name")) == "保定玖福食品有限公司" and _value(at, k("county_code")) == "130608"
    _fill(at, k("name"), "保定玖福食品股份有限公司")
    _fill(at, k("legal_representative"), "庄福才")
    _fill(at, k("address"), "保定市清苑区东闾乡工业园 8 号")
    _fill(at, k("industry_division"), "17")
    assert _value(at, k("industry_group")) is None  # the 中类 of 13 does not belong to 17
    assert [o for o in at.selectbox(key=k("industry_group")).options][:1] == ["171 棉纺织及印染精加工"]
    _fill(at, k("industry_group"), "171")
    _fill(at, k("industry_code"), "1713")
    _fill(at, k("ownership_type"), "私营有限责任公司")
    _fill(at, k("employees"), -5)
    _fill(at, k("working_days"), 300)
    _fill(at, k("audit_mode"), "consultancy")
    _fill(at, k("consultancy_name"), "河北清源环保科技有限公司")
    _fill(at, k("consultancy_credit_code"), CREDIT)
    _fill(at, k("consultancy_contact"), "李四")
    _fill(at, k("consultancy_phone"), "0311-87908917")
    at = click(at, "下一步")
    assert [e.value for e in at.error if "从业人数应为 1 至 1000000 之间的整数" in e.value]
    assert at.radio(key=f"startup_step_{pid}").value == "基本信息"
    assert _value(at, k("legal_representative")) == "庄福才" and _value(at, k("industry_code")) == "1713"
    assert _value(at, k("consultancy_phone")) == "0311-87908917" and _value(at, k("employees")) == -5
    with unit_of_work() as s:
        assert "basic" not in s.get(AuditProject, pid).startup

    _fill(at, k("employees"), 35)
    _fill(at, k("credit_code"), "91130608MA07X1234")  # 17 characters
    at = click(at, "下一步")
    assert "统一社会信用代码应为 18 位，当前为 17 位" in texts(at)
    _fill(at, k("credit_code"), OWN_CREDIT.lower())  # as typed: case does not matter
    at = click(at, "下一步")
    assert "“基本信息”已保存" in texts(at) and not at.error
    with unit_of_work() as s:
        assert s.get(AuditProject, pid).startup["basic"]["credit_code"] == OWN_CREDIT
    assert at.radio(key=f"startup_step_{pid}").value == "产品信息"

    # 产品信息: a second row, both filled, saved.
    at = click(at, "添加产品")
    _fill(at, k("0_name", "products"), "分割鸡肉")
    _fill(at, k("0_output", "products"), 12000.5)
    _fill(at, k("0_unit", "products"), "吨")
    _fill(at, k("1_name", "products"), "熟食制品")
    _fill(at, k("1_output", "products"), 300.0)
    _fill(at, k("1_unit", "products"), "万件")
    at = click(at, "保存")
    assert "“产品信息”已保存" in texts(at) and not at.error

    # Leave for the home page and come back; then a new browser session: everything is there.
    at.switch_page("pages/home.py").run()
    at.switch_page(PAGE).run()
    assert at.radio(key=f"startup_step_{pid}").value == "基本信息"
    _basic_restored(at, k)
    _products_restored(at, pid)
    at = _open(token)
    _basic_restored(at, k)
    _products_restored(at, pid)

    # The remaining steps.
    _step(at, pid, "环境影响评价信息")
    _fill(at, k("approval_number", "eia"), "保环评〔2015〕18号")
    _fill(at, k("approval_date", "eia"), date(2015, 6, 9))
    _fill(at, k("authority", "eia"), "保定市环境保护局")
    at = click(at, "下一步")
    assert at.radio(key=f"startup_step_{pid}").value == "监测信息"
    for field, value in (("outlet", "DW001 废水总排口"), ("pollutant", "COD"), ("standard", "GB 13457-92"),
                         ("result", -1.0), ("unit", "mg/L"), ("date", today() - timedelta(days=30))):
        _fill(at, k(f"0_{field}", "monitoring"), value)
    at = click(at, "下一步")
    assert [e.value for e in at.error if "最近一次监测结果应不小于 0" in e.value]
    assert _value(at, k("0_standard", "monitoring")) == "GB 13457-92"
    _fill(at, k("0_result", "monitoring"), 86.5)
    at = click(at, "下一步")
    assert at.radio(key=f"startup_step_{pid}").value == "环保工程验收"
    _fill(at, k("status", "acceptance"), "not_accepted")
    _fill(at, k("reason", "acceptance"), "项目处于试生产阶段，计划明年完成验收")
    at = click(at, "下一步")
    assert at.radio(key=f"startup_step_{pid}").value == "提交"
    assert "未保存" not in texts(at)

    at = click(at, "提交")
    assert "我同意上述内容" in texts(at)  # refused without the statement
    at.checkbox(key=f"startup_agree_{pid}").check().run()
    at = click(at, "提交")
    assert "项目启动信息已提交" in texts(at) and "以下内容只读" in texts(at)
    with unit_of_work() as s:
        project = s.get(AuditProject, pid)
        assert project.startup_submitted_at is not None and project.audit_mode is AuditMode.CONSULTANCY
        assert project.enterprise.name == "保定玖福食品股份有限公司"

    # Read-only afterwards, on every step.
    for label in ("基本信息", "产品信息", "监测信息", "提交"):
        _step(at, pid, label)
        inputs = [*at.text_input, *at.number_input, *at.selectbox, *at.date_input, *at.text_area]
        assert all(w.disabled for w in inputs)
        assert not [b for b in at.button if b.label in ("保存", "下一步", "提交", "添加产品")]
    _step(at, pid, "基本信息")
    assert _value(at, f"suro_{pid}_basic_employees") == 35


def test_an_enterprise_without_a_project_is_sent_to_accept_its_task(db):
    activate("QY1306060001")
    at = sign_in_as("QY1306060001", demo_password("QY1306060001")).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert "请先在“接受清审任务”中接受任务" in texts(at)
    assert not at.text_input
