"""The level above's view of the parts below it: progress, and the review of each submission."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import attachments, roster, roster_list, roster_reading
from core.db import unit_of_work
from core.models import User
from core.roster_reading import EntryFilter
from core.text import Limit
from core.workflow_models import RosterAssignment, RosterStatus
from ui.roster_views import reviews_block
from ui.widgets import SeenVersions, act, file_list, fmt_time, plain

S = RosterStatus
CHANGED_SHOWN = 100


def children_step(user: User, part: RosterAssignment, seen: SeenVersions, lower: str) -> None:
    """各区县 / 各地市核定情况, with the review of whichever has submitted."""
    if part.status is S.PENDING:
        st.info(f"任务下发后，可在此查看各{lower}的核定进度并审核其提交的名单。")
        return
    with unit_of_work() as session:
        children = roster.children_of(session, part)
        counts = {c.id: roster_reading.area_counts(session, c) for c in children}
        latest = {c.id: (roster.reviews_of(session, c.id) or [None])[0] for c in children}
    done = sum(c.status is S.APPROVED for c in children)
    st.progress(done / len(children) if children else 0.0,
                text=f"已审核通过 {done} / {len(children)} 个{lower}")
    st.dataframe(pd.DataFrame([{
        lower: c.division.name, "状态": c.status.label, "提交时间": fmt_time(c.submitted_at),
        "名单企业": counts[c.id].total, "列入": counts[c.id].kept, "标注否": counts[c.id].excluded,
        "增补": counts[c.id].added, "最近审核意见": (latest[c.id].comment if latest[c.id] else "") or "",
    } for c in children]), hide_index=True, width="stretch")

    waiting = [c for c in children if c.status is S.SUBMITTED]
    if not waiting:
        st.caption(f"当前没有待审核的{lower}任务。")
        return
    st.markdown(f"#### 审核{lower}提交的名单")
    options = {c.id: c for c in waiting}
    chosen = st.selectbox(f"待审核的{lower}", list(options), format_func=lambda i: options[i].division.name,
                          key=f"review_pick_{part.id}")
    _review_panel(user, part, options[chosen], seen)


def _review_panel(user: User, part: RosterAssignment, child: RosterAssignment, seen: SeenVersions) -> None:
    version = seen.see(("assignment", child.id), child.version)
    with unit_of_work() as session:
        changed = roster_reading.entry_rows(session, user, child, EntryFilter(changed_only=True), limit=CHANGED_SHOWN)
        changed_total = roster_reading.entry_count(session, user, child, EntryFilter(changed_only=True))
        evidence = roster_reading.evidence_of(session, [e.entry_id for e in changed if not e.included])
        finals = attachments.of(session, roster.OWNER_ASSIGNMENT, child.id, attachments.FINAL_LIST)
        reviews = roster.reviews_of(session, child.id)
    with st.container(border=True):
        st.markdown(f"**{child.division.name}** 于 {fmt_time(child.submitted_at)} 提交")
        st.markdown("**最终名单（盖章扫描件）**")
        file_list(finals[-1:], f"rv_final_{child.id}")
        if changed:
            st.markdown(f"**标注“否”和增补的企业**（共 {changed_total} 家）")
            for e in changed:
                mark = "标注否" if not e.included else "增补"
                with st.expander(f"{mark}：{plain(e.name)}（{e.county}）"):
                    if not e.included:
                        st.markdown(f"**情况说明**：{plain(e.exclusion_reason)}")
                        file_list(evidence.get(e.entry_id, []), f"rv_ev_{child.id}_{e.entry_id}")
                    else:
                        st.caption("本级增补的企业")
            if changed_total > len(changed):
                st.caption(f"仅列出前 {len(changed)} 家；其余可在“企业清单”中按“是否列入”筛选查看。")
        else:
            st.caption("该单位未标注“否”，也未增补企业。")
        reviews_block(reviews, "以往审核记录")
        comment = st.text_area("审核意见（退回时必填）", key=f"review_comment_{child.id}", max_chars=Limit.COMMENT,
                               placeholder="例如：某企业的佐证材料不清晰，请补充关停证明")
        checked = st.checkbox("我已审核该单位提交的名单和材料", key=f"review_confirm_{child.id}")
        left, right, _ = st.columns([1, 1, 4])
        if left.button("审核通过", type="primary", key=f"approve_{child.id}", disabled=not checked,
                       width="stretch"):
            act(lambda s, a: roster.review(s, a, child.id, version, approve=True, comment=comment),
                f"已审核通过{child.division.name}的名单", user)
        if right.button("退回整改", key=f"return_{child.id}", disabled=not checked, width="stretch"):
            act(lambda s, a: roster.review(s, a, child.id, version, approve=False, comment=comment),
                f"已将任务退回{child.division.name}整改", user)
