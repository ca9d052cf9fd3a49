"""首页: who is signed in and the jurisdiction they work in."""

import pandas as pd
import streamlit as st

from core import cases, deadlines, enterprise_overview, roster
from core.db import unit_of_work
from core.enterprises import division_path, jurisdiction_summary
from core.models import Enterprise, Tier
from core.workflow_models import RosterStatus
from ui.enterprise_home import audit_card
from ui.session import current_user
from ui.widgets import export_buttons, plain

# A task waits for this department while it is received or returned (the province: its drafts).
TO_DO = (RosterStatus.PENDING, RosterStatus.RETURNED)

SHOWN_REMINDERS = 20

user = current_user("pages/home.py")


def reminder_row(d: deadlines.Due) -> dict:
    return {"企业名称": d.enterprise, "区县": d.county, "清审批次": d.campaign, "时间节点": d.milestone,
            "截止日期": d.due.isoformat(), "状态": d.status}


def _all_reminders() -> list[deadlines.Due]:
    with unit_of_work() as session:
        return deadlines.pending(session, user)


if msg := st.session_state.pop("flash", None):
    st.success(plain(msg))

st.title(f"欢迎，{plain(user.display_name)}")
with unit_of_work() as session:
    path = division_path(session, user.division_code)
    summary = jurisdiction_summary(session, user)
    enterprise = session.get(Enterprise, user.enterprise_id) if user.enterprise_id else None
    todo = [p for p in roster.task_list(session, user) if p.status in TO_DO] if user.tier.is_department else []
    due = deadlines.pending(session, user, limit=SHOWN_REMINDERS)
    due_count = deadlines.pending_count(session, user)
    case_todo = cases.case_list(session, user, mine_only=True, limit=3) if user.tier.is_department else []
    case_todo_count = cases.case_count(session, user, mine_only=True).total if case_todo else 0
    audits = enterprise_overview.overview(session, user) if user.tier is Tier.ENTERPRISE else []
    industry = f"{enterprise.industry_code} {enterprise.industry.name}" if enterprise and enterprise.industry else "—"

st.caption(f"{user.tier.label}用户 · 账号 {plain(user.login)}")

# What is overdue or due within a week comes first (issue 7): the earliest unmet milestone per enterprise.
if due:
    text = f"**{due_count.overdue}** 项已逾期，" if due_count.overdue else ""
    (st.error if due_count.overdue else st.warning)(
        f"时间节点提醒：{text}**{due_count.total - due_count.overdue}** 项将在 {deadlines.SOON_DAYS} 天内到期",
        icon=":material/alarm:")
    st.dataframe(pd.DataFrame([reminder_row(d) for d in due]), hide_index=True, width="stretch")
    if due_count.total > len(due):
        st.caption(f"仅列出最紧急的 {len(due)} 项（共 {due_count.total} 项）。")
    export_buttons(lambda: [reminder_row(d) for d in _all_reminders()], "时间节点提醒", "home_due")

if user.tier is Tier.ENTERPRISE:
    st.subheader("审核进展")
    if not audits:
        st.info("暂无下发给本企业的清洁生产审核任务。所在区县生态环境部门下发告知书后，任务将在此显示。")
    for audit in audits:
        audit_card(audit)
    st.subheader("本企业信息")
    left, right = st.columns(2)
    left.markdown(f"**企业名称**：{plain(enterprise.name)}")
    left.markdown(f"**所在地**：{path}")
    left.markdown(f"**统一社会信用代码**：{plain(enterprise.credit_code or '未填写')}")
    right.markdown(f"**所属行业**：{industry}")
    right.markdown(f"**负责评估验收部门**：{enterprise.managing_tier.label}")
    right.markdown(f"**是否双超 / 双有**：{'是' if enterprise.double_exceed else '否'} / "
                   f"{'是' if enterprise.double_toxic else '否'}")
else:
    if todo:
        names = "、".join(f"“{plain(p.task.name)}”（{p.status.label}）" for p in todo[:3]) + ("等" if len(todo) > 3 else "")
        st.warning(f"您有 **{len(todo)}** 项名单核定任务待办理：{names}", icon=":material/pending_actions:")
        st.page_link("pages/roster_tasks.py", label="去办理名单核定任务", icon=":material/fact_check:")
    if case_todo:
        names = "、".join(f"{plain(r.enterprise)}（{r.kind.label}·{r.step.label}）" for r in case_todo[:3])
        st.warning(f"您有 **{case_todo_count}** 项评估验收申请待办理：{names}{'等' if case_todo_count > 3 else ''}",
                   icon=":material/gavel:")
        st.page_link("pages/cases.py", label="去业务办理", icon=":material/gavel:")
    st.subheader("管辖范围")
    st.markdown(f"**{path}**")
    figures = ([("下辖地市", summary["cities"])] if user.tier is Tier.PROVINCE else []) + [
        ("区县（含功能区）", summary["counties"]), ("辖区企业", summary["enterprises"])]
    for column, (label, value) in zip(st.columns(3), figures, strict=False):  # side by side, from the left
        column.metric(label, value)
    st.page_link("pages/enterprise_directory.py", label="查看辖区企业名录", icon=":material/factory:")
