"""The level above's view of the parts below it: progress, and the review of each submission."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import attachments, roster, roster_reading, roster_review
from core.db import unit_of_work
from core.models import User
from core.roster_reading import EntryChange
from core.text import Limit
from core.workflow_models import RosterAssignment, RosterStatus
from ui.roster_list_view import show_value
from ui.roster_views import reviews_block
from ui.widgets import SeenVersions, act, current_page, file_list, fmt_time, pager, plain, statement_checkbox

S = RosterStatus
CHANGES_PAGE = 20


def children_step(user: User, part: RosterAssignment, seen: SeenVersions, lower: str) -> None:
    """各区县 / 各地市核定情况, with the review of whichever has submitted."""
    if part.status is S.PENDING:
        st.info(f"任务下发后，可在此查看各{lower}的核定进度并审核其提交的名单。")
        return
    with unit_of_work() as session:
        children = roster.children_of(session, part)
        figures = roster_reading.children_counts(session, user, part, children)
        counts = {i: area for i, (area, _) in figures.items()}
        changed = {i: changes for i, (_, changes) in figures.items()}
        latest = roster.latest_reviews(session, [c.id for c in children])
    done = sum(c.status is S.APPROVED for c in children)
    st.progress(done / len(children) if children else 0.0,
                text=f"已审核通过 {done} / {len(children)} 个{lower}")
    st.dataframe(pd.DataFrame([{
        lower: c.division.short_name, "状态": c.status.label, "提交时间": fmt_time(c.submitted_at),
        "名单企业": counts[c.id].total, "列入": counts[c.id].kept, "标注否": counts[c.id].excluded,
        "增补": counts[c.id].added, "变更企业": changed[c.id], "最近审核意见": (latest[c.id].comment if c.id in latest else "") or "",
    } for c in children]), hide_index=True, width="stretch")

    waiting = [c for c in children if c.status is S.SUBMITTED]
    if not waiting:
        st.caption(f"当前没有待审核的{lower}任务。")
        return
    if len(waiting) > 1:
        _bulk_panel(user, part, waiting, changed, seen, lower)
    st.markdown(f"#### 审核{lower}提交的名单")
    options = {c.id: c for c in waiting}
    chosen = st.selectbox(f"待审核的{lower}", list(options), format_func=lambda i: options[i].division.short_name,
                          key=f"review_pick_{part.id}")
    _review_panel(user, part, options[chosen], seen)


def _bulk_panel(user: User, part: RosterAssignment, waiting: list[RosterAssignment], changed: dict[int, int],
                seen: SeenVersions, lower: str) -> None:
    """批量审核通过: several submissions approved in one step, each checked and recorded on its own."""
    versions = {c.id: seen.see(("assignment", c.id), c.version) for c in waiting}
    names = {c.id: c.division.short_name + (f"（变更 {changed[c.id]} 家企业）" if changed[c.id] else "（名单无变化）")
             for c in waiting}
    with st.container(border=True):
        st.markdown(f"#### 批量审核通过（{len(waiting)} 个{lower}待审核）")
        st.caption(f"适用于已逐一核对、可直接通过的{lower}；需要退回的请在下方逐个审核。"
                   f"通过后{lower}不能再修改名单。")
        chosen = st.multiselect(f"选择要审核通过的{lower}", list(names), format_func=names.get,
                                key=f"bulk_pick_{part.id}", placeholder="可多选；变更企业的明细请在下方查看")
        comment = st.text_input("审核意见（选填，记入每个单位的审核记录）", key=f"bulk_comment_{part.id}",
                                max_chars=Limit.COMMENT)
        agreed = statement_checkbox(f"bulk_agree_{part.id}")
        confirmed = st.checkbox(f"确认审核通过所选的 {len(chosen)} 个{lower}", key=f"bulk_confirm_{part.id}",
                                disabled=not chosen)
        if st.button("批量审核通过", type="primary", key=f"bulk_approve_{part.id}",
                     disabled=not (chosen and confirmed)):
            targets = [(i, versions[i]) for i in chosen]

            def clear() -> None:
                for key in (f"bulk_pick_{part.id}", f"bulk_confirm_{part.id}", f"bulk_comment_{part.id}"):
                    st.session_state.pop(key, None)

            act(lambda s, a: roster_review.approve_many(s, a, part.id, targets, agreed=agreed, comment=comment),
                lambda r: f"已审核通过 {len(r.approved)} 个{lower}：{'、'.join(r.approved)}", user, then=clear,
                warning=lambda r: ("以下单位未审核通过：" + "；".join(r.refused)) if r.refused else None)


def _review_panel(user: User, part: RosterAssignment, child: RosterAssignment, seen: SeenVersions) -> None:
    version = seen.see(("assignment", child.id), child.version)
    page_key = f"rv_changes_page_{child.id}"
    with unit_of_work() as session:
        total = roster_reading.change_count(session, user, child)
        page = current_page(total, CHANGES_PAGE, page_key)
        changes = roster_reading.changes(session, user, child, offset=(page - 1) * CHANGES_PAGE, limit=CHANGES_PAGE)
        finals = attachments.of(session, roster.OWNER_ASSIGNMENT, child.id, attachments.FINAL_LIST)
        reviews = roster.reviews_of(session, child.id)
    with st.container(border=True):
        st.markdown(f"**{child.division.short_name}** 于 {fmt_time(child.submitted_at)} 提交")
        st.markdown("**最终名单（盖章扫描件）**")
        file_list(finals[-1:], f"rv_final_{child.id}")
        if changes:
            st.markdown(f"**该单位对名单的变更**（标注“否”、增补、修正，共 {total} 家企业）")
            for change in changes:
                _change(change, child.id)
            pager(total, CHANGES_PAGE, page_key)
        else:
            st.caption("该单位未标注“否”、未增补，也未修正企业信息：名单无变化。")
        reviews_block(reviews, "以往审核记录")
        comment = st.text_area("审核意见（退回时必填）", key=f"review_comment_{child.id}", max_chars=Limit.COMMENT,
                               placeholder="例如：某企业的佐证材料不清晰，请补充关停证明")
        checked = st.checkbox("我已审核该单位提交的名单和材料", key=f"review_confirm_{child.id}")
        left, right, _ = st.columns([1, 1, 4])
        if left.button("审核通过", type="primary", key=f"approve_{child.id}", disabled=not checked,
                       width="stretch"):
            act(lambda s, a: roster.review(s, a, child.id, version, approve=True, comment=comment),
                f"已审核通过{child.division.short_name}的名单", user)
        if right.button("退回整改", key=f"return_{child.id}", disabled=not checked, width="stretch"):
            act(lambda s, a: roster.review(s, a, child.id, version, approve=False, comment=comment),
                f"已将任务退回{child.division.short_name}整改", user)


def _change(change: EntryChange, child_id: int) -> None:
    row = change.row
    with st.expander(f"{'、'.join(change.kinds)}：{plain(row.name)}（{row.county}）"):
        if not row.included:
            st.markdown(f"**情况说明**：{plain(row.exclusion_reason)}")
            file_list(list(change.evidence), f"rv_ev_{child_id}_{row.entry_id}")
        if row.added_by_division:
            st.caption("本级增补的企业（省级名单中没有）")
        if change.corrections:
            st.dataframe(pd.DataFrame([{"修正项目": c.label, "修正前": show_value(c.before), "修正后": show_value(c.after)}
                                       for c in change.corrections]), hide_index=True, width="stretch")
        elif "修正（已改回原值）" in change.kinds:
            st.caption("曾修正企业信息，之后又改回原值。")
