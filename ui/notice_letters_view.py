"""The county's 告知书 step: issue letters (ZIP and one PDF for printing), upload the stamped scans one by one
or many at once (matched by the letter number in each file name, previewed before they are stored)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import letter_desk, letter_issue, letter_scans, notice
from core import letters as letter_pdf
from core.db import run_write, unit_of_work
from core.errors import RuleViolation
from core.models import User
from core.letter_desk import LetterKey
from core.notice_models import NoticeAssignment, NoticeStatus
from ui.widgets import (SeenVersions, act, current_page, file_list, fmt_time, pager, plain, show_violation,
                        upload_box)

BUNDLE_KEY = "notice_letter_bundle"
LETTERS_PAGE = 50


def letters_step(user: User, part: NoticeAssignment, seen: SeenVersions) -> None:
    page_key = f"letters_page_{part.id}"
    with unit_of_work() as session:
        keys = letter_desk.keys(session, part)
        page = current_page(len(keys), LETTERS_PAGE, page_key)
        rows = letter_desk.page(session, part, offset=(page - 1) * LETTERS_PAGE, limit=LETTERS_PAGE)
    cols = st.columns(3)
    cols[0].metric("本县企业", len(keys))
    cols[1].metric("已生成告知书", sum(k.generated for k in keys))
    cols[2].metric("已上传盖章版", sum(k.stamped for k in keys))
    st.dataframe(pd.DataFrame([{
        "编号": r["number"], "企业名称": r["enterprise_name"],
        "生成时间": fmt_time(r["generated_at"]) or "未生成", "生成次数": r["generation_count"],
        "盖章版": r["scan_name"] or "未上传",
        "项目负责人": r["project_leader"] or "", "移动电话": r["leader_mobile"] or ""} for r in rows],
        columns=["编号", "企业名称", "生成时间", "生成次数", "盖章版", "项目负责人", "移动电话"]),
        hide_index=True, width="stretch")
    pager(len(keys), LETTERS_PAGE, page_key)
    if part.status is not NoticeStatus.PENDING_DISPATCH:
        st.success(f"已于 {fmt_time(part.dispatched_at)} 下发至企业，告知书不能再生成或更换。")
        return
    # What the user decides on: a letter issued or replaced by a colleague since is not touched again.
    versions = {k.id: seen.see(("letter", k.id), k.version) for k in keys}
    _generate(user, part, keys, versions)
    _upload_many(user, part, keys, versions)
    _upload(user, keys, versions)


def _generate(user: User, part: NoticeAssignment, keys: list[LetterKey], versions: dict[int, int]) -> None:
    st.markdown("#### 批量下载企业告知书")
    st.caption("告知书中印有企业账号和一次性初始密码。密码只在生成时出现，系统只保存其加密值；"
               "重新生成会作废之前告知书上的密码。请下载后检查、盖章，再上传盖章扫描件（可一次上传多个）。")
    pending = [k for k in keys if not k.generated]
    options = {"未生成的企业": [k.id for k in pending], "全部企业（重新生成）": [k.id for k in keys]}
    scope = st.radio("生成范围", list(options), horizontal=True, key=f"letter_scope_{part.id}",
                     index=0 if pending else 1)
    ids = options[scope]
    confirm = True
    if scope.startswith("全部") and any(k.generated for k in keys):
        confirm = st.checkbox("我知道重新生成会作废已发出告知书上的初始密码", key=f"regen_ok_{part.id}")
    if passed := letter_issue.passed_warning(part.notice):
        st.warning(plain(passed), icon=":material/event_busy:")
        confirm = st.checkbox("我已知晓上述时间节点已过，仍按这些日期生成告知书", key=f"passed_ok_{part.id}") and confirm
    if st.button(f"生成告知书（{len(ids)} 份）", type="primary", disabled=not ids or not confirm,
                 key=f"generate_{part.id}"):
        bar = st.progress(0.0, text="正在读取告知书信息…")
        try:
            zipped, pdfs, count = _issue(user, part, ids, {i: versions[i] for i in ids}, bar)
        except RuleViolation as exc:
            bar.empty()
            show_violation(exc)
            return
        st.session_state[BUNDLE_KEY] = (part.id, zipped, pdfs, count)
        st.session_state["flash"] = f"已生成 {count} 份告知书，请立即下载（离开本页后不再提供）。"
        st.rerun()
    bundle = st.session_state.get(BUNDLE_KEY)
    if bundle and bundle[0] == part.id:
        _, zipped, pdfs, count = bundle
        left, right, _ = st.columns([1, 1, 2])
        left.download_button(f"下载 ZIP（{count} 份）", zipped, file_name="企业告知书.zip", mime="application/zip",
                             key=f"zip_{part.id}", width="stretch", on_click="ignore")
        # Merged only when asked: merging took a third of the time of issuing.
        right.download_button("下载合并 PDF（打印用）", lambda: letter_pdf.merged_pdf(pdfs), file_name="企业告知书_合并打印.pdf",
                              mime="application/pdf", key=f"merged_{part.id}", width="stretch", on_click="ignore")


def _issue(user: User, part: NoticeAssignment, ids: list[int], seen: dict[int, int],
           bar) -> tuple[bytes, list[tuple[str, bytes]], int]:
    """core.letter_issue's three phases: a short read; passwords, PDFs and ZIP outside any transaction;
    one short write. Returns the ZIP, the letters (merged into one PDF when downloaded) and their count.
    Until that write commits nothing is issued: a failure before it changes nothing, and if it is refused
    the rendered letters are dropped here, never shown."""
    with unit_of_work() as session:
        plan = letter_issue.plan(session, session.get(User, user.id), part.id, ids, seen=seen)
    issued = letter_issue.prepare(plan, progress=lambda done, total: bar.progress(
        done / total / 2, text=f"已开通账号 {done} / {total} 个"))
    pdfs = letter_pdf.render_letters(letter_issue.letter_data(plan, issued), progress=lambda done, total: bar.progress(
        0.5 + done / total / 2, text=f"已生成告知书 {done} / {total} 份"))
    bar.progress(1.0, text="正在打包…")
    zipped = letter_pdf.letters_zip(pdfs)
    bar.progress(1.0, text="正在保存…")
    run_write(lambda session: letter_issue.record(session, session.get(User, user.id), plan, issued))
    return zipped, pdfs, len(pdfs)


def _upload(user: User, keys: list[LetterKey], versions: dict[int, int]) -> None:
    st.markdown("#### 逐个上传盖章版告知书")
    ready = {k.id: k for k in keys if k.generated}
    if not ready:
        st.caption("生成告知书后，可在此上传各企业的盖章扫描件。")
        return
    labels = {i: f"{k.number} · {k.enterprise_name}" + ("（已上传，可更换）" if k.stamped else "")
              for i, k in ready.items()}
    letter_id = st.selectbox("企业", list(labels), format_func=labels.get, key="stamp_pick")
    if ready[letter_id].stamped:
        with unit_of_work() as session:
            scan = notice.stamped_scans(session, [letter_id]).get(letter_id)
        file_list([scan] if scan else [], f"stamp_{letter_id}")
    generation = st.session_state.get("stamp_generation", 0)
    scan = upload_box("盖章扫描件", f"stamp_upload_{generation}")
    if st.button("上传盖章版", key="stamp_upload_btn", type="primary"):
        if scan is None:
            st.error("请先选择盖章扫描件（PDF、JPG 或 PNG）", icon=":material/error:")
            return
        act(lambda s, a: notice.upload_stamped(s, a, letter_id, scan.name, scan.getvalue(), versions[letter_id]),
            f"已上传“{ready[letter_id].enterprise_name}”的盖章告知书", user,
            then=lambda: st.session_state.__setitem__("stamp_generation", generation + 1))


def _upload_many(user: User, part: NoticeAssignment, keys: list[LetterKey], versions: dict[int, int]) -> None:
    """Many scans at once: each is matched by the letter number in its file name; the user sees the
    matching, then stores what matched (core.letter_scans)."""
    if not any(k.generated for k in keys):
        return  # the single upload below says what comes first
    st.markdown("#### 批量上传盖章版告知书")
    st.caption("可一次选择多个扫描件。系统按文件名中的告知书编号（如 告知书_202113068100001_企业名称.pdf）"
               "对应到企业，先显示匹配结果，确认后再上传；未匹配、重复或格式不符的文件不会上传。")
    generation = st.session_state.get("stamp_batch_generation", 0)
    chosen = upload_box("盖章扫描件（可多选）", f"stamp_batch_{generation}", multiple=True) or []
    if not chosen:
        return
    uploads = [(f.name, f.getvalue()) for f in chosen]
    try:
        with unit_of_work() as session:
            matches = letter_scans.preview(session, session.get(User, user.id), part.id, uploads)
    except RuleViolation as exc:
        show_violation(exc)
        return
    st.dataframe(pd.DataFrame([{
        "文件名": m.name, "匹配结果": m.status.label, "告知书编号": m.letter.number if m.letter else "",
        "企业名称": m.letter.enterprise_name if m.letter else "", "说明": m.reason} for m in matches]),
        hide_index=True, width="stretch")
    matched = [m for m in matches if m.matched]
    others = len(matches) - len(matched)
    st.caption(f"共 {len(matches)} 个文件：已匹配 {len(matched)} 个" + (f"，{others} 个不会上传" if others else ""))
    if not st.button(f"确认上传已匹配的 {len(matched)} 个文件", type="primary", disabled=not matched,
                     key=f"stamp_batch_btn_{part.id}"):
        return
    # the file checks run here, before the write that attaches the files (and outside its lock)
    checked = letter_scans.check(matches, uploads)
    if not checked.accepted:
        st.error(plain(checked.refusal()), icon=":material/error:")
        return
    names = "、".join(x.enterprise_name for x in checked.accepted[:5]) + ("等" if len(checked.accepted) > 5 else "")
    act(lambda s, a: letter_scans.record(s, a, part.id, checked, versions),
        f"已上传 {len(checked.accepted)} 份盖章告知书（{names}）", user,
        warning=lambda _: checked.refusal(),
        then=lambda: st.session_state.__setitem__("stamp_batch_generation", generation + 1))
