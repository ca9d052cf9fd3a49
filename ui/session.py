"""The signed-in user of this browser session, and the session cookie.

The tab that logs in keeps the session token in st.session_state (server-side; it never reaches the
browser). So that a reload or a new tab stays signed in, the page then exchanges a one-time ticket
for an HttpOnly, SameSite=Strict cookie set by the server (ui/session_routes.py): no script in the
page can read that cookie. st.context.cookies hands it back to the server on the next connection.
The server decides on every run whether the session is still alive (core.sessions.resume_session):
a logout, password change, 30 minutes without activity or 12 hours end it, whatever the cookie says.
"""

from __future__ import annotations

import html
import secrets

import streamlit as st

from core import auth, sessions
from core.db import run_write, unit_of_work
from core.errors import Conflict, RuleViolation
from core.models import User

TOKEN_KEY = "session_token"
USER_KEY = "current_user"
PENDING_COOKIE_KEY = "cookie_to_set"
COOKIE_READ_KEY = "cookie_read"
CLEAR_COOKIE_KEY = "cookie_to_clear"
SESSION_ENDED_KEY = "session_ended"  # the login page says why the user is back there
COOKIE_NAME = "qjsc_session"
CLIENT_SCRIPT = "/api/session/client.js"


def client_address() -> str | None:
    """The client's address as the server sees it (None on localhost): the key failed logins count under."""
    address = st.context.ip_address
    return address if isinstance(address, str) else None  # AppTest hands out a mock


def _token_from_cookie() -> str | None:
    """Read the cookie once per browser session: after a logout here, it names a dead session."""
    if st.session_state.get(COOKIE_READ_KEY):
        return None
    st.session_state[COOKIE_READ_KEY] = True
    cookies = st.context.cookies
    return sessions.cookie_token(cookies.get(COOKIE_NAME) if cookies else None)


def resolve_user() -> User | None:
    """Called once per run by Home.py: who is signed in, from session state or the cookie."""
    token = st.session_state.get(TOKEN_KEY)
    from_cookie = token is None
    if from_cookie:
        token = _token_from_cookie()
    user, ticket = None, None
    if token:
        def resume(session):
            found = auth.resume_session(session, token)
            wanted = found is not None and st.session_state.get(PENDING_COOKIE_KEY) == token
            return found, sessions.issue_ticket(session, token) if wanted else None

        # Mostly a read; it writes the session's last activity (once a minute) or a ticket, so a
        # write that meets another one is tried again rather than shown (core.db.run_write). When the
        # database stays busy (dozens of sign-ins at one moment), who this is needs no write: the
        # activity and the cookie's ticket are noted on a later run.
        try:
            user, ticket = run_write(resume, lock_first=False)
        except Conflict:
            with unit_of_work() as session:
                user, ticket = sessions.signed_in_user(session, token), None
    if user is None:
        st.session_state.pop(TOKEN_KEY, None)
        if token:  # expired, idle or revoked: drop the cookie from the browser
            st.session_state[CLEAR_COOKIE_KEY] = True
            st.session_state[SESSION_ENDED_KEY] = not from_cookie
    else:
        st.session_state[TOKEN_KEY] = token
    st.session_state[USER_KEY] = user
    if ticket:
        st.session_state.pop(PENDING_COOKIE_KEY, None)
        _run_client_script("set", ticket=ticket)
    elif st.session_state.pop(CLEAR_COOKIE_KEY, False):
        _run_client_script("clear")
    return user


def _run_client_script(action: str, ticket: str | None = None) -> None:
    """Load the static session script (served by our route, so the CSP needs no inline script).

    It posts the ticket to /api/session/cookie (action "set"), or asks /api/session/logout to drop
    the cookie ("clear"). The nonce makes each use a new element, so the script runs every time.
    """
    attributes = {"data-action": action, "data-nonce": secrets.token_hex(8)}
    if ticket:
        attributes["data-ticket"] = ticket
    rendered = " ".join(f'{name}="{html.escape(value)}"' for name, value in attributes.items())
    st.html(f'<script src="{CLIENT_SCRIPT}" {rendered}></script>', unsafe_allow_javascript=True)


def sign_in(token: str) -> None:
    st.session_state[TOKEN_KEY] = token
    st.session_state[PENDING_COOKIE_KEY] = token


def sign_out() -> None:
    """Button callback: end every session of this user server-side, forget them here, drop the cookie."""
    token = st.session_state.get(TOKEN_KEY)
    try:
        run_write(lambda session: auth.logout(session, token))
    except RuleViolation as exc:  # the database stayed busy: still signed in, so that the user can retry
        st.error(exc.message, icon=":material/error:")
        return
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[COOKIE_READ_KEY] = True
    st.session_state[CLEAR_COOKIE_KEY] = True


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
