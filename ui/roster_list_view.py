"""The enterprise list of a roster task (企业清单): the table, and the verification actions on it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import roster_list, roster_reading
from core.db import unit_of_work
from core.enterprises import industry_class_options
from core.errors import ValidationError
from core.models import User
from core.roster_reading import EntryFilter, EntryRow
from core.text import Limit
from core.workflow_models import RosterAssignment, RosterStatus
from ui.widgets import (
    SeenVersions,
    act,
    current_page,
    export_buttons,
    file_list,
    fmt_time,
    pager,
    plain,
    upload_box,
)

YES_NO = {True: "是", False: "否"}
INCLUDED_FILTER = {"全部": None, "列入": True, "标注否": False}
NARROW_COLUMNS = ("序号", "所属区县", "负责评估验收", "是否双超", "是否双有", "是否列入", "佐证材料", "来源", "可修改")
PAGE_SIZE = 50


def _rows(rows: list[EntryRow]) -> pd.DataFrame:
    return pd.DataFrame([{
        "序号": r.list_number, "企业名称": r.name, "所属区县": r.county,
        "行业": f"{r.industry_code} {r.industry}" if r.industry_code else "",
        "负责评估验收": r.managing_tier.label, "是否双超": YES_NO[r.double_exceed],
        "是否双有": YES_NO[r.double_toxic], "是否列入": YES_NO[r.included],
        "情况说明": r.exclusion_reason or "", "佐证材料": r.evidence,
        "来源": "增补" if r.added_by_division else "省级名单", "可修改": "是" if r.editable else "",
    } for r in rows])


def list_step(user: User, part: RosterAssignment, seen: SeenVersions) -> None:
    """Show the department's part of the list a page at a time; offer the actions on the rows of the
    page it holds the pen for."""
    with unit_of_work() as session:
        counts = roster_reading.area_counts(session, part)
        counties = roster_reading.counties_of(session, part)
    cols = st.columns(4)
    cols[0].metric("名单企业", counts.total)
    cols[1].metric("列入", counts.kept)
    cols[2].metric("标注“否”", counts.excluded)
    cols[3].metric("增补", counts.added)

    left, mid, right = st.columns([3, 2, 2])
    text = left.text_input("按企业名称查找", key=f"list_name_{part.id}", max_chars=Limit.SEARCH)
    included = mid.selectbox("是否列入", list(INCLUDED_FILTER), key=f"list_included_{part.id}")
    areas = {"全部": None, **{name: code for code, name in counties}}
    county = right.selectbox("所属区县", list(areas), key=f"list_county_{part.id}", disabled=len(counties) <= 1)
    flt = EntryFilter(name=text, included=INCLUDED_FILTER[included], county_code=areas[county])
    page_key = f"list_page_{part.id}"
    with unit_of_work() as session:
        found = roster_reading.entry_count(session, user, part, flt)
        page = current_page(found, PAGE_SIZE, page_key)
        shown = roster_reading.entry_rows(session, user, part, flt, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        holds = any(r.editable for r in shown) or roster_reading.holds_any(session, user, part)
    versions = {r.entry_id: seen.see(("entry", r.entry_id), r.version) for r in shown}
    if shown:
        df = _rows(shown)
        if part.level.value == "county":
            df = df.drop(columns=["所属区县"])
        narrow = {c: st.column_config.Column(c, width="small") for c in NARROW_COLUMNS}
        st.caption(f"共 {found} 家企业" + (f"，当前第 {page} 页" if found > PAGE_SIZE else ""))
        st.dataframe(df, hide_index=True, width="stretch", height=min(38 + 35 * len(shown), 600),
                     column_config=narrow)
        pager(found, PAGE_SIZE, page_key)

        def everything() -> pd.DataFrame:
            with unit_of_work() as s:
                return _rows(roster_reading.entry_rows(s, user, part, flt, limit=None))

        export_buttons(lambda: everything().to_dict("records"), "企业清单", f"roster_list_export_{part.id}")
    else:
        st.info("没有符合条件的企业。")

    mine = {r.entry_id: r for r in shown if r.editable}
    if holds or _holds_list(part):
        _actions(user, part, mine, versions)
    else:
        st.caption("本级名单当前不在本部门办理环节（已提交上级或正由下级核定），仅可查看。")
    _details(shown, part)


def _holds_list(part: RosterAssignment) -> bool:
    """Whether the department is at work on its list (an empty list still takes 增补)."""
    return part.status in (RosterStatus.PENDING, RosterStatus.RETURNED) or (
        part.level.value == "city" and part.status is RosterStatus.DISPATCHED)


ACTIONS = ("标注“否”", "修改“否”的说明和佐证", "恢复列入", "修正双超 / 双有", "修正企业信息", "增补企业", "撤销增补")


def _actions(user: User, part: RosterAssignment, mine: dict[int, EntryRow], versions: dict[int, int]) -> None:
    st.markdown("#### 名单核定")
    st.caption("信息无误的企业无需操作。可多选当前页的企业后批量标注“否”或修正双超、双有"
               "（用上方的查找和筛选找到要处理的企业）。")
    # A new generation of keys empties the inputs after a step succeeded.
    generation = st.session_state.get(f"list_generation_{part.id}", 0)

    def clear() -> None:
        st.session_state[f"list_generation_{part.id}"] = generation + 1

    action = st.radio("核定操作", ACTIONS, horizontal=True, key=f"action_{part.id}")
    if action in ("增补企业",):
        _add_form(user, part)
        return
    if action == "修正企业信息":
        _correct_form(user, part, mine, versions)
        return
    if action == "修改“否”的说明和佐证":
        _revise_form(user, part, {i: r for i, r in mine.items() if not r.included}, versions, generation, clear)
        return
    selected = st.multiselect("选择企业（可多选）", list(mine), format_func=lambda i: mine[i].label,
                              key=f"sel_{part.id}_{generation}", placeholder="从上表中选择要处理的企业")
    targets = [(i, versions[i]) for i in selected]
    if action == "标注“否”":
        reason = st.text_area("情况说明 *", key=f"reason_{part.id}_{generation}", height=100,
                              max_chars=roster_list.MAX_REASON,
                              placeholder="说明不符合本次强制性清洁生产审核要求的原因，例如已关停、已搬迁、不涉水等")
        proof = upload_box("佐证材料 *", f"evidence_{part.id}_{generation}", multiple=True)
        if st.button("标注为“否”", key=f"exclude_{part.id}", type="primary"):
            evidence = [(f.name, f.getvalue()) for f in proof or []]
            act(lambda s, a: roster_list.mark_excluded(s, a, targets, reason, evidence),
                f"已将 {len(targets)} 家企业标注为“否”", user, then=clear)
    elif action == "恢复列入":
        st.caption("把标注为“否”的企业恢复列入名单；其情况说明和佐证材料将被撤下（留有记录）。")
        if st.button("恢复列入所选企业", key=f"restore_{part.id}"):
            act(lambda s, a: _each(targets, lambda i, v: roster_list.restore(s, a, i, v)),
                f"已恢复 {len(targets)} 家企业", user, then=clear)
    elif action == "修正双超 / 双有":
        c1, c2 = st.columns(2)
        exceed = c1.selectbox("是否双超", ["不修改", "是", "否"], key=f"flag_exceed_{part.id}")
        toxic = c2.selectbox("是否双有", ["不修改", "是", "否"], key=f"flag_toxic_{part.id}")
        flag = {"不修改": None, "是": True, "否": False}
        if st.button("修正所选企业", key=f"flags_{part.id}"):
            act(lambda s, a: roster_list.set_flags(s, a, targets, double_exceed=flag[exceed],
                                                   double_toxic=flag[toxic]),
                "已修正所选企业的双超、双有信息，修改已记录", user, then=clear)
    else:
        st.caption("撤销误增补的企业（省级名单中的企业请标注“否”；省级起草名单时可直接移除）。")
        if st.button("撤销所选企业", key=f"withdraw_{part.id}"):
            act(lambda s, a: _each(targets, lambda i, v: roster_list.withdraw(s, a, i, v)),
                f"已撤销 {len(targets)} 家企业", user, then=clear)


def _each(targets: list[tuple[int, int]], step) -> None:
    if not targets:
        raise ValidationError("请先选择企业", field="selection")
    for entry_id, version in targets:
        step(entry_id, version)


def _correct_form(user: User, part: RosterAssignment, mine: dict[int, EntryRow], versions: dict[int, int]) -> None:
    if not mine:
        st.caption("当前页没有可修正的企业。")
        return
    entry_id = st.selectbox("要修正的企业", list(mine), format_func=lambda i: mine[i].label,
                            key=f"fix_target_{part.id}")
    enterprise = mine[entry_id]
    with unit_of_work() as session:
        classes = industry_class_options(session)
    names = dict(classes)
    with st.form(f"fix_form_{part.id}_{entry_id}", enter_to_submit=False):
        name = st.text_input("企业名称", value=enterprise.name, max_chars=Limit.NAME)
        code = st.text_input("统一社会信用代码", value=enterprise.credit_code or "", max_chars=Limit.CREDIT_CODE)
        address = st.text_input("地址", value=enterprise.address or "", max_chars=Limit.ADDRESS)
        legal = st.text_input("法定代表人", value=enterprise.legal_representative or "", max_chars=Limit.SHORT)
        codes = list(names)
        industry = st.selectbox("行业（GB/T 4754-2017 小类）", codes, format_func=lambda c: f"{c} {names[c]}",
                                index=codes.index(enterprise.industry_code) if enterprise.industry_code in names else 0)
        saved = st.form_submit_button("保存修正", type="primary")
    if saved:
        changes = {"name": name, "credit_code": code, "address": address, "legal_representative": legal,
                   "industry_code": industry}
        act(lambda s, a: roster_list.correct(s, a, entry_id, versions[entry_id], changes),
            f"已修正“{name}”的企业信息，修改已记录", user)


def _revise_form(user: User, part: RosterAssignment, excluded: dict[int, EntryRow], versions: dict[int, int],
                 generation: int, clear) -> None:
    """A 否 reworked after a return keeps its reason and files: change only what the reviewer asked for."""
    if not excluded:
        st.caption("当前页没有本部门可修改的标注“否”的企业（可在上方按“是否列入”筛选“标注否”）。")
        return
    entry_id = st.selectbox("标注“否”的企业", list(excluded), format_func=lambda i: excluded[i].label,
                            key=f"revise_target_{part.id}")
    entry = excluded[entry_id]
    with unit_of_work() as session:
        current = roster_reading.evidence_of(session, [entry_id]).get(entry_id, [])
    key = f"{part.id}_{entry_id}_{versions[entry_id]}_{generation}"  # a new entry or version: fresh inputs
    reason = st.text_area("情况说明 *", value=entry.exclusion_reason or "", key=f"revise_reason_{key}", height=100,
                          max_chars=roster_list.MAX_REASON)
    st.markdown("**已上传的佐证材料**（取消勾选即撤下该文件，撤下的文件留有记录）")
    keep = [item.id for item in current
            if st.checkbox(f"保留：{plain(item.original_name)}", value=True, key=f"revise_keep_{key}_{item.id}")]
    added = upload_box("补充佐证材料", f"revise_files_{key}", multiple=True)
    if st.button("保存修改", key=f"revise_{part.id}", type="primary"):
        files = [(f.name, f.getvalue()) for f in added or []]
        act(lambda s, a: roster_list.revise_exclusion(s, a, entry_id, versions[entry_id], reason, keep, files),
            f"已修改“{entry.name}”的情况说明和佐证材料", user, then=clear)


def _add_form(user: User, part: RosterAssignment) -> None:
    st.caption("符合本次任务但省级名单中漏报的企业，从企业名录中查找后增补。")
    text = st.text_input("企业名称（输入名称中的文字查找）", key=f"add_text_{part.id}", max_chars=Limit.SEARCH)
    if not text.strip():
        return
    with unit_of_work() as session:
        found = roster_reading.addable(session, user, part, text)
        options = {e.id: f"{e.name} · {e.division.short_name}" for e in found}
    if not options:
        st.warning("企业名录中没有找到该企业（或已在名单中）。请先联系“河北省污染源环境管理数据平台”负责人，"
                   "在其平台中增补完善企业信息后再增补。", icon=":material/search_off:")
        return
    chosen = st.selectbox("找到的企业", list(options), format_func=options.get, key=f"add_pick_{part.id}")
    if st.button("增补到名单", key=f"add_btn_{part.id}", type="primary"):
        act(lambda s, a: roster_list.add_enterprise(s, a, part.id, chosen), f"已增补“{options[chosen]}”", user)


def _details(rows: list[EntryRow], part: RosterAssignment) -> None:
    """Evidence and change history of one entry of the page, for whoever may see the list."""
    if not rows:
        return
    with st.expander("查看企业的佐证材料和变更记录", icon=":material/history:"):
        options = {r.entry_id: r for r in rows}
        entry_id = st.selectbox("企业（当前页）", list(options), format_func=lambda i: options[i].label,
                                key=f"detail_{part.id}")
        entry = options[entry_id]
        with unit_of_work() as session:
            evidence = roster_reading.evidence_of(session, [entry_id]).get(entry_id, [])
            log = roster_reading.history(session, entry_id)
        if not entry.included:
            st.markdown(f"**情况说明**：{plain(entry.exclusion_reason)}")
        st.markdown("**佐证材料**")
        file_list(evidence, f"ev_{part.id}_{entry_id}")
        if log:
            st.markdown("**变更记录**")
            st.dataframe(pd.DataFrame([{"时间": fmt_time(r.at), "操作人": r.actor_login, "操作": _describe(r)}
                                       for r in log]), hide_index=True, width="stretch")


ACTION_NAMES = {"roster.exclude": "标注否", "roster.restore": "恢复列入", "roster.add": "增补",
                "roster.correct": "修正", "roster.withdraw": "撤销"}


def _describe(entry) -> str:
    name = ACTION_NAMES.get(entry.action, entry.action)
    if entry.action == "roster.correct":
        parts = [f"{roster_list.FACT_LABELS.get(k, k)}：{show_value(entry.before.get(k))} → {show_value(v)}"
                 for k, v in (entry.after or {}).items()]
        return f"{name}（{'；'.join(parts)}）"
    if entry.action == "roster.exclude":
        return f"{name}（{(entry.after or {}).get('reason', '')}）"
    return name


def show_value(value) -> str:
    if isinstance(value, bool):
        return YES_NO[value]
    return value if value not in (None, "") else "（空）"
