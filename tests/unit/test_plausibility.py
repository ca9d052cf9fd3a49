"""数据核查 (core.plausibility): each contradiction is found, names the figures it compared, and honours the factor."""

from __future__ import annotations

import pytest

from core import plausibility
from core.plausibility import AuditFigures, Option, check
from tests.support.grading import FIGURES_AFTER, FIGURES_BEFORE, applied

CONSISTENT = AuditFigures(
    products=(("镀锌件", 12000.0, "平方米"),), monitored=("COD", "总锌"), stage_water_before=3100.0,
    stage_water_after=2250.0, sheets={"before": FIGURES_BEFORE, "after": FIGURES_AFTER},
    options=(Option("逆流漂洗改造", True, {"water_saved": 800.0, "energy_saved": 5.0, "cod_reduced": 0.2,
                                          "ammonia_reduced": 0.01}),),
    permit_pollutants=("化学需氧量", "总锌"))


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def test_consistent_figures_raise_nothing():
    assert check(CONSISTENT) == []


def test_water_per_unit_product_changing_beyond_the_factor_names_all_four_figures():
    """Before 3000 t/a ÷ 12000 m² = 0.25 t/m²; after 500 t/a ÷ 12500 m² = 0.04 t/m²: 6.25 times apart."""
    figures = AuditFigures(sheets={"before": FIGURES_BEFORE, "after": FIGURES_AFTER | {"fresh_water": 500}},
                           permit_pollutants=("COD",), monitored=("COD",))
    [finding] = [f for f in check(figures) if f.code == "intensity_fresh_water"]
    assert "6.25 倍" in finding.message
    assert [f.text() for f in finding.figures] == ["预审核对标 · 新鲜水用量：3,000 t/a", "预审核对标 · 产量：12,000 平方米",
                                                   "验收对标 · 新鲜水用量：500 t/a", "验收对标 · 产量：12,500 平方米"]
    assert "intensity_fresh_water" not in codes(check(figures, factor=7))  # the reviewer's factor decides


def test_two_entries_of_the_same_figure_and_the_production_are_compared():
    figures = AuditFigures(products=(("镀锌件", 1000.0, "平方米"), ("挂具", 5.0, "件")), stage_water_before=120.5,
                           sheets={"before": FIGURES_BEFORE}, permit_pollutants=("COD",), monitored=("COD",))
    found = {f.code: f for f in check(figures)}
    assert set(found) == {"water_before", "output_startup"}
    assert found["water_before"].figures[0].text() == "工作过程 · 审核 · 新鲜水用量：120.5 t/a"
    assert found["output_startup"].figures[0].value == 1000.0  # only the products counted in 平方米


def test_claimed_savings_above_the_baseline_are_named_per_option_and_in_total():
    options = (Option("中水回用", False, {"water_saved": 3500.0}), Option("逆流漂洗", True, {"water_saved": 900.0}))
    figures = AuditFigures(sheets={"before": FIGURES_BEFORE}, options=options, permit_pollutants=("COD",),
                           monitored=("COD",))
    found = {f.code: f for f in check(figures)}
    assert set(found) == {"option_water_saved", "options_water_saved"}
    assert "中水回用" in found["option_water_saved"].message
    total = found["options_water_saved"].figures
    assert total[0].value == 4400.0 and total[1].value == 3000


def test_implemented_savings_that_do_not_show_after_implementation():
    """Implemented water saving 2000 t/a, yet fresh water went from 3000 to 2900 (100 < 2000 / 2)."""
    figures = CONSISTENT.__class__(**{**CONSISTENT.__dict__, "stage_water_after": None,
                                      "sheets": {"before": FIGURES_BEFORE,
                                                 "after": FIGURES_AFTER | {"fresh_water": 2900}},
                                      "options": (Option("逆流漂洗", True, {"water_saved": 2000.0}),)})
    assert codes(check(figures)) == ["realised_water_saved"]


def test_pollutants_the_permit_lists_without_monitoring_whatever_their_spelling():
    figures = AuditFigures(monitored=("CODcr", "NH3-N"), permit_pollutants=("化学需氧量", "氨氮", "总镍"))
    [finding] = check(figures)
    assert finding.title == "缺少“总镍”的监测数据" and finding.figures[1].value == "CODcr、NH3-N"
    assert check(AuditFigures(monitored=("COD",)))[0].severity == plausibility.INFO


def test_the_factor_must_exceed_one():
    with pytest.raises(ValueError):
        check(CONSISTENT, factor=1)


def test_gather_reads_what_the_enterprise_entered(uow):
    with uow() as s:
        case, project, _ = applied(s)
        figures = plausibility.gather(s, project)
        assert figures.stage_water_before == 120.5 and figures.sheets["after"]["fresh_water"] == 2200
        assert figures.monitored == ("COD", "总锌") and figures.permit_pollutants == ("化学需氧量", "总锌", "总镍")
        found = codes(check(figures))
        assert {"water_before", "option_water_saved", "monitoring_0"} <= set(found)
