"""登录: departments sign in with their 6-digit division code, enterprises with the account in their letter."""

import streamlit as st

from core import auth
from core.errors import RuleViolation
from ui.session import SESSION_ENDED_KEY, client_address, sign_in

_, middle, _ = st.columns([1, 2, 1])
with middle:
    st.title("强制性清洁生产审核管理系统")
    st.caption("河北省生态环境厅")
    if st.session_state.pop(SESSION_ENDED_KEY, False):
        st.info("登录已失效（超过 30 分钟未操作、已退出登录或密码已修改），请重新登录。", icon=":material/schedule:")
    with st.form("login_form"):
        st.subheader("用户登录")
        login = st.text_input("账号", key="login_account", max_chars=auth.LOGIN_MAX_LENGTH,
                              placeholder="生态环境部门：六位行政区划代码；企业：告知书中的账号")
        password = st.text_input("密码", type="password", key="login_password", max_chars=auth.PASSWORD_MAX_LENGTH)
        submitted = st.form_submit_button("立即登录", type="primary", width="stretch")
    if submitted:
        try:
            result = auth.log_in(login, password, client=client_address())
        except RuleViolation as exc:  # the database stayed busy with other requests, twice
            result = auth.LoginResult(False, exc.message)
        if result.ok:
            st.session_state.pop("login_feedback", None)
            sign_in(result.token)
            st.rerun()
        # Kept in session state so that a rerun of the page does not hide it.
        st.session_state["login_feedback"] = (result.message, bool(result.locked_minutes))
    if feedback := st.session_state.get("login_feedback"):
        message, locked = feedback
        st.error(message, icon=":material/lock:" if locked else ":material/error:")
    st.caption("首次登录须修改初始密码。同一终端连续 5 次密码错误，该账户在此终端锁定 15 分钟；"
               "忘记密码请联系上级生态环境部门重置。")
