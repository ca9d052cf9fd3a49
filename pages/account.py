"""账户: one's own account details and password change."""

import streamlit as st

from ui.account_forms import change_password_form
from ui.session import current_user
from ui.widgets import fmt_time, plain

user = current_user("pages/account.py")
st.title("账户")
if msg := st.session_state.pop("flash", None):
    st.success(plain(msg))
st.markdown(f"**账号**：{plain(user.login)}　　**名称**：{plain(user.display_name)}　　**类型**：{user.tier.label}")
if user.password_changed_at:
    st.caption(f"上次修改密码：{fmt_time(user.password_changed_at)}")
st.subheader("修改密码")
if change_password_form(user, key="account"):
    st.rerun()
