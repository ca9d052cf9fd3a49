"""Widgets every screen shares: headers, error display, tables with export, the statement box."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime

import pandas as pd
import streamlit as st

from core.audit import STATEMENT
from core.db import unit_of_work
from core.errors import RuleViolation
from core.models import User


def page_header(title: str, caption: str | None = None) -> None:
    st.title(title)
    if caption:
        st.caption(caption)


def show_violation(exc: RuleViolation) -> None:
    st.error(exc.message, icon=":material/error:")


def excel_bytes(df: pd.DataFrame, sheet: str = "数据") -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        df.to_excel(writer, index=False, sheet_name=sheet[:31])
    return buffer.getvalue()


def export_buttons(rows_loader, file_stem: str, key: str) -> None:
    """Excel and CSV downloads of what the current filters select (loaded only when asked)."""
    stamp = datetime.now().strftime("%Y%m%d")
    if st.button("准备导出文件", key=f"{key}_prepare", help="按当前筛选条件导出全部记录"):
        st.session_state[f"{key}_export"] = pd.DataFrame(rows_loader())
    df = st.session_state.get(f"{key}_export")
    if df is None:
        return
    st.caption(f"已准备 {len(df)} 条记录")
    left, right = st.columns(2)
    left.download_button("下载 Excel", excel_bytes(df), file_name=f"{file_stem}_{stamp}.xlsx",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         key=f"{key}_xlsx", width="stretch")
    right.download_button("下载 CSV", df.to_csv(index=False).encode("utf-8-sig"),
                          file_name=f"{file_stem}_{stamp}.csv", mime="text/csv",
                          key=f"{key}_csv", width="stretch")


def current_page(total: int, page_size: int, key: str) -> int:
    """The 1-based page to show, kept within range when filters shrink the result."""
    pages = max(1, -(-total // page_size))
    page = min(max(1, int(st.session_state.get(key, 1))), pages)
    st.session_state[key] = page
    return page


def pager(total: int, page_size: int, key: str) -> None:
    """The page selector under a table (draw it after current_page() was read)."""
    pages = max(1, -(-total // page_size))
    if pages > 1:
        left, _ = st.columns([1, 3])
        left.number_input(f"页码（共 {pages} 页，每页 {page_size} 条）", min_value=1, max_value=pages,
                          step=1, key=key)


def statement_checkbox(key: str) -> bool:
    """The 同意上述内容 box that every binding step asks for (seed 000, 下发任务)."""
    st.info("在继续前，请先阅读以下内容：" + STATEMENT)
    return st.checkbox("我同意上述内容", key=key)


def fmt_time(value: datetime | None) -> str:
    """A timestamp in Beijing time, as users read it."""
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M") if value else ""


def act(action: Callable, success: str, user: User, then: Callable[[], None] | None = None) -> None:
    """Run a core step in one unit of work; on success flash and rerun, on refusal say why here.

    The caller's inputs stay on the page when a step is refused, so nothing typed is lost.
    """
    try:
        with unit_of_work() as session:
            action(session, session.get(User, user.id))
    except RuleViolation as exc:
        show_violation(exc)
        return
    st.session_state["flash"] = success
    if then is not None:
        then()  # may replace the flash with what the step reported
    st.rerun()


def show_flash() -> None:
    """The confirmation a step left for the page it reran into."""
    if message := st.session_state.pop("flash", None):
        st.success(message, icon=":material/check_circle:")
