"""An enterprise in the browser: the startup wizard, every evaluation stage with uploads, two options,
and the evaluation application."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from core.db import unit_of_work
from core.models import Enterprise
from core.passwords import hash_password
from core.project_models import Case, CaseKind
from core.stages import ItemKind, stages_of
from tests.browser.conftest import ARTIFACTS, settle
from tests.browser.test_roster_loop import expect, press
from tests.support.projects import accepted_project
from tests.support.roster import pdf_bytes, png_bytes

pytestmark = pytest.mark.browser
PASSWORD = "Qiye#2026abc"


def rest(page) -> None:
    """Let the rerun an edit triggers begin, then wait for it to end (it starts a moment after the edit)."""
    page.wait_for_timeout(300)
    settle(page)


def login(page, account: str) -> None:
    settle(page)
    page.get_by_label("账号").fill(account)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="立即登录").click()
    page.get_by_text("欢迎，").first.wait_for()


def go(page, link: str) -> None:
    settle(page)
    page.get_by_role("link", name=link).first.click()
    settle(page)


def type_in(page, label: str, value: str, nth: int = 0) -> None:
    """Type into the nth input labelled `label` and leave it, so that its value is sent."""
    settle(page)
    box = page.get_by_label(label, exact=True).nth(nth)
    box.fill(value)
    box.press("Tab")
    rest(page)


def date_in(page, label: str, digits: str) -> None:
    """Streamlit's date field is a group of segments (year, month, day): type the digits in order."""
    settle(page)
    group = page.get_by_label(label, exact=True).first
    group.locator('[role="spinbutton"]').first.click()
    page.keyboard.type(digits)
    page.keyboard.press("Tab")
    rest(page)


def choose(page, label: str, option: str, nth: int = 0) -> None:
    settle(page)
    box = page.get_by_label(label, exact=True).nth(nth)
    box.click()
    page.get_by_role("option", name=option).first.click()
    rest(page)


def step(page, label: str) -> None:
    settle(page)
    page.locator('[data-testid="stRadio"]').filter(has_text="办理步骤").get_by_text(label, exact=True).click()
    settle(page)


def startup_wizard(page) -> None:
    go(page, "项目启动")
    type_in(page, "从业人数（人）*", "35")
    type_in(page, "年工作日（天）*", "300")
    page.get_by_text("企业自行开展").first.click()
    press(page, "下一步")
    expect(page, "“基本信息”已保存")
    type_in(page, "产品名称 *", "分割鸡肉")
    type_in(page, "年产量 *", "12000")
    choose(page, "计量单位 *", "吨")
    press(page, "添加产品")
    type_in(page, "产品名称 *", "冻鸡副产品", nth=1)
    type_in(page, "年产量 *", "800", nth=1)
    choose(page, "计量单位 *", "吨", nth=1)
    press(page, "下一步")
    expect(page, "“产品信息”已保存")
    type_in(page, "环评批复文号 *", "保环评〔2015〕18号")
    date_in(page, "批复日期 *", "20150618")
    type_in(page, "审批部门 *", "保定市环境保护局")
    press(page, "下一步")
    expect(page, "“环境影响评价信息”已保存")
    type_in(page, "排放口名称 *", "DW001 废水总排口")
    type_in(page, "污染物 *", "COD")
    type_in(page, "执行标准 *", "GB 13457-92 表3 一级")
    type_in(page, "最近一次监测结果 *", "45")
    choose(page, "单位 *", "mg/L")
    date_in(page, "监测日期 *", "20261015")
    press(page, "下一步")
    expect(page, "“监测信息”已保存")
    page.get_by_text("已通过环保工程验收").first.click()
    settle(page)
    type_in(page, "验收文号 *", "保环验〔2016〕9号")
    date_in(page, "验收日期 *", "20160901")
    type_in(page, "验收部门 *", "保定市环境保护局")
    press(page, "下一步")
    expect(page, "“环保工程验收”已保存")
    page.get_by_text("我同意上述内容").first.click()
    settle(page)
    press(page, "提交")
    expect(page, "项目启动信息已提交")


def item_box(page, label: str, control: str, button: str):
    """The innermost block holding an item's label, its `control` and its button: the item's box."""
    return (page.locator('[data-testid="stVerticalBlock"]').filter(has_text=label).filter(has=page.locator(control))
            .filter(has=page.get_by_role("button", name=button, exact=True)).last)


def record_evaluation_stages(page, files: dict) -> None:
    go(page, "工作过程填报")
    for stage in stages_of("evaluation"):
        settle(page)
        page.locator('[data-testid="stRadio"]').get_by_text(re.compile(rf"^\d\. {stage.label}$")).first.click()
        rest(page)
        page.get_by_role("heading", name=stage.label, exact=True).wait_for()
        for item in stage.items:
            if item.kind in (ItemKind.DOCUMENT, ItemKind.PHOTO):
                box = item_box(page, item.label, 'input[type="file"]', "上传")
                path = files["pdf" if item.kind is ItemKind.DOCUMENT else "png"]
                for attempt in range(3):  # a rerun redrawing the uploader meanwhile drops the file: pick again
                    rest(page)
                    box.locator('input[type="file"]').set_input_files(str(path))
                    try:
                        box.get_by_text(path.name).first.wait_for(timeout=8_000)
                        break
                    except PlaywrightTimeout:
                        if attempt == 2:
                            raise
                settle(page)
                rest(page)
                box.get_by_role("button", name="上传", exact=True).click()
                rest(page)
                item_box(page, item.label, 'input[type="file"]', "上传").get_by_text("已填", exact=True).wait_for()
            else:
                control = "textarea" if item.kind is ItemKind.TEXT else "input"
                field = item_box(page, item.label, control, "保存").locator(control).first
                field.fill("1200" if item.kind is ItemKind.FIGURE else f"{item.label}：按审核指南完成。")
                field.press("Tab")
                rest(page)
                item_box(page, item.label, control, "保存").get_by_role("button", name="保存", exact=True).click()
                rest(page)
                item_box(page, item.label, control, "保存").get_by_text("已填", exact=True).wait_for()
        rest(page)
        press(page, "标记本阶段完成")
        rest(page)
        if stage.min_options:
            expect(page, "方案台账中至少")
            add_options(page)
            go(page, "工作过程填报")
            page.locator('[data-testid="stRadio"]').get_by_text(re.compile(rf"^\d\. {stage.label}$")).first.click()
            rest(page)
            page.get_by_role("heading", name=stage.label, exact=True).wait_for()
            rest(page)
            press(page, "标记本阶段完成")
        expect(page, f"“{stage.label}”已标记完成")


def add_options(page) -> None:
    go(page, "方案台账")
    for name, kind, investment, water in (("冷却水循环利用", "无/低费方案", "3.5", "1200"),
                                          ("中水回用改造", "中/高费方案", "120", "30000")):
        type_in(page, "方案名称 *", name)
        choose(page, "类型 *", kind)
        type_in(page, "投资（万元）", investment)
        type_in(page, "节水（t/a）", water)
        press(page, "保存方案")
        expect(page, f"已保存方案“{name}”")


def test_an_enterprise_starts_records_the_evaluation_stages_and_applies(page, tmp_path):
    with unit_of_work() as s:
        project, enterprise = accepted_project(s)
        enterprise.password_hash = hash_password(PASSWORD)
        facts = s.get(Enterprise, enterprise.enterprise_id)
        facts.legal_representative, facts.address, facts.ownership_type = "庄福才", "保定市清苑区东闾乡", "私营有限责任公司"
        account, project_id = enterprise.login, project.id
    files = {"pdf": tmp_path / "证明材料.pdf", "png": tmp_path / "现场照片.png"}
    files["pdf"].write_bytes(pdf_bytes())
    files["png"].write_bytes(png_bytes())

    login(page, account)
    startup_wizard(page)
    record_evaluation_stages(page, files)
    go(page, "评估验收申请")
    type_in(page, "申请联系人 *", "张三")
    type_in(page, "联系电话 *", "13812345678")
    page.get_by_label("审核工作概述 *").fill("本轮审核完成了审核准备至方案的确定六个阶段，登记无低费和中高费方案各一项。")
    page.get_by_text("我已阅读并同意").first.click()
    press(page, "提交评估申请")
    expect(page, "评估申请已提交")
    page.screenshot(path=str(ARTIFACTS / "enterprise_applied.png"), full_page=True)
    with unit_of_work() as s:
        [case] = s.scalars(select(Case).where(Case.project_id == project_id)).all()
        assert case.kind is CaseKind.EVALUATION and case.application["contact"] == "张三"
