"""The cleaner-production level (core.grading) against worked examples computed by hand."""

from __future__ import annotations

import pytest

from core import grading
from core.grading import Entry, Group, Indicator, System, check_target, grade, target_for
from core.indicator_file import preview
from core.indicator_systems import SHIPPED_DIR

NA = Entry(not_applicable=True)


def shipped_electroplating() -> System:
    """The shipped file, read by the same checker the import uses (without the database)."""
    data = (SHIPPED_DIR / "electroplating_2015.yaml").read_bytes()
    checked = preview(data, known_industries={"3360"}, existing=set())
    assert checked.ok, [r.errors for r in checked.rows if r.errors]
    spec = checked.spec
    groups = tuple(Group(g.key, g.name, g.weight, tuple(
        Indicator(i.key, i.name, i.kind, i.weight, i.benchmarks, i.unit, i.direction, i.shared, i.limiting, i.water)
        for i in g.indicators)) for g in spec.groups)
    return System(spec.name, spec.version, groups)


def plater_before() -> dict[str, Entry]:
    """An enterprise plating zinc and nickel only (the other metals do not apply), before its audit."""
    return {"clean_process": Entry(declared="II"), "process_control": Entry(declared="I"),
            "plating_lines": Entry(declared="III"), "water_saving": Entry(declared="II"),
            "rinse_water": Entry(value=20.0), "zinc": Entry(value=81.0), "nickel": Entry(value=96.0),
            "copper": NA, "decorative_chromium": NA, "hard_chromium": NA, "gold": NA, "silver_cyanide": NA}


def test_electroplating_before_the_audit_is_level_three():
    """Hand computation (shipped partial system: groups 0.33 + 0.10 + 0.18 = 0.61, renormalised to 1):

    生产工艺及装备 (ω 0.15, 0.15, 0.4, 0.3): meets I only 清洁生产过程控制 → 0.15; meets II 0.15+0.15+0.3 = 0.6
      (电镀生产线 declared III); meets III all → 1.0.
    资源消耗: 清洗取水量 20 L/m² — not ≤ 8 (I), ≤ 24 (II) → I 0, II 1, III 1.
    资源综合利用: 0.8/n shared by the two applicable metals (zinc, nickel) → 0.4 each, renormalised 0.5 each.
      zinc 81 % (≥80 II, not ≥82 I), nickel 96 % (≥95 I) → I 0.5, II 1, III 1.
    Y_I  = 100 × (0.33×0.15 + 0.10×0 + 0.18×0.5) / 0.61 = 100 × 0.1395 / 0.61 = 22.8689
    Y_II = 100 × (0.33×0.6 + 0.10×1 + 0.18×1) / 0.61 = 100 × 0.478 / 0.61 = 78.3607  (< 85: not level II)
    Y_III = 100 × 0.61 / 0.61 = 100 → level III.
    """
    result = grade(shipped_electroplating(), plater_before())
    assert result.scores["I"] == pytest.approx(22.8689, abs=1e-4)
    assert result.scores["II"] == pytest.approx(78.3607, abs=1e-4)
    assert result.scores["III"] == pytest.approx(100.0)
    assert result.level == "III"
    assert result.covered_weight == pytest.approx(0.61)
    weights = {r.indicator.key: r.weight for r in result.results}
    assert weights["zinc"] == pytest.approx(0.18 / 0.61 * 0.5) and weights["copper"] == 0.0


def test_electroplating_after_implementation_reaches_level_two_and_the_park_target_only():
    """After: 电镀生产线 declared II, 清洗取水量 7 L/m² (≤ 8: I), zinc 83 % (≥ 82: I); the rest as before.

    Y_II = 100 × (0.33×1 + 0.10×1 + 0.18×1) / 0.61 = 100
    Y_I  = 100 × (0.33×0.15 + 0.10×1 + 0.18×1) / 0.61 = 100 × 0.3295 / 0.61 = 54.0164 (< 85)
    The limiting 清洗取水量 is at I → level II.
    Target in a park whose plant takes the waste water: overall II ✓, water indicators (有节水设施 II, 清洗取水量 I)
    at II ✓ → met. Outside a park water indicators must be at I: 有节水设施 is only II → not met.
    """
    entries = plater_before() | {"plating_lines": Entry(declared="II"), "rinse_water": Entry(value=7.0),
                                 "zinc": Entry(value=83.0)}
    result = grade(shipped_electroplating(), entries)
    assert result.scores["II"] == pytest.approx(100.0)
    assert result.scores["I"] == pytest.approx(54.0164, abs=1e-4)
    assert result.level == "II"
    in_park = check_target(result, target_for(in_park=True, wastewater_to_plant=True))
    assert in_park.met and in_park.target.water == "II"
    outside = check_target(result, target_for(in_park=False, wastewater_to_plant=True))
    assert outside.overall_met and not outside.water_met and outside.water_short == ("有节水设施",)


def two_groups(limiting: bool = True) -> System:
    x = Indicator("x", "新鲜水耗", grading.QUANTITATIVE, 1.0, {"I": 1, "II": 2, "III": 3}, "t/t", grading.LOWER)
    y = Indicator("y", "水重复利用率", grading.QUANTITATIVE, 1.0, {"I": 90, "II": 80, "III": 70}, "%", grading.HIGHER,
                  limiting=limiting)
    return System("示例", "t", (Group("a", "资源消耗", 0.9, (x,)), Group("b", "资源综合利用", 0.1, (y,))))


def test_a_limiting_indicator_below_a_level_keeps_the_audit_below_it():
    """x = 0.8 t/t meets I (≤ 1); y = 75 % meets only III (≥ 70, not ≥ 80).
    Y_I = 100 × (0.9×1 + 0.1×0) = 90 ≥ 85 and Y_II = 90 ≥ 85, but the limiting y is below I and below II,
    so neither level I nor II; Y_III = 100 → level III. Without the limiting flag the same values give level I."""
    entries = {"x": Entry(value=0.8), "y": Entry(value=75.0)}
    result = grade(two_groups(), entries)
    assert (result.scores["I"], result.scores["II"], result.scores["III"]) == (90.0, 90.0, 100.0)
    assert result.level == "III" and result.failed_limiting["II"] == ["水重复利用率"]
    assert grade(two_groups(limiting=False), entries).level == "I"


def test_a_group_that_does_not_apply_is_dropped_and_a_blank_counts_as_not_met():
    """y does not apply: group b is dropped, w_a renormalised to 1: x = 1.5 meets II, III → Y_I 0, Y_II 100 → II.
    x left blank instead: it applies and meets nothing → Y = 0 for every level → below level III."""
    system = two_groups()
    result = grade(system, {"x": Entry(value=1.5), "y": NA})
    assert result.scores == {"I": 0.0, "II": 100.0, "III": 100.0} and result.level == "II"
    blank = grade(system, {"y": NA})
    assert blank.level is None and [r.indicator.key for r in blank.blank] == ["x"]


def test_benchmarks_are_inclusive_and_directions_are_respected():
    """≤ and ≥ include the benchmark itself: x = 2 (lower is better) is level II; y = 80 (higher) is level II."""
    system = two_groups()
    x, y = system.groups[0].indicators[0], system.groups[1].indicators[0]
    assert grading.best_level(x, Entry(value=2.0)) == "II" and grading.best_level(x, Entry(value=3.1)) is None
    assert grading.best_level(y, Entry(value=80.0)) == "II" and grading.best_level(y, Entry(value=95.0)) == "I"


def test_undeclared_park_facts_are_read_as_the_stricter_target():
    assert target_for(None, True).water == "I" and target_for(True, None).water == "I"
    assert target_for(True, False).water == "I" and target_for(False, True).water == "I"
    assert target_for(True, True).water == "II" and target_for(True, True).overall == "II"
