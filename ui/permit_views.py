"""The 排污许可证 record as the enterprise's and the departments' screens both show it."""

from __future__ import annotations

import streamlit as st

from core import disclosure
from ui.widgets import plain

STATUS_COLORS = {disclosure.MISSING: "gray", disclosure.PENDING: "orange", disclosure.CONFIRMED: "green",
                 disclosure.NOT_WRITTEN: "red"}


def permit_status(permit) -> None:
    st.markdown(f"状态：:{STATUS_COLORS[permit.status]}-badge[{permit.status_label}]")


def permit_facts(record) -> None:
    """Number, class, and whether (and when) the audit requirement is written in."""
    c1, c2, c3 = st.columns(3)
    c1.markdown(f"**许可证编号**：{plain(record.permit_number)}")
    c2.markdown(f"**管理类别**：{record.management_class.label}")
    c3.markdown(f"**已写入审核要求**：{'是' if record.requirement_written else '否'}"
                + (f"（{record.written_on.isoformat()}）" if record.written_on else ""))
