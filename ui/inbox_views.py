"""The sidebar's unread count: one indexed COUNT per run (core.notifications.unread_count)."""

from __future__ import annotations

import streamlit as st

from core import notifications
from core.db import unit_of_work
from core.models import User


def unread_link(user: User) -> None:
    """A link to 站内消息 under the menu while the account has unread messages (drawn after st.navigation,
    which registers the page it names)."""
    with unit_of_work() as session:
        unread = notifications.unread_count(session, user)
    if unread:
        st.sidebar.page_link("pages/inbox.py", label=f"未读消息 {unread} 条", icon=":material/mark_email_unread:")
