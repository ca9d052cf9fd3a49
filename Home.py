"""Entry point: resolves who is signed in and shows only the pages of their tier."""

import streamlit as st

from ui.errors import run_guarded
from ui.navigation import HIDDEN, HOME, sections_for
from ui.session import SessionCookie, resolve_user, sign_out
from ui.widgets import plain

st.set_page_config(page_title="强制性清洁生产审核管理系统", page_icon=":material/eco:", layout="wide")

cookie = SessionCookie()
user = resolve_user(cookie)

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

# The page runs inside the guard: an unexpected error shows a reference number, not a traceback.
run_guarded(st.navigation(pages, position="sidebar" if user is not None else "hidden").run)
