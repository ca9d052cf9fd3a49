"""Entry point: resolves who is signed in and shows only the pages of their tier.

The web server is server.py (st.App around this script), which adds the session-cookie routes and
the security headers; `streamlit run server.py` serves both.
"""

import streamlit as st

from core import instance
from core.config import database_url
from core.db import unit_of_work
from ui.errors import run_guarded
from ui.inbox_views import unread_link
from ui.navigation import HIDDEN, HOME, sections_for
from ui.session import resolve_user, sign_out
from ui.widgets import plain

st.set_page_config(page_title="强制性清洁生产审核管理系统", page_icon="🌿", layout="wide")


@st.cache_data(ttl=300, show_spinner=False)
def _is_demo(url: str) -> bool:  # noqa: ARG001  (the cache key: one answer per database)
    with unit_of_work() as session:
        return instance.is_demo(session)


if _is_demo(database_url()):
    st.caption(":orange-badge[:material/science: 演示系统] 本系统载入的是演示数据，演示账号的密码是公开的，"
               "请勿录入真实信息。")

user = resolve_user()

pages = {
    section: [st.Page(path, title=title, icon=icon, default=(path, title, icon) == HOME,
                      visibility="hidden" if path in HIDDEN else "visible")
              for path, title, icon in entries]
    for section, entries in sections_for(user).items()
}

if user is not None:
    with st.sidebar:
        st.markdown(f"**{plain(user.display_name)}**")
        st.caption(f"{user.tier.label}用户 · 账号 {plain(user.login)}")
        st.button("退出登录", key="logout", width="stretch", on_click=sign_out)

# expanded: every screen listed, never Streamlit's English "View N more"
navigation = st.navigation(pages, position="sidebar" if user is not None else "hidden", expanded=True)
if user is not None and not user.must_change_password:
    run_guarded(lambda: unread_link(user))
# The page runs inside the guard: an unexpected error shows a reference number, not a traceback.
run_guarded(navigation.run)
