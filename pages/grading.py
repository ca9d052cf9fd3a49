"""清洁生产水平对标: the enterprise enters its figures and indicator values before the audit (预审核) and after
implementation (验收), declares its park and waste-water facts and its permit's pollutants, and sees its level
next to the campaign's target. Rules and computation: core.grading_entry, core.grading."""

import streamlit as st

from core import grading, grading_entry
from core.db import unit_of_work
from core.errors import RuleViolation
from core.grading_entry import DECLARED, DECLARED_LABELS, FIGURES
from core.indicator_models import SheetPhase
from core.startup_fields import PRODUCT_UNITS, StepErrors, today
from ui.grading_views import phase_summary, side_by_side, system_caption
from ui.project_views import choose_project, startup_gate
from ui.session import current_user
from ui.widgets import SeenVersions, plain, page_header, show_flash, show_violation

YES_NO = {"是": True, "否": False}

user = current_user("pages/grading.py")
page_header("清洁生产水平对标", "对照本行业清洁生产评价指标体系，填报审核前（预审核）和方案实施后（验收）的指标数据，"
                           "系统计算清洁生产水平并与审核目标比较。")
show_flash()
project = choose_project(user)
startup_gate(project)
pid = project.id
seen = SeenVersions(f"grading_seen_{pid}")
ERRORS = f"grading_errors_{pid}"

with unit_of_work() as session:
    project, states = grading_entry.view(session, user, pid)
    declared = grading_entry.declaration(session, project)
system = next((s.system for s in states.values() if s.system is not None), None)
if system is None:
    st.info("本企业所属行业还没有导入清洁生产评价指标体系，暂不能对标。指标体系由省级生态环境部门导入；"
            "如所属行业有误，请在“项目启动”中核对所属行业。", icon=":material/info:")
    st.stop()
system_caption(system)


def errors(scope: str) -> dict:
    return st.session_state.get(ERRORS, {}).get(scope, {})


def field_error(scope: str, key: str) -> None:
    if message := errors(scope).get(key):
        st.error(plain(message), icon=":material/error:")


def run(scope: str, action, success: str) -> None:
    """Save; per-field faults are kept for the rerun, other refusals shown here."""
    try:
        with unit_of_work() as session:
            action(session, session.get(type(user), user.id))
    except StepErrors as exc:
        st.session_state.setdefault(ERRORS, {})[scope] = exc.errors
        st.session_state["grading_failed"] = exc.message
        st.rerun()
    except RuleViolation as exc:
        show_violation(exc)
        return
    st.session_state.setdefault(ERRORS, {}).pop(scope, None)
    st.session_state["flash"] = success
    st.rerun()


def choice_index(value) -> int | None:
    return None if value is None else (0 if value else 1)


def declaration_form() -> None:
    version = seen.see(("grading_profile", pid), declared.version or 0)
    with st.container(border=True):
        st.markdown("##### 园区、废水去向与排污许可")
        with st.form(f"grading_declaration_{pid}", enter_to_submit=False):
            left, right = st.columns(2)
            park = left.radio("是否位于工业园区（已编制规划环评并通过审查的工业园区）", list(YES_NO), horizontal=True,
                              index=choice_index(declared.in_park), key=f"gr_park_{pid}")
            plant = right.radio("废水是否进入污水集中处理设施", list(YES_NO), horizontal=True,
                                index=choice_index(declared.wastewater_to_plant), key=f"gr_plant_{pid}")
            pollutants = st.text_area("排污许可证载明的污染物（每行一项，如 化学需氧量、氨氮、总镍）",
                                      value="\n".join(declared.permit_pollutants), height=110,
                                      key=f"gr_pollutants_{pid}")
            sent = st.form_submit_button("保存园区与排污许可信息")
        for key in ("in_park", "wastewater_to_plant", "permit_pollutants"):
            field_error("declaration", key)
    if sent:
        chosen = (YES_NO.get(park), YES_NO.get(plant), pollutants.splitlines())
        run("declaration", lambda s, u: grading_entry.save_declaration(s, u, pid, *chosen, version),
            "园区、废水去向与排污许可信息已保存，对标结果已按新的审核目标重新计算")


def indicator_input(phase: SheetPhase, indicator, entry: grading.Entry | None, locked: bool) -> grading.Entry:
    key = f"gr_{pid}_{phase.value}_{indicator.key}"
    entry = entry or grading.Entry()
    marks = ("（限定性）" if indicator.limiting else "") + ("（涉水）" if indicator.water else "")
    left, right = st.container(key=f"gr_row_{pid}_{phase.value}_{indicator.key}").columns([3, 1],
                                                                                        vertical_alignment="bottom")
    if indicator.kind == grading.QUANTITATIVE:
        bench = "，".join(f"{grading.SHORT_LABELS[k]} {'≤' if indicator.direction == 'lower' else '≥'}"
                         f"{float(indicator.benchmarks[k]):g}" for k in grading.LEVELS)
        value = left.number_input(f"{plain(indicator.name)}（{plain(indicator.unit)}）{marks}", value=entry.value,
                                  min_value=0.0, step=1.0, format="%g", key=f"{key}_value", disabled=locked,
                                  help=f"基准值：{bench}")
        declared = None
    else:
        texts = "\n\n".join(f"{grading.SHORT_LABELS[k]}：{t}" for k, t in (indicator.benchmarks or {}).items())
        declared = left.selectbox(f"{plain(indicator.name)}{marks}", list(DECLARED),
                                  format_func=DECLARED_LABELS.get,
                                  index=DECLARED.index(entry.declared) if entry.declared in DECLARED else None,
                                  placeholder="请选择达到的级别", key=f"{key}_declared", disabled=locked,
                                  help=plain(texts))
        value = None
    na = False if indicator.limiting else right.checkbox("不适用", value=entry.not_applicable, key=f"{key}_na",
                                                         disabled=locked)
    return grading.Entry(value=value, declared=declared, not_applicable=na)


def sheet_form(phase: SheetPhase) -> None:
    state = states[phase]
    scope = phase.value
    version = seen.see(("grading_sheet", pid, scope), state.sheet.version if state.sheet else 0)
    locked = state.locked is not None
    if locked:
        st.info(state.locked, icon=":material/lock:")
    figures = dict(state.figures)
    with st.container(key=f"gr_sheet_{pid}_{scope}"), st.form(f"grading_sheet_{pid}_{scope}", enter_to_submit=False):
        st.markdown("##### 生产与资源消耗数据")
        a, b, c = st.columns(3)
        year = a.number_input("统计年度 *", min_value=2000, max_value=today().year, step=1, value=figures.get("year"),
                              key=f"gr_{pid}_{scope}_year", disabled=locked)
        output = b.number_input("主要产品年产量 *", min_value=0.0, value=figures.get("output"), step=1.0, format="%g",
                                key=f"gr_{pid}_{scope}_output", disabled=locked)
        chosen_unit = figures.get("output_unit")
        unit = c.selectbox("产量计量单位 *", list(PRODUCT_UNITS), placeholder="请选择",
                           index=PRODUCT_UNITS.index(chosen_unit) if chosen_unit in PRODUCT_UNITS else None,
                           key=f"gr_{pid}_{scope}_unit", disabled=locked)
        typed = {"year": year, "output": output, "output_unit": unit}
        columns = st.columns(3)
        for i, key in enumerate(k for k in FIGURES if k != "output"):
            label, res_unit, _ = FIGURES[key]
            typed[key] = columns[i % 3].number_input(f"{label}（{res_unit}）{' *' if key == 'fresh_water' else ''}",
                                                     min_value=0.0, value=figures.get(key), step=1.0, format="%g",
                                                     key=f"gr_{pid}_{scope}_{key}", disabled=locked)
        entries = {}
        for group in state.system.groups:
            st.markdown(f"##### {plain(group.name)}（权重 {group.weight:g}）")
            for indicator in group.indicators:
                entries[indicator.key] = indicator_input(phase, indicator, state.entries.get(indicator.key), locked)
        sent = st.form_submit_button(f"保存{phase.label}对标数据", type="primary", disabled=locked)
    shown = errors(scope)
    if shown:
        st.error("请修改以下内容：\n" + "\n".join(f"- {plain(m)}" for m in shown.values()), icon=":material/error:")
    if sent:
        run(scope, lambda s, u: grading_entry.save_sheet(s, u, pid, phase, typed, entries, version),
            f"{phase.label}对标数据已保存")


if message := st.session_state.pop("grading_failed", None):
    st.error(plain(message), icon=":material/error:")  # it quotes indicator names from the system file
declaration_form()
tabs = st.tabs([phase.label for phase in SheetPhase])
for tab, phase in zip(tabs, SheetPhase, strict=True):
    with tab:
        with st.container(border=True):
            phase_summary(states[phase])
        sheet_form(phase)
st.subheader("对标结果：审核前后对比")
side_by_side(states, declared, with_system=False)
seen.remember()
