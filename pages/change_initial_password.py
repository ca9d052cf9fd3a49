"""修改初始密码: the only page a user sees until the initial (or reset) password is replaced."""

import streamlit as st

from ui.account_forms import change_password_form
from ui.session import current_user

user = current_user("pages/change_initial_password.py")
st.title("修改初始密码")
st.warning("为保障账户安全，首次登录（或密码被重置后）须先修改密码，才能使用系统其他功能。")
if change_password_form(user, key="forced"):
    st.rerun()
