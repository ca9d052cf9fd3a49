"""站内消息: the account's messages (tasks dispatched or returned, applications to handle, results, due dates)."""

import streamlit as st

from core import notifications
from core.db import run_write, unit_of_work
from core.errors import RuleViolation
from core.notification_models import MessageKind
from ui.navigation import allowed_paths
from ui.session import current_user
from ui.widgets import (SeenVersions, act, current_page, fmt_time, page_header, pager, plain, show_flash,
                        show_violation)

user = current_user("pages/inbox.py")
page_header("站内消息", "任务下发与退回、待办申请、审核结果和时间节点提醒。"
            + ("退回、审核结果和时间节点提醒同时以短信发送给项目负责人。" if not user.tier.is_department else ""))
show_flash()

PAGE_SIZE = 20
# The session key each detail screen also reads its id from (besides ?id=…).
STATE_KEYS = {"pages/roster_task.py": "roster_assignment_id", "pages/notice_task.py": "notice_part_id",
              "pages/case.py": "case_id"}
COLORS = {MessageKind.CASE_RETURN: "orange", MessageKind.CASE_RESULT: "green", MessageKind.OVERDUE: "red",
          MessageKind.DUE: "orange"}

unread_only = st.toggle("只看未读", key="inbox_unread")
with unit_of_work() as session:
    unread = notifications.unread_count(session, user)
    total = notifications.count(session, user, unread_only=unread_only)
    newest = notifications.latest_id(session, user)
# 全部标为已读 marks what the user had on screen: the click's rerun may already read a newer message.
seen = SeenVersions("inbox_seen")
shown_newest = seen.see("newest", newest)
seen.remember()

left, right = st.columns([3, 1], vertical_alignment="center")
left.markdown(f"未读 **{unread}** 条 · 共 **{total}** 条"
              + ("（只看未读）" if unread_only else ""))
if unread:
    with right.popover("全部标为已读", icon=":material/done_all:", width="stretch"):
        st.caption("将当前已收到的全部消息标为已读，标记后不能恢复为未读。")
        if st.button("确认全部标为已读", key="inbox_all_read", type="primary"):
            act(lambda s, a: notifications.mark_all_read(s, a, shown_newest), lambda n: f"已将 {n} 条消息标为已读", user)

if not total:
    st.info("没有未读消息。" if unread_only else "暂无消息。", icon=":material/inbox:")
    st.stop()


def open_message(row: notifications.InboxRow) -> None:
    """Mark it read, then show its object (a detail screen by its id, else the screen itself)."""
    try:
        run_write(lambda s: notifications.mark_read(s, user, row.id))
    except RuleViolation as exc:
        show_violation(exc)
        return
    if row.link_id is not None and row.link_page in STATE_KEYS:
        st.session_state[STATE_KEYS[row.link_page]] = row.link_id
        st.switch_page(row.link_page, query_params={"id": str(row.link_id)})
    st.switch_page(row.link_page)


page = current_page(total, PAGE_SIZE, "inbox_page")
with unit_of_work() as session:
    rows = notifications.inbox(session, user, unread_only=unread_only, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
mine = allowed_paths(user)
for row in rows:
    with st.container(border=True):
        info, actions = st.columns([5, 1], vertical_alignment="top")
        state = ":gray-badge[已读]" if row.read_at else ":red-badge[未读]"
        info.markdown(f"{state} :{COLORS.get(row.kind, 'blue')}-badge[{row.kind.label}] **{plain(row.title)}**  \n"
                      f":small[{fmt_time(row.created_at)}]")
        info.markdown(plain(row.body))
        if row.link_page in mine and actions.button("打开", key=f"inbox_open_{row.id}", width="stretch"):
            open_message(row)
        if row.read_at is None and actions.button("标为已读", key=f"inbox_read_{row.id}", width="stretch"):
            act(lambda s, a, i=row.id: notifications.mark_read(s, a, i), "已标为已读", user)
pager(total, PAGE_SIZE, "inbox_page")
