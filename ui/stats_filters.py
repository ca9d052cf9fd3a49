"""The campaign and batch filter shared by the statistics screens (统计分析, 工作总结)."""

from __future__ import annotations

import streamlit as st

from core.notice_models import AuditNotice
from core.stats import StatsFilter

ANY = "全部"


def campaign_filter(notices: list[AuditNotice], key: str) -> tuple[StatsFilter, str]:
    """清审批次 and 批次 selectors; the filter they select and how to name it in a report."""
    left, right = st.columns([3, 1])
    names = {ANY: None, **{f"{n.name}（{n.batch}）": n.id for n in notices}}
    campaign = left.selectbox("清审批次", list(names), key=f"{key}_campaign")
    batch = right.selectbox("批次", [ANY, *sorted({n.batch for n in notices})], key=f"{key}_batch")
    label = campaign if names[campaign] else ("全部清审批次" if batch == ANY else f"全部清审批次（{batch}）")
    return StatsFilter(notice_id=names[campaign], batch=None if batch == ANY else batch), label
