"""名单核定任务: the department's roster tasks with a status filter; the province creates new ones."""

from datetime import date, timedelta

import streamlit as st

from core import roster
from core.db import run_write, unit_of_work
from core.errors import RuleViolation
from core.models import Tier, User
from core.roster_reading import area_counts
from core.text import Limit
from core.workflow_models import RosterStatus
from ui.roster_views import open_task, status_badge
from ui.session import current_user
from ui.widgets import export_buttons, page_header, plain, show_violation

user = current_user("pages/roster_tasks.py")
page_header("名单核定任务", "强制性清洁生产审核企业名单的筛选、核定与审核，由省、市、县三级共同完成。"
            "状态为“待确认”或“已退回”的任务需要本部门办理。")

if user.tier is Tier.PROVINCE:
    with st.expander("新建名单核定任务", icon=":material/add:"):
        with st.form("new_roster_task", enter_to_submit=False):
            name = st.text_input("任务名称 *", max_chars=Limit.NAME, placeholder="例如：2021年白洋淀流域第二批涉水企业清洁生产审核名单核定")
            left, right = st.columns(2)
            batch = left.text_input("批次 *", max_chars=Limit.SHORT, placeholder="例如：第二批")
            # no min_value: a bounded picker keeps its default when a past date is typed; core.dates says why
            deadline = right.date_input("截止日期 *", value=date.today() + timedelta(days=30), format="YYYY-MM-DD")
            requirements = st.text_area("任务要求", height=120, max_chars=Limit.LONG,
                                        placeholder="对地市、区县核定工作的要求，下发后各级可见")
            created = st.form_submit_button("创建任务", type="primary")
        if created:
            try:
                new_id = run_write(lambda session: roster.create_task(
                    session, session.get(User, user.id), name=name, batch=batch, requirements=requirements,
                    deadline=deadline).id)
            except RuleViolation as exc:
                show_violation(exc)
            else:
                st.session_state["flash"] = "任务已创建，请在“企业名单”步骤导入省级名单，核对后下发。"
                open_task(new_id)

def deadline_note(part) -> str:
    """Days left for a task still in this department's hands."""
    if part.status not in (RosterStatus.PENDING, RosterStatus.RETURNED):
        return ""
    days = (part.task.deadline - date.today()).days
    if days < 0:
        return f" · :red[已逾期 {-days} 天]"
    return f" · :orange[剩余 {days} 天]" if days <= 7 else f" · 剩余 {days} 天"


STATUS_FILTER = {"全部": None, **{s.label: s for s in RosterStatus}}
choice = st.radio("任务状态", list(STATUS_FILTER), horizontal=True, key="roster_status_filter")

with unit_of_work() as session:
    parts = roster.task_list(session, user, STATUS_FILTER[choice])
    counts = {p.id: area_counts(session, p) for p in parts}

if not parts:
    st.info("没有符合条件的名单核定任务。" + ("可在上方新建任务。" if user.tier is Tier.PROVINCE else ""))
    st.stop()

st.markdown(f"共 **{len(parts)}** 项任务")
for part in parts:
    count = counts[part.id]
    with st.container(border=True):
        info, figures, action = st.columns([5, 3, 1], vertical_alignment="center")
        info.markdown(f"**{plain(part.task.name)}**  \n{status_badge(part)} · 批次：{plain(part.task.batch)} · "
                      f"截止日期：{part.task.deadline:%Y-%m-%d}{deadline_note(part)}")
        figures.markdown(f"本级名单 **{count.total}** 家 · 列入 {count.kept} · 标注否 {count.excluded} · "
                         f"增补 {count.added}")
        if action.button("详情", key=f"open_{part.id}", width="stretch"):
            open_task(part.id)


def _rows():
    with unit_of_work() as s:
        result = []
        for p in roster.task_list(s, user, STATUS_FILTER[choice]):
            c = area_counts(s, p)
            result.append({"任务名称": p.task.name, "批次": p.task.batch, "状态": p.status.label,
                           "截止日期": p.task.deadline.isoformat(), "本级名单企业数": c.total, "列入": c.kept,
                           "标注否": c.excluded, "增补": c.added})
        return result


export_buttons(_rows, "名单核定任务", key="roster_tasks")
