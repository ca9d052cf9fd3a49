"""The province imports its proposed list: upload, preview with row errors, confirm proposals, import."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import roster_list
from core.db import unit_of_work
from core.roster_import import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    ImportPreview,
    confirm_proposal,
    preview,
)
from core.workflow_models import RosterAssignment
from ui.widgets import act, excel_bytes, plain

PLACEHOLDER = "请选择…"


def template_bytes() -> bytes:
    return excel_bytes(pd.DataFrame(columns=["序号", *REQUIRED_COLUMNS, *OPTIONAL_COLUMNS[1:]]), "企业名单")


def import_panel(user, part: RosterAssignment, version: int) -> None:
    with st.container(border=True):
        st.markdown("**导入省级企业名单**")
        st.caption(f"支持 Excel（.xlsx）或 CSV 文件。必需列：{'、'.join(REQUIRED_COLUMNS)}；"
                   f"可选列：{'、'.join(OPTIONAL_COLUMNS)}。导入前先预览，逐行检查，确认无误后才会保存。")
        st.download_button("下载名单模板", template_bytes(), file_name="企业名单模板.xlsx",
                           key=f"tpl_{part.id}", on_click="ignore")
        generation = st.session_state.get(f"import_generation_{part.id}", 0)  # a new key empties the uploader
        upload = st.file_uploader("选择名单文件", type=["xlsx", "csv"], key=f"import_file_{part.id}_{generation}")
        key = f"import_preview_{part.id}"
        if upload is None:
            st.session_state.pop(key, None)
            return
        held = st.session_state.get(key)
        if held is None or held[0] != upload.file_id:
            with unit_of_work() as session, st.spinner("正在检查名单…"):
                held = (upload.file_id, preview(session, upload.name, upload.getvalue()))
            st.session_state[key] = held
        _show_preview(user, part, version, held[1])


def _show_preview(user, part: RosterAssignment, version: int, checked: ImportPreview) -> None:
    if checked.file_error:
        st.error(plain(checked.file_error), icon=":material/error:")
        return
    total, bad = len(checked.rows), checked.error_count
    if bad:
        st.warning(f"共 {total} 行，其中 {bad} 行需要处理。请确认系统建议的标准名称，"
                   "或修正文件后重新上传；全部无误后才能导入。", icon=":material/warning:")
    else:
        st.success(f"共 {total} 行，全部检查通过。", icon=":material/check_circle:")
    st.dataframe(pd.DataFrame([{
        "行号": r.line, "检查结果": "；".join(r.errors) or "通过", "企业名称": r.name, "所属区县": r.values.get("所属区县", ""),
        "行业名称": r.values.get("行业名称", ""), "行业代码": r.industry_code or "",
        "负责评估验收": r.managing_tier.label if r.managing_tier else ""} for r in sorted(checked.rows, key=lambda r: (r.ok, r.line))]),
        hide_index=True, width="stretch", height=min(38 + 35 * total, 420),
        column_config={"检查结果": st.column_config.TextColumn("检查结果", width="large"),
                       "行号": st.column_config.NumberColumn("行号", width="small")})
    st.caption("有问题的行排在前面。")
    proposals = [(r, field) for r in checked.rows for field in list(r.proposals)]
    if proposals:
        st.markdown("**确认标准名称**（名单中的名称与国家标准不一致，请逐项确认系统建议的标准条目）")
    for row, field in proposals:
        options = {code: f"{code} {name}" for code, name in row.proposals[field]}
        label = "区县" if field == "county" else "行业"
        given = row.values.get("所属区县" if field == "county" else "行业名称", "")
        choice = st.selectbox(f"第 {row.line} 行 {plain(row.name)}：{label}“{plain(given)}”应为", [PLACEHOLDER, *options],
                              format_func=lambda c, o=options: o.get(c, c),
                              key=f"confirm_{part.id}_{row.line}_{field}")
        if choice != PLACEHOLDER:
            confirm_proposal(row, field, choice)
            st.rerun()
    if st.button(f"导入 {total} 家企业", type="primary", disabled=not checked.ok, key=f"import_{part.id}"):
        outcome = {}

        def run(s, a):
            outcome["result"] = roster_list.import_rows(s, a, part.id, version, checked.rows)

        def done():
            result = outcome["result"]
            st.session_state.pop(f"import_preview_{part.id}", None)
            st.session_state[f"import_generation_{part.id}"] = st.session_state.get(
                f"import_generation_{part.id}", 0) + 1
            st.session_state["flash"] = (f"名单已导入：新增 {result.added} 家企业"
                                         f"（其中 {result.created_enterprises} 家新加入企业名录）"
                                         + (f"，{result.already_listed} 家已在名单中未重复导入" if result.already_listed
                                            else ""))

        act(run, "名单已导入", user, then=done)
