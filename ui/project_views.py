"""Shared pieces of the enterprise's audit screens: which project, and its remarks."""

from __future__ import annotations

import streamlit as st

from core import projects
from core.db import unit_of_work
from core.models import User
from core.project_models import AuditProject
from ui.widgets import plain


def choose_project(user: User) -> AuditProject:
    """The project the enterprise works on (a selector when it has several campaigns); stops if none."""
    with unit_of_work() as session:
        mine = projects.projects_of(session, user)
        names = {p.id: f"{p.project_number}（{projects.campaign_name(session, p)}）" for p in mine}
    if not mine:
        st.info("本企业还没有清洁生产审核项目：请先在“接受清审任务”中接受任务。")
        st.page_link("pages/enterprise_tasks.py", label="去接受清审任务", icon=":material/task_alt:")
        st.stop()
    if len(mine) == 1:
        st.caption(f"项目编号：{plain(names[mine[0].id])}")
        return mine[0]
    chosen = st.selectbox("审核项目", list(names), format_func=names.get, key="project_pick")
    return next(p for p in mine if p.id == chosen)


def startup_gate(project: AuditProject) -> None:
    if project.startup_submitted_at is None:
        st.warning("请先完成并提交“项目启动”信息，再填报各阶段工作。", icon=":material/rocket_launch:")
        st.stop()
