"""对标 in the browser (issue 15, "Done when"): an electroplating enterprise (a shipped system's industry) declares
its park and permit facts, enters its indicators before the audit and after implementation and sees its level
each time; after it applied, its county and then its city see the same levels with the plausibility warnings at
intake. Screenshots: tests/browser/artifacts/grading_*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect as see
from sqlalchemy import select

from core import applications
from core.cases import StageVerdict, intake
from core.db import unit_of_work
from core.indicator_models import GradingSheet, SheetPhase
from core.passwords import hash_password
from core.project_models import CaseKind
from core.stages import stages_of
from tests.browser.conftest import check, pick_option, reran, settle
from tests.browser.test_case_review import open_case, shoot
from tests.browser.test_enterprise_audit import go
from tests.browser.test_roster_loop import expect, logout
from tests.support.grading import GAOXIN, plating_project
from tests.support.projects import FORM, an_option, complete_phase
from tests.support.roster import CITY, user

pytestmark = pytest.mark.browser
PASSWORD = "Duibiao#2026x"


def login(page, account: str) -> None:
    settle(page)
    page.get_by_label("账号").fill(account)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="立即登录").click()
    page.get_by_text("欢迎，").first.wait_for()


def yes(page, question: str) -> None:
    group = page.locator('[data-testid="stRadio"]').filter(has_text=question).first
    check(page, group.get_by_text("是", exact=True), group.get_by_role("radio", name="是", exact=True))


def number(scope, label: str, value: str) -> None:
    box = scope.get_by_label(label, exact=True).first
    box.fill(value)
    box.press("Tab")


def select_option(page, scope, label: str, option: str) -> None:
    pick_option(page, scope.get_by_label(label, exact=True).first, option)


def shown(scope, text: str, exact: bool = False) -> None:
    """Wait for `text` where the user can see it (the other tab's copy is hidden)."""
    scope.get_by_text(text, exact=exact).filter(visible=True).first.wait_for()


def choose_level(page, row, level: str) -> None:
    pick_option(page, row.get_by_role("combobox"), level)


def sheet(page, pid: int, phase: str, levels: dict, values: dict, figures: dict, not_applicable: tuple) -> None:
    """Fill one phase's form (its tab chosen) and save it."""
    form = page.locator(f".st-key-gr_sheet_{pid}_{phase}")
    for label, value in figures.items():
        number(form, label, value)
    select_option(page, form, "产量计量单位 *", "平方米")
    for key, level in levels.items():
        choose_level(page, form.locator(f".st-key-gr_row_{pid}_{phase}_{key}"), level)
    for key, value in values.items():
        row = form.locator(f".st-key-gr_row_{pid}_{phase}_{key}")
        box = row.locator("input").first
        box.fill(value)
        box.press("Tab")
    for key in not_applicable:
        form.locator(f".st-key-gr_row_{pid}_{phase}_{key}").get_by_text("不适用", exact=True).click()
    label = "保存审核前（预审核）对标数据" if phase == "before" else "保存实施后（验收）对标数据"
    with reran(page):
        form.get_by_role("button", name=label).click()


FIGURES = {"统计年度 *": "2020", "主要产品年产量 *": "12000", "新鲜水用量（t/a） *": "3000", "综合能耗（tce/a）": "150"}
AFTER_FIGURES = {"统计年度 *": "2021", "主要产品年产量 *": "12500", "新鲜水用量（t/a） *": "2200",
                 "综合能耗（tce/a）": "140"}
LEVELS = {"clean_process": "达到Ⅱ级", "process_control": "达到Ⅰ级", "plating_lines": "达到Ⅲ级", "water_saving": "达到Ⅱ级"}
VALUES = {"rinse_water": "20", "zinc": "81", "nickel": "96"}
NOT_APPLICABLE = ("copper", "decorative_chromium", "hard_chromium", "gold", "silver_cyanide")


def test_an_electroplater_grades_itself_and_its_county_and_city_see_it_at_intake(page):
    with unit_of_work() as s:
        project, enterprise = plating_project(s)
        an_option(s, enterprise, project.id, water_saved=5000.0)  # more than the 3000 t/a it uses
        complete_phase(s, enterprise, project.id, "evaluation")  # 审核 · 新鲜水用量 120.5 t/a
        for account in (user(s, GAOXIN), user(s, CITY), enterprise):
            account.password_hash = hash_password(PASSWORD)
            account.must_change_password = False
        pid, firm = project.id, enterprise.login

    # 1. The enterprise: declarations, then the 预审核 sheet -> level III, target not met.
    login(page, firm)
    go(page, "清洁生产水平对标")
    expect(page, "对标依据：电镀行业清洁生产评价指标体系（综合电镀，部分录入）")
    expect(page, "已录入的一级指标权重合计 0.61")
    yes(page, "是否位于工业园区")
    yes(page, "废水是否进入污水集中处理设施")
    pollutants = page.get_by_label("排污许可证载明的污染物（每行一项，如 化学需氧量、氨氮、总镍）")
    pollutants.fill("化学需氧量\n总锌\n总镍")
    with reran(page):
        page.get_by_role("button", name="保存园区与排污许可信息").click()
    expect(page, "园区、废水去向与排污许可信息已保存")
    sheet(page, pid, "before", LEVELS, VALUES, FIGURES, NOT_APPLICABLE)
    expect(page, "审核前（预审核）对标数据已保存")
    expect(page, "YⅠ = 22.9 · YⅡ = 78.4 · YⅢ = 100.0")
    shoot(page, "grading_enterprise_before.png")

    # 2. After implementation: the 验收 sheet -> level II, the park's target met.
    tab = page.get_by_role("tab", name="实施后（验收）")
    tab.click()
    see(tab).to_have_attribute("aria-selected", "true")
    after_levels = LEVELS | {"plating_lines": "达到Ⅱ级"}
    sheet(page, pid, "after", after_levels, VALUES | {"rinse_water": "7", "zinc": "83"}, AFTER_FIGURES, NOT_APPLICABLE)
    expect(page, "实施后（验收）对标数据已保存")
    shown(page, "YⅠ = 54.0 · YⅡ = 100.0 · YⅢ = 100.0")
    shown(page, "达到审核目标", exact=True)
    shoot(page, "grading_enterprise_after.png")
    with unit_of_work() as s:
        levels = {sh.phase: (sh.level, sh.target_met) for sh in
                  s.scalars(select(GradingSheet).where(GradingSheet.project_id == pid))}
        assert levels == {SheetPhase.BEFORE: ("III", False), SheetPhase.AFTER: ("II", True)}
        case = applications.submit(s, s.get(type(user(s, GAOXIN)), user(s, firm).id), pid, CaseKind.EVALUATION,
                                   FORM, agreed=True)
        case_id = case.id
    logout(page)

    # 3. The county at intake: both levels, the target, and the findings with the figures they compared.
    login(page, GAOXIN)
    open_case(page, case_id)
    box = page.locator(f".st-key-grading_review_{case_id}")
    for text in ("未达到审核目标", "YⅠ = 22.9 · YⅡ = 78.4 · YⅢ = 100.0", "YⅠ = 54.0 · YⅡ = 100.0 · YⅢ = 100.0",
                 "缺少“总镍”的监测数据", "方案节水量超过审核前新鲜水用量", "预审核新鲜水用量两处填报不一致"):
        shown(box, text)
    shown(box, "达到审核目标", exact=True)
    shoot(page, "grading_county_intake.png")
    logout(page)
    with unit_of_work() as s:
        verdicts = {stage.key: StageVerdict(True) for stage in stages_of("evaluation")}
        intake(s, user(s, GAOXIN), case_id, s.get(type(case), case_id).version, verdicts, agreed=True)

    # 4. The city sees the same at its intake.
    login(page, CITY)
    open_case(page, case_id)
    box = page.locator(f".st-key-grading_review_{case_id}")
    shown(box, "缺少“总镍”的监测数据")
    shown(box, "YⅠ = 54.0 · YⅡ = 100.0 · YⅢ = 100.0")
    shoot(page, "grading_city_intake.png")
