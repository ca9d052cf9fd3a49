"""The change-password form, shared by the forced first-login page and the 账户 page."""

from __future__ import annotations

import streamlit as st

from core import auth
from core.db import run_write
from core.errors import RuleViolation, ValidationError
from core.models import User
from core.passwords import MAX_LENGTH, MIN_LENGTH
from ui.session import client_address, current_token
from ui.widgets import plain

RULES = (f"密码要求：{MIN_LENGTH}–{MAX_LENGTH} 位，包含大写字母、小写字母、数字、符号中的至少 3 类，"
         "不能包含账号本身。修改后，您在其他浏览器中的登录将全部失效。")


def change_password_form(user: User, key: str) -> bool:
    """Draw the form; returns True once the password was changed."""
    with st.form(f"{key}_password_form", clear_on_submit=False):
        current = st.text_input("当前密码", type="password", key=f"{key}_current")
        new = st.text_input("新密码", type="password", key=f"{key}_new", help=RULES, max_chars=MAX_LENGTH)
        confirm = st.text_input("确认新密码", type="password", key=f"{key}_confirm", max_chars=MAX_LENGTH)
        st.caption(RULES)
        submitted = st.form_submit_button("确认修改", type="primary")
    feedback_key = f"{key}_password_feedback"
    changed = False
    if submitted:
        st.session_state.pop(feedback_key, None)
        try:
            if new != confirm:
                raise ValidationError("两次输入的新密码不一致", field="confirm")
            # The counters of a wrong current password are written in this unit and kept with the refusal
            # (core.errors.KeptRefusal); a writing unit serialises concurrent tries on SQLite.
            run_write(lambda session: auth.change_password(session, session.get(User, user.id), current, new,
                                                           keep_token=current_token(), client=client_address()))
        except RuleViolation as exc:  # a refused password, or a conflict with a request at the same moment
            # Kept in session state so that a rerun of the page does not hide it.
            st.session_state[feedback_key] = exc.message
        else:
            st.session_state["flash"] = "密码已修改。"
            changed = True
    if message := st.session_state.get(feedback_key):
        st.error(plain(message), icon=":material/error:")
    return changed
