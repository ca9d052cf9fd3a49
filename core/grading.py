"""The cleaner-production level of an audit (清洁生产评价指标体系编制通则; DOMAIN.md "Cleaner-production level"),
as a pure function of an indicator system and the values an enterprise entered. No database here.

For level k ∈ {I, II, III} an indicator scores Y_k(x) = 100 when its value meets level k's benchmark, else 0;
Y_k = Σ_i w_i · Σ_j ω_ij · Y_k(x_ij). An indicator that does not apply is dropped and the weights of its group
renormalised over the indicators that do; a group none of whose indicators applies is dropped and the
first-level weights renormalised the same way (this also covers groups a partial transcription lacks, which the
screens say). A weight written "0.8/n" in a published system is shared: 0.8 divided equally among the
applicable indicators that share it (the electroplating system's metal utilisation rates, one per plating type).

Level I: Y_I ≥ 85 and every applicable 限定性 indicator at level I; level II: Y_II ≥ 85 and every applicable
限定性 indicator at level II or better; level III: Y_III = 100; otherwise below level III.
An indicator left blank counts as meeting no level (it applies, but nothing shows it is met).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

LEVELS = ("I", "II", "III")
LEVEL_LABELS = {"I": "Ⅰ级（国际清洁生产领先水平）", "II": "Ⅱ级（国内清洁生产先进水平）", "III": "Ⅲ级（国内清洁生产一般水平）",
                None: "未达到Ⅲ级"}
SHORT_LABELS = {"I": "Ⅰ级", "II": "Ⅱ级", "III": "Ⅲ级", None: "未达到Ⅲ级"}
PASS_SCORE = 85.0
QUANTITATIVE, QUALITATIVE = "quantitative", "qualitative"
LOWER, HIGHER = "lower", "higher"  # smaller is better (consumption, emission per unit); larger is better (reuse)
EPSILON = 1e-9


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    kind: str  # QUANTITATIVE or QUALITATIVE
    weight: float  # ω_ij; when `shared`, the weight shared equally by the group's applicable shared indicators
    benchmarks: dict  # level -> number (quantitative) or requirement text (qualitative; may lack a level)
    unit: str = ""
    direction: str | None = None  # LOWER or HIGHER, quantitative only
    shared: bool = False
    limiting: bool = False  # 限定性指标
    water: bool = False  # 涉水指标 (the campaign's water target)


@dataclass(frozen=True)
class Group:
    key: str
    name: str
    weight: float  # w_i
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class System:
    name: str
    version: str
    groups: tuple[Group, ...]

    def indicators(self) -> list[Indicator]:
        return [i for g in self.groups for i in g.indicators]


@dataclass(frozen=True)
class Entry:
    """What the enterprise entered for one indicator: a number, a declared level, or 不适用."""

    value: float | None = None  # quantitative
    declared: str | None = None  # qualitative: "I" / "II" / "III" / "none"
    not_applicable: bool = False


@dataclass(frozen=True)
class IndicatorResult:
    indicator: Indicator
    group: Group
    applies: bool
    entered: bool
    level: str | None  # best level met (None: none, or not applicable)
    weight: float  # the effective weight w'_i · ω'_ij in the composite (0 when it does not apply)


@dataclass(frozen=True)
class Grading:
    scores: dict  # level -> Y_k, 0..100
    level: str | None  # "I" / "II" / "III" / None (below level III)
    results: tuple[IndicatorResult, ...]
    failed_limiting: dict = field(default_factory=dict)  # level -> names of limiting indicators below it
    covered_weight: float = 1.0  # Σ w_i of the system's groups (a partial transcription covers less than 1)

    @property
    def blank(self) -> list[IndicatorResult]:
        return [r for r in self.results if r.applies and not r.entered]

    @property
    def applicable(self) -> list[IndicatorResult]:
        return [r for r in self.results if r.applies]


def meets(indicator: Indicator, entry: Entry, level: str) -> bool:
    """Does the entry meet `level`'s benchmark? Levels nest: meeting I means meeting II and III."""
    if entry.not_applicable:
        return False
    if indicator.kind == QUALITATIVE:
        declared = entry.declared
        return declared in LEVELS and LEVELS.index(declared) <= LEVELS.index(level)
    if entry.value is None or level not in indicator.benchmarks:
        return False
    bench = float(indicator.benchmarks[level])
    if indicator.direction == LOWER:
        return entry.value <= bench + EPSILON
    return entry.value >= bench - EPSILON


def best_level(indicator: Indicator, entry: Entry) -> str | None:
    return next((k for k in LEVELS if meets(indicator, entry, k)), None)


def is_entered(indicator: Indicator, entry: Entry) -> bool:
    if entry.not_applicable:
        return True
    if indicator.kind == QUALITATIVE:
        return entry.declared in (*LEVELS, "none")
    return entry.value is not None and math.isfinite(entry.value)


def _group_weights(group: Group, entries: dict[str, Entry]) -> dict[str, float]:
    """ω'_ij of the group's applicable indicators (summing to 1), {} when none applies."""
    applicable = [i for i in group.indicators if not entries.get(i.key, Entry()).not_applicable]
    shared = [i for i in applicable if i.shared]
    raw = {i.key: (i.weight / len(shared) if i.shared else i.weight) for i in applicable}
    total = sum(raw.values())
    if total <= EPSILON:
        return {}
    return {key: w / total for key, w in raw.items()}


def grade(system: System, entries: dict[str, Entry]) -> Grading:
    """The composite indices Y_I, Y_II, Y_III and the level, from the entries by indicator key."""
    inner = {g.key: _group_weights(g, entries) for g in system.groups}
    present = {g.key for g in system.groups if inner[g.key]}  # keys: comparing groups would compare every indicator
    first_total = sum(g.weight for g in system.groups if g.key in present)
    results: list[IndicatorResult] = []
    scores = dict.fromkeys(LEVELS, 0.0)
    for group in system.groups:
        outer = group.weight / first_total if group.key in present and first_total > EPSILON else 0.0
        for indicator in group.indicators:
            entry = entries.get(indicator.key, Entry())
            applies = not entry.not_applicable
            weight = outer * inner[group.key].get(indicator.key, 0.0)
            level = best_level(indicator, entry) if applies else None
            results.append(IndicatorResult(indicator, group, applies, is_entered(indicator, entry), level, weight))
            for k in LEVELS:
                if applies and meets(indicator, entry, k):
                    scores[k] += 100.0 * weight
    scores = {k: round(v, 6) for k, v in scores.items()}
    failed = {k: [r.indicator.name for r in results if r.applies and r.indicator.limiting
                  and not meets(r.indicator, entries.get(r.indicator.key, Entry()), k)] for k in LEVELS}
    if not present:
        level = None
    elif scores["I"] >= PASS_SCORE and not failed["I"]:
        level = "I"
    elif scores["II"] >= PASS_SCORE and not failed["II"]:
        level = "II"
    elif scores["III"] >= 100.0 - 1e-6:
        level = "III"
    else:
        level = None
    return Grading(scores, level, tuple(results), failed, round(sum(g.weight for g in system.groups), 6))


# --- the campaign's target (seed 001, 二、审核目标) -----------------------------------------------------

@dataclass(frozen=True)
class Target:
    overall: str  # the level the whole audit must reach ("II": 清洁生产二级及以上)
    water: str  # the level every water indicator must reach ("II" in a park, "I" outside or without a plant)
    reason: str  # why this water level, in words


@dataclass(frozen=True)
class TargetCheck:
    target: Target
    overall_met: bool
    water_met: bool
    water_short: tuple[str, ...]  # water indicators below the water level (names)

    @property
    def met(self) -> bool:
        return self.overall_met and self.water_met


def target_for(in_park: bool | None, wastewater_to_plant: bool | None) -> Target:
    """Seed 001: inside an industrial park (with an approved plan EIA) water indicators at level II; outside a
    park, or when waste water does not reach a central treatment plant, at level I. Undeclared facts are read
    as the stricter case."""
    if in_park and wastewater_to_plant:
        return Target("II", "II", "位于工业园区且废水进入污水集中处理设施：涉水指标达到Ⅱ级基准值")
    if not in_park:
        reason = "位于工业园区外" if in_park is False else "未声明是否位于工业园区（按园区外要求）"
    else:
        reason = "废水未进入污水集中处理设施" if wastewater_to_plant is False else "未声明废水去向（按未进入集中处理设施要求）"
    return Target("II", "I", f"{reason}：涉水指标达到Ⅰ级基准值")


def at_least(level: str | None, required: str) -> bool:
    return level in LEVELS and LEVELS.index(level) <= LEVELS.index(required)


def check_target(grading: Grading, target: Target) -> TargetCheck:
    short = tuple(r.indicator.name for r in grading.results
                  if r.applies and r.indicator.water and not at_least(r.level, target.water))
    return TargetCheck(target, at_least(grading.level, target.overall), not short, short)
