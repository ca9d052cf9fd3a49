"""The 对标 screens: the province's import with its preview, the enterprise's entry and level, the reviewers' view
with the plausibility findings at intake, and the counts on 工作总结 and 统计分析."""

from __future__ import annotations

from sqlalchemy import func, select

from core.db import unit_of_work
from core.indicator_models import GradingSheet, IndicatorSystem, SheetPhase
from tests.app.conftest import activate, click, open_as, texts
from tests.app.test_case_review import open_case
from tests.support.grading import applied, graded, plating_project
from tests.support.roster import CITY, PROVINCE
from tests.unit.test_indicator_systems import GOOD

YAML = "application/x-yaml"


def systems() -> int:
    with unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(IndicatorSystem))


def test_the_province_imports_a_system_through_the_preview(db):
    activate(PROVINCE)
    at = open_as(PROVINCE, "pages/indicator_systems.py")
    assert "共 **1** 个指标体系" in texts(at) and "电镀行业清洁生产评价指标体系（综合电镀，部分录入）" in at.dataframe[0].value["体系名称"].tolist()
    bad = GOOD.replace("levels: {I: 1, II: 2, III: 3}", "levels: {I: 3, II: 2, III: 1}").encode()
    at.file_uploader(key="indicator_file_0").set_value(("印染.yaml", bad, YAML))
    at.run()
    assert "其中 1 行有问题" in texts(at)
    preview = at.dataframe[-1].value
    assert preview["位置"].tolist()[0] == "一级 1 · 二级 1" and "Ⅰ级 ≤ Ⅱ级 ≤ Ⅲ级" in preview["检查结果"].tolist()[0]
    assert next(b for b in at.button if b.label == "确认导入").disabled
    at.file_uploader(key="indicator_file_0").set_value(("印染.yaml", GOOD.encode(), YAML))
    at.run()
    assert "全部检查通过" in texts(at)
    at = click(at, "确认导入")
    assert not at.exception and "已导入指标体系“示例印染体系”（版本 1）" in texts(at)
    assert systems() == 2 and "示例印染体系" in at.dataframe[0].value["体系名称"].tolist()


def test_a_city_reads_the_systems_and_cannot_import(db):
    activate(CITY)
    at = open_as(CITY, "pages/indicator_systems.py")
    assert "由省级生态环境部门导入，本部门可查看" in texts(at)
    assert not at.get("file_uploader") and not [b for b in at.button if b.label == "确认导入"]
    rows = at.dataframe[-1].value  # the chosen system's indicators
    assert rows.loc[rows["二级指标"] == "单位产品每次清洗取水量", "Ⅰ级"].tolist() == ["≤8"]
    assert rows.loc[rows["二级指标"] == "锌利用率", "二级权重"].tolist() == ["0.8/n"]


def enterprise_page():
    with unit_of_work() as s:
        project, enterprise = plating_project(s)
        login = enterprise.login
    return open_as(login, "pages/grading.py"), project.id


def fill_before(at, pid: int) -> None:
    at.radio(key=f"gr_park_{pid}").set_value("是")
    at.radio(key=f"gr_plant_{pid}").set_value("是")
    prefix = f"gr_{pid}_before"
    for key, value in (("year", 2020), ("output", 12000.0), ("fresh_water", 3000.0), ("energy", 150.0)):
        at.number_input(key=f"{prefix}_{key}").set_value(value)
    at.selectbox(key=f"{prefix}_unit").set_value("平方米")
    for key, level in (("clean_process", "II"), ("process_control", "I"), ("plating_lines", "III"),
                       ("water_saving", "II")):
        at.selectbox(key=f"{prefix}_{key}_declared").set_value(level)
    for key, value in (("rinse_water", 20.0), ("zinc", 81.0), ("nickel", 96.0)):
        at.number_input(key=f"{prefix}_{key}_value").set_value(value)
    for key in ("copper", "decorative_chromium", "hard_chromium", "gold", "silver_cyanide"):
        at.checkbox(key=f"{prefix}_{key}_na").check()


def test_the_enterprise_enters_its_indicators_and_sees_its_level(db):
    at, pid = enterprise_page()
    assert "对标依据：**电镀行业清洁生产评价指标体系（综合电镀，部分录入）**" in texts(at)
    assert "已录入的一级指标权重合计 0.61" in texts(at)
    at = click(at, "保存园区与排污许可信息")  # nothing chosen: each fault under its field
    assert "请选择是否位于工业园区" in texts(at)
    fill_before(at, pid)
    at.text_area(key=f"gr_pollutants_{pid}").input("化学需氧量\n总锌")
    at = click(at, "保存园区与排污许可信息")
    assert "园区、废水去向与排污许可信息已保存" in texts(at)
    fill_before(at, pid)
    at = click(at, "保存审核前（预审核）对标数据")
    assert not at.exception and "审核前（预审核）对标数据已保存" in texts(at)
    shown = texts(at)
    assert "清洁生产水平：:orange-badge[Ⅲ级] :red-badge[未达到审核目标]" in shown
    assert "YⅠ = 22.9 · YⅡ = 78.4 · YⅢ = 100.0" in shown
    assert "涉水指标达到Ⅱ级基准值" in shown  # in a park whose plant takes the waste water
    compared = at.dataframe[-1].value
    assert compared.loc[compared["二级指标"] == "锌利用率", "审核前级别"].tolist() == ["Ⅱ级"]
    assert compared.loc[compared["二级指标"] == "铜利用率", "审核前填报"].tolist() == ["不适用"]
    with unit_of_work() as s:
        sheet = s.scalar(select(GradingSheet).where(GradingSheet.project_id == pid))
        assert (sheet.phase, sheet.level, sheet.target_met) == (SheetPhase.BEFORE, "III", False)


def test_a_refused_sheet_names_each_fault_and_keeps_what_was_typed(db):
    at, pid = enterprise_page()
    at.number_input(key=f"gr_{pid}_before_zinc_value").set_value(150.0)
    at = click(at, "保存审核前（预审核）对标数据")
    shown = texts(at)
    assert "请填写统计年度" in shown and "“锌利用率”是百分数，不能超过 100" in shown and "请选择产量的计量单位" in shown
    assert at.number_input(key=f"gr_{pid}_before_zinc_value").value == 150.0
    with unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(GradingSheet)) == 0


def test_an_enterprise_without_a_system_is_told_so(db):
    from tests.support.projects import started

    with unit_of_work() as s:
        _, enterprise = started(s)  # 禽类屠宰
        login = enterprise.login
    at = open_as(login, "pages/grading.py")
    assert "所属行业还没有导入清洁生产评价指标体系" in texts(at) and not at.exception


def test_the_county_and_the_city_see_the_levels_and_the_findings_at_intake(db):
    with unit_of_work() as s:
        case, project, _ = applied(s)
    at = open_case("130671", case.id)
    shown = texts(at)
    assert "清洁生产水平对标与数据核查" in shown
    assert ":orange-badge[Ⅲ级]" in shown and ":blue-badge[Ⅱ级] :green-badge[达到审核目标]" in shown
    assert "缺少“总镍”的监测数据" in shown and "方案节水量超过审核前新鲜水用量" in shown
    assert "预审核新鲜水用量两处填报不一致" in shown  # 120.5 t/a in the stage record, 3000 t/a in the sheet
    compared = [d.value for d in at.dataframe if "比较的数据" in d.value.columns]
    assert any("工作过程 · 审核 · 新鲜水用量" in frame["比较的数据"].tolist() for frame in compared)
    at.number_input(key=f"plaus_factor_{case.id}").set_value(30.0).run()
    assert "预审核新鲜水用量两处填报不一致" not in texts(at)  # 24.9 times apart: within 30
    from core.cases import StageVerdict, intake
    from core.stages import stages_of
    from tests.support.roster import user

    with unit_of_work() as s:
        verdicts = {stage.key: StageVerdict(True) for stage in stages_of("evaluation")}
        intake(s, user(s, "130671"), case.id, case.version, verdicts, agreed=True)
    city = open_case(CITY, case.id)
    assert ":blue-badge[Ⅱ级] :green-badge[达到审核目标]" in texts(city) and "缺少“总镍”的监测数据" in texts(city)


def test_the_work_summary_and_the_dashboard_count_audits_that_reached_their_target(db):
    with unit_of_work() as s:
        graded(s)
    activate(CITY)
    summary = open_as(CITY, "pages/work_summary.py")
    assert "审核前已对标 **1** 家、达到审核目标 **0** 家；实施后已对标 **1** 家、达到审核目标 **1** 家" in texts(summary)
    table = next(d.value for d in summary.dataframe if "实施后对标达到目标" in d.value.columns)
    assert table["实施后对标达到目标"].tolist() == [1, 1]  # 保定高新区 and 合计
    dashboard = open_as(CITY, "pages/dashboard.py")
    assert "实施后已对标 **1** 家、达到审核目标 **1** 家" in texts(dashboard)
