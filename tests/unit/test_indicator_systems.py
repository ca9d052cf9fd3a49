"""指标体系 files: the format's checks and refusals, the province's all-or-nothing import, versions, the shipped file."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core import indicator_systems
from core.errors import PermissionDenied, RuleViolation
from core.indicator_file import preview
from core.indicator_models import Indicator, IndicatorSystem
from tests.support.roster import CITY, PROVINCE, user

GOOD = """\
format: qjsc-indicator-system/1
system:
  code: dyeing-demo
  version: "1"
  name: 示例印染体系
  industry_codes: ["1713"]
  source: {title: 示例文件, issuers: [示例单位], year: 2019, transcribed_from: 单元测试自拟，非发布文本}
groups:
  - key: consumption
    name: 资源消耗指标
    weight: 0.6
    source: 自拟
    indicators:
      - {key: water, name: 单位产品取水量, kind: quantitative, unit: t/t, direction: lower, weight: 1,
         limiting: true, water: true, levels: {I: 1, II: 2, III: 3}}
  - key: management
    name: 清洁生产管理指标
    weight: 0.4
    source: 自拟
    indicators:
      - {key: policy, name: 环境法律法规执行, kind: qualitative, weight: 0.5, levels: {I: 符合, II: 符合}}
      - {key: zinc, name: 锌利用率, kind: quantitative, unit: "%", direction: higher, weight: 0.5/n,
         levels: {I: 80, II: 70, III: 60}}
"""


def checked(text: str, existing=frozenset()):
    return preview(text.encode(), known_industries={"1713", "3360"}, existing=set(existing))


def errors_of(result) -> str:
    return " | ".join(e for r in result.rows for e in r.errors)


def test_a_clean_file_gives_one_row_per_system_group_and_indicator():
    result = checked(GOOD)
    assert result.ok, errors_of(result)
    assert [r.position for r in result.rows] == ["体系", "一级 1", "一级 1 · 二级 1", "一级 2", "一级 2 · 二级 1",
                                                 "一级 2 · 二级 2"]
    zinc = result.spec.groups[1].indicators[1]
    assert zinc.shared and zinc.weight == 0.5 and result.rows[2].values["限定性"] == "是"


@pytest.mark.parametrize("change,message", [
    (("levels: {I: 1, II: 2, III: 3}", "levels: {I: 3, II: 2, III: 1}"), "Ⅰ级 ≤ Ⅱ级 ≤ Ⅲ级"),
    (("levels: {I: 1, II: 2, III: 3}", "levels: {I: 1, II: 2}"), "缺少或不是数字：III"),
    (("levels: {I: 80, II: 70, III: 60}", "levels: {I: 60, II: 70, III: 80}"), "Ⅰ级 ≥ Ⅱ级 ≥ Ⅲ级"),
    (("weight: 0.6", "weight: 0.7"), "一级指标权重合计 1.1 超过 1"),
    (("weight: 0.5, levels: {I: 符合", "weight: 0.6, levels: {I: 符合"), "二级指标权重合计 1.1 超过 1"),
    (('["1713"]', '["1799"]'), "不是 GB/T 4754-2017 的小类"),
    (("key: zinc", "key: water"), "与前面的指标重复"),
    (("direction: lower", "direction: down"), "direction"),
    (("kind: qualitative", "kind: text"), "kind 应为"),
    (("transcribed_from: 单元测试自拟，非发布文本", "transcribed_from: ''"), "transcribed_from"),
    (("    source: 自拟\n    indicators:\n      - {key: water", "    indicators:\n      - {key: water"),
     "source 应写明"),
    (("weight: 0.5/n", "weight: 1.5/n"), "共享权重"),
])
def test_each_fault_is_named_on_its_row_and_refuses_the_file(change, message):
    result = checked(GOOD.replace(*change, 1))
    assert not result.ok and result.spec is None
    assert message in errors_of(result)


def test_a_version_already_stored_is_refused():
    result = checked(GOOD, existing={("dyeing-demo", "1")})
    assert "已经导入" in errors_of(result) and not result.ok


@pytest.mark.parametrize("data,message", [
    (b"format: qjsc-indicator-system/1\nsystem: [\n", "YAML 格式错误"),
    (b"- just\n- a list\n", "顶层为 format"),
    (b"format: other\n", "format: qjsc-indicator-system/1"),
    ("format: 中文".encode("gbk"), "UTF-8"),
    (b"x" * 1_000_001, "文件过大"),
])
def test_files_that_cannot_be_read_are_refused_as_a_whole(data, message):
    result = preview(data, {"1713"}, set())
    assert result.file_error and message in result.file_error and not result.ok


def test_the_province_imports_all_or_nothing_and_a_new_version_supersedes(uow):
    with uow() as s:
        province = user(s, PROVINCE)
        before = s.scalar(select(func.count()).select_from(Indicator))
        broken = GOOD.replace("levels: {I: 1, II: 2, III: 3}", "levels: {I: 3, II: 2, III: 1}")
        with pytest.raises(RuleViolation, match="还有 1 行需要修正"):
            indicator_systems.import_system(s, province, "demo.yaml", broken.encode())
        assert s.scalar(select(func.count()).select_from(Indicator)) == before  # nothing of it stored
        first = indicator_systems.import_system(s, province, "demo.yaml", GOOD.encode())
        assert indicator_systems.system_for_industry(s, "1713").id == first.id
        with pytest.raises(RuleViolation, match="已经导入"):
            indicator_systems.import_system(s, province, "demo.yaml", GOOD.encode())
        revised = GOOD.replace('version: "1"', 'version: "2"').encode()
        second = indicator_systems.import_system(s, province, "demo.yaml", revised)
        assert indicator_systems.system_for_industry(s, "1713").id == second.id
        assert [len(g.indicators) for g in second.groups] == [1, 2]


def test_only_the_province_imports(uow):
    with uow() as s:
        with pytest.raises(PermissionDenied, match="省级"):
            indicator_systems.import_preview(s, user(s, CITY), "demo.yaml", GOOD.encode())
        checked_, _ = indicator_systems.import_preview(s, user(s, PROVINCE), "demo.xlsx", GOOD.encode())
        assert "只支持 YAML" in checked_.file_error


def test_the_shipped_electroplating_system_is_loaded_once_with_its_source(uow):
    with uow() as s:
        system = indicator_systems.system_for_industry(s, "3360")
        assert system.version == "2015" and system.source["announcement"] == "2015年第25号公告"
        assert [g.weight for g in system.groups] == [0.33, 0.1, 0.18]
        assert system.untranscribed and "未录入" in system.notes
        assert indicator_systems.load_shipped(s) == {"indicator_systems": 0}
        assert s.scalar(select(func.count()).select_from(IndicatorSystem)) == 1
        assert indicator_systems.system_for_industry(s, "1352") is None


# 表1 综合电镀, rows 1–12, as printed on the page the shipped file names
# (https://www.shea.cn/index.php?s=news&c=show&id=155, stored copy re-read 2026-12-01):
# group weight, then per row: 二级指标权重 as printed, 限定性 (*), Ⅰ/Ⅱ/Ⅲ级基准值 (≤ / ≥ dropped).
SHEA_TABLE_1 = {
    "process_equipment": (0.33, {"clean_process": ("0.15", False, None), "process_control": ("0.15", False, None),
                                 "plating_lines": ("0.4", False, None), "water_saving": ("0.3", False, None)}),
    "resource_consumption": (0.1, {"rinse_water": ("1", True, (8, 24, 40))}),
    "resource_utilisation": (0.18, {"zinc": ("0.8/n", False, (82, 80, 75)), "copper": ("0.8/n", False, (90, 80, 75)),
                                    "nickel": ("0.8/n", False, (95, 85, 80)),
                                    "decorative_chromium": ("0.8/n", False, (60, 24, 20)),
                                    "hard_chromium": ("0.8/n", False, (90, 80, 70)),
                                    "gold": ("0.8/n", False, (98, 95, 90)),
                                    "silver_cyanide": ("0.8/n", False, (98, 95, 90))}),
}


def test_the_shipped_electroplating_file_holds_exactly_the_rows_read_in_its_source():
    """Every weight and benchmark of the file against the source's own figures, and nothing beyond rows 1–12."""
    spec = preview(indicator_systems.example_file(), {"3360"}, set()).spec
    assert [g.key for g in spec.groups] == list(SHEA_TABLE_1)
    for group in spec.groups:
        weight, rows = SHEA_TABLE_1[group.key]
        assert group.weight == weight and [i.key for i in group.indicators] == list(rows)
        for item in group.indicators:
            printed, limiting, levels = rows[item.key]
            shown = f"{item.weight:g}/n" if item.shared else f"{item.weight:g}"
            assert (shown, item.limiting) == (printed, limiting), item.key
            if levels is not None:
                assert tuple(item.benchmarks[k] for k in ("I", "II", "III")) == levels, item.key
    texts = spec.groups[0].indicators[2].benchmarks
    assert texts["III"] == "电镀生产线采用节能措施" and "70%生产线" in texts["I"] and "50%生产线" in texts["II"]
