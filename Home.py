"""Entry point: resolves who is signed in and shows only the pages of their tier."""

import streamlit as st

from core.models import Tier
from ui.session import SessionCookie, resolve_user, sign_out

st.set_page_config(page_title="强制性清洁生产审核管理系统", page_icon=":material/eco:", layout="wide")

cookie = SessionCookie()
user = resolve_user(cookie)

LOGIN = st.Page("pages/login.py", title="登录", icon=":material/login:")
FORCED_CHANGE = st.Page("pages/change_initial_password.py", title="修改初始密码", icon=":material/key:")
HOME = st.Page("pages/home.py", title="首页", icon=":material/home:", default=True)
ACCOUNT = st.Page("pages/account.py", title="账户", icon=":material/person:")
DIRECTORY = st.Page("pages/enterprise_directory.py", title="企业名录", icon=":material/factory:")
ACCOUNT_ADMIN = st.Page("pages/account_admin.py", title="账户管理", icon=":material/manage_accounts:")

if user is None:
    pages = [LOGIN]
elif user.must_change_password:
    pages = [FORCED_CHANGE]
elif user.tier is Tier.ENTERPRISE:
    pages = {"": [HOME], "系统": [ACCOUNT]}
else:
    pages = {"": [HOME], "企业管理": [DIRECTORY], "系统": [ACCOUNT, ACCOUNT_ADMIN]}

if user is not None:
    with st.sidebar:
        st.markdown(f"**{user.display_name}**")
        st.caption(f"{user.tier.label}用户 · 账号 {user.login}")
        if st.button("退出登录", key="logout", use_container_width=True):
            sign_out(cookie)
            st.rerun()

st.navigation(pages, position="sidebar" if user is not None else "hidden").run()
