"""首页 of an enterprise: each audit's standing, what was returned and why, what is due, what to do next."""

from __future__ import annotations

import streamlit as st

from core.enterprise_overview import AuditOverview
from core.project_models import CaseStatus
from ui.widgets import plain


def _due(o: AuditOverview) -> None:
    if o.next_milestone is None:
        return
    text = f"下一个时间节点：**{o.next_milestone}**，截止 {o.next_due.isoformat()}"
    if o.days_left < 0:
        st.error(f"{text}（已逾期 {-o.days_left} 天）", icon=":material/alarm:")
    elif o.days_left <= 7:
        st.warning(f"{text}（{'今天到期' if o.days_left == 0 else f'剩余 {o.days_left} 天'}）", icon=":material/alarm:")
    else:
        st.info(f"{text}（剩余 {o.days_left} 天）", icon=":material/event:")


def _cases(o: AuditOverview) -> None:
    for state in o.cases:
        if state.status is CaseStatus.RETURNED:
            st.warning(f"{state.summary}，请按以下意见修改相应步骤并重新标记完成后重新提交：", icon=":material/undo:")
            for stage, remark in state.remarks:
                st.markdown(f"- **{stage}**：{plain(remark)}")
        elif state.status is CaseStatus.FAILED:
            st.error(f"{state.summary}：请查看专家意见，整改后重新提交申请。", icon=":material/replay:")
        elif state.status is CaseStatus.PASSED:
            st.success(state.summary, icon=":material/task_alt:")
        else:
            st.info(state.summary, icon=":material/hourglass_top:")


def audit_card(o: AuditOverview) -> None:
    with st.container(border=True):
        st.subheader(plain(o.campaign))
        numbers = f"告知书编号 {o.letter_number}" + (f" · 项目编号 {o.project_number}" if o.project_number else "")
        st.caption(numbers)
        if o.finished:
            st.success("验收已通过，本次强制性清洁生产审核已完成。", icon=":material/verified:")
        left, middle, right = st.columns(3)
        left.metric("任务", "已接受" if o.accepted else "待接受")
        middle.metric("项目启动", "已提交" if o.startup_submitted else "未提交")
        right.metric("审核信息公开", "已登记" if o.disclosed else "未登记")
        if o.accepted:
            st.progress(o.stages_done / o.stages_total,
                        text=f"工作过程填报：已完成 {o.stages_done} / {o.stages_total} 个阶段")
        _cases(o)
        _due(o)
        if o.todo:
            st.markdown("**待办事项**")
            for i, item in enumerate(o.todo, start=1):
                st.page_link(item.page, label=f"{i}. {item.text}",
                             icon=":material/priority_high:" if item.urgent else ":material/arrow_forward:")
