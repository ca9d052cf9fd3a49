"""业务办理: the evaluation and acceptance applications of the department's enterprises (seed 000 §2.3, §3.3)."""

import streamlit as st

from core import cases
from core.db import unit_of_work
from core.project_models import CaseKind, CaseStatus
from ui.session import current_user
from ui.widgets import (
    current_page,
    export_buttons,
    fmt_time,
    page_header,
    pager,
    plain,
    show_flash,
)

user = current_user("pages/cases.py")
page_header("业务办理", "企业的评估、验收申请：区县受理后提交地市；“市直管”企业由地市完成全流程审核，"
            "“省直管”企业经地市受理后提交省级审核。")
show_flash()

KINDS = {"全部": None, **{f"{k.label}申请": k for k in CaseKind}}
STATUSES = {"全部": None, **{s.label: s for s in CaseStatus}}
f1, f2, f3 = st.columns([2, 2, 2])
mine_only = f1.toggle("只看待本部门办理", value=True, key="cases_mine")
kind = f2.selectbox("申请类型", list(KINDS), key="cases_kind")
status = f3.selectbox("状态", list(STATUSES), key="cases_status")


PAGE_SIZE = 20  # cards, each a few elements: a page a user reads without a long scroll


def load(offset: int = 0, limit: int | None = None) -> list[cases.CaseRow]:
    with unit_of_work() as session:
        return cases.case_list(session, user, kind=KINDS[kind], mine_only=mine_only, status=STATUSES[status],
                               offset=offset, limit=limit)


def as_table(rows: list[cases.CaseRow]) -> list[dict]:
    return [{"项目编号": r.project_number, "企业名称": r.enterprise, "所属区县": r.county,
             "申请类型": f"{r.kind.label}申请", "负责评估验收": r.managing_tier.label, "状态": r.status.label,
             "当前环节": r.step.label if r.holder else "", "办理部门": r.holder,
             "提交时间": fmt_time(r.submitted_at)} for r in rows]


with unit_of_work() as session:
    count = cases.case_count(session, user, kind=KINDS[kind], mine_only=mine_only, status=STATUSES[status])
st.markdown(f"共 **{count.total}** 项申请" + (f"，其中待本部门办理 **{count.mine}** 项" if count.total else ""))
if not count.total:
    st.info("待本部门办理的申请为空。" if mine_only else "没有符合条件的申请。", icon=":material/inbox:")
    st.stop()

with st.expander("导出", icon=":material/download:"):
    export_buttons(lambda: as_table(load()), "业务办理", "cases")
page = current_page(count.total, PAGE_SIZE, "cases_page")
for row in load((page - 1) * PAGE_SIZE, PAGE_SIZE):
    color = {"returned": "orange", "passed": "green", "failed": "red"}.get(row.status.value, "blue")
    with st.container(border=True):
        info, where, action = st.columns([5, 3, 1], vertical_alignment="center")
        info.markdown(f"**{plain(row.enterprise)}** · {row.kind.label}申请  \n:{color}-badge[{row.status.label}] "
                      f"· 项目编号 {row.project_number} · {row.county} · {row.managing_tier.label}"
                      f" · 提交 {fmt_time(row.submitted_at)}")
        if row.holder:
            where.markdown(f"{row.step.label} · {row.holder}" + ("  \n:red-badge[待本部门办理]" if row.mine else ""))
        if action.button("详情", key=f"case_open_{row.case_id}", width="stretch"):
            st.session_state["case_id"] = row.case_id
            st.switch_page("pages/case.py", query_params={"id": str(row.case_id)})
pager(count.total, PAGE_SIZE, "cases_page")
