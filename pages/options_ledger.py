"""方案台账: the enterprise's cleaner-production options with investment and benefits."""

import pandas as pd
import streamlit as st

from core import options
from core.db import unit_of_work
from core.project_models import OptionKind, OptionStatus
from core.stages import STAGES
from core.text import Limit
from ui.project_views import choose_project, startup_gate
from ui.session import current_user
from ui.widgets import act, excel_download, page_header, show_flash

user = current_user("pages/options_ledger.py")
page_header("方案台账", "登记审核中产生的无/低费和中/高费方案，以及投资、经济效益和环境效益；统计和工作总结将据此汇总。")
show_flash()
project = choose_project(user)
startup_gate(project)

with unit_of_work() as session:
    ledger = options.options_of(session, project.id)
    ledger_lock = options.ledger_lock(session, project.id)
sums = options.totals(ledger)
cols = st.columns(5)
cols[0].metric("无/低费方案（项）", sums["low_cost"])
cols[1].metric("中/高费方案（项）", sums["high_cost"])
cols[2].metric("总投资（万元）", f"{sums['investment']:.2f}")
cols[3].metric("经济效益（万元/年）", f"{sums['economic_benefit']:.2f}")
cols[4].metric("节水（t/a）", f"{sums['water_saved']:.1f}")
stage_names = {s.key: s.label for s in STAGES}
if ledger:
    table = pd.DataFrame([{
        "方案名称": o.name, "类型": o.kind.label, "产生阶段": stage_names.get(o.stage, o.stage), "状态": o.status.label,
        **{f"{label}（{unit}）": getattr(o, key) for key, (label, unit, _) in options.FIGURES.items()}}
        for o in ledger])
    st.dataframe(table, hide_index=True, width="stretch")
    excel_download(table, "方案台账", "ledger_xlsx")
else:
    st.info("尚未登记方案。")

if ledger_lock.mode is options.LedgerMode.LOCKED:
    st.info(ledger_lock.reason, icon=":material/lock:")
    st.stop()
status_only = ledger_lock.mode is options.LedgerMode.STATUS_ONLY
if status_only:
    st.info(ledger_lock.reason, icon=":material/lock:")
st.markdown("#### 登记实施状态" if status_only else "#### 登记或修改方案")
existing = {o.id: o for o in ledger}
choices = list(existing) if status_only else [None, *existing]
if not choices:
    st.stop()
choice = st.selectbox("方案", choices, format_func=lambda i: "新增方案" if i is None else existing[i].name,
                      key="option_pick")
current = existing.get(choice)
generation = st.session_state.get("option_generation", 0)
# Enter in a field does not send the form (here and in every form with more than a password): a user
# pressing it after the name saved an option with the default type and no figures (issue 14).
with st.form(f"option_form_{choice}_{generation}", enter_to_submit=False):
    name = st.text_input("方案名称 *", value=current.name if current else "", max_chars=Limit.NAME,
                         disabled=status_only)
    c1, c2, c3 = st.columns(3)
    kinds, statuses = list(OptionKind), list(OptionStatus)
    kind = c1.selectbox("类型 *", kinds, format_func=lambda k: k.label, index=kinds.index(current.kind) if current else 0,
                        disabled=status_only)
    stage = c2.selectbox("产生阶段 *", list(stage_names), format_func=stage_names.get,
                         index=list(stage_names).index(current.stage) if current else 3, disabled=status_only)
    status = c3.selectbox("状态 *", statuses, format_func=lambda k: k.label,
                          index=statuses.index(current.status) if current else 0)
    figure_cols = st.columns(4)
    figures = {key: figure_cols[i % 4].number_input(f"{label}（{unit}）", value=float(getattr(current, key)) if current
                                                     else 0.0, step=0.1, format="%.2f", disabled=status_only)
               for i, (key, (label, unit, _)) in enumerate(options.FIGURES.items())}
    saved = st.form_submit_button("保存方案", type="primary")
if saved:
    form = options.OptionForm(kind=kind, name=name, stage=stage, status=status, **figures)
    act(lambda s, u: options.save_option(s, u, project.id, form, current.id if current else None,
                                         current.version if current else None),
        f"已保存方案“{name.strip()}”", user,
        then=lambda: st.session_state.__setitem__("option_generation", generation + 1))
if current is not None and not status_only:
    sure = st.checkbox("确认删除该方案", key=f"option_delete_ok_{current.id}")
    if st.button("删除方案", disabled=not sure, key=f"option_delete_{current.id}"):
        act(lambda s, u: options.delete_option(s, u, project.id, current.id, current.version),
            f"已删除方案“{current.name}”", user, then=lambda: st.session_state.pop("option_pick", None))
