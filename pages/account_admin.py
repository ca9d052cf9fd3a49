"""账户管理: a department resets the password of an account inside its jurisdiction."""

import pandas as pd
import streamlit as st

from core import auth
from core.accounts import managed_accounts
from core.db import run_write, unit_of_work
from core.errors import RuleViolation
from core.models import User
from core.text import Limit
from ui.session import current_user
from ui.widgets import export_buttons, page_header, plain, show_violation

user = current_user("pages/account_admin.py")
page_header("账户管理", "重置本辖区下级部门和企业账户的密码。重置后对方须用新的一次性密码登录并立即修改。")

text = st.text_input("查找账户", key="admin_search", placeholder="账号或名称", max_chars=Limit.SEARCH)
SHOWN = 200
with unit_of_work() as session:
    accounts = managed_accounts(session, user, text, limit=SHOWN)

if not accounts:
    st.info("没有找到可管理的账户。")
    st.stop()

df = pd.DataFrame(accounts).drop(columns=["id"])
if len(accounts) >= SHOWN:
    st.caption(f"仅列出前 {SHOWN} 个账户，请输入账号或名称缩小范围；导出文件包含全部符合条件的账户。")
st.dataframe(df, width="stretch", hide_index=True)


def every_account() -> list[dict]:  # the export, built when asked for
    with unit_of_work() as s:
        return [{k: v for k, v in row.items() if k != "id"} for row in managed_accounts(s, user, text, limit=None)]


export_buttons(every_account, "账户列表", "admin_xlsx")

options = {a["id"]: f"{a['账号']} · {a['名称']}（{a['状态']}）" for a in accounts}
target_id = st.selectbox("选择要重置密码的账户", list(options), format_func=options.get, key="admin_target")
confirm = st.checkbox("我已核实对方身份，确认重置该账户密码", key="admin_confirm")
if st.button("重置密码", type="primary", disabled=not confirm, key="admin_reset"):
    try:
        def reset(session):
            target = session.get(User, target_id)
            return target.login, auth.reset_password(session, session.get(User, user.id), target)

        login, password = run_write(reset, lock_first=False)  # bcrypt before the write: not locked first
    except RuleViolation as exc:
        show_violation(exc)
    else:
        st.session_state["reset_result"] = (login, password)
        st.session_state.pop("admin_confirm", None)
        st.rerun()

if result := st.session_state.get("reset_result"):
    login, password = result
    st.success(f"账户 {plain(login)} 的密码已重置。新的一次性密码如下，请通过安全渠道告知对方，本页面关闭后将不再显示：")
    st.code(password, language=None)
    if st.button("我已记录，隐藏密码", key="admin_hide"):
        st.session_state.pop("reset_result")
        st.rerun()
