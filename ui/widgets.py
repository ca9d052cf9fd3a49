"""Widgets every screen shares: headers, errors, tables with export, the statement box, steps of a
refusable action, wizard steps, version checks across reruns, file lists and uploads."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from core import attachments, files, previews
from core.audit import STATEMENT
from core.db import run_write
from core.errors import RuleViolation
from core.exports import XLSX_MIME, csv_bytes, xlsx_bytes
from core.models import User
from core.workflow_models import Attachment
from ui.session import USER_KEY


# --- user text in Markdown ------------------------------------------------------------------------
# Streamlit renders Markdown (CommonMark + GFM, its :directives[], :material/icons:, emoji shortcodes,
# $LaTeX$) in st.markdown / caption / info / success / warning / error / title / subheader, in widget
# and expander labels, tab labels, radio options, metric labels and help tooltips (not in selectbox or
# multiselect options, dataframes, st.text or st.code). User text goes into those only through plain().

WORD_JOINER = "\u2060"  # invisible; put into a pattern, it breaks the pattern without changing what is seen
# Characters with a Markdown (or Streamlit directive / math / HTML) meaning anywhere in a line.
_ANYWHERE = re.compile(r"([\\`*~\[\]<>&$:#|])")
# "_" opens or closes emphasis only next to whitespace or punctuation; within a word it is a letter.
_LOOSE_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
# What starts a block at the beginning of a line: list items, setext underlines, ordered lists.
_LINE_START = re.compile(r"^([-+=])|^(\d+)([.)])", re.MULTILINE)
# What Streamlit's renderer rewrites in the parsed text, after the escapes are resolved: the colon of
# :material_icon: / :streamlit: / emoji shortcodes and of "http://", GFM's literal autolinks ("www.",
# e-mail addresses) and its typographic arrows ("->" becomes "→"). A word joiner breaks each of them.
_SHORTCODE_OR_URL = re.compile(r":(?=[A-Za-z0-9_+/-]+:|/)")
_AUTOLINK = re.compile(r"(?i:www)(?=\.)|@(?=[\w-])")
_ARROW = re.compile(r"(?<!\S)(?:<->|->|<-|--|>=|<=|~=)(?!\S)")


def plain(text) -> str:
    """`text` (a user's, or anything not written by us) for any element that renders Markdown, so that
    it shows exactly as typed: no link, image, HTML, heading, list, code, colour, icon or formula."""
    text = "" if text is None else str(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ARROW.sub(lambda m: m[0][0] + WORD_JOINER + m[0][1:], text)
    text = _SHORTCODE_OR_URL.sub(":" + WORD_JOINER, text)
    text = _AUTOLINK.sub(lambda m: m[0] + WORD_JOINER, text)
    text = _ANYWHERE.sub(r"\\\1", text)
    text = _LOOSE_UNDERSCORE.sub(r"\\_", text)
    text = _LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text)
    # A line that starts with spaces would be an indented code block after a blank line: a word
    # joiner in front keeps it a line of text. Line breaks stay line breaks.
    text = re.sub(r"^(?=[ \t])", WORD_JOINER, text, flags=re.MULTILINE)
    return text.replace("\n", "  \n")


def page_header(title: str, caption: str | None = None) -> None:
    st.title(title)
    if caption:
        st.caption(caption)


def show_violation(exc: RuleViolation) -> None:
    """A refusal from core: its message names users' inputs at times, so it is shown as plain text."""
    st.error(plain(exc.message), icon=":material/error:")


# --- exports: every .xlsx and .csv is written by core.exports (no live formulas) ------------------

def excel_bytes(df: pd.DataFrame, sheet: str = "数据") -> bytes:
    return xlsx_bytes({sheet: df})


def excel_download(df: pd.DataFrame, file_stem: str, key: str, label: str = "导出 Excel（当前筛选）") -> None:
    """One button that downloads exactly the table on screen (its current filters) as .xlsx, written when
    it is clicked (a workbook per rerun cost more than the page it sits on)."""
    stamp = datetime.now().strftime("%Y%m%d")
    st.download_button(label, lambda: excel_bytes(df, file_stem), file_name=f"{file_stem}_{stamp}.xlsx", key=key,
                       mime=XLSX_MIME, icon=":material/download:", on_click="ignore")


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
    left.download_button("下载 Excel", excel_bytes(df), file_name=f"{file_stem}_{stamp}.xlsx", mime=XLSX_MIME,
                         key=f"{key}_xlsx", width="stretch", on_click="ignore")
    right.download_button("下载 CSV", csv_bytes(df),
                          file_name=f"{file_stem}_{stamp}.csv", mime="text/csv",
                          key=f"{key}_csv", width="stretch", on_click="ignore")


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


def quoted(label: str, text: str) -> None:
    """A user's text shown as written, line by line, in a bordered box."""
    st.caption(label)
    st.container(border=True).markdown(plain(text) or "（无）")


def fmt_time(value: datetime | None) -> str:
    """A timestamp in Beijing time, as users read it."""
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M") if value else ""


def act(action: Callable, success: str | Callable[[Any], str], user: User, then: Callable[[], None] | None = None,
        warning: Callable[[Any], str | None] | None = None) -> None:
    """Run a core step in one writing unit of work; on success flash and rerun, on refusal say why here.

    A conflict with another user's request at the same moment is retried once (core.db.run_write):
    `action` re-reads what it decides on and carries the versions the user saw, so the retry applies
    only what is still valid. The caller's inputs stay on the page when a step is refused.
    """
    try:
        result = run_write(lambda session: action(session, session.get(User, user.id)))
    except RuleViolation as exc:
        show_violation(exc)
        return
    st.session_state["flash"] = success(result) if callable(success) else success
    if warning is not None and (text := warning(result)):
        st.session_state["flash_warning"] = text  # e.g. the files of a batch that were not taken
    if then is not None:
        then()  # may replace the flash with what the step reported
    st.rerun()


MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds on PostgreSQL
_PLAIN_ID = re.compile(r"[1-9][0-9]{0,9}")  # ASCII digits only: str.isdigit() also takes "²" and "٣"


def parse_id(raw) -> int | None:
    """A row id as an address (?id=…) or the session carries it: a positive integer written in plain
    ASCII digits within the database's range; None for anything else."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str) or not _PLAIN_ID.fullmatch(raw):
        return None
    value = int(raw)
    return value if value <= MAX_ID else None


def chosen_id(state_key: str, list_page: str, list_title: str, back_label: str = "返回任务列表") -> int:
    """The id a detail page shows: from its address (?id=…) or the list that opened it; else a way back."""
    raw = st.query_params.get("id") or st.session_state.get(state_key)
    chosen = parse_id(raw)
    if chosen is None:
        st.info(f"请从“{list_title}”列表中选择一项。")
        st.page_link(list_page, label=back_label, icon=":material/arrow_back:")
        st.stop()
    return chosen


def show_flash() -> None:
    """The confirmation a step left for the page it reran into (it may name what the user typed)."""
    if message := st.session_state.pop("flash", None):
        st.success(plain(message), icon=":material/check_circle:")
    if message := st.session_state.pop("flash_warning", None):
        st.warning(plain(message), icon=":material/warning:")


# --- wizards, versions and files, shared by the workflow screens ---------------------------------

UPLOAD_TYPES = {"scan": ["pdf", "jpg", "jpeg", "png"], "document": ["pdf", "jpg", "jpeg", "png", "docx", "xlsx"],
                "photo": ["jpg", "jpeg", "png"]}


def go_to_step(step_key: str, step: str) -> None:
    """Ask a wizard to show `step` on its next run (its step selector, `step_key`, is already drawn)."""
    st.session_state[f"goto_{step_key}"] = step


def step_selector(step_key: str, steps: list[str]) -> str:
    """The wizard's 办理步骤 selector, honouring a go_to_step() of the previous run."""
    if goto := st.session_state.pop(f"goto_{step_key}", None):
        st.session_state[step_key] = goto
    return st.radio("办理步骤", steps, horizontal=True, key=step_key,
                    captions=[f"第 {i} 步" for i in range(1, len(steps) + 1)])


class SeenVersions:
    """Versions of the objects as the user last saw them on this page.

    A button press reruns the page, which reloads the data; the write must be checked against
    what was on screen when the user decided, not against what the rerun has just read.
    """

    def __init__(self, key: str):
        self._key = key
        self._before: dict = dict(st.session_state.get(key, {}))
        self._now: dict = {}

    def see(self, name, version: int) -> int:
        """Record the version shown now; returns the one to send with a write made on this run."""
        self._now[name] = version
        return self._before.get(name, version)

    def remember(self) -> None:
        st.session_state[self._key] = {**self._before, **self._now}


def file_list(items: list[Attachment], key: str, on_delete: Callable[[Attachment], None] | None = None) -> None:
    if not items:
        st.caption("（无）")
        return
    for item in items:
        left, mid, view, right = st.columns([6, 2, 2, 1], vertical_alignment="center")
        left.markdown(f":material/attach_file: {plain(item.original_name)}  \n"
                      f":small[{_size(item.size)} · {fmt_time(item.uploaded_at)} · sha256 {item.sha256[:12]}…]")
        try:
            data = attachments.content(item)
        except (RuleViolation, OSError):
            mid.error("文件缺失或已被篡改")
            data = None
        else:
            mid.download_button("下载", data, file_name=item.original_name, mime=files.MIME_TYPES[item.kind],
                                key=f"{key}_dl_{item.id}", width="stretch",
                                on_click=record_download, args=(item.id,))
        shown = data is not None and previews.can_preview(item) and view.toggle("预览", key=f"{key}_view_{item.id}")
        if on_delete is not None and right.button("删除", key=f"{key}_rm_{item.id}", width="stretch"):
            on_delete(item)
        if shown:
            _preview(item, data)


@st.cache_data(max_entries=32, show_spinner="正在生成预览…")
def _rendered(sha256: str, kind: str, _data: bytes) -> tuple[list[bytes], int]:  # noqa: ARG001 - sha256 is the key
    """The preview images and, for a PDF, its page count: both read once per file, not on every rerun."""
    return previews.render(kind, _data), previews.page_count(_data) if kind == "pdf" else 1


def _preview(item: Attachment, data: bytes) -> None:
    try:
        images, pages = _rendered(item.sha256, item.kind, data)
    except Exception:  # noqa: BLE001 - a file PDFium cannot draw is still downloadable
        st.warning("该文件无法预览，请下载后查看。")
        return
    if item.kind == "pdf":
        st.caption(f"共 {pages} 页" + (f"，预览前 {len(images)} 页，完整内容请下载" if pages > len(images) else ""))
    with st.container(border=True):
        for image in images:
            st.image(image, width="stretch")


def record_download(attachment_id: int) -> None:
    """download_button callback: the audit log keeps who downloaded which file."""
    user = st.session_state.get(USER_KEY)
    if user is None:
        return
    def record(session) -> None:
        item = session.get(Attachment, attachment_id)
        if item is not None:
            attachments.record_download(session, session.get(User, user.id), item)

    run_write(record)


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    return f"{size / 1024:.0f} KB" if size < 1048576 else f"{size / 1048576:.1f} MB"


class StepUpload:
    """An uploader beside a step's text: its file goes with the step's own 上传该文件 button and also
    with the step's save and 下一步 buttons (a file chosen but not sent was silently lost on 下一步,
    issue 14). Once sent, the uploader is emptied, so that nothing is sent twice. `attach(session, actor,
    name, data)` is the core call that stores the file."""

    def __init__(self, label: str, key: str, attach: Callable[[Any, User, str, bytes], Any], kinds: str = "document"):
        self._key = f"{key}_generation"
        self._generation = st.session_state.get(self._key, 0)
        self._attach = attach
        self.file = upload_box(label, f"{key}_{self._generation}", kinds)

    def send(self, session, actor: User) -> None:
        """Attach the chosen file, if any, in the step's unit of work."""
        if self.file is not None:
            self._attach(session, actor, self.file.name, self.file.getvalue())

    def own_button(self, key: str, user: User) -> None:
        """上传该文件: the file alone, before the step is saved."""
        if self.file is not None and st.button("上传该文件", key=key):
            act(self.send, f"已上传“{self.file.name}”", user, then=self.clear)

    def note(self) -> str:
        return f"，并已上传“{self.file.name}”" if self.file is not None else ""

    def clear(self) -> None:
        st.session_state[self._key] = self._generation + 1


def upload_box(label: str, key: str, kinds: str = "scan", multiple: bool = False):
    allowed = "、".join(t.upper() for t in UPLOAD_TYPES[kinds] if t != "jpeg")
    return st.file_uploader(f"{label}（{allowed}，单个文件不超过 {files.MAX_BYTES // 1048576} MB）",
                            type=UPLOAD_TYPES[kinds], accept_multiple_files=multiple, key=key)
