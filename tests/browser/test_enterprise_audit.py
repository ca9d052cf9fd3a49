"""An enterprise in the browser: the startup wizard, every evaluation stage with uploads, two options,
and the evaluation application."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from core.models import Enterprise
from core.passwords import hash_password
from core.project_models import Case, CaseKind, CleanerOption
from core.stages import ItemKind, stages_of
from tests.browser.conftest import ARTIFACTS, choose_radio, in_form, pick_option, reran, settle
from tests.browser.test_roster_loop import expect, press, tick
from tests.support.projects import accepted_project
from tests.support.roster import pdf_bytes, png_bytes
from tests.unit.test_startup import OWN_CREDIT

pytestmark = pytest.mark.browser
PASSWORD = "Qiye#2026abc"


def login(page, account: str) -> None:
    settle(page)
    page.get_by_label("账号").fill(account)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="立即登录").click()
    page.get_by_text("欢迎，").first.wait_for()


def go(page, link: str) -> None:
    with reran(page):
        page.get_by_role("link", name=link).first.click()


def type_in(page, label: str, value: str, nth: int = 0) -> None:
    """Type into the nth input labelled `label` and leave it, so that its value is sent."""
    box = page.get_by_label(label, exact=True).nth(nth)
    with reran(page, when=not in_form(box)):
        box.fill(value)
        box.press("Tab")


def date_in(page, label: str, digits: str) -> None:
    """Streamlit's date field is a group of segments (year, month, day): type the digits in order."""
    group = page.get_by_label(label, exact=True).first
    with reran(page, when=not in_form(group)):
        group.locator('[role="spinbutton"]').first.click()
        page.keyboard.type(digits)
        page.keyboard.press("Tab")  # to the calendar button; the calendar has opened meanwhile
        page.keyboard.press("Escape")  # closing it sends the date


def choose(page, label: str, option: str, nth: int = 0) -> None:
    box = page.get_by_label(label, exact=True).nth(nth)
    with reran(page, when=not in_form(box)):
        pick_option(page, box, option)


def step(page, label: str) -> None:
    choose_radio(page, page.locator('[data-testid="stRadio"]').filter(has_text="办理步骤"), label)


def startup_wizard(page) -> None:
    go(page, "项目启动")
    type_in(page, "统一社会信用代码 *", "91130608MA07X1234X")  # the check character is wrong
    type_in(page, "从业人数（人）*", "35")
    type_in(page, "年工作日（天）*", "300")
    choose_radio(page, page, "企业自行开展")
    press(page, "下一步")
    expect(page, "统一社会信用代码校验位不正确")
    type_in(page, "统一社会信用代码 *", OWN_CREDIT)
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
    choose_radio(page, page, "已通过环保工程验收")
    type_in(page, "验收文号 *", "保环验〔2016〕9号")
    date_in(page, "验收日期 *", "20160901")
    type_in(page, "验收部门 *", "保定市环境保护局")
    press(page, "下一步")
    expect(page, "“环保工程验收”已保存")
    tick(page, "我同意上述内容")
    press(page, "提交")
    expect(page, "项目启动信息已提交")


def item_box(page, label: str):
    """An item's bordered box: the innermost block holding the item's bold title, exactly `label`."""
    title = page.locator("strong").get_by_text(label, exact=True)
    blocks = page.locator('[data-testid="stVerticalBlock"]')
    return blocks.filter(has=title).filter(has_not=blocks.filter(has=title))


def open_stage(page, label: str) -> None:
    radio = page.locator('[data-testid="stRadio"]').get_by_text(re.compile(rf"^\d\. {label}$")).first
    choose_radio(page, page, radio.inner_text())
    page.get_by_role("heading", name=label, exact=True).wait_for()


def record_evaluation_stages(page, files: dict) -> None:
    go(page, "工作过程填报")
    for stage in stages_of("evaluation"):
        open_stage(page, stage.label)
        for item in stage.items:
            if item.kind in (ItemKind.DOCUMENT, ItemKind.PHOTO):
                box = item_box(page, item.label)
                path = files["pdf" if item.kind is ItemKind.DOCUMENT else "png"]
                with reran(page):  # the uploader runs the script once it has the file
                    box.locator('input[type="file"]').set_input_files(str(path))
                box.get_by_text(path.name).first.wait_for()
                with reran(page):
                    box.get_by_role("button", name="上传", exact=True).click()
            else:
                control = "textarea" if item.kind is ItemKind.TEXT else "input"
                box = item_box(page, item.label)
                with reran(page):
                    box.locator(control).first.fill("1200" if item.kind is ItemKind.FIGURE
                                                    else f"{item.label}：按审核指南完成。")
                    box.locator(control).first.press("Tab")
                with reran(page):
                    box.get_by_role("button", name="保存", exact=True).click()
            box.get_by_text("已填", exact=True).wait_for()
        press(page, "标记本阶段完成")
        if stage.min_options:
            expect(page, "方案台账中至少")
            add_options(page)
            go(page, "工作过程填报")
            open_stage(page, stage.label)
            press(page, "标记本阶段完成")
        expect(page, f"“{stage.label}”已标记完成")


def add_options(page) -> None:
    go(page, "方案台账")
    for name, kind, investment, water in (("冷却水循环利用", "无/低费方案", "3.5", "1200"),
                                          ("中水回用改造", "中/高费方案", "120", "30000")):
        # a form: its fields run nothing until 保存方案
        page.get_by_label("方案名称 *", exact=True).fill(name)
        page.get_by_label("方案名称 *", exact=True).press("Enter")  # a habit: it must not send the half-filled form
        pick_option(page, page.get_by_label("类型 *", exact=True), kind)
        page.get_by_label("投资（万元）", exact=True).fill(investment)
        page.get_by_label("节水（t/a）", exact=True).fill(water)
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
    # a form: nothing runs until it is sent
    page.get_by_label("申请联系人 *", exact=True).fill("张三")
    page.get_by_label("联系电话 *", exact=True).fill("13812345678")
    page.get_by_label("审核工作概述 *").fill("本轮审核完成了审核准备至方案的确定六个阶段，登记无低费和中高费方案各一项。")
    page.get_by_text("我已阅读并同意").first.click()
    press(page, "提交评估申请")
    expect(page, "评估申请已提交")
    page.screenshot(path=str(ARTIFACTS / "enterprise_applied.png"), full_page=True)
    with unit_of_work() as s:
        [case] = s.scalars(select(Case).where(Case.project_id == project_id)).all()
        assert case.kind is CaseKind.EVALUATION and case.application["contact"] == "张三"
        options = s.scalars(select(CleanerOption).where(CleanerOption.project_id == project_id)).all()
        assert sorted((o.name, o.kind.label, o.investment) for o in options) == [
            ("中水回用改造", "中/高费方案", 120.0), ("冷却水循环利用", "无/低费方案", 3.5)]
