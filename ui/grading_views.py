"""What the enterprise and the reviewers see of an audit's 对标: the system and its sources, the level before and
after side by side with the campaign's target, each indicator's values and levels, and the plausibility findings.
Everything a user typed is shown as plain text (tables, or plain)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import grading, grading_entry, plausibility
from core.db import unit_of_work
from core.errors import RuleViolation
from core.grading import LEVELS, SHORT_LABELS
from core.grading_entry import DECLARED_LABELS, Declaration, SheetState
from core.indicator_models import IndicatorSystem, SheetPhase
from core.indicator_systems import source_line
from core.models import User
from core.project_models import Case
from ui.widgets import fmt_time, plain

LEVEL_COLOURS = {"I": "green", "II": "blue", "III": "orange", None: "red"}


def level_badge(level: str | None) -> str:
    return f":{LEVEL_COLOURS[level]}-badge[{SHORT_LABELS[level]}]"


def system_caption(system: IndicatorSystem) -> None:
    """The system, where it comes from, and what of it was not transcribed."""
    st.markdown(f"对标依据：**{plain(system.name)}**（版本 {plain(system.version)}）  \n"
                f"来源：{plain(source_line(system))}")
    covered = sum(g.weight for g in system.groups)
    if covered < 1 - 1e-6 or system.untranscribed:
        st.warning(f"本体系为部分录入：已录入的一级指标权重合计 {covered:g}，对标结果按已录入部分折算，须结合原文复核。",
                   icon=":material/info:")
    with st.expander("体系说明与未录入内容"):
        st.text(f"转录出处：{(system.source or {}).get('transcribed_from', '')}")
        if system.notes:
            st.text(system.notes)
        for line in system.untranscribed or []:
            st.text(f"未录入：{line}")


def target_line(declaration: Declaration) -> str:
    target = declaration.target
    return (f"审核目标：整体达到{SHORT_LABELS[target.overall]}及以上；涉水指标达到{SHORT_LABELS[target.water]}基准值"
            f"（{target.reason}）")


def _score_line(state: SheetState) -> str:
    scores = state.result.scores
    return " · ".join(f"Y{'Ⅰ' if k == 'I' else 'Ⅱ' if k == 'II' else 'Ⅲ'} = {scores[k]:.1f}" for k in LEVELS)


def phase_summary(state: SheetState) -> None:
    """The level of one phase and whether it meets the target (or why there is none yet)."""
    st.markdown(f"**{state.phase.label}**")
    if state.system is None:
        st.info("本企业所属行业还没有导入清洁生产评价指标体系。", icon=":material/info:")
        return
    if state.sheet is None:
        st.caption("尚未填报。")
        return
    check = state.check
    met = ":green-badge[达到审核目标]" if check.met else ":red-badge[未达到审核目标]"
    st.markdown(f"清洁生产水平：{level_badge(state.result.level)} {met}")
    st.caption(_score_line(state) + f" · 填报于 {fmt_time(state.sheet.updated_at)}")
    if not check.overall_met:
        st.caption(f"整体水平未达到{SHORT_LABELS[check.target.overall]}。")
    if check.water_short:
        st.caption(plain(f"涉水指标未达到{SHORT_LABELS[check.target.water]}：{'、'.join(check.water_short)}"))
    if state.result.blank:
        st.caption(plain(f"未填写 {len(state.result.blank)} 项（按未达到计）："
                             f"{'、'.join(r.indicator.name for r in state.result.blank)}"))
    if state.result.level != "I":
        better = {"II": "I", "III": "II", None: "III"}[state.result.level]
        if names := state.result.failed_limiting.get(better):
            st.caption(plain(f"限定性指标未达到{SHORT_LABELS[better]}：{'、'.join(names)}"))


def _shown_entry(indicator, entry: grading.Entry | None) -> str:
    if entry is None:
        return "未填写"
    if entry.not_applicable:
        return "不适用"
    if indicator.kind == grading.QUALITATIVE:
        return DECLARED_LABELS.get(entry.declared, "未填写")
    return "未填写" if entry.value is None else f"{entry.value:g}"


def _bench(indicator, level: str) -> str:
    value = (indicator.benchmarks or {}).get(level)
    if value is None:
        return "（未录入）" if indicator.kind == grading.QUALITATIVE else ""
    if indicator.kind == grading.QUALITATIVE:
        return str(value)
    return f"{'≤' if indicator.direction == 'lower' else '≥'}{float(value):g}"


def comparison_table(states: dict[SheetPhase, SheetState]) -> None:
    """Every indicator with its benchmarks, the values before and after and the level each reached."""
    system = next((s.system for s in states.values() if s.system is not None), None)
    if system is None:
        return
    levels = {phase: {r.indicator.key: r for r in s.result.results} if s.result else {} for phase, s in states.items()}
    rows = []
    for group in system.groups:
        for indicator in group.indicators:
            row = {"一级指标": group.name, "二级指标": indicator.name, "单位": indicator.unit or "—"}
            for phase, short in ((SheetPhase.BEFORE, "审核前"), (SheetPhase.AFTER, "实施后")):
                result = levels[phase].get(indicator.key)
                row[f"{short}填报"] = _shown_entry(indicator, states[phase].entries.get(indicator.key)) \
                    if states[phase].sheet else ""
                row[f"{short}级别"] = ("不适用" if not result.applies else SHORT_LABELS[result.level]) if result else ""
            row |= {"限定性": "是" if indicator.limiting else "", "涉水": "是" if indicator.water else "",
                    **{f"{SHORT_LABELS[k]}基准": _bench(indicator, k) for k in LEVELS}}
            rows.append(row)
    # Values and levels first, the (long) benchmark texts last; every row shown without scrolling.
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=38 + 35 * len(rows),
                 column_config={f"{SHORT_LABELS[k]}基准": st.column_config.TextColumn(width="medium") for k in LEVELS})


def side_by_side(states: dict[SheetPhase, SheetState], declaration: Declaration, with_system: bool = True) -> None:
    """Before and after next to each other, under the campaign's target."""
    system = next((s.system for s in states.values() if s.system is not None), None)
    if system is not None and with_system:
        system_caption(system)
    st.markdown(plain(target_line(declaration)))
    left, right = st.columns(2)
    with left.container(border=True):
        phase_summary(states[SheetPhase.BEFORE])
    with right.container(border=True):
        phase_summary(states[SheetPhase.AFTER])
    comparison_table(states)


def findings_view(findings: list[plausibility.Finding]) -> None:
    if not findings:
        st.success("未发现相互矛盾的数据。", icon=":material/check_circle:")
        return
    warnings = sum(f.severity == plausibility.WARNING for f in findings)
    notes = len(findings) - warnings
    st.markdown(f"发现 **{warnings}** 处需要核实的数据" + (f"，另有 {notes} 条提示" if notes else ""))
    for finding in findings:
        box = st.warning if finding.severity == plausibility.WARNING else st.info
        box(plain(f"{finding.title}：{finding.message}"), icon=":material/report:")
        st.dataframe(_figures_table(finding), hide_index=True, width="stretch")


def _figures_table(finding: plausibility.Finding) -> pd.DataFrame:
    """The figures a finding compared, where each was entered (plain text cells)."""
    def shown(value) -> str:
        return plausibility.fmt(value) if isinstance(value, float | int) else str(value)
    return pd.DataFrame([{"比较的数据": f.label, "数值": shown(f.value), "单位": f.unit} for f in finding.figures])


def reviewer_panel(user: User, case: Case) -> None:
    """业务办理详情 at intake: the audit's 对标 before and after, and the plausibility findings."""
    with st.container(border=True, key=f"grading_review_{case.id}"):
        st.markdown("#### :material/fact_check: 清洁生产水平对标与数据核查")
        factor = st.number_input("允许的差异倍数（两处应一致的数据相差超过该倍数时提示）", min_value=1.1, max_value=100.0,
                                 value=plausibility.DEFAULT_FACTOR, step=0.5, key=f"plaus_factor_{case.id}")
        try:
            with unit_of_work() as session:
                project, states = grading_entry.view(session, session.get(User, user.id), case.project_id)
                declared = grading_entry.declaration(session, project)
                findings = plausibility.check(plausibility.gather(session, project), factor)
        except RuleViolation as exc:
            st.error(exc.message, icon=":material/error:")
            return
        warnings = sum(f.severity == plausibility.WARNING for f in findings)
        if warnings:
            st.warning(f"数据核查发现 {warnings} 处需要核实的数据，详见下方“数据核查”。", icon=":material/report:")
        side_by_side(states, declared)
        st.markdown("**数据核查**")
        st.caption(plain("排污许可证载明的污染物（企业填报）：" + ("、".join(declared.permit_pollutants) or "未填报")))
        findings_view(findings)
