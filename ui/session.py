"""The signed-in user of this browser session.

The browser keeps a session token in st.session_state and, so that a reload does not log it out,
in a cookie signed with streamlit-authenticator's cookie model. The server decides on every run
whether that token is still alive (core.auth.resume_session): a logout or password change elsewhere
ends it, whatever the cookie says.
"""

from __future__ import annotations

import re
from datetime import datetime

import jwt
import streamlit as st
from streamlit_authenticator.models.cookie_model import CookieModel

from core import auth
from core.config import secret_key
from core.db import run_write, unit_of_work
from core.errors import RuleViolation
from core.models import User

TOKEN_KEY = "session_token"
USER_KEY = "current_user"
PENDING_COOKIE_KEY = "cookie_to_set"
COOKIE_NAME = "qjsc_session"


class SessionCookie(CookieModel):
    """streamlit-authenticator's signed (HS256) cookie, carrying our session token instead of a username."""

    def __init__(self) -> None:
        # CookieModel.__init__ would draw extra-streamlit-components' CookieManager on every run;
        # its value arriving after page load reruns the page and swallowed clicks and form submits
        # made meanwhile. We read cookies from st.context and write them with a one-line script.
        self.cookie_name = COOKIE_NAME
        self.cookie_key = secret_key()
        self.cookie_expiry_days = auth.SESSION_HOURS / 24
        self.token = None
        self.exp_date = None
        self._token: str | None = None

    @property
    def cookie_manager(self) -> "_ScriptCookieWriter":
        return _ScriptCookieWriter()

    def read_token(self) -> str | None:
        raw = st.context.cookies.get(self.cookie_name) if st.context.cookies else None
        if not raw:
            return None
        try:
            payload = jwt.decode(raw, self.cookie_key, algorithms=["HS256"])
        except jwt.PyJWTError:
            return None
        if payload.get("exp_date", 0) < datetime.now().timestamp():
            return None
        return payload.get("sid")

    def write_token(self, token: str) -> None:
        self._token = token
        self.set_cookie()

    def _token_encode(self) -> str:
        return jwt.encode({"sid": self._token, "exp_date": self.exp_date}, self.cookie_key, algorithm="HS256")


class _ScriptCookieWriter:
    """Sets a cookie from a script in the page: unlike a component, it triggers no rerun."""

    @staticmethod
    def set(name: str, value: str, expires_at: datetime) -> None:
        max_age = max(0, int((expires_at - datetime.now()).total_seconds()))
        if not re.fullmatch(r"[A-Za-z0-9_.\-]+", value):  # a JWT is base64url and dots
            raise ValueError("cookie value must be a JWT")
        st.html(f"<script>document.cookie = '{name}={value}; path=/; max-age={max_age}; SameSite=Strict';"
                "</script>", unsafe_allow_javascript=True)


def resolve_user(cookie: SessionCookie | None) -> User | None:
    """Called once per run by Home.py: who is signed in, from session state or the cookie."""
    token = st.session_state.get(TOKEN_KEY)
    if token is None and cookie is not None:
        token = cookie.read_token()
    user = None
    if token:
        with unit_of_work() as session:
            user = auth.resume_session(session, token)
    if user is None:
        st.session_state.pop(TOKEN_KEY, None)
    else:
        st.session_state[TOKEN_KEY] = token
    st.session_state[USER_KEY] = user
    if cookie is not None and user is not None and st.session_state.get(PENDING_COOKIE_KEY) == token:
        cookie.write_token(token)
        st.session_state.pop(PENDING_COOKIE_KEY)
    return user


def sign_in(token: str) -> None:
    st.session_state[TOKEN_KEY] = token
    st.session_state[PENDING_COOKIE_KEY] = token


def sign_out() -> None:
    """Button callback: end every session of this user server-side and forget them here."""
    token = st.session_state.get(TOKEN_KEY)
    try:
        run_write(lambda session: auth.logout(session, token))
    except RuleViolation as exc:  # the database stayed busy: still signed in, so that the user can retry
        st.error(exc.message, icon=":material/error:")
        return
    # The browser keeps its cookie: the session it names is dead server-side, so it signs nobody
    # in. Deleting it would draw the cookie component, whose load-time rerun swallowed the next
    # login's submit when someone signed in again at once.
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def current_user(page: str) -> User:
    """The signed-in user, if `page` (its path, e.g. "pages/home.py") is one of their screens.

    Home.py only offers a user their own screens; this second check keeps a page from running
    for anyone else even when it is reached some other way.
    """
    from ui.navigation import allowed_paths

    user = st.session_state.get(USER_KEY)
    if user is None:
        st.error("登录已失效，请重新登录。")
        st.stop()
    if page not in allowed_paths(user):
        st.error("您无权访问此页面。" + ("请先修改初始密码。" if user.must_change_password else ""))
        st.stop()
    return user


def current_token() -> str | None:
    return st.session_state.get(TOKEN_KEY)
