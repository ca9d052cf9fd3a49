"""Pieces of the roster task screens: status, task summary, own requirements, dispatch, submit, final list."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from core import files, roster, roster_review
from core.models import User
from core.text import Limit
from core.workflow_models import Attachment, RosterAssignment, RosterStatus
from ui.widgets import (
    StepUpload,
    act,
    excel_bytes,
    file_list,
    fmt_time,
    go_to_step,
    plain,
    statement_checkbox,
    upload_box,
)

STATUS_COLORS = {RosterStatus.PENDING: "orange", RosterStatus.DISPATCHED: "blue",
                 RosterStatus.SUBMITTED: "violet", RosterStatus.RETURNED: "red",
                 RosterStatus.APPROVED: "green"}


def status_label(part: RosterAssignment) -> str:
    """The province's own part is a draft until it is dispatched; it is never "received"."""
    if part.level.value == "province" and part.status is RosterStatus.PENDING:
        return "待下发"
    return part.status.label


def status_badge(part: RosterAssignment) -> str:
    return f":{STATUS_COLORS[part.status]}-badge[{status_label(part)}]"


def open_task(assignment_id: int) -> None:
    st.session_state["roster_assignment_id"] = assignment_id
    st.switch_page("pages/roster_task.py", query_params={"id": str(assignment_id)})


def task_summary(task, task_files: list[Attachment], key: str) -> None:
    with st.container(border=True):
        st.markdown(f"**任务名称**：{plain(task.name)}")
        left, right = st.columns(2)
        left.markdown(f"**批次**：{plain(task.batch)}")
        right.markdown(f"**截止日期**：{task.deadline:%Y-%m-%d}")
        st.markdown("**任务要求**")
        st.markdown(plain(task.requirements) or "（未填写）")
        st.markdown("**任务附件**")
        file_list(task_files, key)


def reviews_block(reviews, title: str = "审核记录") -> None:
    if not reviews:
        return
    st.markdown(f"**{title}**")
    df = pd.DataFrame([{"时间": fmt_time(r.at), "审核结果": r.decision.label, "审核意见": r.comment or "—"}
                       for r in reviews])
    st.dataframe(df, hide_index=True, width="stretch")


def requirements_step(user: User, part: RosterAssignment, own_files: list[Attachment], version: int,
                      next_step: str) -> None:
    """本级任务: the department's own requirements and files for the level below."""
    editable = part.status in (RosterStatus.PENDING, RosterStatus.RETURNED)
    text = st.text_area("本级任务要求", value=part.requirements, height=160, disabled=not editable, max_chars=Limit.LONG,
                        key=f"req_text_{part.id}",
                        placeholder="补充本级对下级部门的核定要求，例如完成时限、联系人、注意事项")
    st.markdown("**本级任务文件**")

    def delete(item):
        act(lambda s, a: roster.remove_file(s, a, part.id, item.id), f"已删除文件“{item.original_name}”", user)

    file_list(own_files, f"req_{part.id}", delete if editable else None)
    if not editable:
        return
    upload = StepUpload("上传任务文件", f"req_upload_{part.id}",
                        lambda s, a, name, data: roster.attach_file(s, a, part.id, name, data))

    def save(s, a) -> None:
        roster.save_requirements(s, a, part.id, version, text)
        upload.send(s, a)

    upload.own_button(f"req_upload_btn_{part.id}", user)
    left, right, _ = st.columns([1, 1, 4])
    if left.button("保存", key=f"req_save_{part.id}", width="stretch"):
        act(save, "本级任务要求已保存" + upload.note(), user, then=upload.clear)
    if right.button("下一步", type="primary", key=f"req_next_{part.id}", width="stretch"):
        act(save, "本级任务要求已保存" + upload.note(), user,
            then=lambda: (upload.clear(), go_to_step(f"roster_step_{part.id}", next_step)))


def final_list_download(load_rows: Callable[[], list[dict]], file_stem: str, key: str) -> None:
    """The final list as Excel, built only when asked (a province's list is tens of thousands of rows)."""
    if st.button("准备最终名单（Excel）", key=f"{key}_prepare", icon=":material/table_view:"):
        st.session_state[f"{key}_bytes"] = excel_bytes(pd.DataFrame(load_rows()), sheet="最终名单")
    if data := st.session_state.get(f"{key}_bytes"):
        st.download_button("下载最终名单（Excel）", data, file_name=f"{file_stem}.xlsx", key=key,
                           mime=files.MIME_TYPES["xlsx"], icon=":material/download:", on_click="ignore")


def submit_step(user: User, part: RosterAssignment, version: int, kept: int, load_rows: Callable[[], list[dict]],
                upper: str, blockers: list[str], finals: list[Attachment]) -> None:
    """提交任务: download the final list to stamp, upload the stamped scan, agree, submit."""
    if part.status in (RosterStatus.SUBMITTED, RosterStatus.APPROVED):
        st.success(f"本级任务已于 {fmt_time(part.submitted_at)} 提交至{upper}，当前状态：{part.status.label}。")
        st.markdown("**已提交的最终名单（盖章扫描件）**")
        file_list(finals[-1:], f"final_{part.id}")
        return
    st.markdown(f"本级最终名单共 **{kept}** 家企业（不含标注“否”的企业）。请下载名单，核对盖章后扫描上传。")
    final_list_download(load_rows, f"最终名单_{part.division.short_name}", f"final_xlsx_{part.id}")
    for blocker in blockers:
        st.warning(blocker, icon=":material/block:")
    scan = upload_box("上传最终名单（盖章扫描件）", f"final_upload_{part.id}")
    agreed = statement_checkbox(f"submit_agree_{part.id}")
    if st.button(f"提交至{upper}", type="primary", key=f"submit_{part.id}", disabled=bool(blockers)):
        act(lambda s, a: roster.submit(s, a, part.id, version, agreed=agreed,
                                       final_list_name=scan.name if scan else None,
                                       final_list=scan.getvalue() if scan else None),
            f"任务已提交至{upper}，请等待审核结果。", user)


def unchanged_submit(user: User, part: RosterAssignment, version: int, kept: int,
                     load_rows: Callable[[], list[dict]], changed: int) -> None:
    """名单无变化，直接提交: a county with nothing to change submits on the task's first screen."""
    with st.container(border=True):
        st.markdown("#### 名单无变化？直接提交")
        if changed:
            st.caption(f"本级名单已有 {changed} 家企业被标注“否”、增补或修正，请在“企业清单”核对后，"
                       "到“提交任务”步骤提交。")
            return
        st.markdown(f"地市下发的名单共 **{kept}** 家企业。如无需标注“否”、增补或修正，可在此一步提交："
                    "下载名单，盖章扫描后上传，勾选声明后提交。需要修改的，请进入“企业清单”。")
        final_list_download(load_rows, f"最终名单_{part.division.short_name}", f"quick_xlsx_{part.id}")
        scan = upload_box("上传最终名单（盖章扫描件）", f"quick_upload_{part.id}")
        agreed = statement_checkbox(f"quick_agree_{part.id}")
        if st.button("名单无变化，直接提交", type="primary", key=f"quick_submit_{part.id}"):
            act(lambda s, a: roster_review.submit_unchanged(
                s, a, part.id, version, agreed=agreed, final_list_name=scan.name if scan else None,
                final_list=scan.getvalue() if scan else None),
                "名单无变化，任务已提交至地市，请等待审核结果。", user)


def dispatch_step(user: User, part: RosterAssignment, version: int, targets: dict[str, int],
                  extra_options: dict[str, str], lower: str) -> None:
    """下发任务: to the departments concerned (and, for a city, any other county it picks)."""
    if part.status is not RosterStatus.PENDING:
        st.success(f"本级任务已于 {fmt_time(part.dispatched_at)} 下发至{lower}。")
        return
    if targets:
        st.markdown(f"将下发至以下 **{len(targets)}** 个{lower}（名单中有其企业）：")
        st.dataframe(pd.DataFrame([{lower: name, "名单企业数": n} for name, n in targets.items()]),
                     hide_index=True, width="content")
    extra: list[str] = []
    if extra_options:
        extra = st.multiselect("同时下发至以下区县（名单中暂无其企业，供其增补漏报企业）", list(extra_options),
                               format_func=extra_options.get, key=f"extra_{part.id}")
    agreed = statement_checkbox(f"dispatch_agree_{part.id}")
    if st.button("下发任务", type="primary", key=f"dispatch_{part.id}"):
        act(lambda s, a: roster.dispatch(s, a, part.id, version, agreed=agreed, extra_counties=tuple(extra)),
            f"任务已下发至{lower}。", user)
